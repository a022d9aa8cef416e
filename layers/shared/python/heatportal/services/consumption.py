"""Consumption views of one meter, in the unit the person picks.

Each view reads at most two key ranges of the meter's partition: monthly
aggregates (year and total views) or daily values plus one monthly aggregate
(month view). The membership check comes first, as for every customer call.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, Protocol

from heatportal.domain.consumption import (
    Bar,
    ConsumptionView,
    MonthlyConsumption,
    counted_since_installation,
    last_complete_month,
    month_view,
    monthly_from_readings,
    total_view,
    year_view,
)
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import DailyConsumption, Meter, MeterKind, Reading, RegisterName, Role
from heatportal.domain.money import EnergyUnit, convert, is_energy
from heatportal.domain.registers import register_months
from heatportal.ports import Clock
from heatportal.services.access import Scope
from heatportal.services.readings import ReadingService, register_range

ViewName = Literal["year", "month", "total"]

# Shown precision per unit: a kWh to one decimal, the larger units to three.
_QUANTUM = {
    EnergyUnit.KWH: Decimal("0.1"),
    EnergyUnit.MWH: Decimal("0.001"),
    EnergyUnit.GJ: Decimal("0.001"),
    EnergyUnit.M3: Decimal("0.001"),
}


def shown_decimals(unit: EnergyUnit) -> int:
    """How many decimals a quantity in this unit is printed with (always that many)."""
    return -int(_QUANTUM[unit].as_tuple().exponent)


class ConsumptionRepository(Protocol):
    def months(self, meter_number: str, first: str, last: str) -> list[MonthlyConsumption]:
        """Monthly aggregates with first <= month <= last (YYYY-MM), oldest first."""
        ...

    def month(self, meter_number: str, month: str) -> MonthlyConsumption | None: ...

    def days(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        """Daily values with start <= day < end, oldest first."""
        ...


@dataclass(frozen=True)
class MeterConsumption:
    meter: Meter
    unit: EnergyUnit
    year: int | None
    month: int | None
    view: ConsumptionView


class ConsumptionService:
    def __init__(
        self,
        readings: ReadingService,
        consumption: ConsumptionRepository,
        clock: Clock,
        climate_station: str,
    ) -> None:
        self.readings = readings
        self.consumption = consumption
        self.clock = clock
        self.station = climate_station

    def view(
        self,
        scope: Scope,
        meter_number: str,
        view: ViewName,
        *,
        year: int | None = None,
        month: int | None = None,
        unit: EnergyUnit | None = None,
        counted_by_register: bool = True,
    ) -> MeterConsumption:
        """One view of a meter's consumption. The total view's figure is what
        the register counted until its last reading (one more Query); with
        ``counted_by_register=False`` it is the sum of every month with data, by
        year (the footprint's figures, from one Query)."""
        grant = scope.require(Role.READ, companies="any")
        meter = scope.meter(meter_number)
        grant.require_facility(meter.facility_id)
        target = unit or meter.unit
        if target != meter.unit and not (is_energy(target) and is_energy(meter.unit)):
            raise ValidationFailed(
                "This meter cannot show its consumption in that unit.",
                code="consumption_unit_invalid",
                params={"unit": target.value, "meter_unit": meter.unit.value},
                fields=[{"field": "unit", "code": "consumption_unit_invalid"}],
            )
        today = self.clock.today()
        # Without a period asked for: the last complete month (and its year),
        # never a month with a day of data.
        complete_year, complete_month = last_complete_month(today)
        year = year or complete_year
        life = _Life(meter)
        if view == "total" and not counted_by_register:
            result = total_view(self._months(meter, "0000-00", "9999-99", life))
            year = month = None
        elif view == "total":
            # Only the meter's life with this customer (a move hands it on).
            readings = [
                r
                for r in self.readings.readings.list_readings(
                    meter.number, meter.installed_on, meter.removed_on or today
                )
                if life.covers(r.read_on) or r.read_on == meter.removed_on
            ]
            counted = counted_since_installation(meter.start_value, readings, register_range(meter))
            result = total_view(
                self._months(meter, "0000-00", "9999-99", life, readings),
                counted=counted[0] if counted else None,
                counted_until=counted[1] if counted else None,
            )
            year = month = None
        elif view == "year":
            months = self._months(meter, f"{year - 1:04d}-01", f"{year:04d}-12", life)
            # Heat and cooling follow the outdoor temperature (cooling on cooling
            # degree days); other meters are not normalised.
            result = year_view(
                months,
                year,
                self.station,
                normalise=meter.kind in (MeterKind.HEAT, MeterKind.COOLING),
                volume=meter.register(RegisterName.VOLUME.value) is not None,
                cooling=meter.kind == MeterKind.COOLING,
                today=today,
            )
            month = None
        else:
            if month is None:
                month = complete_month if year == complete_year else today.month if year == today.year else 12
            start = date(year, month, 1)
            end = date(year + month // 12, month % 12 + 1, 1)
            previous: MonthlyConsumption | list[DailyConsumption] | None
            if (year, month) == (today.year, today.month):
                # The running month: the same days a year earlier (one Query).
                before = date(year - 1, month, 1)
                previous = [
                    d
                    for d in self.consumption.days(meter.number, before, before.replace(day=today.day))
                    if life.covers(d.day)
                ]
            else:
                previous = life.month(self.consumption.month(meter.number, f"{year - 1:04d}-{month:02d}"))
            days = [d for d in self.consumption.days(meter.number, start, end) if life.covers(d.day)]
            result = month_view(days, year, month, previous, today)
        if meter.kind != MeterKind.HEAT:
            # Degree days explain heating, not hot water or cooling: not shown for them.
            result = replace(result, bars=tuple(replace(b, degree_days=None) for b in result.bars))
        return MeterConsumption(meter, target, year, month, _in_unit(result, meter.unit, target))

    def _months(
        self, meter: Meter, first: str, last: str, life: _Life, readings: list[Reading] | None = None
    ) -> list[MonthlyConsumption]:
        """Monthly aggregates of daily data; for a meter read only by hand (no
        daily data), months derived from its readings (a second Query, unless
        the caller read them already). Only the meter's life with this
        customer: a month it began or ended in (moving in or out) counts the
        customer's own days only."""
        months = [m for m in (life.month(m) for m in self.consumption.months(meter.number, first, last)) if m]
        if months:
            partial = [m for m in months if life.partial(m.month)]
            if partial:
                by_month = {m.month: m for m in months}
                for month in partial:
                    start, end = life.bounds(month.month)
                    days = self.consumption.days(meter.number, start, end)
                    by_month[month.month] = monthly_days(month, days)
                months = [by_month[m.month] for m in months]
            return months
        start = (
            date(max(int(first[:4]), meter.installed_on.year, 2000), 1, 1) if first != "0000-00" else meter.installed_on
        )
        end = date(min(int(last[:4]), 2100), 12, 31)
        if readings is None:
            # One reading before the range and one after it bound the first and last months.
            readings = [
                r
                for r in self.readings.readings.list_readings(
                    meter.number, start - timedelta(days=62), end + timedelta(days=62)
                )
                if life.covers(r.read_on) or r.read_on == meter.removed_on
            ]
        months = [m for m in monthly_from_readings(readings, register_range(meter)) if first <= m.month <= last]
        return with_register_volumes(meter, months, readings)


class _Life:
    """The meter's life with this customer: [installed_on, removed_on). After a
    move the meter's number carries the other customer's data too."""

    def __init__(self, meter: Meter) -> None:
        self.start = meter.installed_on
        self.end = meter.removed_on

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def month(self, month: MonthlyConsumption | None) -> MonthlyConsumption | None:
        """The month if any of its days is in the life, else None."""
        if month is None:
            return None
        start, end = _month_bounds(month.month)
        if end <= self.start or (self.end is not None and start >= self.end):
            return None
        return month

    def partial(self, key: str) -> bool:
        start, end = _month_bounds(key)
        return self.start > start or (self.end is not None and self.end < end)

    def bounds(self, key: str) -> tuple[date, date]:
        start, end = _month_bounds(key)
        return max(start, self.start), min(end, self.end) if self.end else end


def _month_bounds(key: str) -> tuple[date, date]:
    year, month = int(key[:4]), int(key[5:7])
    start = date(year, month, 1)
    return start, date(year + month // 12, month % 12 + 1, 1)


def monthly_days(month: MonthlyConsumption, days: list[DailyConsumption]) -> MonthlyConsumption:
    """The month counted from the given days only (the customer's own part of it)."""
    volumes = [d.volume_m3 for d in days if d.volume_m3 is not None]
    return month.model_copy(
        update={
            "quantity": sum((d.quantity for d in days), Decimal(0)),
            "days": len(days),
            "volume_m3": sum(volumes, Decimal(0)) if volumes else None,
        }
    )


def with_register_volumes(
    meter: Meter, months: list[MonthlyConsumption], readings: list[Reading]
) -> list[MonthlyConsumption]:
    """Months of a meter read by hand, with the volume its volume register
    counted (from the same readings, no further request)."""
    register = meter.register(RegisterName.VOLUME.value)
    if register is None:
        return months
    volumes = register_months(readings, register.name.value, register_range(register))
    return [m.model_copy(update={"volume_m3": volumes.get(m.month)}) for m in months]


def _in_unit(view: ConsumptionView, source: EnergyUnit, target: EnergyUnit) -> ConsumptionView:
    quantum = _QUANTUM[target]

    def c(value: Decimal | None) -> Decimal | None:
        return None if value is None else convert(value, source, target).quantize(quantum)

    def m3(value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(_QUANTUM[EnergyUnit.M3])

    def bar(b: Bar) -> Bar:
        return replace(
            b,
            quantity=c(b.quantity),
            previous=c(b.previous),
            normalised=c(b.normalised),
            previous_normalised=c(b.previous_normalised),
            volume=m3(b.volume),
        )

    return replace(
        view,
        bars=tuple(bar(b) for b in view.bars),
        total=c(view.total) or Decimal(0),
        earlier=c(view.earlier),
        previous_total=c(view.previous_total),
        normalised_total=c(view.normalised_total),
        previous_normalised_total=c(view.previous_normalised_total),
        volume_total=m3(view.volume_total),
    )
