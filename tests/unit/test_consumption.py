"""Consumption views (heatportal.domain.consumption, services.consumption)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from heatportal.domain.climate import normal_degree_days
from heatportal.domain.consumption import MonthlyConsumption, monthly_aggregates, year_view
from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import DailyConsumption, MeterKind, Reading, ReadingSource, Role
from heatportal.domain.money import EnergyUnit
from heatportal.services.access import AccessService, Principal, Scope
from heatportal.services.consumption import ConsumptionService
from heatportal.services.readings import ReadingService
from tests.builders import a_customer, a_membership, a_meter
from tests.fakes.clock import FixedClock
from tests.fakes.consumption import InMemoryConsumptionRepository
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.readings import InMemoryReadingRepository

CUSTOMER = "100001"
OWNER = Principal(user_id="owner", email="owner@example.no")
STRANGER = Principal(user_id="stranger", email="stranger@example.no")


def day(meter: str, d: date, quantity: str, temp: str | None = None) -> DailyConsumption:
    return DailyConsumption(
        meter_number=meter, day=d, quantity=Decimal(quantity), mean_outdoor_temp=Decimal(temp) if temp else None
    )


class World:
    def __init__(self) -> None:
        self.customers = InMemoryCustomerRepository()
        self.customers.add_customer(a_customer(CUSTOMER))
        self.heat = self.customers.add_meter(a_meter("H-1", CUSTOMER, installed_on=date(2023, 1, 1)))
        self.water = self.customers.add_meter(
            a_meter("W-1", CUSTOMER, kind=MeterKind.HOT_WATER, unit=EnergyUnit.M3, decimals=3)
        )
        self.store = InMemoryConsumptionRepository()
        memberships = InMemoryMembershipRepository(a_membership("owner", CUSTOMER, Role.READ))
        self.access = AccessService(InMemoryCustomerRecords(memberships, self.customers))
        clock = FixedClock(date(2024, 6, 10))
        self.readings = InMemoryReadingRepository()
        readings = ReadingService(self.readings, clock)
        self.service = ConsumptionService(readings, self.store, clock, "oslo")

    def scope(self, who: Principal, number: str = CUSTOMER) -> Scope:
        return self.access.scope(who, number)

    def fill(self, meter: str, start: date, days: int, per_day: str, temp: str = "5.0") -> None:
        self.store.put_daily([day(meter, start + timedelta(days=i), per_day, temp) for i in range(days)])


@pytest.fixture
def world() -> World:
    w = World()
    w.fill("H-1", date(2023, 1, 1), 366 + 160, "100")  # 2023-01-01 .. 2024-06-09, 100 kWh a day, 5 °C
    w.fill("W-1", date(2024, 5, 1), 40, "0.150")
    return w


def test_monthly_aggregates_sum_days_and_degree_days() -> None:
    rows = [day("M", date(2024, 1, d), "10", "-3.0") for d in (1, 2)] + [day("M", date(2024, 2, 1), "7")]
    jan, feb = monthly_aggregates(rows)
    assert (jan.month, jan.quantity, jan.days, jan.degree_days) == ("2024-01", Decimal(20), 2, Decimal("40.0"))
    assert (feb.month, feb.quantity, feb.days, feb.degree_days) == ("2024-02", Decimal(7), 1, Decimal(0))


def test_a_corrected_day_corrects_its_month(world: World) -> None:
    world.store.put_daily([day("H-1", date(2024, 3, 5), "400", "5.0")])
    assert world.store.month("H-1", "2024-03").quantity == Decimal(31 * 100 + 300)  # type: ignore[union-attr]


def test_year_by_month_with_last_year_beside_it(world: World) -> None:
    result = world.service.view(world.scope(OWNER, CUSTOMER), "H-1", "year", year=2023)
    bars = result.view.bars
    assert [b.key for b in bars][:2] == ["2023-01", "2023-02"]
    assert bars[0].quantity == Decimal("3100.0") and bars[0].previous is None  # nothing in 2022
    assert result.view.total == Decimal("36500.0") and not result.view.partial


def test_the_running_year_compares_its_complete_months_with_the_same_months_last_year(world: World) -> None:
    # Today is 10 June 2024: January to May have ended, June is running.
    result = world.service.view(world.scope(OWNER, CUSTOMER), "H-1", "year", year=2024)
    bars = result.view.bars
    assert bars[0].quantity == Decimal("3100.0") and bars[0].previous == Decimal("3100.0")
    june = bars[5]
    assert (june.quantity, june.partial, june.previous) == (Decimal("900.0"), True, None)  # 9 days: not compared
    assert bars[6].quantity is None and bars[6].previous == Decimal("3100.0")  # July: last year's only
    assert (result.view.partial, result.view.compared_through) == (True, 5)
    assert result.view.total == Decimal(100 * (31 + 29 + 31 + 30 + 31))
    assert result.view.previous_total == Decimal(100 * (31 + 28 + 31 + 30 + 31))  # the same months of 2023


def test_without_a_period_asked_for_the_last_complete_month_and_its_year_are_shown(world: World) -> None:
    month = world.service.view(world.scope(OWNER, CUSTOMER), "H-1", "month")
    assert (month.year, month.month, len(month.view.bars), month.view.partial) == (2024, 5, 31, False)
    year = world.service.view(world.scope(OWNER, CUSTOMER), "H-1", "year")
    assert year.year == 2024


def test_the_running_month_shows_the_days_that_ended_against_the_same_days_last_year(world: World) -> None:
    result = world.service.view(world.scope(OWNER, CUSTOMER), "H-1", "month", year=2024, month=6)
    assert [b.label for b in result.view.bars] == list(range(1, 10))  # 1-9 June: no empty days ahead
    assert (result.view.partial, result.view.compared_through) == (True, 9)
    assert result.view.total == Decimal("900.0") and result.view.previous_total == Decimal("900.0")


def test_degree_days_are_shown_for_heat_only(world: World) -> None:
    heat = world.service.view(world.scope(OWNER, CUSTOMER), "H-1", "month", year=2024, month=5)
    water = world.service.view(world.scope(OWNER, CUSTOMER), "W-1", "month", year=2024, month=5)
    assert heat.view.bars[0].degree_days is not None
    assert all(b.degree_days is None for b in water.view.bars)


def test_a_month_by_day_compares_with_the_same_month_last_year(world: World) -> None:
    result = world.service.view(world.scope(OWNER, CUSTOMER), "H-1", "month", year=2024, month=2)
    assert len(result.view.bars) == 29
    assert result.view.total == Decimal("2900.0")
    assert result.view.previous_total == Decimal("2800.0")
    assert result.view.bars[0].degree_days == Decimal("12.0")


def test_total_since_installation_by_year(world: World) -> None:
    result = world.service.view(world.scope(OWNER, CUSTOMER), "H-1", "total")
    assert [(b.key, b.quantity) for b in result.view.bars] == [
        ("2023", Decimal("36500.0")),
        ("2024", Decimal("16100.0")),
    ]
    assert result.view.total == Decimal("52600.0")


def test_the_total_since_installation_is_what_the_register_counted(world: World) -> None:
    # Installed on 1 Nov 2022 at 5 000 kWh, two months before its daily data
    # begin, and read on 1 June 2024 at 60 000: it counted 55 000 kWh. The
    # months before that reading chart 51 700; 3 300 were counted earlier.
    meter = world.customers.add_meter(
        a_meter("H-2", CUSTOMER, installed_on=date(2022, 11, 1), start_value=Decimal(5000))
    )
    world.fill("H-2", date(2023, 1, 1), 366 + 160, "100")
    world.readings.add_reading(
        Reading(
            meter_number=meter.number,
            read_on=date(2024, 6, 1),
            value=Decimal(60000),
            source=ReadingSource.PORTAL,
            recorded_at=datetime(2024, 6, 1, tzinfo=UTC),
        )
    )
    result = world.service.view(world.scope(OWNER, CUSTOMER), "H-2", "total")
    assert result.view.total == Decimal("55000.0")  # the register: 60 000 - 5 000
    assert result.view.counted_until == date(2024, 6, 1)
    assert [(b.key, b.quantity) for b in result.view.bars] == [
        ("2023", Decimal("36500.0")),
        ("2024", Decimal("15200.0")),  # January to May: the months before the reading
    ]
    assert result.view.earlier == Decimal("3300.0")  # counted before the daily data began


@pytest.mark.parametrize(
    ("unit", "total"),
    [(EnergyUnit.KWH, Decimal("52600.0")), (EnergyUnit.MWH, Decimal("52.600")), (EnergyUnit.GJ, Decimal("189.360"))],
)
def test_energy_is_shown_in_the_unit_the_person_picks(world: World, unit: EnergyUnit, total: Decimal) -> None:
    assert world.service.view(world.scope(OWNER, CUSTOMER), "H-1", "total", unit=unit).view.total == total


def test_hot_tap_water_is_shown_in_cubic_metres_only(world: World) -> None:
    result = world.service.view(world.scope(OWNER, CUSTOMER), "W-1", "month", year=2024, month=5)
    assert (result.unit, result.view.total) == (EnergyUnit.M3, Decimal("4.650"))
    with pytest.raises(ValidationFailed) as refused:
        world.service.view(world.scope(OWNER, CUSTOMER), "W-1", "year", unit=EnergyUnit.GJ)
    assert refused.value.code == "consumption_unit_invalid"
    with pytest.raises(ValidationFailed):
        world.service.view(world.scope(OWNER, CUSTOMER), "H-1", "year", unit=EnergyUnit.M3)


def test_only_members_see_consumption(world: World) -> None:
    with pytest.raises(Forbidden):
        world.service.view(world.scope(STRANGER, CUSTOMER), "H-1", "year")
    with pytest.raises(NotFound):
        world.service.view(world.scope(OWNER, CUSTOMER), "H-9", "year")


def test_normalised_comparison_removes_the_weather() -> None:
    # Given two years with the same building (20 kWh a day + 3 kWh per degree
    # day) and a mild year followed by a cold one
    months = []
    for year, offset in ((2022, Decimal(-100)), (2023, Decimal(100))):
        for number in range(1, 13):
            days = 30
            hdd = max(normal_degree_days("oslo", number) + offset, Decimal(0))
            months.append(
                MonthlyConsumption(
                    meter_number="M",
                    month=f"{year}-{number:02d}",
                    quantity=20 * days + 3 * hdd,
                    days=days,
                    degree_days=hdd,
                )
            )
    view = year_view(months, 2023, "oslo")
    # Then the raw use differs a lot, the weather-normalised use hardly at all
    assert view.total - view.previous_total > 2000  # type: ignore[operator]
    assert view.normalised_total is not None and view.previous_normalised_total is not None
    assert abs(view.normalised_total - view.previous_normalised_total) < abs(view.total - view.previous_total) / 10  # type: ignore[operator]


def test_a_meter_read_by_hand_shows_months_from_its_readings() -> None:
    from tests.builders import a_reading

    w = World()
    readings = w.service.readings.readings
    for day, value in ((date(2024, 1, 1), "1000"), (date(2024, 2, 1), "4100"), (date(2024, 3, 16), "6300")):
        readings.readings[("H-1", day)] = a_reading("H-1", day, value)  # type: ignore[attr-defined]
    result = w.service.view(w.scope(OWNER, CUSTOMER), "H-1", "year", year=2024)
    quantities = [b.quantity for b in result.view.bars[:3]]
    # January exactly; February and half of March share 2200 kWh by days (29 + 15)
    assert quantities[0] == Decimal("3100.0")
    assert quantities[1] == (Decimal(2200) * 29 / 44).quantize(Decimal("0.1"))
    assert quantities[2] == (Decimal(2200) * 15 / 44).quantize(Decimal("0.1"))
    assert result.view.total == Decimal("5300.0")
