"""The portfolio's storage (directories, a facility's figures and protocols,
a person's groups and tiles): the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.errors import Conflict
from heatportal.domain.facility_groups import FacilityGroup, OperatingProtocol, PortfolioSettings, TileSetting
from heatportal.domain.model import Facility, MeterKind
from heatportal.domain.money import EnergyUnit
from heatportal.domain.portfolio import (
    CustomerDirectory,
    FacilityAggregate,
    FacilityDay,
    FacilityMonth,
    InvoiceSummary,
    Supply,
    SupplyStatus,
    directory_of,
)
from tests.builders import ADDRESS, a_customer, a_meter, a_reading
from tests.contract.ports.conftest import Ports

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _directory(number: str = "100001") -> CustomerDirectory:
    facility = Facility(id=f"F-{number}", customer_number=number, name="Ugglan 12", address=ADDRESS)
    heat = a_meter("H-1", number, unit=EnergyUnit.MWH, decimals=3)
    cold = a_meter("C-1", number, kind=MeterKind.COOLING, unit=EnergyUnit.MWH, decimals=3)
    record = CustomerRecord(number=number, customer=a_customer(number), facilities=(facility,), meters=(heat, cold))
    status = SupplyStatus(data_until=date(2026, 3, 1), last_kwh=Decimal("1250.0"), expected_kwh=Decimal(1000))
    return directory_of(
        record,
        last_readings={"H-1": a_reading("H-1", date(2026, 3, 1), "12.345")},
        status={(facility.id, "heating"): status},
        invoices=InvoiceSummary(currency="SEK", open_count=2, open_total=Decimal("1234.50")),
        as_of=AT,
    )


def test_directories_come_back_as_stored_and_unknown_customers_are_left_out(ports: Ports) -> None:
    stored = _directory()
    ports.portfolio.put_directory(stored)
    found = ports.portfolio.directories(["100001", "999999", "100001"])
    assert found == {"100001": stored}
    facility = found["100001"].facilities[0]
    assert facility.supplies == ("heating", "cooling")
    assert facility.status["heating"].deviation == Decimal("0.250")
    assert [(m.number, m.last_value) for m in facility.meters] == [("C-1", None), ("H-1", Decimal("12.345"))]


def test_a_new_reading_becomes_the_last_unless_a_newer_one_is_known(ports: Ports) -> None:
    ports.portfolio.put_directory(_directory())
    ports.portfolio.note_reading("100001", a_reading("C-1", date(2026, 2, 1), "4.000"))
    ports.portfolio.note_reading("100001", a_reading("H-1", date(2026, 2, 1), "11.000"))  # older: ignored
    ports.portfolio.note_reading("100002", a_reading("X-1", date(2026, 2, 1), "1"))  # no directory: nothing
    meters = ports.portfolio.directories(["100001"])["100001"].facilities[0].meters
    assert [(m.number, m.last_value, m.last_read_on) for m in meters] == [
        ("C-1", Decimal("4.000"), date(2026, 2, 1)),
        ("H-1", Decimal("12.345"), date(2026, 3, 1)),
    ]
    assert ports.portfolio.directories(["100002"]) == {}


def _aggregate(facility: str, supply: Supply = "heating") -> FacilityAggregate:
    return FacilityAggregate(
        customer_number="100001",
        facility_id=facility,
        supply=supply,
        months=(
            FacilityMonth(
                month="2026-02",
                days=28,
                energy_kwh=Decimal("5000.0"),
                return_temp=Decimal("38.5"),
                weighted_kwh=Decimal("5000.0"),
                estimated_days=2,
                cost={"energy": Decimal("3600.00"), "fixed_fee": Decimal("329.17")},
            ),
        ),
        days=(
            FacilityDay(
                day=date(2026, 2, 28), energy_kwh=Decimal("180.5"), outdoor_temp=Decimal("-3.2"), quality="corrected"
            ),
        ),
        as_of=AT,
    )


def test_a_facilitys_figures_are_read_many_at_a_time_and_with_its_protocols(ports: Ports) -> None:
    ports.portfolio.put_aggregates([_aggregate("F-1"), _aggregate("F-1", "cooling"), _aggregate("F-2")])
    protocol = OperatingProtocol(
        id="p1",
        customer_number="100001",
        facility_id="F-1",
        title="Funktionskontroll mars",
        filename="fk-mars.pdf",
        document_key="protocols/100001/F-1/p1.pdf",
        size=1234,
        uploaded_at=AT,
        uploaded_by="staff@example.org",
    )
    ports.portfolio.put_protocol(protocol)
    found = ports.portfolio.aggregates(
        [("100001", "F-1", "heating"), ("100001", "F-2", "heating"), ("100001", "F-9", "heating")]
    )
    assert sorted((a.facility_id, a.supply) for a in found) == [("F-1", "heating"), ("F-2", "heating")]
    assert found[0] == _aggregate(found[0].facility_id)
    aggregates, protocols = ports.portfolio.facility("100001", "F-1")
    assert sorted(a.supply for a in aggregates) == ["cooling", "heating"]
    assert protocols == [protocol]


def test_settings_start_empty_and_a_save_from_an_old_version_is_refused(ports: Ports) -> None:
    empty = ports.portfolio_settings.settings("user-1")
    assert (empty.groups, empty.tiles, empty.version) == ((), (), 0)
    group = FacilityGroup(id="g1", name="Söder", facilities=("F-1", "F-2"), created_at=AT)
    saved = ports.portfolio_settings.save_settings(
        PortfolioSettings(
            user_id="user-1", groups=(group,), tiles=(TileSetting(tile="status", options={"count": "5"}),)
        )
    )
    assert saved.version == 1 and ports.portfolio_settings.settings("user-1") == saved
    with pytest.raises(Conflict):
        ports.portfolio_settings.save_settings(empty)  # read before the first save
    assert ports.portfolio_settings.save_settings(saved).version == 2
