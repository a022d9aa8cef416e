"""The portfolio's services on in-memory fakes: the scope across customers,
the projection of figures, the facility list and groups, analysis and the
bonus/fee table, the start page's overview and tiles, invoices across
customers (whole or split per facility, the "more than 20 facilities" rule)
and operating protocols."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from heatportal.domain.climate import daily_temperature_series
from heatportal.domain.companies import CompanyGrant, OrgMember, OrgRole
from heatportal.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from heatportal.domain.facility_groups import TileSetting
from heatportal.domain.model import (
    Address,
    BillingPeriod,
    DailyConsumption,
    Facility,
    InvoiceStatus,
    Meter,
    MeterKind,
    MeterPeriodValue,
    Role,
)
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import load_profile
from heatportal.domain.tariff import MeterUsage, PricingInput, price_period
from heatportal.services.access import AccessService, Principal
from heatportal.services.portfolio.analysis import AnalysisService
from heatportal.services.portfolio.facilities import FacilityQuery, FacilityService
from heatportal.services.portfolio.invoices import PortfolioInvoiceFilter, PortfolioInvoiceService
from heatportal.services.portfolio.overview import OverviewService
from heatportal.services.portfolio.projection import PortfolioProjector
from heatportal.services.portfolio.protocols import ProtocolService
from heatportal.services.portfolio.scope import Portfolio, PortfolioAccess
from tests.builders import a_customer, a_draft_invoice, a_membership, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.companies import InMemoryCompanyDirectory
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.documents import InMemoryDocumentStore
from tests.fakes.invoices import InMemoryInvoiceRepository
from tests.fakes.portfolio import InMemoryPortfolioStore
from tests.fakes.readings import InMemoryReadingRepository
from tests.fakes.spot_prices import InMemorySpotPriceStore

SE = load_profile("se")
TODAY = date(2026, 3, 10)
ORG = "5560360793"
EVA = Principal("eva", "eva@example.se")  # the housing company's administrator
MAJA = Principal("maja", "maja@example.se")  # a manager at a management company, granted one facility
STAFF = Principal("kundservice", "ks@example.se", frozenset({"staff"}))
ADDRESS = Address(street="Ugglegatan 12", postcode="113 55", city="Stockholm", country="SE")


@dataclass
class World:
    clock: FixedClock = field(default_factory=lambda: FixedClock(TODAY))
    customers: InMemoryCustomerRepository = field(default_factory=InMemoryCustomerRepository)
    memberships: InMemoryMembershipRepository = field(default_factory=InMemoryMembershipRepository)
    readings: InMemoryReadingRepository = field(default_factory=InMemoryReadingRepository)
    invoices: InMemoryInvoiceRepository = field(default_factory=InMemoryInvoiceRepository)
    store: InMemoryPortfolioStore = field(default_factory=InMemoryPortfolioStore)
    documents: InMemoryDocumentStore = field(default_factory=InMemoryDocumentStore)

    def __post_init__(self) -> None:
        self.companies = InMemoryCompanyDirectory(self.memberships)
        self.records = InMemoryCustomerRecords(
            self.memberships, self.customers, companies=self.companies, invoices=self.invoices
        )
        self.access_service = AccessService(self.records, self.companies)
        self.access = PortfolioAccess(self.access_service, self.records, self.store)
        self.projector = PortfolioProjector(
            SE, self.records, self.readings, InMemorySpotPriceStore(), self.store, self.clock
        )
        self.facilities = FacilityService(self.store, self.store, self.clock)
        self.analysis = AnalysisService(self.store, self.clock, "SEK")
        self.overview = OverviewService(self.store, self.clock, "SEK")
        self.portfolio_invoices = PortfolioInvoiceService(self.invoices, self.documents, SE, self.clock)
        self.protocols = ProtocolService(self.store, self.documents, self.clock)

    def facility(self, customer: str, facility_id: str, name: str, *kinds: MeterKind, scale: float = 1.0) -> None:
        self.customers.add_facility(Facility(id=facility_id, customer_number=customer, name=name, address=ADDRESS))
        temps = daily_temperature_series("stockholm", date(2024, 1, 1), TODAY, seed=3)
        for kind in kinds:
            meter = Meter(
                number=f"{facility_id}-{kind.value}",
                customer_number=customer,
                facility_id=facility_id,
                kind=kind,
                unit=EnergyUnit.MWH,
                decimals=3,
                installed_on=date(2020, 1, 1),
            )
            self.customers.add_meter(meter)
            rows = []
            for day, temp in temps.items():
                if kind == MeterKind.HEAT:
                    kw = 30 + 6 * max(16 - float(temp), 0.0)
                    ret, supply = Decimal("36.5"), Decimal("75.0")
                else:
                    kw = 10 + 9 * max(float(temp) - 14, 0.0)
                    ret, supply = Decimal("15.0"), Decimal("6.0")
                mwh = Decimal(f"{kw * 24 * scale / 1000:.3f}")
                rows.append(
                    DailyConsumption(
                        meter_number=meter.number,
                        day=day,
                        quantity=mwh,
                        mean_outdoor_temp=temp,
                        peak_load_kw=Decimal(f"{kw * 1.4 * scale:.1f}"),
                        mean_return_temp=ret,
                        mean_supply_temp=supply,
                        volume_m3=Decimal(f"{kw * 24 * scale / 40:.3f}"),
                        max_flow_m3h=Decimal(f"{kw * scale / 30:.3f}"),
                        quality="estimated" if day == date(2026, 2, 14) else "measured",
                    )
                )
            self.readings.add_daily(*rows)
            self.readings.add_reading(a_reading(meter.number, date(2026, 3, 1), "123.456"))

    def portfolio(self, who: Principal, staff_customer: str | None = None) -> Portfolio:
        return self.access.portfolio(who, staff_customer=staff_customer)


@pytest.fixture
def world() -> World:
    w = World()
    w.customers.add_customer(a_customer("1000001").model_copy(update={"name": "Brf Ugglan"}))
    w.customers.add_customer(a_customer("1000002").model_copy(update={"name": "Fastighets AB Kvarnen"}))
    w.facility("1000001", "F-A1", "Ugglan 12", MeterKind.HEAT)
    w.facility("1000001", "F-A2", "Ugglan 14", MeterKind.HEAT, MeterKind.COOLING, scale=2.0)
    w.facility("1000002", "F-B1", "Kvarnen 3", MeterKind.HEAT, MeterKind.HOT_WATER)
    w.facility("1000002", "F-B2", "Kvarnen 4", MeterKind.HEAT)
    w.memberships.add(a_membership("eva", "1000001", Role.ADMIN))
    w.companies.members.append(OrgMember(ORG, "maja", "maja@example.se", OrgRole.MANAGER))
    w.companies.grants.append(
        CompanyGrant("1000002", ORG, Role.READ, frozenset({"F-B1"}), "active", "boss@example.se", datetime.now(UTC))
    )
    for number in ("1000001", "1000002"):
        w.projector.refresh(number)
    return w


# --- the scope --------------------------------------------------------------------------------------


def test_a_portfolio_holds_own_customers_whole_and_a_companys_granted_facilities_only(world: World) -> None:
    eva, maja = world.portfolio(EVA), world.portfolio(MAJA)
    assert [f.id for f in eva.facilities] == ["F-A1", "F-A2"] and eva.customers["1000001"].whole
    assert [f.id for f in maja.facilities] == ["F-B1"]
    assert not maja.customers["1000002"].whole and maja.customers["1000002"].via_org == ORG
    with pytest.raises(NotFound):
        maja.facility("F-B2")  # the customer's other facility: as unknown as a made-up id
    with pytest.raises(NotFound):
        eva.facility("F-B1")
    assert world.portfolio(STAFF).facilities == ()
    assert [f.id for f in world.portfolio(STAFF, staff_customer="1000002").facilities] == ["F-B1", "F-B2"]


def test_a_grant_that_names_every_facility_of_the_customer_sees_the_whole_customer(world: World) -> None:
    world.companies.grants[0] = replace(world.companies.grants[0], facilities=frozenset({"F-B1", "F-B2"}))
    maja = world.portfolio(MAJA)
    assert [f.id for f in maja.facilities] == ["F-B1", "F-B2"] and maja.customers["1000002"].whole
    # A facility added to the customer later is not in the grant: the grant is partial again.
    world.customers.add_facility(Facility(id="F-B3", customer_number="1000002", name="Kvarnen 5", address=ADDRESS))
    world.projector.refresh("1000002")
    maja = world.portfolio(MAJA)
    assert [f.id for f in maja.facilities] == ["F-B1", "F-B2"] and not maja.customers["1000002"].whole


def test_the_scope_reads_the_links_and_one_batch_of_directories_whatever_the_facilities(world: World) -> None:
    world.store.batches, world.records.reads, world.companies.calls = 0, 0, []
    world.portfolio(MAJA)
    assert (world.store.batches, world.records.reads) == (1, 0)
    # One query of the person's links and organisations, one of the organisation's grants.
    assert (world.companies.calls.count("access_of"), world.companies.calls.count("grants_of_org")) == (1, 1)


def test_a_customer_without_figures_yet_is_listed_from_its_record(world: World) -> None:
    world.customers.add_customer(a_customer("1000003").model_copy(update={"name": "Ny kund"}))
    world.customers.add_facility(Facility(id="F-C1", customer_number="1000003", name="Nytt hus", address=ADDRESS))
    world.memberships.add(a_membership("eva", "1000003", Role.READ))
    world.records.reads = 0
    portfolio = world.portfolio(EVA)
    assert world.records.reads == 1
    new = portfolio.facility("F-C1")
    assert (new.facility.status, portfolio.directories["1000003"].as_of) == ({}, None)


# --- projection -------------------------------------------------------------------------------------


def test_the_projection_keeps_last_readings_status_figures_and_open_invoices(world: World) -> None:
    directory = world.store.stored_directories["1000001"]
    ugglan14 = directory.facility("F-A2")
    assert ugglan14 is not None and ugglan14.supplies == ("heating", "cooling")
    assert {m.number: m.last_value for m in ugglan14.meters} == {
        "F-A2-cooling": Decimal("123.456"),
        "F-A2-heat": Decimal("123.456"),
    }
    heating = ugglan14.status["heating"]
    assert heating.data_until == TODAY - timedelta(days=1) and heating.deviation is not None
    assert heating.return_reference == Decimal(38)  # March: the winter reference
    cooling = world.store.stored_aggregates[("1000001", "F-A2", "cooling")]
    july = cooling.month("2025-07")
    assert july is not None and july.complete and set(july.cost) >= {"cooling_energy", "cooling_capacity", "fixed_fee"}
    # 15 °C back against the 16 °C summer reference: one degree too cold is a fee.
    assert july.return_reference == Decimal(16) and july.cost["cooling_return_temperature"] > 0
    february = world.store.stored_aggregates[("1000001", "F-A1", "heating")].month("2026-02")
    assert february is not None and february.estimated_days == 1 and february.quality == "estimated"
    assert directory.invoices is not None and directory.invoices.open_count == 0


def test_a_spot_indexed_projection_reads_the_spot_prices_once_per_year_not_per_month() -> None:
    """The Norwegian list is indexed to the month's spot average: projecting a
    customer reads each year's averages in one Query (the nightly refresh of
    every customer made one GetItem per facility and month), and prices each
    month with its own average."""
    w = World()
    w.projector = PortfolioProjector(
        load_profile("no"), w.records, w.readings, InMemorySpotPriceStore(), w.store, w.clock
    )
    spot = w.projector.spot_prices
    assert isinstance(spot, InMemorySpotPriceStore)
    for month in range(1, 13):
        spot.put_spot_price("NO1", f"2025-{month:02d}", Decimal("0.5000"))
    spot.put_spot_price("NO1", "2026-01", Decimal("1.5000"))
    w.customers.add_customer(a_customer("1000001"))
    w.facility("1000001", "F-A1", "Ugglan 12", MeterKind.HEAT)
    w.facility("1000001", "F-A2", "Ugglan 14", MeterKind.HEAT)
    w.projector.refresh("1000001")
    assert (spot.gets, spot.queries) == (0, 3)  # 2024, 2025, 2026: once for both facilities
    heating = w.store.stored_aggregates[("1000001", "F-A1", "heating")]
    december, january = heating.month("2025-12"), heating.month("2026-01")
    assert december is not None and january is not None
    per_kwh = [m.cost["spot_energy"] / m.energy_kwh for m in (december, january)]
    assert per_kwh[1] > per_kwh[0] + Decimal("0.5")  # each month its own average (1.50 against 0.50)
    unpriced = heating.month("2026-02")  # no average known: not priced
    assert unpriced is not None and unpriced.cost == {}
    # The nightly pass over every customer reads each year once for them all.
    w.customers.add_customer(a_customer("1000002"))
    w.facility("1000002", "F-B1", "Kvarnen 3", MeterKind.HEAT)
    spot.queries = 0
    assert w.projector.refresh_all(["1000001", "1000002", "1000404"]) == 2
    assert spot.queries == 3
    assert w.store.stored_aggregates[("1000002", "F-B1", "heating")].month("2026-01") is not None


def test_a_new_reading_moves_only_its_meters_last_reading(world: World) -> None:
    world.store.note_reading("1000001", a_reading("F-A1-heat", date(2026, 3, 9), "130.000"))
    meter = world.portfolio(EVA).facility("F-A1").facility.meters[0]
    assert (meter.last_value, meter.last_read_on) == (Decimal("130.000"), date(2026, 3, 9))


# --- the facility list and groups -------------------------------------------------------------------


def test_the_list_searches_filters_and_pages(world: World) -> None:
    eva = world.portfolio(EVA)
    settings = world.facilities.settings(eva)
    assert [r.facility.id for r in world.facilities.search(eva, settings, FacilityQuery(text="14")).rows] == ["F-A2"]
    cooled = world.facilities.search(eva, settings, FacilityQuery(supply="cooling"))
    assert [r.facility.id for r in cooled.rows] == ["F-A2"]
    paged = world.facilities.search(eva, settings, FacilityQuery(size=1, page=2))
    assert ([r.facility.id for r in paged.rows], paged.pages, paged.total, paged.all_ids) == (
        ["F-A2"],
        2,
        2,
        ("F-A1", "F-A2"),
    )


def test_a_facility_using_much_more_than_its_weather_model_needs_a_look(world: World) -> None:
    hungry = [
        d.model_copy(update={"quantity": d.quantity * Decimal("1.5")})
        for d in world.readings.daily_consumption("F-A1-heat", TODAY - timedelta(days=20), TODAY)
    ]
    world.readings.add_daily(*hungry)
    world.projector.refresh("1000001")
    eva = world.portfolio(EVA)
    found = world.facilities.search(eva, world.facilities.settings(eva), FacilityQuery(status="attention"))
    assert [(r.facility.id, r.attention) for r in found.rows] == [("F-A1", (("heating", "above_expected"),))]


def test_groups_are_the_persons_own_and_hold_only_facilities_they_see(world: World) -> None:
    eva = world.portfolio(EVA)
    group = world.facilities.create_group(eva, world.facilities.settings(eva), "  Ugglan   hela ", ["F-A2", "F-A1"])
    assert (group.name, group.facilities) == ("Ugglan hela", ("F-A1", "F-A2"))
    settings = world.facilities.settings(eva)
    with pytest.raises(ValidationFailed) as taken:
        world.facilities.create_group(eva, settings, "ugglan HELA", ["F-A1"])
    assert taken.value.code == "group_name_taken"
    with pytest.raises(ValidationFailed) as foreign:
        world.facilities.create_group(eva, settings, "Kvarnen", ["F-B1"])
    assert foreign.value.code == "group_facility_unknown"
    renamed = world.facilities.update_group(eva, settings, group.id, name="Ugglan", facility_ids=["F-A1"])
    assert (renamed.name, renamed.facilities) == ("Ugglan", ("F-A1",))
    with pytest.raises(Conflict):
        world.facilities.delete_group(settings, group.id)  # settings read before the update
    world.facilities.delete_group(world.facilities.settings(eva), group.id)
    assert world.facilities.settings(eva).groups == ()
    assert world.facilities.settings(world.portfolio(MAJA)).groups == ()


# --- analysis ---------------------------------------------------------------------------------------


def test_a_groups_analysis_compares_three_years_month_by_month_in_one_batch(world: World) -> None:
    eva = world.portfolio(EVA)
    group = world.facilities.create_group(eva, world.facilities.settings(eva), "Ugglan", ["F-A1", "F-A2"])
    settings = world.facilities.settings(eva)
    target = world.analysis.target(eva, settings, facility=None, group=group.id)
    world.store.batches = 0
    analysis = world.analysis.analyse(target, "heating", 2025)
    assert world.store.batches == 1
    energy = analysis.table("energy")
    assert [c.year for c in energy.columns] == [2025, 2024, 2023, 2025, 2024, 2023]
    january = energy.rows[0]
    assert january.label == "2025-01" and january.values[0] is not None and january.values[2] is None
    one = world.analysis.analyse(world.analysis.target(eva, settings, facility="F-A1", group=None), "heating", 2025)
    two = world.analysis.analyse(world.analysis.target(eva, settings, facility="F-A2", group=None), "heating", 2025)
    assert january.values[0] == one.table("energy").rows[0].values[0] + two.table("energy").rows[0].values[0]  # type: ignore[operator]
    assert energy.rows[-1].label == "total"
    assert analysis.table("energy").rows[0].quality == "measured"
    feb = world.analysis.analyse(target, "heating", 2026).table("energy").rows[1]
    assert feb.quality == "estimated"


def test_the_power_signature_of_the_past_year_finds_the_buildings_balance_temperature(world: World) -> None:
    eva = world.portfolio(EVA)
    settings = world.facilities.settings(eva)
    heating = world.analysis.analyse(world.analysis.target(eva, settings, facility="F-A1", group=None), "heating")
    assert heating.signature is not None
    assert heating.signature.balance_temp == Decimal("16.0") and abs(heating.signature.slope_kw_per_c - 6) < 1
    cooling = world.analysis.analyse(world.analysis.target(eva, settings, facility="F-A2", group=None), "cooling")
    assert cooling.signature is not None and cooling.signature.cooling
    assert cooling.signature.balance_temp == Decimal("14.0")
    assert len(cooling.signature_table().rows) >= 360


def test_financial_section_sums_cost_by_component_and_cooling_has_its_own(world: World) -> None:
    eva = world.portfolio(EVA)
    target = world.analysis.target(eva, world.facilities.settings(eva), facility="F-A2", group=None)
    cooling = world.analysis.analyse(target, "cooling", 2025).table("financial")
    keys = [c.key for c in cooling.columns]
    assert "cost.cooling_energy" in keys and "cost.energy" not in keys and keys[-3:] == ["cost_total"] * 3
    july = cooling.rows[6]
    parts = july.values[: len(keys) - 3]
    assert sum(v for v in parts if v is not None) == july.values[len(keys) - 3]


def test_the_bonus_fee_table_has_the_past_twelve_months_per_facility(world: World) -> None:
    eva = world.portfolio(EVA)
    group = world.facilities.create_group(eva, world.facilities.settings(eva), "Alla", ["F-A1", "F-A2"])
    target = world.analysis.target(eva, world.facilities.settings(eva), facility=None, group=group.id)
    table = world.analysis.return_table(target, "heating")
    assert (table.first_month, table.last_month) == ("2025-03", "2026-02")
    assert [r.facility.id for r in table.rows] == ["F-A1", "F-A2"]
    first = table.rows[0]
    aggregate = world.store.stored_aggregates[("1000001", "F-A1", "heating")]
    months = [m for m in aggregate.months if "2025-03" <= m.month <= "2026-02"]
    assert first.amount == sum((m.cost["return_temperature"] for m in months), Decimal(0))
    assert first.return_temp == Decimal("36.5") and first.months == 12
    # 36.5 °C is under both references (38 winter, 42 summer): a bonus, negative.
    assert first.amount is not None and first.amount < 0 and first.reference is not None
    assert Decimal(38) < first.reference < Decimal(42)
    assert table.total_amount == sum((r.amount for r in table.rows if r.amount is not None), Decimal(0))


def test_analysis_of_a_facility_or_group_that_is_not_the_persons_is_not_found(world: World) -> None:
    maja = world.portfolio(MAJA)
    settings = world.facilities.settings(maja)
    with pytest.raises(NotFound):
        world.analysis.target(maja, settings, facility="F-B2", group=None)
    with pytest.raises(NotFound):
        world.analysis.target(maja, settings, facility=None, group="nope")
    only = world.analysis.target(maja, settings, facility=None, group=None)
    assert (only.kind, only.id) == ("facility", "F-B1")


# --- the overview -----------------------------------------------------------------------------------


def test_the_overview_adds_the_portfolio_up_and_keeps_a_partial_customers_invoices_out(world: World) -> None:
    both = Principal("both", "both@example.se")
    world.memberships.add(a_membership("both", "1000001", Role.READ))
    world.companies.members.append(OrgMember(ORG, "both", "both@example.se", OrgRole.MANAGER))
    portfolio = world.portfolio(both)
    overview = world.overview.overview(portfolio, world.facilities.settings(portfolio))
    assert (overview.facilities, overview.customers, overview.invoices_hidden) == (3, 2, 1)
    heating = next(s for s in overview.supplies if s.supply == "heating")
    assert heating.facilities == 3 and heating.expected_kwh is not None and heating.deviation is not None
    assert [t.tile for t in overview.tiles] == ["status", "consumption", "return_temperature", "portfolio_invoices"]
    assert all(t.shown for t in overview.tiles)


def test_change_data_keeps_the_persons_tiles_order_and_options(world: World) -> None:
    eva = world.portfolio(EVA)
    settings = world.facilities.settings(eva)
    world.overview.save_tiles(
        eva,
        settings,
        [
            TileSetting(tile="return_temperature", options={"as": "table"}),
            TileSetting(tile="status", shown=False),
        ],
    )
    tiles = world.overview.overview(eva, world.facilities.settings(eva)).tiles
    assert [(t.tile, t.shown) for t in tiles[:3]] == [
        ("return_temperature", True),
        ("status", False),
        ("consumption", True),
    ]
    assert tiles[0].options == {"as": "table"} and tiles[1].options == {"show": "attention", "count": "5"}
    with pytest.raises(ValidationFailed):
        world.overview.save_tiles(
            eva, world.facilities.settings(eva), [TileSetting(tile="status", options={"count": "500"})]
        )
    with pytest.raises(ValidationFailed):
        world.overview.save_tiles(eva, world.facilities.settings(eva), [TileSetting(tile="weather")])


# --- invoices across customers ------------------------------------------------------------------------


def _bill(world: World, customer: str, month: BillingPeriod, issued_on: date, *meters: str) -> int:
    values = tuple(
        MeterPeriodValue(meter_number=m, unit=EnergyUnit.MWH, start_value=Decimal(0), end_value=Decimal("10.000"))
        for m in meters
    )
    usages = tuple(
        MeterUsage(v.meter_number, world.customers.meters[v.meter_number].kind, v.unit, v.quantity) for v in values
    )
    priced = price_period(SE, PricingInput(month, usages))
    draft = a_draft_invoice(customer, month).model_copy(
        update={
            "lines": priced.lines,
            "net_total": priced.net_total,
            "vat_total": priced.vat_total,
            "total": priced.total,
            "currency": "SEK",
            "meter_values": values,
            "issued_on": issued_on,
            "due_on": issued_on + timedelta(days=30),
        }
    )
    return world.invoices.create_invoice_once(draft, kind_key="invoice", reference=str).invoice.number


def test_a_partial_grant_sees_its_facilitys_share_never_the_invoice(world: World) -> None:
    number = _bill(world, "1000002", BillingPeriod(year=2026, month=1), date(2026, 2, 1), "F-B1-heat", "F-B2-heat")
    world.projector.refresh("1000002")
    maja = world.portfolio(MAJA)
    found = world.portfolio_invoices.search(maja, PortfolioInvoiceFilter())
    (row,) = found.rows
    assert (row.invoice.number, row.whole, [s.facility_id for s in row.shares]) == (number, False, ["F-B1"])
    energy = next(line for line in row.shares[0].lines if line.component == "energy")
    assert energy.quantity == Decimal("10.000")  # its own meter, not the invoice's 20 MWh
    assert row.amount < row.invoice.total
    assert row.shares[0].meter_values == tuple(v for v in row.invoice.meter_values if v.meter_number == "F-B1-heat")
    with pytest.raises(NotFound):
        world.portfolio_invoices.pdf_link(maja, "1000002", number)
    with pytest.raises(NotFound):
        world.portfolio_invoices.invoice(world.portfolio(EVA), "1000002", number)


def test_more_than_twenty_facilities_show_three_months_unless_the_search_is_narrowed(world: World) -> None:
    world.customers.add_customer(a_customer("1000009").model_copy(update={"name": "Stora Bostäder"}))
    world.memberships.add(a_membership("eva", "1000009", Role.READ))
    for index in range(20):
        world.customers.add_facility(
            Facility(id=f"F-S{index:02d}", customer_number="1000009", name=f"Sten {index}", address=ADDRESS)
        )
    world.customers.add_meter(
        Meter(
            number="F-S00-heat",
            customer_number="1000009",
            facility_id="F-S00",
            kind=MeterKind.HEAT,
            unit=EnergyUnit.MWH,
            decimals=3,
            installed_on=date(2020, 1, 1),
        )
    )
    old = _bill(world, "1000009", BillingPeriod(year=2025, month=6), date(2025, 7, 1), "F-S00-heat")
    new = _bill(world, "1000009", BillingPeriod(year=2026, month=1), date(2026, 2, 1), "F-S00-heat")
    world.projector.refresh("1000009")
    eva = world.portfolio(EVA)
    everything = world.portfolio_invoices.search(eva, PortfolioInvoiceFilter())
    assert (everything.facilities_found, everything.recent_months_only) == (22, 3)
    assert [r.invoice.number for r in everything.rows] == [new]
    narrowed = world.portfolio_invoices.search(eva, PortfolioInvoiceFilter(facility="F-S00"))
    assert (narrowed.recent_months_only, [r.invoice.number for r in narrowed.rows]) == (None, [new, old])
    by_number = world.portfolio_invoices.search(eva, PortfolioInvoiceFilter(number=old))
    assert [r.invoice.number for r in by_number.rows] == [old]
    paid = world.portfolio_invoices.search(eva, PortfolioInvoiceFilter(facility="F-S00", status="paid"))
    assert paid.rows == () and all(r.invoice.status == InvoiceStatus.OPEN for r in narrowed.rows)


# --- operating protocols ------------------------------------------------------------------------------


def test_staff_upload_a_protocol_the_facilitys_people_download_it(world: World) -> None:
    staff_scope = world.access_service.scope(STAFF, "1000002")
    protocol = world.protocols.upload(staff_scope, "F-B1", "Funktionskontroll  mars", "fk mars.pdf", b"%PDF-1.4 ...")
    assert (protocol.title, protocol.filename, protocol.uploaded_by) == (
        "Funktionskontroll mars",
        "fk mars.pdf",
        "ks@example.se",
    )
    assert world.documents.objects[protocol.document_key] == (b"%PDF-1.4 ...", "application/pdf")
    assert world.protocols.link(world.portfolio(MAJA), "F-B1", protocol.id).startswith("http")
    with pytest.raises(NotFound):
        world.protocols.link(world.portfolio(EVA), "F-B1", protocol.id)
    with pytest.raises(ValidationFailed):
        world.protocols.upload(staff_scope, "F-B1", "Word", "fk.docx", b"PK\x03\x04")
    with pytest.raises(NotFound):
        world.protocols.upload(staff_scope, "F-A1", "Fel kund", "fk.pdf", b"%PDF-1.4")
    admin_scope = world.access_service.scope(EVA, "1000001")
    with pytest.raises(Forbidden):
        world.protocols.upload(admin_scope, "F-A1", "Egen", "fk.pdf", b"%PDF-1.4")


def test_nothing_here_divides_by_zero_for_an_empty_portfolio(world: World) -> None:
    nobody = world.portfolio(Principal("nobody", "n@example.se"))
    overview = world.overview.overview(nobody, world.facilities.settings(nobody))
    assert (overview.facilities, overview.supplies, overview.invoices) == (0, (), None)
    listed = world.facilities.search(nobody, world.facilities.settings(nobody), FacilityQuery())
    assert (listed.total, listed.pages) == (0, 1)
