"""The data API's reads: meters and registers, interval consumption, register
readings and invoices, each of one customer within a credential's scope.

Interval consumption is hourly (smart meters), daily or monthly, in kWh (or
MWh, GJ; m3 for a water meter), each value with its quality, the supply and
return temperatures and the flow where the meter measured them, and its cost
where a price list prices it: what this quantity alone adds to the bill by the
price list of its month, VAT included (the energy and volume charges; fixed
and capacity charges are priced over a month, not per interval). The cost comes
from the billing's own pricing (services.billing.pricing), never a second one.

Every read is one or two Queries on the meter's partition, whatever the
range: a page covers a fixed number of intervals (``domain.series``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from heatportal.domain.consumption import monthly_from_readings
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import BillingPeriod, Invoice, Meter, Reading
from heatportal.domain.money import EnergyUnit, convert, is_energy
from heatportal.domain.series import (
    QUANTUM,
    Resolution,
    SeriesValue,
    advance,
    day_value,
    floor_to,
    hour_value,
    local_midnight,
    month_quality,
    month_value,
    reading_quality,
)
from heatportal.domain.smart_meter import IntervalValue, Quality
from heatportal.domain.tariff import MeterUsage, PricedPeriod
from heatportal.ports import Clock, ReadingRepository
from heatportal.services.consumption import ConsumptionRepository, with_register_volumes
from heatportal.services.open_data.scopes import DataScope
from heatportal.services.reading_corrections import ReadingHistoryStore
from heatportal.services.readings import register_range

MAX_PAGE = 5000
# What a request without ``from`` reads back from ``to``.
DEFAULT_SPAN: dict[Resolution, int] = {"hour": 48, "day": 31, "month": 13}


class IntervalReader(Protocol):
    def intervals_starting(
        self, meter_number: str, start: datetime, end: datetime, timezone: str
    ) -> list[IntervalValue]:
        """Interval values (hourly and daily) starting in [start, end), in start order."""
        ...


class Pricing(Protocol):
    """The billing's pricing (services.billing.pricing.PricingService)."""

    def price_usages(
        self, period: BillingPeriod, usages: Sequence[MeterUsage], spot: Decimal | None
    ) -> PricedPeriod: ...

    def spot_price(
        self, period: BillingPeriod, *, fallback_months: int = 0, known_until: BillingPeriod | None = None
    ) -> Decimal | None: ...


@dataclass(frozen=True)
class SeriesPage:
    meter: Meter
    resolution: Resolution
    unit: EnergyUnit
    currency: str
    start: datetime
    end: datetime  # what was asked for (``to``), or the end of the interval now runs in
    values: list[SeriesValue]
    next_start: datetime | None  # where the next page starts; None: this was the last


@dataclass(frozen=True)
class RegisterValue:
    reading: Reading
    at: datetime  # the register at 00:00 local of the reading's day, in UTC
    value: Decimal  # in the page's unit
    quality: Quality


@dataclass(frozen=True)
class ReadingsPage:
    meter: Meter
    unit: EnergyUnit
    values: list[RegisterValue]
    next_day: date | None


@dataclass(frozen=True)
class MeterData:
    meter: Meter
    unit: EnergyUnit  # of ``last``: kWh for an energy meter, m3 for a water meter
    last: RegisterValue | None


@dataclass(frozen=True)
class InvoicesPage:
    invoices: list[Invoice]
    next_before: int | None  # the next page holds invoices numbered below this


def _refused(field: str, code: str, message: str, **params: object) -> ValidationFailed:
    return ValidationFailed(message, code=code, params=dict(params), fields=[{"field": field, "code": code}])


def unit_for(meter: Meter, wanted: EnergyUnit | None) -> EnergyUnit:
    """kWh for an energy meter unless another energy unit is asked for; m3 for a water meter."""
    if wanted is None:
        return EnergyUnit.KWH if is_energy(meter.unit) else meter.unit
    if wanted != meter.unit and not (is_energy(wanted) and is_energy(meter.unit)):
        raise _refused(
            "unit",
            "consumption_unit_invalid",
            "This meter cannot show its consumption in that unit.",
            unit=wanted.value,
            meter_unit=meter.unit.value,
        )
    return wanted


class DataSeries:
    def __init__(
        self,
        *,
        readings: ReadingRepository,
        consumption: ConsumptionRepository,
        intervals: IntervalReader,
        history: ReadingHistoryStore,
        pricing: Pricing,
        clock: Clock,
        timezone: str,
        currency: str,
    ) -> None:
        self.readings = readings
        self.consumption = consumption
        self.intervals = intervals
        self.history = history
        self.pricing = pricing
        self.clock = clock
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self.currency = currency

    # --- meters and registers ---------------------------------------------------------------

    def meters(self, scope: DataScope) -> list[MeterData]:
        """The meters the credential covers, each with its last reading and
        whether it was corrected (two Queries each)."""
        listed = []
        for meter in scope.visible_meters():
            last = self.readings.latest_reading(meter.number)
            unit = unit_for(meter, None)
            if last is None:
                listed.append(MeterData(meter, unit, None))
                continue
            corrected = bool(self.history.corrections(meter.number, last.read_on, last.read_on))
            listed.append(MeterData(meter, unit, self._register(meter, last, unit, corrected=corrected)))
        return listed

    def _register(self, meter: Meter, reading: Reading, unit: EnergyUnit, *, corrected: bool) -> RegisterValue:
        return RegisterValue(
            reading=reading,
            at=local_midnight(reading.read_on, self.zone),
            value=convert(reading.value, meter.unit, unit).quantize(QUANTUM[unit]),
            quality=reading_quality(reading, corrected),
        )

    def readings_page(
        self,
        scope: DataScope,
        meter_number: str,
        first: date | None,
        last: date | None,
        unit: EnergyUnit | None,
        limit: int,
    ) -> ReadingsPage:
        """The meter's register readings (cumulative values) dated ``first`` to
        ``last``, oldest first, ``limit`` at a time; default: the past 13 months."""
        meter = scope.meter(meter_number)
        target = unit_for(meter, unit)
        last = last or self.clock.today()
        first = first or last - timedelta(days=397)
        if first > last:
            raise _refused("from", "series_range_invalid", "The start must come before the end.")
        readings = self.readings.list_readings(meter.number, first, last)
        corrected = {c.read_on for c in self.history.corrections(meter.number, first, last)}
        page = readings[:limit]
        values = [self._register(meter, r, target, corrected=r.read_on in corrected) for r in page]
        following = readings[limit] if len(readings) > limit else None
        return ReadingsPage(meter, target, values, following.read_on if following else None)

    # --- interval consumption -----------------------------------------------------------------

    def consumption_page(
        self,
        scope: DataScope,
        meter_number: str,
        start: datetime | None,
        end: datetime | None,
        resolution: Resolution,
        unit: EnergyUnit | None,
        limit: int,
    ) -> SeriesPage:
        """Values starting in [start, end), at most ``limit`` intervals of time
        (start floored to the interval that holds it); ``next_start`` continues."""
        meter = scope.meter(meter_number)
        target = unit_for(meter, unit)
        # Without ``to``: up to the end of the interval now runs in (the same answer all through it).
        end = end or advance(floor_to(self.clock.now(), resolution, self.zone), resolution, 1, self.zone)
        if start is None:
            start = advance(floor_to(end, resolution, self.zone), resolution, -DEFAULT_SPAN[resolution], self.zone)
        start = floor_to(start, resolution, self.zone)
        if start >= end:
            raise _refused("from", "series_range_invalid", "The start must come before the end.")
        window_end = min(end, advance(start, resolution, limit, self.zone))
        values = [v for v in self._values(meter, start, window_end, resolution) if start <= v.start < window_end]
        priced = self._priced(meter, values)
        return SeriesPage(
            meter=meter,
            resolution=resolution,
            unit=target,
            currency=self.currency,
            start=start,
            end=end,
            values=[v.in_unit(meter.unit, target) for v in priced],
            next_start=window_end if window_end < end else None,
        )

    def _values(self, meter: Meter, start: datetime, end: datetime, resolution: Resolution) -> list[SeriesValue]:
        energy = is_energy(meter.unit)
        if resolution == "hour":
            found = self.intervals.intervals_starting(meter.number, start, end, self.timezone)
            return [hour_value(v, energy) for v in found if v.interval == "hour"]
        first = start.astimezone(self.zone).date()
        after = (end - timedelta(microseconds=1)).astimezone(self.zone).date() + timedelta(days=1)
        if resolution == "day":
            return [day_value(d, self.zone) for d in self.consumption.days(meter.number, first, after)]
        first_key, last_key = f"{first:%Y-%m}", f"{after - timedelta(days=1):%Y-%m}"
        months = self.consumption.months(meter.number, first_key, last_key)
        if months:
            return [month_value(m, self.zone) for m in months]
        return self._months_from_readings(meter, first, after, first_key, last_key)

    def _months_from_readings(
        self, meter: Meter, first: date, after: date, first_key: str, last_key: str
    ) -> list[SeriesValue]:
        """Months of a meter read by hand: its consumption between readings
        (the consumption views' rule), with a quality from the readings."""
        # One reading before the range and one after it bound the first and last months.
        readings = self.readings.list_readings(meter.number, first - timedelta(days=62), after + timedelta(days=62))
        months = [m for m in monthly_from_readings(readings, register_range(meter)) if first_key <= m.month <= last_key]
        months = with_register_volumes(meter, months, readings)
        actual = {r.read_on for r in readings if not r.estimated}
        corrected = {c.read_on for c in self.history.corrections(meter.number, first, after)} if months else set()
        return [month_value(m, self.zone, month_quality(m.month, actual, corrected)) for m in months]

    def _priced(self, meter: Meter, values: list[SeriesValue]) -> list[SeriesValue]:
        """Each value with the cost its quantity alone adds to its month's bill
        (VAT included), None where its month is not priced."""
        by_month: dict[str, tuple[BillingPeriod, Decimal | None, Decimal] | None] = {}
        priced = []
        for value in values:
            local = value.start.astimezone(self.zone)
            key = f"{local:%Y-%m}"
            if key not in by_month:
                by_month[key] = self._month_price(meter, BillingPeriod(year=local.year, month=local.month))
            month = by_month[key]
            if month is None:
                priced.append(value)
                continue
            period, spot, nothing = month
            total = self._total(meter, period, spot, value.quantity)
            priced.append(replace(value, cost=None if total is None else total - nothing))
        return priced

    def _month_price(self, meter: Meter, period: BillingPeriod) -> tuple[BillingPeriod, Decimal | None, Decimal] | None:
        try:
            spot = self.pricing.spot_price(period)
        except LookupError:  # no price list covers the month
            return None
        nothing = self._total(meter, period, spot, Decimal(0))
        return None if nothing is None else (period, spot, nothing)

    def _total(self, meter: Meter, period: BillingPeriod, spot: Decimal | None, quantity: Decimal) -> Decimal | None:
        usage = MeterUsage(meter.number, meter.kind, meter.unit, quantity)
        try:
            return self.pricing.price_usages(period, [usage], spot).total
        except LookupError:  # a price the month needs is not known (its spot price)
            return None

    # --- invoices --------------------------------------------------------------------------------

    def invoices_page(self, scope: DataScope, before: int | None, limit: int) -> InvoicesPage:
        """The customer's invoices, newest first, ``limit`` at a time (from the
        record the scope read with its invoices)."""
        invoices = [i for i in scope.record.invoices or () if before is None or i.number < before]
        page = invoices[:limit]
        return InvoicesPage(page, page[-1].number if len(invoices) > limit else None)
