"""Outdoor temperature and heating and cooling degree days for the profiles' climate stations.

Heat use follows the weather: a facility's daily heat is roughly a base load
(hot water, losses) plus a factor times the heating degree days of the day;
district cooling is the mirror image, a base (server rooms, processes) plus a
factor times the cooling degree days.
This module knows the monthly normal temperatures of the four climate stations
the shipped profiles name, produces realistic daily temperature series for demo
data and tests, and computes degree days for estimates and forecasts.

Pure and deterministic: no I/O, no clock, no environment. Internally floats
are used for the weather model; everything returned is ``Decimal``.
"""

from __future__ import annotations

import calendar
import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

DEFAULT_BASE = Decimal("17")
"""Base temperature (°C) of heating degree days: below it a building needs heat."""

DEFAULT_COOLING_BASE = Decimal("15")
"""Base temperature (°C) of cooling degree days: above it a building connected
to district cooling needs cooling. Lower than the comfort temperature because
offices, shops and server rooms (the buildings district cooling serves) gain
heat from people, equipment and the sun."""

_TENTH = Decimal("0.1")
# Weather noise is generated from this day on, so a day's temperature does not
# depend on the start of the requested series (as long as it is after this day).
_NOISE_EPOCH = date(2000, 1, 1)
# Lag-one autocorrelation of daily mean temperature anomalies (typical 0.7-0.85).
_AR_PHI = 0.8


@dataclass(frozen=True)
class Station:
    """A climate station: monthly normals and the day-to-day variability."""

    name: str
    # Normal (1991-2020) monthly mean outdoor temperature, January first, °C.
    monthly_normals: tuple[Decimal, ...]
    # Standard deviation (°C) of daily means around the seasonal curve,
    # in mid-winter and mid-summer (winters are more variable).
    winter_sd: Decimal
    summer_sd: Decimal


def _normals(*values: str) -> tuple[Decimal, ...]:
    assert len(values) == 12
    return tuple(Decimal(v) for v in values)


STATIONS: dict[str, Station] = {
    # Oslo - Blindern (Norway), 1991-2020 normals.
    "oslo": Station(
        "Oslo - Blindern",
        _normals("-2.3", "-2.0", "1.0", "5.8", "10.8", "14.8", "17.3", "16.1", "11.7", "6.1", "1.9", "-1.6"),
        Decimal("4.5"),
        Decimal("2.3"),
    ),
    # De Bilt (Netherlands, KNMI), 1991-2020 normals.
    "de_bilt": Station(
        "De Bilt",
        _normals("3.6", "4.0", "6.6", "9.9", "13.5", "16.3", "18.4", "18.0", "14.8", "10.9", "7.0", "4.3"),
        Decimal("3.4"),
        Decimal("2.4"),
    ),
    # Nürnberg (Germany, DWD), 1991-2020 normals.
    "nuernberg": Station(
        "Nürnberg",
        _normals("0.4", "1.4", "5.1", "9.5", "13.8", "17.3", "19.2", "18.6", "14.3", "9.5", "4.7", "1.3"),
        Decimal("4.0"),
        Decimal("2.6"),
    ),
    # Stockholm - Observatoriekullen (Sweden, SMHI), 1991-2020 normals.
    "stockholm": Station(
        "Stockholm",
        _normals("-0.6", "-0.8", "1.9", "6.5", "11.5", "15.9", "18.8", "17.6", "13.2", "7.8", "3.7", "0.8"),
        Decimal("4.0"),
        Decimal("2.3"),
    ),
}


def station_info(name: str) -> Station:
    try:
        return STATIONS[name]
    except KeyError:
        raise ValueError(f"unknown climate station {name!r}; known: {', '.join(STATIONS)}") from None


# --- the seasonal curve -----------------------------------------------------
# A Fourier series through the twelve monthly normals (harmonics 1-5), placed at
# the middle of each month. Each harmonic is divided by its averaging factor
# sinc(pi k / 12), so the curve's mean over a calendar month reproduces the
# monthly normal within about 0.1 °C (months are not all equally long),
# instead of flattening the winter minimum and the summer maximum.
_HARMONICS = 5


@cache
def _fourier(name: str) -> tuple[float, tuple[tuple[float, float], ...]]:
    values = [float(v) for v in station_info(name).monthly_normals]
    a0 = sum(values) / 12
    terms = []
    for k in range(1, _HARMONICS + 1):
        a = sum(v * math.cos(2 * math.pi * k * (i + 0.5) / 12) for i, v in enumerate(values)) / 6
        b = sum(v * math.sin(2 * math.pi * k * (i + 0.5) / 12) for i, v in enumerate(values)) / 6
        x = math.pi * k / 12
        damping = math.sin(x) / x
        terms.append((a / damping, b / damping))
    return a0, tuple(terms)


def _month_position(day: date) -> float:
    """Continuous month index in [0, 12): 0.5 is the middle of January."""
    days = calendar.monthrange(day.year, day.month)[1]
    return (day.month - 1) + (day.day - 0.5) / days


def _seasonal(name: str, position: float) -> float:
    a0, terms = _fourier(name)
    value = a0
    for k, (a, b) in enumerate(terms, start=1):
        angle = 2 * math.pi * k * position / 12
        value += a * math.cos(angle) + b * math.sin(angle)
    return value


def _spread(name: str, position: float) -> float:
    """Day-to-day standard deviation: largest mid-January, smallest mid-July."""
    st = station_info(name)
    winter, summer = float(st.winter_sd), float(st.summer_sd)
    return (winter + summer) / 2 + (winter - summer) / 2 * math.cos(2 * math.pi * (position - 0.5) / 12)


def _tenths(value: float) -> Decimal:
    result = Decimal(f"{value:.1f}")
    return result if result != 0 else Decimal("0.0")  # never "-0.0"


def normal_temperature(station_name: str, day: date) -> Decimal:
    """The climatological mean temperature of a calendar day (no weather)."""
    return _tenths(_seasonal(station_name, _month_position(day)))


def daily_temperature_series(station: str, start: date, end: date, seed: int) -> dict[date, Decimal]:
    """Daily mean outdoor temperature (°C, 0.1 steps) for every day in [start, end).

    Seasonal curve from the station's monthly normals plus AR(1) weather noise
    (autocorrelation 0.8, more variable in winter), drawn with
    ``random.Random`` seeded from ``seed`` and the station. Deterministic; for
    days from 2000-01-01 on, a day's value does not depend on ``start``.
    """
    _fourier(station)  # validates the station name
    if end <= start:
        return {}
    # A seeded PRNG on purpose: reproducible weather, nothing secret.
    rng = random.Random(f"heatportal-climate/{station}/{seed}")  # noqa: S311
    first = min(start, _NOISE_EPOCH)
    innovation_sd = math.sqrt(1 - _AR_PHI**2)
    anomaly = rng.gauss(0.0, 1.0)  # stationary start
    series: dict[date, Decimal] = {}
    day = first
    one = timedelta(days=1)
    while day < end:
        if day > first:
            anomaly = _AR_PHI * anomaly + rng.gauss(0.0, innovation_sd)
        if day >= start:
            position = _month_position(day)
            value = _seasonal(station, position) + _spread(station, position) * anomaly
            series[day] = _tenths(value)
        day += one
    return series


def heating_degree_days(temp: Decimal, base: Decimal = DEFAULT_BASE) -> Decimal:
    """Heating degree days of one day: ``max(0, base - temp)``."""
    if not isinstance(temp, Decimal) or not isinstance(base, Decimal):
        raise TypeError("temperatures are Decimal")
    difference = base - temp
    return difference if difference > 0 else Decimal(0)


def cooling_degree_days(temp: Decimal, base: Decimal = DEFAULT_COOLING_BASE) -> Decimal:
    """Cooling degree days of one day: ``max(0, temp - base)``."""
    if not isinstance(temp, Decimal) or not isinstance(base, Decimal):
        raise TypeError("temperatures are Decimal")
    difference = temp - base
    return difference if difference > 0 else Decimal(0)


def degree_days(temp: Decimal, *, cooling: bool = False) -> Decimal:
    """The day's heating degree days, or its cooling degree days for a cooling supply."""
    return cooling_degree_days(temp) if cooling else heating_degree_days(temp)


def _normal_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def _normal_pdf(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def normal_degree_days(station: str, month: int, base: Decimal = DEFAULT_BASE) -> Decimal:
    """Expected heating degree days of a calendar month (non-leap year), 0.1 steps.

    Sums, over the month's days, the expectation of ``max(0, base - T)`` with T
    normally distributed around the seasonal curve with the station's
    day-to-day spread; so spring and autumn months, whose mean is close to the
    base, still get the degree days of their cold days.
    """
    return _expected_excess(station, month, base, below=True)


def normal_cooling_degree_days(station: str, month: int, base: Decimal = DEFAULT_COOLING_BASE) -> Decimal:
    """Expected cooling degree days of a calendar month (non-leap year), 0.1 steps:
    the expectation of ``max(0, T - base)`` over the month's days, T normally
    distributed around the seasonal curve with the station's day-to-day spread
    (so a mild May still has the cooling days of its warm spells)."""
    return _expected_excess(station, month, base, below=False)


def _expected_excess(station: str, month: int, base: Decimal, *, below: bool) -> Decimal:
    """Sum over the month's days of E[max(0, base - T)] (``below``) or
    E[max(0, T - base)], T normal around the seasonal curve, in 0.1 steps."""
    if not 1 <= month <= 12:
        raise ValueError("month is 1 to 12")
    _fourier(station)
    b = float(base)
    total = 0.0
    for day_of_month in range(1, calendar.monthrange(2001, month)[1] + 1):
        position = _month_position(date(2001, month, day_of_month))
        mean = _seasonal(station, position)
        sd = _spread(station, position)
        gap = b - mean if below else mean - b
        z = gap / sd
        total += gap * _normal_cdf(z) + sd * _normal_pdf(z)
    return _tenths(total)


def normal_month_degree_days(station: str, month: int, *, cooling: bool = False) -> Decimal:
    """A month's normal heating degree days, or cooling degree days for a cooling supply."""
    return normal_cooling_degree_days(station, month) if cooling else normal_degree_days(station, month)


def normal_yearly_degree_days(station: str, base: Decimal = DEFAULT_BASE) -> Decimal:
    """Expected heating degree days of a whole (non-leap) year."""
    return sum((normal_degree_days(station, m, base) for m in range(1, 13)), Decimal(0))


def normal_yearly_cooling_degree_days(station: str, base: Decimal = DEFAULT_COOLING_BASE) -> Decimal:
    """Expected cooling degree days of a whole (non-leap) year."""
    return sum((normal_cooling_degree_days(station, m, base) for m in range(1, 13)), Decimal(0))
