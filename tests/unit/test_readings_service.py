"""Meter readings (heatportal.services.readings) against in-memory fakes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from heatportal.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import DailyConsumption, Meter, Reading, ReadingSource, Role
from heatportal.services.access import AccessService, Principal, Scope
from heatportal.services.readings import ReadingService
from tests.builders import a_customer, a_membership, a_meter, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.readings import InMemoryReadingRepository
from tests.fakes.recorder import Recorder

TODAY = date(2024, 3, 15)
CUSTOMER = "100001"
OWNER = Principal(user_id="owner", email="owner@example.no")
READER = Principal(user_id="reader", email="reader@example.no")
AGENT = Principal(user_id="agent", email="agent@example.no", groups=frozenset({"staff"}))


class Setup:
    def __init__(self, meter: Meter | None = None) -> None:
        self.clock = FixedClock(TODAY)
        self.customers = InMemoryCustomerRepository()
        self.customers.add_customer(a_customer(CUSTOMER))
        self.meter = self.customers.add_meter(meter or a_meter("M-1", CUSTOMER, installed_on=date(2023, 1, 1)))
        self.readings = InMemoryReadingRepository()
        self.memberships = InMemoryMembershipRepository(
            a_membership("owner", CUSTOMER, Role.FULL), a_membership("reader", CUSTOMER, Role.READ)
        )
        self.access = AccessService(InMemoryCustomerRecords(self.memberships, self.customers))
        self.service = ReadingService(self.readings, self.clock)

    def scope(self, who: Principal, number: str = CUSTOMER) -> Scope:
        return self.access.scope(who, number)

    def given(self, *readings: Reading) -> None:
        for reading in readings:
            self.readings.readings[(reading.meter_number, reading.read_on)] = reading

    def submit(self, value: str, read_on: date | None = None, *, confirmed: bool = False) -> Reading:
        return self.service.submit(self.scope(OWNER), "M-1", Decimal(value), read_on, confirmed=confirmed).reading

    def stored(self) -> dict[date, Decimal]:
        return {d: r.value for (_, d), r in self.readings.readings.items()}


@pytest.fixture
def world() -> Setup:
    """A heat meter in kWh installed 2023-01-01 with half a year of history:
    4000 on 2023-09-01 and 10000 on 2024-03-01, i.e. 6000 kWh in 182 days."""
    setup = Setup()
    setup.given(
        a_reading("M-1", date(2023, 3, 1), "1000"),
        a_reading("M-1", date(2023, 9, 1), "4000"),
        a_reading("M-1", date(2024, 3, 1), "10000"),
    )
    return setup


# --- accepted readings ----------------------------------------------------------------------------


def test_a_reading_is_stored_with_its_consumption_since_the_previous_one(world: Setup) -> None:
    result = world.service.submit(
        world.scope(OWNER, CUSTOMER), "M-1", Decimal("10400"), date(2024, 3, 10), confirmed=False
    )
    assert result.consumption_since_previous == Decimal("400")
    assert result.previous is not None and result.previous.read_on == date(2024, 3, 1)
    stored = world.readings.readings[("M-1", date(2024, 3, 10))]
    assert (stored.value, stored.source, stored.estimated, stored.recorded_by) == (
        Decimal("10400"),
        ReadingSource.PORTAL,
        False,
        "owner",
    )
    assert stored.recorded_at == world.clock.now()


def test_a_reading_without_a_date_is_for_today(world: Setup) -> None:
    assert world.submit("10400").read_on == TODAY


def test_customer_service_enters_a_reading_as_staff(world: Setup) -> None:
    result = world.service.submit(world.scope(AGENT, CUSTOMER), "M-1", Decimal("10400"), None, confirmed=False)
    assert result.reading.source == ReadingSource.STAFF
    assert result.reading.recorded_by == "agent"


def test_the_same_reading_sent_twice_is_stored_once(world: Setup) -> None:
    # Given a reading that was stored
    first = world.service.submit(
        world.scope(OWNER, CUSTOMER), "M-1", Decimal("10400"), date(2024, 3, 10), confirmed=False
    )
    writes = world.readings.writes
    # When the same value for the same date arrives again (a double click, an SMS resent)
    again = world.service.submit(
        world.scope(OWNER, CUSTOMER), "M-1", Decimal("10400"), date(2024, 3, 10), confirmed=False
    )
    # Then it is accepted, nothing new is written, and the answer is the same
    assert world.readings.writes == writes
    assert again.reading == first.reading
    assert again.consumption_since_previous == first.consumption_since_previous == Decimal("400")
    assert len([d for d in world.stored() if d == date(2024, 3, 10)]) == 1


def test_a_different_value_for_an_already_read_date_is_a_conflict(world: Setup) -> None:
    world.submit("10400", date(2024, 3, 10))
    with pytest.raises(Conflict) as refused:
        world.submit("10450", date(2024, 3, 10))
    assert refused.value.code == "reading_duplicate"
    assert world.stored()[date(2024, 3, 10)] == Decimal("10400")


def test_an_actual_reading_replaces_the_estimate_of_the_same_day(world: Setup) -> None:
    world.given(a_reading("M-1", date(2024, 3, 10), "10500", estimated=True))
    # The actual value is below the estimate: it is compared with the last actual reading (10000)
    reading = world.submit("10400", date(2024, 3, 10))
    assert not reading.estimated
    assert world.stored()[date(2024, 3, 10)] == Decimal("10400")
    assert not world.readings.readings[("M-1", date(2024, 3, 10))].estimated


def test_a_later_estimate_does_not_block_an_earlier_actual_reading(world: Setup) -> None:
    world.given(a_reading("M-1", date(2024, 3, 12), "10500", estimated=True))
    world.submit("10300", date(2024, 3, 5))
    assert world.stored()[date(2024, 3, 5)] == Decimal("10300")


def test_an_actual_reading_below_an_earlier_estimate_trues_it_up(world: Setup) -> None:
    # Given an estimate of 10500 on 2024-03-10 (the actual reading of 2024-03-01 was 10000)
    world.given(a_reading("M-1", date(2024, 3, 10), "10500", estimated=True))
    # When the customer reads 10400 on 2024-03-12
    world.submit("10400", date(2024, 3, 12))
    # Then it is stored: the register cannot be below an estimate, only below an actual reading
    assert world.stored()[date(2024, 3, 12)] == Decimal("10400")


def test_a_meter_with_decimals_accepts_that_many() -> None:
    setup = Setup(a_meter("M-1", CUSTOMER, decimals=3, installed_on=date(2023, 1, 1)))
    assert setup.submit("12.345").value == Decimal("12.345")


# --- refused readings store nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "read_on", "code"),
    [
        ("10400", TODAY + timedelta(days=1), "reading_in_future"),
        ("10400", date(2022, 12, 31), "reading_outside_meter_life"),
        ("9999", date(2024, 3, 10), "reading_below_previous"),
        ("-1", date(2024, 3, 10), "reading_below_previous"),
        ("10400.5", date(2024, 3, 10), "reading_too_many_decimals"),
        ("9000", date(2024, 2, 15), "reading_before_previous"),
        ("11451", TODAY, "reading_implausible"),
    ],
)
def test_a_refused_reading_stores_nothing(world: Setup, value: str, read_on: date, code: str) -> None:
    before = dict(world.readings.readings)
    with pytest.raises(ValidationFailed) as refused:
        world.submit(value, read_on)
    assert refused.value.code == code
    assert refused.value.fields and refused.value.fields[0]["code"] == code
    assert world.readings.readings == before
    assert world.readings.writes == 0


def test_implausible_boundary_is_three_times_the_expected_use_plus_two_days(world: Setup) -> None:
    # Given 6000 kWh in the 182 days before 2024-03-01: 6000/182 kWh a day
    # When a reading on 2024-03-15 (14 days later) is checked
    # Then the upper bound is 6000/182 x (3 x 14 + 2) = 264000/182 = 1450.55 kWh
    world.submit("11450", TODAY)  # 1450 kWh: accepted
    assert world.stored()[TODAY] == Decimal("11450")


def test_implausible_reading_tells_what_was_expected(world: Setup) -> None:
    with pytest.raises(ValidationFailed) as refused:
        world.submit("11451", TODAY)
    # 6000/182 x 14 = 461.5 -> 462, up to 3 x 461.5 + 2 x 33.0 = 1450.5 -> 1450 (to the meter's decimals, down)
    assert refused.value.params == {
        "value": "11451",
        "read_on": TODAY.isoformat(),
        "previous": "10000",
        "previous_on": "2024-03-01",
        "consumption": "1451",
        "days": "14",
        "expected": "462",
        "upper": "1450",
        "unit": "kWh",
        "rollover": "no",
    }


def test_an_implausible_reading_is_stored_once_confirmed(world: Setup) -> None:
    with pytest.raises(ValidationFailed):
        world.submit("25000", TODAY)
    assert TODAY not in world.stored()
    world.submit("25000", TODAY, confirmed=True)
    assert world.stored()[TODAY] == Decimal("25000")


def test_no_reading_after_the_meter_was_removed() -> None:
    setup = Setup(a_meter("M-1", CUSTOMER, installed_on=date(2023, 1, 1), removed_on=date(2024, 1, 1)))
    with pytest.raises(ValidationFailed) as refused:
        setup.submit("100", date(2024, 1, 2))
    assert refused.value.code == "reading_outside_meter_life"
    assert setup.stored() == {}
    setup.submit("100", date(2024, 1, 1))  # the removal day itself is read
    assert setup.stored() == {date(2024, 1, 1): Decimal("100")}


def test_the_first_reading_of_a_new_meter_may_not_be_below_its_start_value() -> None:
    setup = Setup(a_meter("M-1", CUSTOMER, installed_on=date(2024, 1, 1), start_value=Decimal("50")))
    with pytest.raises(ValidationFailed) as refused:
        setup.submit("49", date(2024, 2, 1))
    assert refused.value.code == "reading_below_previous"
    assert refused.value.params == {"previous": "50"}
    assert setup.stored() == {}


@pytest.mark.parametrize("value", ["Infinity", "NaN"])
def test_a_reading_that_is_not_a_number_is_refused(value: str) -> None:
    setup = Setup()
    with pytest.raises(ValidationFailed):
        setup.submit(value, date(2024, 2, 1))
    assert setup.stored() == {}


def test_a_read_only_member_may_not_submit(world: Setup) -> None:
    with pytest.raises(Forbidden):
        world.service.submit(world.scope(READER, CUSTOMER), "M-1", Decimal("10400"), None, confirmed=False)
    assert world.readings.writes == 0


def test_a_meter_of_another_customer_is_not_found(world: Setup) -> None:
    world.customers.add_meter(a_meter("M-9", "100009"))
    with pytest.raises(NotFound) as refused:
        world.service.submit(world.scope(OWNER, CUSTOMER), "M-9", Decimal("10"), None, confirmed=False)
    assert refused.value.code == "meter_not_found"
    with pytest.raises(NotFound):
        world.service.submit(world.scope(OWNER, CUSTOMER), "NO-SUCH-METER", Decimal("10"), None, confirmed=False)


def test_a_reader_lists_meters_and_readings(world: Setup) -> None:
    overview = world.service.list_meters(world.scope(READER, CUSTOMER))
    assert [(o.meter.number, o.last_reading.value if o.last_reading else None) for o in overview] == [
        ("M-1", Decimal("10000"))
    ]
    readings = world.service.list_readings(world.scope(READER, CUSTOMER), "M-1")
    assert [r.read_on for r in readings] == [date(2023, 3, 1), date(2023, 9, 1), date(2024, 3, 1)]
    with pytest.raises(Forbidden):
        world.service.list_readings(world.scope(Principal(user_id="stranger", email=""), CUSTOMER), "M-1")


# --- the register value at a date, for billing ------------------------------------------------------------


def days(meter_number: str, start: date, count: int, quantity: str) -> list[DailyConsumption]:
    return [
        DailyConsumption(meter_number=meter_number, day=start + timedelta(days=i), quantity=Decimal(quantity))
        for i in range(count)
    ]


@pytest.fixture
def meter_world() -> Setup:
    return Setup(a_meter("M-1", CUSTOMER, installed_on=date(2023, 1, 1), start_value=Decimal("500")))


def test_value_before_and_on_installation_is_the_start_value(meter_world: Setup) -> None:
    for day in (date(2022, 12, 1), date(2023, 1, 1)):
        value = meter_world.service.value_at(meter_world.meter, day)
        assert (value.value, value.estimated) == (Decimal("500"), False)


def test_value_on_a_read_day_is_the_actual_reading(meter_world: Setup) -> None:
    meter_world.given(a_reading("M-1", date(2024, 1, 1), "1000"), a_reading("M-1", date(2024, 2, 1), "1620"))
    value = meter_world.service.value_at(meter_world.meter, date(2024, 2, 1))
    assert (value.value, value.estimated) == (Decimal("1620"), False)


def test_value_between_readings_is_estimated_from_daily_data(meter_world: Setup) -> None:
    # Given 1000 on 2024-01-01, 20 kWh on each day of January, and a reading of 1900 on 2024-02-10
    meter_world.given(a_reading("M-1", date(2024, 1, 1), "1000"), a_reading("M-1", date(2024, 2, 10), "1900"))
    meter_world.readings.add_daily(*days("M-1", date(2024, 1, 1), 31, "20"))
    # When the value at 2024-02-01 is needed
    value = meter_world.service.value_at(meter_world.meter, date(2024, 2, 1))
    # Then it is 1000 + 31 x 20 = 1620, estimated (the daily data win over interpolation)
    assert (value.value, value.estimated) == (Decimal("1620"), True)


def test_value_between_readings_without_daily_data_is_interpolated(meter_world: Setup) -> None:
    # Given 1000 on 2024-01-01 and 1800 on 2024-02-10 (40 days), no daily data
    meter_world.given(a_reading("M-1", date(2024, 1, 1), "1000"), a_reading("M-1", date(2024, 2, 10), "1800"))
    value = meter_world.service.value_at(meter_world.meter, date(2024, 2, 1))
    # Then 1000 + 800 x 31/40 = 1620
    assert (value.value, value.estimated) == (Decimal("1620"), True)


def test_interpolated_value_is_rounded_to_the_meters_decimals() -> None:
    setup = Setup(a_meter("M-1", CUSTOMER, installed_on=date(2023, 1, 1), decimals=2))
    setup.given(a_reading("M-1", date(2024, 1, 1), "1000"), a_reading("M-1", date(2024, 2, 4), "1100"))
    value = setup.service.value_at(setup.meter, date(2024, 2, 1))
    # 1000 + 100 x 31/34 = 1091.176... -> 1091.18
    assert value.value == Decimal("1091.18")
    assert value.value.as_tuple().exponent == -2


def test_an_estimate_stored_for_the_day_is_not_taken_as_the_value(meter_world: Setup) -> None:
    meter_world.given(
        a_reading("M-1", date(2024, 1, 1), "1000"),
        a_reading("M-1", date(2024, 2, 1), "9999", estimated=True),
        a_reading("M-1", date(2024, 2, 10), "1800"),
    )
    value = meter_world.service.value_at(meter_world.meter, date(2024, 2, 1))
    assert (value.value, value.estimated) == (Decimal("1620"), True)


def test_value_after_the_last_reading_follows_last_years_daily_use(meter_world: Setup) -> None:
    # Given 1000 on 2023-07-01 and 2840 on 2024-01-01: 1840 kWh in 184 days = 10 kWh a day
    meter_world.given(a_reading("M-1", date(2023, 7, 1), "1000"), a_reading("M-1", date(2024, 1, 1), "2840"))
    value = meter_world.service.value_at(meter_world.meter, date(2024, 2, 1))
    # Then 31 days later: 2840 + 31 x 10 = 3150
    assert (value.value, value.estimated) == (Decimal("3150"), True)


def test_value_without_any_reading_starts_from_installation(meter_world: Setup) -> None:
    meter_world.readings.add_daily(*days("M-1", date(2023, 1, 1), 31, "5"))
    value = meter_world.service.value_at(meter_world.meter, date(2023, 2, 1))
    assert (value.value, value.estimated) == (Decimal("655"), True)  # 500 + 31 x 5


def test_a_few_missing_days_of_daily_data_do_not_count_as_zero(meter_world: Setup) -> None:
    # Given 20 kWh a day: 1000 on 2024-01-01, 1800 on 2024-02-10, daily data for 28 of January's 31 days
    meter_world.given(a_reading("M-1", date(2024, 1, 1), "1000"), a_reading("M-1", date(2024, 2, 10), "1800"))
    meter_world.readings.add_daily(*days("M-1", date(2024, 1, 1), 28, "20"))
    # When the value at 2024-02-01 is estimated
    value = meter_world.service.value_at(meter_world.meter, date(2024, 2, 1))
    # Then it is 1000 + 31 x 20 = 1620 (scaled daily data and interpolation agree), not 1000 + 28 x 20
    assert value.value == Decimal("1620")


# --- a meter's page ------------------------------------------------------------------------------


def test_a_meters_page_takes_the_last_reading_from_one_read_of_its_readings(world: Setup) -> None:
    log: list[str] = []
    world.service.readings = Recorder(world.readings, log, "readings")
    page = world.service.meter_page(world.scope(READER), "M-1")
    assert log == ["readings.list_readings"]
    assert [m.number for m in page.meters] == ["M-1"]
    assert page.selected.meter == world.meter
    assert page.selected.last_reading is not None and page.selected.last_reading.read_on == date(2024, 3, 1)
    assert [r.read_on for r in page.readings] == [date(2023, 3, 1), date(2023, 9, 1), date(2024, 3, 1)]
    # The same last reading the meter list shows (which reads it on its own)
    [listed] = world.service.list_meters(world.scope(READER))
    assert listed.last_reading == page.selected.last_reading


def test_a_meter_of_another_customer_has_no_page(world: Setup) -> None:
    world.customers.add_meter(a_meter("M-9", "100009"))
    with pytest.raises(NotFound) as missing:
        world.service.meter_page(world.scope(READER), "M-9")
    assert missing.value.code == "meter_not_found"
    with pytest.raises(Forbidden):
        world.service.meter_page(world.scope(Principal(user_id="stranger", email="")), "M-1")
