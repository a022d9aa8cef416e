"""Consumption as a series of intervals with UTC starts and ends, as the data
API serves it. Pure.

An hour is a smart meter's hourly value; a day and a month are the utility's
local day and month (a day in Oslo starts at 23:00 or 22:00 UTC), so a value's
start and end are that local midnight in UTC. Day values are the stored daily
values (from the meter's intervals, or delivered daily); month values the
monthly aggregates of those days, or, for a meter read by hand, the
consumption between its readings spread over the days in between
(``domain.consumption.monthly_from_readings``): measured where actual
readings on the first of the month and of the next one bound it, estimated
where it is spread, corrected where a bounding reading was corrected.

A page of a series covers a fixed number of intervals of time (``window``),
so paging needs no read beyond the page; where data is missing a page holds
fewer values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from heatportal.domain.consumption import MonthlyConsumption
from heatportal.domain.model import DailyConsumption, Reading
from heatportal.domain.money import EnergyUnit, convert
from heatportal.domain.smart_meter import IntervalValue, Quality

Resolution = Literal["hour", "day", "month"]
RESOLUTIONS: tuple[Resolution, ...] = ("hour", "day", "month")

# Digits a converted quantity keeps: a watt-hour in kWh, a litre in m3.
QUANTUM = {
    EnergyUnit.KWH: Decimal("0.001"),
    EnergyUnit.MWH: Decimal("0.000001"),
    EnergyUnit.GJ: Decimal("0.000001"),
    EnergyUnit.M3: Decimal("0.001"),
}


@dataclass(frozen=True)
class SeriesValue:
    start: datetime  # UTC
    end: datetime  # UTC
    quantity: Decimal  # in the meter's unit until ``in_unit``
    quality: Quality
    volume_m3: Decimal | None = None
    supply_temp: Decimal | None = None
    return_temp: Decimal | None = None
    flow_m3h: Decimal | None = None
    cost: Decimal | None = None

    def in_unit(self, source: EnergyUnit, target: EnergyUnit) -> SeriesValue:
        return replace(self, quantity=convert(self.quantity, source, target).quantize(QUANTUM[target]))


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of a local day, in UTC."""
    return utc(datetime(day.year, day.month, day.day, tzinfo=zone))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def floor_to(moment: datetime, resolution: Resolution, zone: ZoneInfo) -> datetime:
    """The start (UTC) of the interval of ``resolution`` that holds ``moment``."""
    if resolution == "hour":
        return utc(moment).replace(minute=0, second=0, microsecond=0)
    local = moment.astimezone(zone).date()
    return local_midnight(local if resolution == "day" else local.replace(day=1), zone)


def advance(start: datetime, resolution: Resolution, count: int, zone: ZoneInfo) -> datetime:
    """``count`` intervals after ``start`` (an interval start), in UTC."""
    if resolution == "hour":
        return start + timedelta(hours=count)
    day = start.astimezone(zone).date()
    if resolution == "day":
        return local_midnight(day + timedelta(days=count), zone)
    months = day.year * 12 + day.month - 1 + count
    return local_midnight(date(months // 12, months % 12 + 1, 1), zone)


def hour_value(value: IntervalValue, energy: bool) -> SeriesValue:
    start = utc(value.start)
    return SeriesValue(
        start=start,
        end=start + timedelta(hours=1),
        quantity=(value.energy if energy else value.volume_m3) or Decimal(0),
        quality=value.quality,
        volume_m3=value.volume_m3,
        supply_temp=value.supply_temp,
        return_temp=value.return_temp,
        flow_m3h=value.flow_m3h,
    )


def day_value(day: DailyConsumption, zone: ZoneInfo) -> SeriesValue:
    return SeriesValue(
        start=local_midnight(day.day, zone),
        end=local_midnight(day.day + timedelta(days=1), zone),
        quantity=day.quantity,
        quality=day.quality,
        volume_m3=day.volume_m3,
        supply_temp=day.mean_supply_temp,
        return_temp=day.mean_return_temp,
        flow_m3h=day.mean_flow_m3h,
    )


def month_start(month_key: str) -> date:
    return date(int(month_key[:4]), int(month_key[5:7]), 1)


def month_value(month: MonthlyConsumption, zone: ZoneInfo, quality: Quality | None = None) -> SeriesValue:
    """A month of daily data (its quality from its days), or of a meter read by
    hand (``quality`` from its readings, ``month_quality``)."""
    first = month_start(month.month)
    derived: Quality = "estimated" if month.estimated_days else "corrected" if month.corrected_days else "measured"
    return SeriesValue(
        start=local_midnight(first, zone),
        end=local_midnight(_next_month(first), zone),
        quantity=month.quantity,
        quality=quality or derived,
        volume_m3=month.volume_m3,
    )


def month_quality(month_key: str, actual_days: set[date], corrected_days: set[date]) -> Quality:
    """A month of a meter read by hand: measured when actual readings on its
    first day and on the next month's bound it, else spread (estimated);
    corrected when a bounding reading was corrected."""
    first = month_start(month_key)
    bounds = {first, _next_month(first)}
    if not bounds <= actual_days:
        return "estimated"
    return "corrected" if bounds & corrected_days else "measured"


def reading_quality(reading: Reading, corrected: bool) -> Quality:
    if reading.estimated:
        return "estimated"
    return "corrected" if corrected else "measured"


def register_now(decimals: int, last_actual: Reading, days_since: list[DailyConsumption]) -> Decimal:
    """The register's value now, as far as it is known: the last actual reading
    plus the measured daily values since (a reading is the register at 00:00
    of its day), floored to the meter's decimals, so the next actual reading
    (the register floored) is never below it: a total that only grows, as
    Home Assistant's ``total_increasing`` needs."""
    counted = sum((d.quantity for d in days_since if d.day >= last_actual.read_on), Decimal(0))
    quantum = Decimal(1).scaleb(-decimals)
    return (last_actual.value + counted).quantize(quantum, rounding=ROUND_FLOOR)
