"""Consumption views: total since installation, a year by
month, a month by day, year on year, and temperature-normalised comparison.

Views are computed from monthly aggregates (one item per meter and month,
kept next to the daily values) and daily values, so each view reads one or
two key ranges. Pure: no I/O, no clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from heatportal.domain.climate import (
    cooling_degree_days,
    heating_degree_days,
    normal_month_degree_days,
)
from heatportal.domain.estimation import DegreeDayModel, Observation, consumption_between, fit
from heatportal.domain.model import DailyConsumption, Frozen, Reading


class MonthlyConsumption(Frozen):
    """What a meter counted in one calendar month, from its daily values."""

    meter_number: str
    month: str  # YYYY-MM
    quantity: Decimal
    days: int  # days with a value
    degree_days: Decimal  # heating degree days of those days (measured temperature)
    volume_m3: Decimal | None = None
    cooling_degree_days: Decimal = Decimal(0)  # cooling degree days of those days


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def monthly_aggregates(rows: Iterable[DailyConsumption]) -> list[MonthlyConsumption]:
    """Monthly sums of daily values, per meter and month, oldest first."""
    groups: dict[tuple[str, str], list[DailyConsumption]] = {}
    for row in rows:
        groups.setdefault((row.meter_number, month_key(row.day)), []).append(row)
    result = []
    for (meter, month), days in sorted(groups.items()):
        volumes = [d.volume_m3 for d in days if d.volume_m3 is not None]
        result.append(
            MonthlyConsumption(
                meter_number=meter,
                month=month,
                quantity=sum((d.quantity for d in days), Decimal(0)),
                days=len(days),
                degree_days=sum(
                    (heating_degree_days(d.mean_outdoor_temp) for d in days if d.mean_outdoor_temp is not None),
                    Decimal(0),
                ),
                volume_m3=sum(volumes, Decimal(0)) if volumes else None,
                cooling_degree_days=sum(
                    (cooling_degree_days(d.mean_outdoor_temp) for d in days if d.mean_outdoor_temp is not None),
                    Decimal(0),
                ),
            )
        )
    return result


def monthly_from_readings(
    readings: Iterable[Reading], register_range: Decimal | None = None
) -> list[MonthlyConsumption]:
    """Monthly consumption of a meter read by hand: the consumption between
    consecutive actual readings spread over the days in between (readings on
    the 1st, as billing asks for, give exact months). Across a recorded
    rollover it is what the register counted through the wrap
    (``end + register_range - start``), so the month of the wrap is charted."""
    actual = sorted((r for r in readings if not r.estimated), key=lambda r: r.read_on)
    months: dict[str, tuple[Decimal, int]] = {}
    meter = actual[0].meter_number if actual else ""
    for before, after in pairwise(actual):
        span = (after.read_on - before.read_on).days
        used = consumption_between(before, after, register_range)
        if span <= 0 or used is None:
            continue  # a fall without a recorded rollover: no consumption between these two
        day = before.read_on
        while day < after.read_on:
            nxt = min(after.read_on, date(day.year + day.month // 12, day.month % 12 + 1, 1))
            days = (nxt - day).days
            quantity, counted = months.get(month_key(day), (Decimal(0), 0))
            months[month_key(day)] = (quantity + used * days / span, counted + days)
            day = nxt
    return [
        MonthlyConsumption(meter_number=meter, month=key, quantity=q, days=n, degree_days=Decimal(0))
        for key, (q, n) in sorted(months.items())
    ]


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: a month of a year, or a day of a month."""

    key: str  # YYYY-MM or YYYY-MM-DD
    label: int  # month number or day of month
    quantity: Decimal | None
    previous: Decimal | None = None  # same month (or month total) a year earlier
    degree_days: Decimal | None = None
    normalised: Decimal | None = None
    previous_normalised: Decimal | None = None
    # m3 of water that circulated (year view of a meter with a volume register).
    volume: Decimal | None = None


@dataclass(frozen=True)
class ConsumptionView:
    view: str
    bars: tuple[Bar, ...]
    total: Decimal
    previous_total: Decimal | None = None
    normalised_total: Decimal | None = None
    previous_normalised_total: Decimal | None = None
    normal_degree_days: Decimal | None = None
    volume_total: Decimal | None = None


def _normal_dd(station: str, month: str, days: int, *, cooling: bool = False) -> Decimal:
    year, number = int(month[:4]), int(month[5:])
    in_month = calendar.monthrange(year, number)[1]
    return normal_month_degree_days(station, number, cooling=cooling) * Decimal(days) / Decimal(in_month)


def measured_degree_days(item: MonthlyConsumption, *, cooling: bool = False) -> Decimal:
    """The month's measured heating degree days (cooling degree days for cooling)."""
    return item.cooling_degree_days if cooling else item.degree_days


def _normalise(
    model: DegreeDayModel | None, station: str, item: MonthlyConsumption | None, *, cooling: bool = False
) -> Decimal | None:
    """The month's use had the weather been normal: the weather-dependent part
    is moved from the measured to the normal degree days (cooling degree days
    for district cooling, whose use rises with the heat outside)."""
    if model is None or item is None or item.days == 0:
        return None
    normal = _normal_dd(station, item.month, item.days, cooling=cooling)
    shift = model.per_degree_day * (normal - measured_degree_days(item, cooling=cooling))
    return max(item.quantity + shift, Decimal(0))


def weather_corrected(months: Iterable[MonthlyConsumption], station: str) -> dict[str, Decimal]:
    """Each month's use had the weather been normal, by month (YYYY-MM), with
    the degree-day model fitted on the months given (as the year view does);
    empty when they are too few for a model."""
    shown = [m for m in months if m.days]
    model = fit(Observation(Decimal(m.days), m.degree_days, m.quantity) for m in shown)
    corrected = {m.month: _normalise(model, station, m) for m in shown}
    return {month: value for month, value in corrected.items() if value is not None}


def year_view(
    months: Iterable[MonthlyConsumption],
    year: int,
    station: str,
    *,
    normalise: bool = True,
    volume: bool = False,
    cooling: bool = False,
) -> ConsumptionView:
    """A year by month with the previous year's months beside it, both also
    normalised to the climate normal (model fitted on the months shown; on
    cooling degree days for a cooling meter)."""
    by_month = {m.month: m for m in months}
    observations = [
        Observation(Decimal(m.days), measured_degree_days(m, cooling=cooling), m.quantity)
        for m in by_month.values()
        if m.days
    ]
    model = fit(observations) if normalise else None
    bars = []
    for number in range(1, 13):
        this = by_month.get(f"{year:04d}-{number:02d}")
        last = by_month.get(f"{year - 1:04d}-{number:02d}")
        bars.append(
            Bar(
                key=f"{year:04d}-{number:02d}",
                label=number,
                quantity=this.quantity if this else None,
                previous=last.quantity if last else None,
                degree_days=measured_degree_days(this, cooling=cooling) if this else None,
                normalised=_normalise(model, station, this, cooling=cooling),
                previous_normalised=_normalise(model, station, last, cooling=cooling),
                volume=this.volume_m3 if volume and this else None,
            )
        )
    return ConsumptionView(
        view="year",
        bars=tuple(bars),
        total=_sum(b.quantity for b in bars) or Decimal(0),
        previous_total=_sum(b.previous for b in bars),
        normalised_total=_sum(b.normalised for b in bars),
        previous_normalised_total=_sum(b.previous_normalised for b in bars),
        normal_degree_days=sum(
            (normal_month_degree_days(station, n, cooling=cooling) for n in range(1, 13)), Decimal(0)
        )
        if normalise
        else None,
        volume_total=_sum(b.volume for b in bars) if volume else None,
    )


def month_view(
    rows: Iterable[DailyConsumption], year: int, month: int, previous_year: MonthlyConsumption | None
) -> ConsumptionView:
    """A month by day; the same month a year earlier as a total for comparison."""
    by_day = {r.day: r for r in rows}
    bars = []
    for number in range(1, calendar.monthrange(year, month)[1] + 1):
        row = by_day.get(date(year, month, number))
        bars.append(
            Bar(
                key=date(year, month, number).isoformat(),
                label=number,
                quantity=row.quantity if row else None,
                degree_days=heating_degree_days(row.mean_outdoor_temp)
                if row and row.mean_outdoor_temp is not None
                else None,
            )
        )
    return ConsumptionView(
        view="month",
        bars=tuple(bars),
        total=_sum(b.quantity for b in bars) or Decimal(0),
        previous_total=previous_year.quantity if previous_year else None,
    )


def total_view(months: Iterable[MonthlyConsumption]) -> ConsumptionView:
    """Everything counted since the meter was installed, by year."""
    years: dict[int, Decimal] = {}
    for m in months:
        years[int(m.month[:4])] = years.get(int(m.month[:4]), Decimal(0)) + m.quantity
    bars = tuple(Bar(key=str(y), label=y, quantity=q) for y, q in sorted(years.items()))
    return ConsumptionView(view="total", bars=bars, total=sum(years.values(), Decimal(0)))


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None
