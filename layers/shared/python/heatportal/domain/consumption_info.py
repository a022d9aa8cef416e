"""Monthly consumption information for customers with remotely read meters
(EU 2023/1791 annex, DE HKVO §6a): last month's consumption in kWh (hot tap
water in m3), against the month before, the same month a year earlier and the
average customer of the same category, weather-corrected; a month with days
missing is scaled up to the whole month and flagged as estimated. Pure.

A meter is remotely read when it sends interval data: its months are
aggregated from daily values (``MonthlyConsumption``). A meter read by hand
has no such months and gets no monthly information.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from heatportal.domain.consumption import MonthlyConsumption, weather_corrected
from heatportal.domain.model import Frozen, Meter, MeterKind
from heatportal.domain.money import EnergyUnit, convert, is_energy

_ONE = Decimal(1)


def month_before(month: str, months: int = 1) -> str:
    index = int(month[:4]) * 12 + int(month[5:]) - 1 - months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def days_in(month: str) -> int:
    return calendar.monthrange(int(month[:4]), int(month[5:]))[1]


class ConsumptionInfoLine(Frozen):
    """One meter's month. Quantities in ``unit`` (kWh, or m3 for hot tap water)."""

    meter_number: str
    facility_id: str
    kind: MeterKind
    unit: str
    category: str
    quantity: Decimal
    estimated: bool = False  # days without data were scaled up
    previous_month: Decimal | None = None
    previous_month_estimated: bool = False
    last_year: Decimal | None = None
    last_year_estimated: bool = False
    # Weather-corrected (heat only): the month had its climate's normal degree days.
    corrected: Decimal | None = None
    last_year_corrected: Decimal | None = None
    benchmark: Decimal | None = None  # the average customer of the category, the same month

    def change(self, other: Decimal | None) -> Decimal | None:
        """The month against ``other`` in percent (one decimal), None without a base."""
        if other is None or other <= 0:
            return None
        return ((self.quantity / other - _ONE) * 100).quantize(Decimal("0.1"))


class ConsumptionInfo(Frozen):
    customer_number: str
    month: str  # YYYY-MM
    created_at: datetime
    lines: tuple[ConsumptionInfoLine, ...]

    @property
    def first_day(self) -> date:
        return date(int(self.month[:4]), int(self.month[5:]), 1)


@dataclass(frozen=True)
class _MonthValue:
    quantity: Decimal
    estimated: bool


def _whole_month(item: MonthlyConsumption | None, unit: EnergyUnit) -> _MonthValue | None:
    """The month's quantity in kWh (m3 for water), scaled to every day of the month."""
    if item is None or item.days <= 0:
        return None
    days = days_in(item.month)
    quantity = item.quantity * Decimal(days) / Decimal(item.days) if item.days < days else item.quantity
    if is_energy(unit):
        quantity = convert(quantity, unit, EnergyUnit.KWH)
    return _MonthValue(quantity.quantize(_ONE if is_energy(unit) else Decimal("0.001")), item.days < days)


def category(meter: Meter, business: bool) -> str:
    """Customers compared with each other: the same kind of meter, households with households."""
    return f"{meter.kind.value}:{'business' if business else 'household'}"


def info_line(
    meter: Meter, months: Iterable[MonthlyConsumption], month: str, station: str, *, business: bool
) -> ConsumptionInfoLine | None:
    """A meter's information for ``month`` from its monthly aggregates (the
    24 months up to it fit the weather correction); None when the meter sent
    nothing that month (not remotely read, or silent all month)."""
    by_month = {m.month: m for m in months}
    this = _whole_month(by_month.get(month), meter.unit)
    if this is None:
        return None
    previous = _whole_month(by_month.get(month_before(month)), meter.unit)
    last_year = _whole_month(by_month.get(month_before(month, 12)), meter.unit)
    corrected: dict[str, Decimal] = {}
    if meter.kind == MeterKind.HEAT:
        corrected = weather_corrected(by_month.values(), station)

    def in_kwh(month_key: str) -> Decimal | None:
        value = corrected.get(month_key)
        item = by_month.get(month_key)
        if value is None or item is None:
            return None
        whole = value * Decimal(days_in(month_key)) / Decimal(item.days)
        return convert(whole, meter.unit, EnergyUnit.KWH).quantize(_ONE)

    return ConsumptionInfoLine(
        meter_number=meter.number,
        facility_id=meter.facility_id,
        kind=meter.kind,
        unit=EnergyUnit.KWH.value if is_energy(meter.unit) else meter.unit.value,
        category=category(meter, business),
        quantity=this.quantity,
        estimated=this.estimated,
        previous_month=previous.quantity if previous else None,
        previous_month_estimated=bool(previous and previous.estimated),
        last_year=last_year.quantity if last_year else None,
        last_year_estimated=bool(last_year and last_year.estimated),
        corrected=in_kwh(month),
        last_year_corrected=in_kwh(month_before(month, 12)),
    )


def benchmarks(lines: Iterable[ConsumptionInfoLine], min_customers: int) -> dict[str, Decimal]:
    """The average month of each category with at least ``min_customers`` meters."""
    groups: dict[str, list[Decimal]] = {}
    quantum: dict[str, Decimal] = {}
    for line in lines:
        groups.setdefault(line.category, []).append(line.quantity)
        quantum[line.category] = _ONE if line.unit == EnergyUnit.KWH.value else Decimal("0.001")
    return {
        name: (sum(values, Decimal(0)) / len(values)).quantize(quantum[name])
        for name, values in groups.items()
        if len(values) >= min_customers
    }


def with_benchmark(
    lines: Sequence[ConsumptionInfoLine], averages: dict[str, Decimal]
) -> tuple[ConsumptionInfoLine, ...]:
    return tuple(line.model_copy(update={"benchmark": averages.get(line.category)}) for line in lines)
