"""The degree-day model behind estimated readings (heatportal.domain.estimation)
and its use by ReadingService.value_at."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest

from heatportal.domain.climate import heating_degree_days, normal_temperature
from heatportal.domain.estimation import (
    Observation,
    degree_days_between,
    fit,
    observations_from_daily,
    observations_from_readings,
)
from heatportal.domain.model import DailyConsumption, Meter
from heatportal.services.access import AccessService
from heatportal.services.readings import ReadingService
from tests.builders import a_meter, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.customers import InMemoryCustomerRepository, InMemoryMembershipRepository
from tests.fakes.readings import InMemoryReadingRepository

STATION = "oslo"


def _month_starts(first: date, count: int) -> list[date]:
    days, day = [], first
    for _ in range(count):
        days.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return days


def test_an_exact_linear_history_gives_back_its_base_load_and_factor() -> None:
    # Given consumption that is exactly 20 a day plus 5 per degree day
    points = [Observation(Decimal(d), Decimal(h), Decimal(20 * d + 5 * h)) for d, h in [(31, 600), (30, 300), (31, 50)]]
    # When fitted
    model = fit(points)
    # Then the two coefficients come back
    assert model is not None
    assert model.base_per_day.quantize(Decimal("0.0001")) == Decimal("20.0000")
    assert model.per_degree_day.quantize(Decimal("0.0001")) == Decimal("5.0000")
    assert model.predict(Decimal(10), Decimal(100)) == pytest.approx(Decimal(700))


def test_too_little_history_gives_no_model() -> None:
    assert fit([Observation(Decimal(31), Decimal(500), Decimal(9000))] * 2) is None
    assert fit([Observation(Decimal(10), Decimal(100), Decimal(900))] * 3) is None  # 30 days only


def test_a_negative_coefficient_falls_back_to_one_parameter() -> None:
    # Use that goes *down* with cold weather cannot be a heating factor
    points = [Observation(Decimal(30), Decimal(h), Decimal(q)) for h, q in [(0, 900), (300, 600), (600, 300)]]
    model = fit(points)
    assert model is not None
    assert model.per_degree_day == 0
    assert model.base_per_day == Decimal(600) / Decimal(30)


def test_degree_days_use_measured_temperatures_where_known() -> None:
    start = date(2024, 1, 1)
    measured = {start: Decimal("-3.0")}
    total = degree_days_between(STATION, start, start + timedelta(days=2), measured)
    assert total == Decimal("20.0") + heating_degree_days(normal_temperature(STATION, date(2024, 1, 2)))


def test_observations_skip_estimates_and_replacements() -> None:
    readings = [
        a_reading("M", date(2024, 1, 1), "100"),
        a_reading("M", date(2024, 2, 1), "5000", estimated=True),
        a_reading("M", date(2024, 3, 1), "900"),
        a_reading("M", date(2024, 4, 1), "50"),  # a new register: no consumption to learn from
        a_reading("M", date(2024, 5, 1), "450"),
    ]
    observations = observations_from_readings(readings, STATION)
    assert [o.quantity for o in observations] == [Decimal(800), Decimal(400)]
    assert observations[0].days == 60


def test_daily_values_are_grouped_by_week() -> None:
    rows = [
        DailyConsumption(meter_number="M", day=date(2024, 1, 1) + timedelta(days=i), quantity=Decimal(10))
        for i in range(14)
    ]
    observations = observations_from_daily(rows, STATION)
    assert [(o.days, o.quantity) for o in observations] == [(7, 70), (7, 70)]


def _service_with_history(station: str | None) -> tuple[ReadingService, Meter, InMemoryReadingRepository]:
    """A year of monthly readings that follow 10 kWh a day + 4 kWh per normal degree day."""
    customers = InMemoryCustomerRepository()
    meter = customers.add_meter(a_meter("M-1", installed_on=date(2022, 1, 1)))
    readings = InMemoryReadingRepository()
    value = Decimal(1000)
    starts = _month_starts(date(2023, 1, 1), 14)
    for day, nxt in pairwise(starts):
        readings.readings[(meter.number, day)] = a_reading(meter.number, day, value)
        hdd = degree_days_between(STATION, day, nxt)
        value += (Decimal(10) * (nxt - day).days + 4 * hdd).quantize(Decimal(1))
    service = ReadingService(
        customers,
        readings,
        AccessService(InMemoryMembershipRepository()),
        FixedClock(date(2024, 3, 20)),
        climate_station=station,
    )
    return service, meter, readings


def test_a_missing_winter_reading_is_estimated_by_the_weather_not_by_the_calendar() -> None:
    # Given readings up to 2024-01-01 whose use follows the degree days
    model_service, meter, readings = _service_with_history(STATION)
    linear_service, _, _ = _service_with_history(None)
    start_value = readings.readings[("M-1", date(2024, 1, 1))].value
    expected = Decimal(10) * 31 + 4 * degree_days_between(STATION, date(2024, 1, 1), date(2024, 2, 1))
    # When February's first reading is missing
    by_model = model_service.value_at(meter, date(2024, 2, 1))
    by_time = linear_service.value_at(meter, date(2024, 2, 1))
    # Then the degree-day estimate is within 1 % of what the weather implies, and marked estimated
    assert by_model.estimated
    assert abs(by_model.value - start_value - expected) / expected < Decimal("0.01")
    # and the calendar-only estimate (the yearly mean rate) is much further off in January
    assert abs(by_time.value - start_value - expected) > abs(by_model.value - start_value - expected) * 5


def test_between_two_known_readings_the_estimate_shares_the_difference_by_degree_days() -> None:
    service, meter, readings = _service_with_history(STATION)
    del readings.readings[("M-1", date(2023, 12, 1))]
    nov, jan = (readings.readings[("M-1", d)].value for d in (date(2023, 11, 1), date(2024, 1, 1)))
    value = service.value_at(meter, date(2023, 12, 1))
    assert value.estimated
    assert nov < value.value < jan
    # November has fewer degree days than December: less than half the two months' use falls before Dec 1
    assert value.value - nov < (jan - nov) / 2
