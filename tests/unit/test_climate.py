"""The climate model: station normals, daily temperature series, degree days."""

from __future__ import annotations

import statistics
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heatportal.domain.climate import (
    DEFAULT_BASE,
    STATIONS,
    daily_temperature_series,
    heating_degree_days,
    normal_degree_days,
    normal_temperature,
    normal_yearly_degree_days,
)
from heatportal.domain.profile import PROFILE_IDS, load_profile

temperatures = st.decimals(min_value=Decimal("-60"), max_value=Decimal("60"), places=1)
bases = st.decimals(min_value=Decimal("10"), max_value=Decimal("22"), places=1)


def test_every_profile_names_a_known_station() -> None:
    for profile_id in PROFILE_IDS:
        assert load_profile(profile_id).climate_station in STATIONS


@pytest.mark.parametrize("name", sorted(STATIONS))
def test_station_normals_are_twelve_plausible_decimals(name: str) -> None:
    normals = STATIONS[name].monthly_normals
    assert len(normals) == 12
    assert all(isinstance(value, Decimal) for value in normals)
    assert all(Decimal(-15) < value < Decimal(25) for value in normals)
    assert min(normals) in normals[:2] + normals[11:]  # coldest in Dec-Feb
    assert max(normals) in normals[6:8]  # warmest in Jul-Aug


@pytest.mark.parametrize("name", sorted(STATIONS))
def test_seasonal_curve_reproduces_the_monthly_normals(name: str) -> None:
    for month in range(1, 13):
        first = date(2001, month, 1)
        days = [first + timedelta(days=i) for i in range(31) if (first + timedelta(days=i)).month == month]
        mean = statistics.fmean(float(normal_temperature(name, d)) for d in days)
        assert abs(mean - float(STATIONS[name].monthly_normals[month - 1])) < 0.25


def test_series_covers_every_day_once_with_tenths() -> None:
    series = daily_temperature_series("oslo", date(2024, 3, 1), date(2026, 3, 1), seed=7)
    days = sorted(series)
    assert days[0] == date(2024, 3, 1) and days[-1] == date(2026, 2, 28)
    assert len(days) == (date(2026, 3, 1) - date(2024, 3, 1)).days
    assert all(isinstance(v, Decimal) and v.as_tuple().exponent == -1 for v in series.values())
    assert all(Decimal(-35) < v < Decimal(35) for v in series.values())
    assert not any(str(v) == "-0.0" for v in series.values())


def test_series_is_deterministic_and_seed_dependent() -> None:
    a = daily_temperature_series("de_bilt", date(2025, 1, 1), date(2025, 12, 31), seed=3)
    b = daily_temperature_series("de_bilt", date(2025, 1, 1), date(2025, 12, 31), seed=3)
    c = daily_temperature_series("de_bilt", date(2025, 1, 1), date(2025, 12, 31), seed=4)
    d = daily_temperature_series("nuernberg", date(2025, 1, 1), date(2025, 12, 31), seed=3)
    assert a == b
    assert a != c
    assert a != d


def test_a_days_temperature_does_not_depend_on_the_start_of_the_series() -> None:
    long = daily_temperature_series("stockholm", date(2023, 6, 1), date(2025, 6, 1), seed=7)
    short = daily_temperature_series("stockholm", date(2024, 11, 15), date(2025, 2, 1), seed=7)
    assert all(long[day] == value for day, value in short.items())


def test_empty_series_when_end_is_not_after_start() -> None:
    assert daily_temperature_series("oslo", date(2025, 1, 1), date(2025, 1, 1), seed=1) == {}


@pytest.mark.parametrize("name", sorted(STATIONS))
def test_series_follows_the_climate_with_autocorrelated_weather(name: str) -> None:
    start, end = date(2000, 1, 1), date(2030, 1, 1)
    series = daily_temperature_series(name, start, end, seed=11)
    for month in (1, 4, 7, 10):
        values = [float(v) for d, v in series.items() if d.month == month]
        normal = float(STATIONS[name].monthly_normals[month - 1])
        assert abs(statistics.fmean(values) - normal) < 1.5
    january = statistics.pstdev(float(v) for d, v in series.items() if d.month == 1)
    july = statistics.pstdev(float(v) for d, v in series.items() if d.month == 7)
    assert january > july  # winters are more variable
    anomalies = [float(v) - float(normal_temperature(name, d)) for d, v in sorted(series.items())]
    lag1 = statistics.correlation(anomalies[:-1], anomalies[1:])
    assert 0.6 < lag1 < 0.95


def test_unknown_station_is_refused() -> None:
    with pytest.raises(ValueError):
        daily_temperature_series("atlantis", date(2025, 1, 1), date(2025, 2, 1), seed=1)
    with pytest.raises(ValueError):
        normal_degree_days("atlantis", 1)
    with pytest.raises(ValueError):
        normal_degree_days("oslo", 13)


@given(temperatures, bases)
def test_degree_days_are_never_negative(temp: Decimal, base: Decimal) -> None:
    assert heating_degree_days(temp, base) >= 0


@given(temperatures, bases)
def test_degree_days_are_zero_when_temperature_reaches_the_base(temp: Decimal, base: Decimal) -> None:
    hdd = heating_degree_days(temp, base)
    if temp >= base:
        assert hdd == 0
    else:
        assert hdd == base - temp


@given(temperatures)
def test_default_base_is_17(temp: Decimal) -> None:
    assert heating_degree_days(temp) == heating_degree_days(temp, Decimal("17"))
    assert Decimal("17") == DEFAULT_BASE


def test_degree_days_refuse_float() -> None:
    with pytest.raises(TypeError):
        heating_degree_days(3.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(STATIONS))
def test_normal_degree_days_follow_the_seasons(name: str) -> None:
    months = [normal_degree_days(name, m) for m in range(1, 13)]
    assert all(isinstance(v, Decimal) and v >= 0 for v in months)
    assert months[0] > months[3] > months[6]
    assert months[11] > months[9] > months[7]
    # Never below the degree days of the monthly mean (cold days add more).
    for month, hdd in enumerate(months, start=1):
        days = (date(2001, month % 12 + 1, 1) - date(2001, month, 1)).days if month < 12 else 31
        floor = days * max(Decimal(0), DEFAULT_BASE - STATIONS[name].monthly_normals[month - 1])
        assert hdd >= floor - Decimal(days) * Decimal("0.3")
    assert sum(months) == normal_yearly_degree_days(name)


def test_yearly_degree_days_are_realistic() -> None:
    assert Decimal(3500) < normal_yearly_degree_days("oslo") < Decimal(4500)
    assert Decimal(3000) < normal_yearly_degree_days("stockholm") < Decimal(4000)
    assert Decimal(2500) < normal_yearly_degree_days("nuernberg") < Decimal(3400)
    assert Decimal(2000) < normal_yearly_degree_days("de_bilt") < Decimal(2900)
