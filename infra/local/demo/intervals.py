"""Hourly smart-meter values for the demo: the canonical customer's heat meters
in use get their last ``HOURLY_DAYS`` days in hours too (the data API's hour
resolution, with supply and return temperatures and flow), split from the
daily values so hours and days agree to the last digit. Deterministic (no
random numbers), so the rest of the demo stays as it was. One night's values
are marked estimated (a gap the collector filled), so the quality flags show.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from heatportal.domain.model import DailyConsumption, Meter
from heatportal.domain.money import EnergyUnit, convert
from heatportal.domain.smart_meter import IntervalValue, daily_from_intervals

HOURLY_DAYS = 14
ESTIMATED_DAY = 3  # days before today whose night (02:00-04:00) was filled in
WATER_HEAT_CAPACITY = Decimal("1.163")  # kWh per m3 and kelvin
# A heat load over the day: low at night, peaks in the morning and the evening.
_LOAD = (5, 5, 5, 5, 6, 8, 11, 12, 10, 8, 7, 7, 7, 7, 7, 8, 9, 11, 12, 11, 9, 8, 7, 6)


def _hours_of(day: date, zone: ZoneInfo) -> list[datetime]:
    """The starts of a local day's hours (23, 24 or 25 of them), in UTC."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(ZoneInfo("UTC"))
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone).astimezone(ZoneInfo("UTC"))
    return [start + timedelta(hours=h) for h in range(int((end - start).total_seconds() // 3600))]


def hourly(meter: Meter, row: DailyConsumption, zone: ZoneInfo, *, estimated_night: bool) -> list[IntervalValue]:
    hours = _hours_of(row.day, zone)
    weights = [Decimal(_LOAD[min(h.astimezone(zone).hour, 23)]) for h in hours]
    total = sum(weights, Decimal(0))
    quantum = Decimal(1).scaleb(-(meter.decimals + 3))
    quantities = [(row.quantity * w / total).quantize(quantum) for w in weights]
    quantities[-1] += row.quantity - sum(quantities, Decimal(0))  # the day's value exactly
    base_return = row.mean_return_temp or Decimal(38)
    values = []
    for start, weight, quantity in zip(hours, weights, quantities, strict=True):
        peak = (weight - Decimal(5)) / Decimal(7)  # 0 at night, 1 at the peaks
        return_temp = (base_return - Decimal(1) + 2 * peak).quantize(Decimal("0.1"))
        supply_temp = (return_temp + Decimal(30) + 6 * peak).quantize(Decimal("0.1"))
        kwh = convert(quantity, meter.unit, EnergyUnit.KWH)
        flow = (kwh / (WATER_HEAT_CAPACITY * (supply_temp - return_temp))).quantize(Decimal("0.001"))
        night = 2 <= start.astimezone(zone).hour <= 4
        values.append(
            IntervalValue(
                meter_number=meter.number,
                start=start,
                interval="hour",
                day=row.day,
                energy=quantity,
                volume_m3=flow,
                flow_m3h=flow,
                supply_temp=supply_temp,
                return_temp=return_temp,
                quality="estimated" if estimated_night and night else "measured",
            )
        )
    return values


def with_hours(
    meters: list[Meter], daily: list[DailyConsumption], today: date, timezone: str
) -> tuple[list[IntervalValue], list[DailyConsumption]]:
    """The hourly values of ``meters``' last days, and ``daily`` with those days'
    rows carrying what the hours add (supply temperature, flow, quality)."""
    zone = ZoneInfo(timezone)
    first = today - timedelta(days=HOURLY_DAYS)
    by_number = {m.number: m for m in meters}
    intervals: list[IntervalValue] = []
    rows: list[DailyConsumption] = []
    for row in daily:
        meter = by_number.get(row.meter_number)
        if meter is None or not first <= row.day < today:
            rows.append(row)
            continue
        hours = hourly(meter, row, zone, estimated_night=row.day == today - timedelta(days=ESTIMATED_DAY))
        intervals += hours
        day = daily_from_intervals(meter, row.day, hours)
        assert day is not None  # a day of hours has a sum
        rows.append(
            row.model_copy(
                update={
                    "mean_supply_temp": day.mean_supply_temp,
                    "mean_flow_m3h": day.mean_flow_m3h,
                    "volume_m3": row.volume_m3 if row.volume_m3 is not None else day.volume_m3,
                    "quality": day.quality,
                }
            )
        )
    return intervals, rows
