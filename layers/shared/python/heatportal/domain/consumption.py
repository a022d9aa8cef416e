"""Consumption views: total since installation, a year by
month, a month by day, year on year, and temperature-normalised comparison.

Views are computed from monthly aggregates (one item per meter and month,
kept next to the daily values) and daily values, so each view reads one or
two key ranges. Pure: no I/O, no clock (``today`` is given).

Honest by default: a period still running is marked ``partial`` and compared
with the same stretch of the year before (months through the last complete
one; the same days of the month), never with a whole one; nothing after today
is charted; the total since installation is what the register counted.
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
from heatportal.domain.estimation import DegreeDayModel, Observation, consumption_between, fit, register_advance
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
    # Days whose value was estimated or corrected (DailyConsumption.quality).
    estimated_days: int = 0
    corrected_days: int = 0


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
                estimated_days=sum(1 for d in days if d.quality == "estimated"),
                corrected_days=sum(1 for d in days if d.quality == "corrected"),
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
    # The month (or day) is still running: what is counted so far.
    partial: bool = False


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
    # The period is still running: the totals (and their comparison) cover its
    # complete part only, ``compared_through`` (the last month of a year, the
    # last day of a month) or the whole period when None.
    partial: bool = False
    compared_through: int | None = None
    # Total view: when the register counted since installation (its last
    # reading), and what it counted before the first month with data.
    counted_until: date | None = None
    earlier: Decimal | None = None


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


def last_complete_month(today: date) -> tuple[int, int]:
    """The last calendar month that has ended (year, month)."""
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


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
    today: date | None = None,
) -> ConsumptionView:
    """A year by month with the previous year's months beside it, both also
    normalised to the climate normal (model fitted on the months shown; on
    cooling degree days for a cooling meter). In the running year the totals
    cover the months that have ended, against the same months a year earlier;
    the running month is a partial bar with no comparison, and later months
    are empty."""
    by_month = {m.month: m for m in months}
    observations = [
        Observation(Decimal(m.days), measured_degree_days(m, cooling=cooling), m.quantity)
        for m in by_month.values()
        if m.days
    ]
    model = fit(observations) if normalise else None
    running = today is not None and today.year == year
    last = 12
    if running and today is not None:
        last = today.month - 1
    bars = []
    for number in range(1, 13):
        key = f"{year:04d}-{number:02d}"
        this = by_month.get(key)
        previous = by_month.get(f"{year - 1:04d}-{number:02d}")
        future = running and today is not None and number > today.month
        partial = running and today is not None and number == today.month
        if future:
            this = None
        bars.append(
            Bar(
                key=key,
                label=number,
                quantity=this.quantity if this else None,
                previous=previous.quantity if previous and not partial else None,
                degree_days=measured_degree_days(this, cooling=cooling) if this else None,
                normalised=_normalise(model, station, this, cooling=cooling) if not partial else None,
                previous_normalised=_normalise(model, station, previous, cooling=cooling) if not partial else None,
                volume=this.volume_m3 if volume and this else None,
                partial=partial and this is not None,
            )
        )
    compared = [b for b in bars if b.label <= last]
    return ConsumptionView(
        view="year",
        bars=tuple(bars),
        total=_sum(b.quantity for b in compared) or Decimal(0),
        previous_total=_sum(b.previous for b in compared),
        normalised_total=_sum(b.normalised for b in compared),
        previous_normalised_total=_sum(b.previous_normalised for b in compared),
        normal_degree_days=sum(
            (normal_month_degree_days(station, n, cooling=cooling) for n in range(1, 13)), Decimal(0)
        )
        if normalise
        else None,
        volume_total=_sum(b.volume for b in compared) if volume else None,
        partial=running,
        compared_through=last if running else None,
    )


def month_view(
    rows: Iterable[DailyConsumption],
    year: int,
    month: int,
    previous_year: MonthlyConsumption | Iterable[DailyConsumption] | None,
    today: date | None = None,
) -> ConsumptionView:
    """A month by day; the same month a year earlier as a total for comparison.
    The running month shows the days that have ended, compared with the same
    days a year earlier (``previous_year`` then holds those days)."""
    by_day = {r.day: r for r in rows}
    running = today is not None and (today.year, today.month) == (year, month)
    last = calendar.monthrange(year, month)[1]
    if running and today is not None:
        last = today.day - 1
    bars = []
    for number in range(1, last + 1):
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
    if previous_year is None or isinstance(previous_year, MonthlyConsumption):
        previous_total = previous_year.quantity if previous_year is not None and not running else None
    else:
        same_days = [d.quantity for d in previous_year if d.day.day <= last]
        previous_total = sum(same_days, Decimal(0)) if same_days else None
    return ConsumptionView(
        view="month",
        bars=tuple(bars),
        total=_sum(b.quantity for b in bars) or Decimal(0),
        previous_total=previous_total,
        partial=running,
        compared_through=last if running else None,
    )


def total_view(
    months: Iterable[MonthlyConsumption],
    *,
    counted: Decimal | None = None,
    counted_until: date | None = None,
) -> ConsumptionView:
    """Everything counted since the meter was installed, by year. With what
    the register counted until its last reading (``counted``), the total is
    that figure, the years cover the months before that reading, and what the
    register counted before the first month with data is ``earlier``."""
    years: dict[int, Decimal] = {}
    for m in months:
        if counted_until is not None and m.month >= month_key(counted_until):
            continue  # after the reading the total runs to
        years[int(m.month[:4])] = years.get(int(m.month[:4]), Decimal(0)) + m.quantity
    bars = tuple(Bar(key=str(y), label=y, quantity=q) for y, q in sorted(years.items()))
    charted = sum(years.values(), Decimal(0))
    if counted is None:
        return ConsumptionView(view="total", bars=bars, total=charted)
    earlier = counted - charted
    return ConsumptionView(
        view="total",
        bars=bars,
        total=counted,
        counted_until=counted_until,
        earlier=earlier if earlier > 0 else None,
    )


def counted_since_installation(
    start_value: Decimal, readings: Iterable[Reading], register_range: Decimal | None = None
) -> tuple[Decimal, date] | None:
    """What the register counted from its value at installation to its last
    actual reading (through its wraps), and that reading's date; None without one."""
    actual = sorted((r for r in readings if not r.estimated), key=lambda r: r.read_on)
    if not actual:
        return None
    counted, previous = Decimal(0), start_value
    for reading in actual:
        used = register_advance(previous, reading.value, rollover=reading.rollover, register_range=register_range)
        if used is not None:
            counted += used
        previous = reading.value
    return counted, actual[-1].read_on


def _sum(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None
