"""Meters with several registers (energy and volume): the model, the item mapping,
and readings that carry secondary register values, against in-memory fakes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from heatportal.adapters.dynamo import meter_from_item, meter_item, reading_from_item, reading_item, same_registers
from heatportal.domain.consumption import MonthlyConsumption, year_view
from heatportal.domain.errors import Conflict, ValidationFailed
from heatportal.domain.model import Meter, MeterKind, Reading, Register, RegisterName, Role
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import load_profile
from heatportal.domain.registers import register_months
from heatportal.services.access import AccessService, Principal, Scope
from heatportal.services.consumption import with_register_volumes
from heatportal.services.reading_corrections import ReadingCorrectionService
from heatportal.services.readings import ReadingService
from infra.local.demo import generate
from tests.builders import (
    a_customer,
    a_heat_meter_with_volume,
    a_membership,
    a_meter,
    a_reading_with,
    a_volume_register,
)
from tests.fakes.clock import FixedClock
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.readings import InMemoryReadingHistoryStore, InMemoryReadingRepository

TODAY = date(2024, 3, 15)
CUSTOMER = "100001"
OWNER = Principal(user_id="owner", email="owner@example.no")


class Setup:
    def __init__(self, meter: Meter | None = None) -> None:
        self.customers = InMemoryCustomerRepository()
        self.customers.add_customer(a_customer(CUSTOMER))
        self.meter = self.customers.add_meter(meter or a_heat_meter_with_volume())
        self.readings = InMemoryReadingRepository()
        self.service = ReadingService(self.readings, FixedClock(TODAY))
        memberships = InMemoryMembershipRepository(a_membership("owner", CUSTOMER, Role.FULL))
        self.access = AccessService(InMemoryCustomerRecords(memberships, self.customers))

    def scope(self, who: Principal, number: str = CUSTOMER) -> Scope:
        return self.access.scope(who, number)

    def given(self, *readings: Reading) -> None:
        for reading in readings:
            self.readings.readings[(reading.meter_number, reading.read_on)] = reading

    def submit(self, value: str, volume: str | None = None, *, read_on: date | None = None, confirmed: bool = False):
        registers = {} if volume is None else {"volume": Decimal(volume)}
        return self.service.submit(
            self.scope(OWNER, CUSTOMER),
            self.meter.number,
            Decimal(value),
            read_on,
            confirmed=confirmed,
            registers=registers,
        )

    def refused(self, value: str, registers: dict[str, Decimal], *, confirmed: bool = False) -> ValidationFailed:
        before = dict(self.readings.readings)
        with pytest.raises(ValidationFailed) as caught:
            self.service.submit(
                self.scope(OWNER, CUSTOMER),
                self.meter.number,
                Decimal(value),
                None,
                confirmed=confirmed,
                registers=registers,
            )
        assert self.readings.readings == before, "nothing is stored when a value is refused"
        return caught.value


@pytest.fixture
def world() -> Setup:
    """Half a year of history with both registers: 6000 kWh and 150 m3 in 182 days."""
    setup = Setup()
    setup.given(
        a_reading_with("M-1", date(2023, 9, 1), "4000", {"volume": "100.00"}),
        a_reading_with("M-1", date(2024, 3, 1), "10000", {"volume": "250.00"}),
    )
    return setup


# --- the model ----------------------------------------------------------------------


def test_the_meters_own_fields_are_its_main_register_and_the_others_follow():
    meter = a_heat_meter_with_volume()
    assert meter.main_register == Register(name=RegisterName.ENERGY, unit=EnergyUnit.KWH, decimals=0)
    assert [r.name for r in meter.all_registers] == [RegisterName.ENERGY, RegisterName.VOLUME]
    assert meter.register("volume") == a_volume_register()
    assert meter.register("energy") is None  # the main register is not a secondary one
    hot_water = a_meter(kind=MeterKind.HOT_WATER, unit=EnergyUnit.M3, decimals=3)
    assert hot_water.main_register.name == RegisterName.VOLUME and hot_water.registers == ()


def test_a_register_counts_in_a_unit_of_its_kind_and_a_meter_has_each_register_once():
    with pytest.raises(ValidationError):
        Register(name=RegisterName.VOLUME, unit=EnergyUnit.KWH, decimals=0)
    with pytest.raises(ValidationError):
        Register(name=RegisterName.TARIFF, unit=EnergyUnit.M3, decimals=0)
    fields = a_meter().model_dump()
    with pytest.raises(ValidationError):
        Meter(**{**fields, "registers": (a_volume_register(), a_volume_register())})
    with pytest.raises(ValidationError):  # the main register already counts energy
        Meter(**{**fields, "registers": (Register(name=RegisterName.ENERGY, unit=EnergyUnit.MWH, decimals=3),)})


# --- item mapping: backward compatible --------------------------------------------------


def test_meter_items_keep_their_registers_and_old_items_have_only_the_main_one():
    meter = a_heat_meter_with_volume(volume=a_volume_register(decimals=3, start_value="12.5", register_digits=6))
    item = meter_item(meter)
    assert meter_from_item(item) == meter
    old = meter_item(a_meter())
    assert old["registers"] is None  # not written at all (the adapter drops None)
    del old["registers"]
    assert meter_from_item(old).registers == ()


def test_reading_items_keep_secondary_values_and_old_items_have_none():
    reading = a_reading_with("M-1", date(2024, 3, 1), "10000", {"volume": "250.25"}, rollovers=("volume",))
    item = reading_item(reading)
    assert reading_from_item(item) == reading
    plain = reading_item(a_reading_with("M-1", date(2024, 3, 1), "10000"))
    assert plain["registers"] is None and plain["register_rollovers"] is None
    for key in ("registers", "register_rollovers"):
        del plain[key]
    assert reading_from_item(plain).registers == {} and reading_from_item(plain).register_rollovers == frozenset()


def test_a_retry_repeats_the_stored_secondary_values_or_sends_fewer():
    stored = reading_item(a_reading_with("M-1", date(2024, 3, 1), "10000", {"volume": "250.25"}))
    assert same_registers(stored, a_reading_with("M-1", date(2024, 3, 1), "10000", {"volume": "250.25"}))
    assert same_registers(stored, a_reading_with("M-1", date(2024, 3, 1), "10000"))
    assert not same_registers(stored, a_reading_with("M-1", date(2024, 3, 1), "10000", {"volume": "251"}))


# --- submitting ------------------------------------------------------------------------


def test_a_reading_with_the_volume_register_is_stored_with_what_each_register_counted(world: Setup):
    result = world.submit("10900", "272.50")
    assert result.reading.registers == {"volume": Decimal("272.50")}
    assert result.consumption_since_previous == Decimal(900)
    assert result.registers_since_previous == {"volume": Decimal("22.50")}
    assert world.readings.readings[("M-1", TODAY)].registers == {"volume": Decimal("272.50")}


def test_without_secondary_values_a_reading_is_stored_as_before_and_makes_no_extra_query(world: Setup):
    queries = world.readings.queries
    world.submit("10900")
    with_volume_queries = world.readings.queries - queries
    assert world.readings.readings[("M-1", TODAY)].registers == {}
    other = Setup()
    other.given(*world.readings.readings.values())
    other.readings.readings.pop(("M-1", TODAY))
    before = other.readings.queries
    other.submit("10900", "272.50")
    assert other.readings.queries - before == with_volume_queries + 1  # one Query for the volume's history


@pytest.mark.parametrize(
    ("registers", "code", "field"),
    [
        ({"flow": Decimal(1)}, "register_unknown", "registers.flow"),
        ({"tariff": Decimal(1)}, "register_unknown", "registers.tariff"),
        ({"volume": Decimal("272.505")}, "register_too_many_decimals", "registers.volume"),
        ({"volume": Decimal("NaN")}, "register_not_a_number", "registers.volume"),
        ({"volume": Decimal("Infinity")}, "register_not_a_number", "registers.volume"),
        ({"volume": Decimal("-1")}, "register_below_previous", "registers.volume"),
        ({"volume": Decimal("249.99")}, "register_below_previous", "registers.volume"),
    ],
)
def test_each_bad_secondary_value_is_refused_on_its_own_field_and_nothing_is_stored(
    world: Setup, registers: dict[str, Decimal], code: str, field: str
):
    error = world.refused("10900", registers)
    assert error.code == code
    assert error.fields == [{"field": field, "code": code}]


def test_a_value_beyond_the_registers_digits_is_refused():
    setup = Setup(a_heat_meter_with_volume(volume=a_volume_register(register_digits=4)))
    error = setup.refused("100", {"volume": Decimal("10000")})
    assert (error.code, error.params) == ("register_exceeds_register", {"digits": "4"})


def test_the_main_value_is_judged_first_and_a_good_volume_does_not_save_a_bad_reading(world: Setup):
    error = world.refused("9999", {"volume": Decimal("272.50")})
    assert error.code == "reading_below_previous"
    assert error.fields == [{"field": "value", "code": "reading_below_previous"}]


def test_an_implausible_volume_asks_for_a_confirmation_and_is_stored_once_confirmed(world: Setup):
    # 150 m3 in 182 days is 0.82 m3 a day; 500 m3 in 14 days is far beyond.
    error = world.refused("10900", {"volume": Decimal("750.00")})
    assert error.code == "register_implausible"
    assert error.params["unit"] == "m3" and Decimal(error.params["consumption"]) == Decimal("500.00")
    result = world.submit("10900", "750.00", confirmed=True)
    assert result.reading.registers == {"volume": Decimal("750.00")}


def test_the_volume_compares_with_the_last_reading_that_carried_it_not_the_last_reading(world: Setup):
    # An SMS reading on 2024-03-10 had the energy only.
    world.given(a_reading_with("M-1", date(2024, 3, 10), "10600"))
    error = world.refused("10900", {"volume": Decimal("240")})
    assert error.params == {"previous": Decimal("250.00")}
    assert world.submit("10900", "260").registers_since_previous == {"volume": Decimal(10)}


def test_a_wrapping_volume_register_records_its_rollover():
    setup = Setup(a_heat_meter_with_volume(volume=a_volume_register(register_digits=3)))
    setup.given(
        a_reading_with("M-1", date(2023, 9, 1), "4000", {"volume": "900.00"}),
        a_reading_with("M-1", date(2024, 3, 1), "10000", {"volume": "990.00"}),
    )
    result = setup.submit("10400", "5.00")
    assert result.reading.register_rollovers == frozenset({"volume"})
    assert result.reading.rollover is False  # the energy register did not wrap
    assert result.registers_since_previous == {"volume": Decimal("15.00")}


def test_a_rollover_without_history_of_the_register_is_confirmed_first():
    setup = Setup(a_heat_meter_with_volume(volume=a_volume_register(register_digits=3, start_value="995")))
    error = setup.refused("100", {"volume": Decimal("3")})
    assert error.code == "register_implausible"
    assert setup.submit("100", "3", confirmed=True).reading.register_rollovers == frozenset({"volume"})


def test_a_retry_stores_once_and_different_volumes_on_the_same_day_conflict(world: Setup):
    world.submit("10900", "272.50")
    writes = world.readings.writes
    world.submit("10900", "272.50")
    world.submit("10900")  # the same reading again by SMS: nothing new
    assert world.readings.writes == writes
    with pytest.raises(Conflict):
        world.submit("10900", "273.00")
    assert world.readings.readings[("M-1", TODAY)].registers == {"volume": Decimal("272.50")}


def test_a_replacement_meter_starts_its_volume_at_its_own_value():
    setup = Setup(a_heat_meter_with_volume(installed_on=date(2023, 1, 1)))
    setup.given(a_reading_with("M-1", date(2024, 3, 1), "10000", {"volume": "250.00"}))
    setup.customers.add_meter(
        a_heat_meter_with_volume("M-2", installed_on=date(2024, 3, 2), volume=a_volume_register(start_value="0.40"))
    )
    setup.meter = setup.customers.find_meter("M-2")  # type: ignore[assignment]  # added just above
    result = setup.submit("120", "3.40")
    assert result.registers_since_previous == {"volume": Decimal("3.00")}
    assert setup.refused("130", {"volume": Decimal("0.30")}).code == "register_below_previous"


# --- the meter list ---------------------------------------------------------------------


def test_the_meter_list_gives_each_registers_last_value_with_its_date(world: Setup):
    queries = world.readings.queries
    [overview] = world.service.list_meters(world.scope(OWNER, CUSTOMER))
    assert world.readings.queries - queries == 1  # the last reading had the volume: no further query
    assert overview.last_registers["volume"].value == Decimal("250.00")
    world.given(a_reading_with("M-1", date(2024, 3, 10), "10600"))
    [overview] = world.service.list_meters(world.scope(OWNER, CUSTOMER))
    assert overview.last_reading is not None and overview.last_reading.read_on == date(2024, 3, 10)
    last = overview.last_registers["volume"]
    assert (last.value, last.read_on) == (Decimal("250.00"), date(2024, 3, 1))


# --- volume per month -------------------------------------------------------------------


def test_register_months_spread_the_volume_between_readings_and_across_a_wrap():
    readings = [
        a_reading_with("M-1", date(2024, 1, 1), "0", {"volume": "980"}),
        a_reading_with("M-1", date(2024, 2, 1), "10", {"volume": "990"}),
        a_reading_with("M-1", date(2024, 2, 15), "20"),  # no volume: skipped
        a_reading_with("M-1", date(2024, 3, 1), "30", {"volume": "19"}, rollovers=("volume",)),
        a_reading_with("M-1", date(2024, 4, 1), "40", {"volume": "10"}),  # a fall without rollover: not counted
    ]
    months = register_months(readings, "volume", Decimal(1000))
    assert months == {"2024-01": Decimal(10), "2024-02": Decimal(29)}


def test_the_year_view_shows_volume_only_for_a_meter_with_a_volume_register():
    months = [
        MonthlyConsumption(
            meter_number="M-1",
            month="2024-01",
            quantity=Decimal(900),
            days=31,
            degree_days=Decimal(500),
            volume_m3=Decimal("20.5"),
        ),
        MonthlyConsumption(
            meter_number="M-1",
            month="2024-02",
            quantity=Decimal(800),
            days=29,
            degree_days=Decimal(450),
            volume_m3=Decimal("18"),
        ),
    ]
    view = year_view(months, 2024, "oslo", volume=True)
    assert [b.volume for b in view.bars[:3]] == [Decimal("20.5"), Decimal(18), None]
    assert view.volume_total == Decimal("38.5")
    plain = year_view(months, 2024, "oslo")
    assert plain.volume_total is None and all(b.volume is None for b in plain.bars)


def test_months_of_a_meter_read_by_hand_get_the_volume_its_register_counted():
    readings = [
        a_reading_with("M-1", date(2024, 1, 1), "0", {"volume": "100"}),
        a_reading_with("M-1", date(2024, 2, 1), "900", {"volume": "121"}),
    ]
    months = [
        MonthlyConsumption(meter_number="M-1", month="2024-01", quantity=Decimal(900), days=31, degree_days=Decimal(0))
    ]
    [january] = with_register_volumes(a_heat_meter_with_volume(), months, readings)
    assert january.volume_m3 == Decimal(21)
    assert with_register_volumes(a_meter(), months, readings) == months


# --- demo data -----------------------------------------------------------------------


def test_demo_heat_meters_with_a_volume_register_have_plausible_volumes_in_their_readings():
    data = generate(load_profile("nl"), today=date(2026, 11, 20), customers=51, months=13)
    with_volume = [m for m in data.meters if m.registers]
    assert with_volume and all(m.kind == MeterKind.HEAT for m in with_volume)
    assert len(with_volume) < len([m for m in data.meters if m.kind == MeterKind.HEAT])  # some, not all
    assert any(m.number in {r.meter_number for r in data.readings} for m in with_volume)
    kwh_per_gj = Decimal(2500) / Decimal(9)
    for meter in with_volume:
        readings = sorted((r for r in data.readings if r.meter_number == meter.number), key=lambda r: r.read_on)
        volumes = [r.registers["volume"] for r in readings]
        assert volumes == sorted(volumes), "a volume register never goes back"
        if len(readings) > 3:
            energy_kwh = (readings[-1].value - readings[0].value) * kwh_per_gj
            m3 = volumes[-1] - volumes[0]
            # kWh per m3 = 1.163 x the temperature drop: 30-45 K in the demo.
            assert Decimal(30) < energy_kwh / m3 < Decimal(55)


# --- staff corrections of secondary registers -------------------------------------------------

STAFF = Principal(user_id="agent", email="agent@example.no", groups=frozenset({"staff"}))


@pytest.fixture
def corrections(world: Setup):
    world.given(a_reading_with("M-1", date(2023, 12, 1), "7000", {"volume": "180.00"}))
    history = InMemoryReadingHistoryStore(world.readings)
    service = ReadingCorrectionService(world.service, world.readings, history, world.service.clock)
    return world, service, history


def test_staff_correct_the_volume_alone_and_the_history_keeps_the_old_value(corrections):
    world, service, history = corrections
    entry = service.correct(
        world.scope(STAFF, CUSTOMER),
        "M-1",
        date(2023, 12, 1),
        Decimal(7000),
        "Foto av måleren",
        {"volume": Decimal("181.50")},
    )
    assert (entry.reading.value, entry.reading.registers) == (Decimal(7000), {"volume": Decimal("181.50")})
    [correction] = history.history
    assert correction.previous_registers == {"volume": Decimal("180.00")}
    assert correction.registers == {"volume": Decimal("181.50")}
    service.correct(
        world.scope(STAFF, CUSTOMER),
        "M-1",
        date(2023, 12, 1),
        Decimal(7000),
        "Foto av måleren",
        {"volume": Decimal("181.50")},
    )
    assert len(history.history) == 1  # a retry records nothing more


@pytest.mark.parametrize(
    ("volume", "code"),
    [
        ("99.99", "register_below_previous"),
        ("250.01", "register_above_next"),
        ("181.555", "register_too_many_decimals"),
    ],
)
def test_a_volume_correction_between_its_neighbours_only(corrections, volume, code):
    world, service, history = corrections
    before = dict(world.readings.readings)
    with pytest.raises(ValidationFailed) as caught:
        service.correct(
            world.scope(STAFF, CUSTOMER), "M-1", date(2023, 12, 1), Decimal(7000), "Feil", {"volume": Decimal(volume)}
        )
    assert caught.value.code == code
    assert caught.value.fields == [{"field": "registers.volume", "code": code}]
    assert world.readings.readings == before and history.history == []


def test_a_correction_for_a_register_the_meter_lacks_is_refused(corrections):
    world, service, history = corrections
    with pytest.raises(ValidationFailed) as caught:
        service.correct(
            world.scope(STAFF, CUSTOMER), "M-1", date(2023, 12, 1), Decimal(7000), "Feil", {"tariff": Decimal(1)}
        )
    assert caught.value.code == "register_unknown" and history.history == []
