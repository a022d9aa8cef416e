"""Degree-day model for estimated readings ("stipulert målerstand").

A building's heat use over a period is about a base load per day (hot tap
water, losses) plus a factor times the period's heating degree days. Both are
fitted per meter by least squares from the meter's own history: intervals
between actual readings, or daily values. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from heatportal.domain import notes
from heatportal.domain.climate import DEFAULT_BASE, degree_days, heating_degree_days, normal_temperature, station_info
from heatportal.domain.model import DailyConsumption, LineNote, Reading

# Fewer intervals than this, or less than this many days of history, give no fit.
MIN_POINTS = 3
MIN_DAYS = 60


@dataclass(frozen=True)
class Observation:
    """Consumption measured over ``days`` days with ``degree_days`` heating degree days."""

    days: Decimal
    degree_days: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class EstimateMethod:
    """How an estimated register value was made, so a bill can say it
    (FFVAV § 5 (2): a bill not based on actual consumption explains how).

    - ``daily``: the last reading plus the meter's measured daily values;
    - ``degree_days``: the last reading plus base load x days + factor x
      heating degree days (shared between two readings when a later one exists);
    - ``interpolated``: between two readings, in proportion to the days;
    - ``trend``: the last reading plus the past year's mean per day.
    """

    kind: Literal["daily", "degree_days", "interpolated", "trend"]
    from_day: date
    from_value: Decimal
    to_day: date | None = None
    to_value: Decimal | None = None
    measured_days: int | None = None
    base_per_day: Decimal | None = None
    per_degree_day: Decimal | None = None
    degree_days: Decimal | None = None
    station: str | None = None
    per_day: Decimal | None = None


@dataclass(frozen=True)
class DegreeDayModel:
    base_per_day: Decimal
    per_degree_day: Decimal
    points: int

    def predict(self, days: Decimal, degree_days: Decimal) -> Decimal:
        return self.base_per_day * days + self.per_degree_day * degree_days


def fit(observations: Iterable[Observation]) -> DegreeDayModel | None:
    """Least squares of quantity = base x days + factor x degree days (no
    intercept), both coefficients kept non-negative; None without enough data."""
    points = [o for o in observations if o.days > 0 and o.quantity >= 0]
    if len(points) < MIN_POINTS or sum((p.days for p in points), Decimal(0)) < MIN_DAYS:
        return None
    sdd = sum((p.days * p.days for p in points), Decimal(0))
    sdh = sum((p.days * p.degree_days for p in points), Decimal(0))
    shh = sum((p.degree_days * p.degree_days for p in points), Decimal(0))
    sdq = sum((p.days * p.quantity for p in points), Decimal(0))
    shq = sum((p.degree_days * p.quantity for p in points), Decimal(0))
    determinant = sdd * shh - sdh * sdh
    if determinant > 0:
        base = (sdq * shh - shq * sdh) / determinant
        factor = (shq * sdd - sdq * sdh) / determinant
        if base >= 0 and factor >= 0:
            return DegreeDayModel(base, factor, len(points))
    # A negative coefficient means the data cannot tell the two apart: keep
    # the one-parameter fit that explains more.
    only_base = DegreeDayModel(sdq / sdd, Decimal(0), len(points))
    only_factor = DegreeDayModel(Decimal(0), shq / shh, len(points)) if shh > 0 else None
    if only_factor is None:
        return only_base

    def residual(model: DegreeDayModel) -> Decimal:
        return sum(((p.quantity - model.predict(p.days, p.degree_days)) ** 2 for p in points), Decimal(0))

    return only_base if residual(only_base) <= residual(only_factor) else only_factor


def degree_days_between(
    station: str,
    start: date,
    end: date,
    temperatures: Mapping[date, Decimal] | None = None,
    base: Decimal = DEFAULT_BASE,
    *,
    cooling: bool = False,
) -> Decimal:
    """Heating degree days of the days in [start, end) (cooling degree days for
    a cooling supply): measured temperature where known, the climate normal of
    the day otherwise."""
    total = Decimal(0)
    day = start
    one = timedelta(days=1)
    known = temperatures or {}
    while day < end:
        temp = known.get(day)
        outdoor = temp if temp is not None else normal_temperature(station, day)
        total += degree_days(outdoor, cooling=True) if cooling else heating_degree_days(outdoor, base)
        day += one
    return total


def register_advance(start: Decimal, end: Decimal, *, rollover: bool, register_range: Decimal | None) -> Decimal | None:
    """What a register counted from ``start`` to ``end``: the one answer for
    two stored register values (hand-read consumption charts, the degree-day
    fit and estimates between readings all ask it; a bill keeps its wrap on
    its own values, ``MeterPeriodValue.register_wrap``).

    ``end`` below ``start`` counts ``end + 10^N - start`` when the later reading
    records a rollover on a register of known size (``register_range`` = 10^N)
    and ``start`` fits on it: one wrap, since a register that wrapped twice
    between two readings looks the same as one that wrapped once (the
    plausibility check asks the person to confirm such a value). Any other
    fall (an actual reading under a replaced estimate, an unknown register
    size) counts None: nothing that can be learnt from or charted.
    """
    used = end - start
    if used >= 0:
        return used
    if rollover and register_range is not None and start < register_range:
        return used + register_range
    return None


def consumption_between(before: Reading, after: Reading, register_range: Decimal | None = None) -> Decimal | None:
    """What the register counted between two readings (see ``register_advance``)."""
    return register_advance(before.value, after.value, rollover=after.rollover, register_range=register_range)


def observations_from_readings(
    readings: Iterable[Reading],
    station: str,
    temperatures: Mapping[date, Decimal] | None = None,
    register_range: Decimal | None = None,
    *,
    cooling: bool = False,
) -> list[Observation]:
    """One observation per interval between consecutive actual readings; an
    interval across a rollover counts what the register counted through the wrap.
    A cooling meter's observations carry cooling degree days."""
    actual = sorted((r for r in readings if not r.estimated), key=lambda r: r.read_on)
    result = []
    for before, after in pairwise(actual):
        days = (after.read_on - before.read_on).days
        used = consumption_between(before, after, register_range)
        if days <= 0 or used is None:
            continue  # a fall without a recorded rollover: no consumption to learn from
        result.append(
            Observation(
                Decimal(days),
                degree_days_between(station, before.read_on, after.read_on, temperatures, cooling=cooling),
                used,
            )
        )
    return result


def observations_from_daily(
    rows: Iterable[DailyConsumption], station: str, *, cooling: bool = False
) -> list[Observation]:
    """Daily values grouped by week (7 days smooth out day-to-day storage in
    the building), with the measured outdoor temperature when the row has it
    (cooling degree days for a cooling meter)."""
    weeks: dict[tuple[int, int], list[DailyConsumption]] = {}
    for row in rows:
        iso = row.day.isocalendar()
        weeks.setdefault((iso.year, iso.week), []).append(row)
    result = []
    for days in weeks.values():
        weather = sum(
            (
                degree_days(
                    d.mean_outdoor_temp if d.mean_outdoor_temp is not None else normal_temperature(station, d.day),
                    cooling=cooling,
                )
                for d in days
            ),
            Decimal(0),
        )
        result.append(Observation(Decimal(len(days)), weather, sum((d.quantity for d in days), Decimal(0))))
    return result


def estimate_note(method: EstimateMethod, unit: str, on: date) -> LineNote:
    """The bill's sentence on how a value on ``on`` was estimated."""
    params = {
        "date": notes.day(on),
        "from_date": notes.day(method.from_day),
        "from_value": notes.qty(method.from_value, unit),
    }
    if method.kind == "daily":
        params["days"] = notes.num(Decimal(method.measured_days or 0))
        params["span"] = notes.num(Decimal((on - method.from_day).days))
        return LineNote(key="invoice.reading.estimate_daily", params=params)
    if method.kind == "degree_days":
        params |= {
            "base_load": notes.qty((method.base_per_day or Decimal(0)).quantize(Decimal("0.01")), unit),
            "factor": notes.qty((method.per_degree_day or Decimal(0)).quantize(Decimal("0.001")), unit),
            "degree_days": notes.num((method.degree_days or Decimal(0)).quantize(Decimal("0.1"))),
            "base_temperature": notes.temp(DEFAULT_BASE),
            "station": notes.text(station_info(method.station).name if method.station else ""),
        }
        return LineNote(key="invoice.reading.estimate_method", params=params)
    if method.kind == "interpolated":
        params["to_date"] = notes.day(method.to_day or on)
        params["to_value"] = notes.qty(method.to_value or Decimal(0), unit)
        return LineNote(key="invoice.reading.estimate_interpolated", params=params)
    params["per_day"] = notes.qty((method.per_day or Decimal(0)).quantize(Decimal("0.01")), unit)
    return LineNote(key="invoice.reading.estimate_trend", params=params)
