"""A property manager's portfolio in figures: what each facility's district
heating and district cooling did, day by day and month by month, and the
status the start page and the facility list show. Pure: no I/O, no clock.

The figures are computed once, when data arrive (the smart-meter import, the
nightly refresh, the demo loader), and stored per facility and supply
(``FacilityAggregate``) and per customer (``CustomerDirectory``), so a page
over many facilities reads a few items instead of every meter's history
(docs/data-model.md, "Portfolio").

Energy is kept in kWh whatever the meters count in; temperatures in °C,
volume in m3, flow in m3/h, power in kW; money in the profile's currency.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field

from heatportal.domain.climate import degree_days
from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.estimation import Observation, fit
from heatportal.domain.model import Address, DailyConsumption, DayQuality, Frozen, Meter, MeterKind, Reading
from heatportal.domain.money import EnergyUnit, convert, is_energy
from heatportal.domain.tariff import MeterUsage, PricedPeriod

Supply = Literal["heating", "cooling"]
SUPPLIES: tuple[Supply, ...] = ("heating", "cooling")

# The meter that counts a supply's energy; the meters a supply's price covers
# (district heating's price list also prices its hot tap water).
ENERGY_KIND: dict[Supply, MeterKind] = {"heating": MeterKind.HEAT, "cooling": MeterKind.COOLING}
PRICED_KINDS: dict[Supply, frozenset[MeterKind]] = {
    "heating": frozenset({MeterKind.HEAT, MeterKind.HOT_WATER}),
    "cooling": frozenset({MeterKind.COOLING}),
}
RETURN_COMPONENT: dict[Supply, str] = {"heating": "return_temperature", "cooling": "cooling_return_temperature"}

DAYS_KEPT = 400  # the power signature's past year, and a month to spare for late data
STATUS_DAYS = 30  # the window of the status: consumption against expected, return temperature
MODEL_DAYS = 365  # the history the expected consumption is fitted on
HOURS = Decimal(24)
KWH = Decimal("0.1")
TEMP = Decimal("0.1")
KW = Decimal("0.1")


def supply_of(kind: MeterKind) -> Supply | None:
    """The supply a meter's energy belongs to (None: hot tap water, water, electricity)."""
    return next((s for s, k in ENERGY_KIND.items() if k == kind), None)


def _worst(qualities: Iterable[str]) -> DayQuality:
    found = set(qualities)
    if "estimated" in found:
        return "estimated"
    if "corrected" in found:
        return "corrected"
    return "measured"


class FacilityDay(Frozen):
    """One day of a facility's supply, all its energy meters together."""

    day: date
    energy_kwh: Decimal
    outdoor_temp: Decimal | None = None
    peak_hour_kw: Decimal | None = None  # sum of the meters' highest hourly loads
    return_temp: Decimal | None = None  # energy-weighted
    supply_temp: Decimal | None = None  # energy-weighted
    volume_m3: Decimal | None = None
    max_flow_m3h: Decimal | None = None
    quality: DayQuality = "measured"

    @property
    def mean_kw(self) -> Decimal:
        """The day's average power."""
        return self.energy_kwh / HOURS


class FacilityMonth(Frozen):
    """One calendar month of a facility's supply."""

    month: str  # YYYY-MM
    days: int  # days with data
    energy_kwh: Decimal
    volume_m3: Decimal | None = None
    max_flow_m3h: Decimal | None = None
    supply_temp: Decimal | None = None  # energy-weighted mean
    return_temp: Decimal | None = None  # energy-weighted mean
    weighted_kwh: Decimal = Decimal(0)  # the energy that came with a return temperature (the weights)
    peak_day_kw: Decimal | None = None  # the highest daily average power
    peak_hour_kw: Decimal | None = None  # the highest hourly power
    degree_days: Decimal = Decimal(0)  # heating (cooling) degree days of the days with data
    estimated_days: int = 0
    corrected_days: int = 0
    # What the price list charges this month's consumption, by component
    # (InvoiceLine.component), ex VAT; empty when it could not be priced.
    cost: dict[str, Decimal] = Field(default_factory=dict)
    return_reference: Decimal | None = None  # the price list's reference temperature of the month

    @property
    def complete(self) -> bool:
        year, number = int(self.month[:4]), int(self.month[5:])
        return self.days >= calendar.monthrange(year, number)[1]

    @property
    def quality(self) -> DayQuality:
        """Estimated when one of its days is, corrected when one was corrected."""
        if self.estimated_days:
            return "estimated"
        return "corrected" if self.corrected_days else "measured"

    @property
    def cost_total(self) -> Decimal | None:
        return sum(self.cost.values(), Decimal(0)) if self.cost else None


class FacilityAggregate(Frozen):
    """A facility's supply as the portfolio pages read it: every month since
    data began and the last ``DAYS_KEPT`` days."""

    customer_number: str
    facility_id: str
    supply: Supply
    months: tuple[FacilityMonth, ...]
    days: tuple[FacilityDay, ...]
    as_of: datetime

    def month(self, key: str) -> FacilityMonth | None:
        return next((m for m in self.months if m.month == key), None)


# --- from the meters' daily values to a facility's days and months --------------------------------


def facility_days(
    meters: Sequence[Meter], rows: dict[str, list[DailyConsumption]], supply: Supply
) -> list[FacilityDay]:
    """The supply's energy meters of one facility summed day by day (a replaced
    meter and its successor continue each other; two meters add up)."""
    kind = ENERGY_KIND[supply]
    counting = [m for m in meters if m.kind == kind and is_energy(m.unit)]
    if len(counting) == 1:
        return [
            _one_meter_day(counting[0], row) for row in sorted(rows.get(counting[0].number, []), key=lambda r: r.day)
        ]
    by_day: dict[date, list[tuple[Meter, DailyConsumption]]] = {}
    for meter in counting:
        for row in rows.get(meter.number, []):
            by_day.setdefault(row.day, []).append((meter, row))
    result = []
    for day in sorted(by_day):
        parts = by_day[day]
        energy = [(convert(r.quantity, m.unit, EnergyUnit.KWH), r) for m, r in parts]
        total = sum((kwh for kwh, _ in energy), Decimal(0))
        result.append(
            FacilityDay(
                day=day,
                energy_kwh=total.quantize(KWH),
                outdoor_temp=next((r.mean_outdoor_temp for _, r in parts if r.mean_outdoor_temp is not None), None),
                peak_hour_kw=_sum_present(r.peak_load_kw for _, r in parts),
                return_temp=weighted_mean((r.mean_return_temp, kwh) for kwh, r in energy),
                supply_temp=weighted_mean((r.mean_supply_temp, kwh) for kwh, r in energy),
                volume_m3=_sum_present(r.volume_m3 for _, r in parts),
                max_flow_m3h=_sum_present(r.max_flow_m3h for _, r in parts),
                quality=_worst(r.quality for _, r in parts),
            )
        )
    return result


def _one_meter_day(meter: Meter, row: DailyConsumption) -> FacilityDay:
    """The day of a facility with one meter of the supply (most facilities): its values as they are."""
    return FacilityDay(
        day=row.day,
        energy_kwh=convert(row.quantity, meter.unit, EnergyUnit.KWH).quantize(KWH),
        outdoor_temp=row.mean_outdoor_temp,
        peak_hour_kw=row.peak_load_kw,
        return_temp=row.mean_return_temp,
        supply_temp=row.mean_supply_temp,
        volume_m3=row.volume_m3,
        max_flow_m3h=row.max_flow_m3h,
        quality=row.quality,
    )


def _sum_present(values: Iterable[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def weighted_mean(pairs: Iterable[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """The weighted mean of the values present (weights are energy); None without weight."""
    present = [(v, w) for v, w in pairs if v is not None and w > 0]
    weight = sum((w for _, w in present), Decimal(0))
    if weight <= 0:
        return None
    return (sum((v * w for v, w in present), Decimal(0)) / weight).quantize(TEMP)


Pricer = Callable[[str, list[MeterUsage]], PricedPeriod | None]
"""Prices a month (YYYY-MM) of usages with the profile's price list (None: it cannot be priced)."""


def facility_months(
    days: Sequence[FacilityDay],
    *,
    supply: Supply,
    meters: Sequence[Meter] = (),
    rows: dict[str, list[DailyConsumption]] | None = None,
    price: Pricer | None = None,
    reference: Callable[[str], Decimal | None] | None = None,
) -> list[FacilityMonth]:
    """Months from the facility's days, each priced (when ``price`` is given)
    on the usage of the meters the supply's price list covers."""
    cooling = supply == "cooling"
    by_month: dict[str, list[FacilityDay]] = {}
    for day in days:
        by_month.setdefault(f"{day.day.year:04d}-{day.day.month:02d}", []).append(day)
    monthly = _rows_by_month(meters, rows or {}, supply)
    result = []
    for key in sorted(by_month):
        month_days = by_month[key]
        energy = sum((d.energy_kwh for d in month_days), Decimal(0))
        cost: dict[str, Decimal] = {}
        if price is not None and rows is not None:
            priced = price(key, _usages(monthly, key))
            for line in priced.lines if priced is not None else ():
                cost[line.component] = cost.get(line.component, Decimal(0)) + line.amount
        result.append(
            FacilityMonth(
                month=key,
                days=len(month_days),
                energy_kwh=energy,
                volume_m3=_sum_present(d.volume_m3 for d in month_days),
                max_flow_m3h=max((d.max_flow_m3h for d in month_days if d.max_flow_m3h is not None), default=None),
                supply_temp=weighted_mean((d.supply_temp, d.energy_kwh) for d in month_days),
                return_temp=weighted_mean((d.return_temp, d.energy_kwh) for d in month_days),
                weighted_kwh=sum((d.energy_kwh for d in month_days if d.return_temp is not None), Decimal(0)),
                peak_day_kw=max((d.mean_kw for d in month_days), default=Decimal(0)).quantize(KW),
                peak_hour_kw=max((d.peak_hour_kw for d in month_days if d.peak_hour_kw is not None), default=None),
                degree_days=sum(
                    (degree_days(d.outdoor_temp, cooling=cooling) for d in month_days if d.outdoor_temp is not None),
                    Decimal(0),
                ),
                estimated_days=sum(1 for d in month_days if d.quality == "estimated"),
                corrected_days=sum(1 for d in month_days if d.quality == "corrected"),
                cost=cost,
                return_reference=reference(key) if reference is not None else None,
            )
        )
    return result


def _rows_by_month(
    meters: Sequence[Meter], rows: dict[str, list[DailyConsumption]], supply: Supply
) -> dict[str, list[tuple[Meter, list[DailyConsumption]]]]:
    """The days of the meters a supply's price covers, month by month."""
    result: dict[str, dict[str, tuple[Meter, list[DailyConsumption]]]] = {}
    for meter in meters:
        if meter.kind not in PRICED_KINDS[supply]:
            continue
        for row in rows.get(meter.number, []):
            month = result.setdefault(f"{row.day.year:04d}-{row.day.month:02d}", {})
            month.setdefault(meter.number, (meter, []))[1].append(row)
    return {key: list(by_meter.values()) for key, by_meter in result.items()}


def _usages(monthly: dict[str, list[tuple[Meter, list[DailyConsumption]]]], month: str) -> list[MeterUsage]:
    return [
        MeterUsage(meter.number, meter.kind, meter.unit, sum((r.quantity for r in days), Decimal(0)), tuple(days))
        for meter, days in monthly.get(month, [])
    ]


# --- the status of a facility: consumption against expected, return temperature ------------------


class SupplyStatus(Frozen):
    """How a facility's supply is doing, as of its newest data."""

    data_until: date | None = None  # the newest day with data
    last_kwh: Decimal | None = None  # the last STATUS_DAYS days with data
    expected_kwh: Decimal | None = None  # the same days by the facility's own weather model
    return_temp: Decimal | None = None  # energy-weighted over the same days
    return_reference: Decimal | None = None
    month_kwh: Decimal | None = None  # the current month so far
    previous_month_kwh: Decimal | None = None

    @property
    def deviation(self) -> Decimal | None:
        """Consumption above (+) or below (-) expected, as a fraction."""
        if self.last_kwh is None or not self.expected_kwh:
            return None
        return ((self.last_kwh - self.expected_kwh) / self.expected_kwh).quantize(Decimal("0.001"))

    @property
    def return_off_by(self) -> Decimal | None:
        """Degrees on the wrong side of the reference (positive: costs a fee);
        the caller knows the supply (see ``return_excess``)."""
        if self.return_temp is None or self.return_reference is None:
            return None
        return self.return_temp - self.return_reference


def return_excess(status: SupplyStatus, supply: Supply) -> Decimal | None:
    """Degrees the return is on the wrong side of its reference: above it for
    heating, below it for cooling; negative when on the right side."""
    off = status.return_off_by
    if off is None:
        return None
    return -off if supply == "cooling" else off


def supply_status(
    days: Sequence[FacilityDay], supply: Supply, today: date, reference: Callable[[str], Decimal | None]
) -> SupplyStatus:
    """The status from the facility's days: the last STATUS_DAYS days with data
    against what its weather model (fitted on the year before them) expects."""
    if not days:
        return SupplyStatus()
    cooling = supply == "cooling"
    last_day = days[-1].day
    window_start = last_day - timedelta(days=STATUS_DAYS - 1)
    window = [d for d in days if d.day >= window_start]
    history = [d for d in days if window_start - timedelta(days=MODEL_DAYS) <= d.day < window_start]
    observations = _weekly(history, cooling)
    model = fit(observations) if len(observations) >= 8 else None
    expected = None
    if model is not None and all(d.outdoor_temp is not None for d in window):
        weather = sum((degree_days(d.outdoor_temp, cooling=cooling) for d in window if d.outdoor_temp), Decimal(0))
        expected = max(model.predict(Decimal(len(window)), weather), Decimal(0)).quantize(KWH)
    month = f"{today.year:04d}-{today.month:02d}"
    first = date(today.year, today.month, 1)
    previous_first = (first - timedelta(days=1)).replace(day=1)
    this_month = [d for d in days if d.day >= first]
    previous_month = [d for d in days if previous_first <= d.day < first]
    return SupplyStatus(
        data_until=last_day,
        last_kwh=sum((d.energy_kwh for d in window), Decimal(0)),
        expected_kwh=expected,
        return_temp=weighted_mean((d.return_temp, d.energy_kwh) for d in window),
        return_reference=reference(month),
        month_kwh=sum((d.energy_kwh for d in this_month), Decimal(0)) if this_month else None,
        previous_month_kwh=sum((d.energy_kwh for d in previous_month), Decimal(0)) if previous_month else None,
    )


def _weekly(days: Sequence[FacilityDay], cooling: bool) -> list[Observation]:
    weeks: dict[tuple[int, int], list[FacilityDay]] = {}
    for day in days:
        if day.outdoor_temp is None:
            continue
        iso = day.day.isocalendar()
        weeks.setdefault((iso.year, iso.week), []).append(day)
    return [
        Observation(
            Decimal(len(week)),
            sum((degree_days(d.outdoor_temp, cooling=cooling) for d in week if d.outdoor_temp is not None), Decimal(0)),
            sum((d.energy_kwh for d in week), Decimal(0)),
        )
        for week in weeks.values()
    ]


# --- the customer's directory: facilities, meters, last readings, status, open invoices ------------


class DirectoryMeter(Frozen):
    number: str
    kind: MeterKind
    unit: EnergyUnit
    decimals: int
    removed_on: date | None = None
    last_value: Decimal | None = None
    last_read_on: date | None = None
    last_estimated: bool = False


class DirectoryFacility(Frozen):
    id: str
    name: str
    address: Address
    meters: tuple[DirectoryMeter, ...] = ()
    status: dict[Supply, SupplyStatus] = Field(default_factory=dict)

    @property
    def supplies(self) -> tuple[Supply, ...]:
        """District heating and/or cooling, by the meters in use."""
        kinds = {m.kind for m in self.meters if m.removed_on is None}
        return tuple(s for s in SUPPLIES if ENERGY_KIND[s] in kinds)

    @property
    def meters_in_use(self) -> tuple[DirectoryMeter, ...]:
        return tuple(m for m in self.meters if m.removed_on is None)


class InvoiceSummary(Frozen):
    currency: str
    open_count: int = 0
    open_total: Decimal = Decimal(0)
    overdue_count: int = 0
    overdue_total: Decimal = Decimal(0)


class CustomerDirectory(Frozen):
    """What the portfolio shows of one customer, refreshed when its data change."""

    number: str
    name: str
    facilities: tuple[DirectoryFacility, ...]
    invoices: InvoiceSummary | None = None
    as_of: datetime | None = None  # None: built from the customer's record at read time (no figures)

    def facility(self, facility_id: str) -> DirectoryFacility | None:
        return next((f for f in self.facilities if f.id == facility_id), None)


# --- adding facilities up (a group) ------------------------------------------------------------------


@dataclass(frozen=True)
class GroupMonth:
    """A month of a group of facilities (or of one): sums, energy-weighted
    temperatures, the sum of each facility's peak (peaks of different buildings
    rarely coincide, so this is an upper bound of the group's own peak)."""

    month: str
    facilities: int
    energy_kwh: Decimal
    volume_m3: Decimal | None
    max_flow_m3h: Decimal | None
    supply_temp: Decimal | None
    return_temp: Decimal | None
    return_reference: Decimal | None
    peak_day_kw: Decimal | None
    peak_hour_kw: Decimal | None
    degree_days: Decimal | None
    quality: DayQuality
    complete: bool
    cost: dict[str, Decimal]

    @property
    def cost_total(self) -> Decimal | None:
        return sum(self.cost.values(), Decimal(0)) if self.cost else None

    @property
    def delta_t(self) -> Decimal | None:
        """Supply minus return (heating) or return minus supply (cooling), in K;
        the sign is left to the caller, which knows the supply."""
        if self.supply_temp is None or self.return_temp is None:
            return None
        return abs(self.supply_temp - self.return_temp)


def group_months(aggregates: Sequence[FacilityAggregate]) -> dict[str, GroupMonth]:
    """Month by month, the facilities added up."""
    by_month: dict[str, list[FacilityMonth]] = {}
    for aggregate in aggregates:
        for month in aggregate.months:
            by_month.setdefault(month.month, []).append(month)
    result = {}
    for key, months in sorted(by_month.items()):
        cost: dict[str, Decimal] = {}
        for month in months:
            for component, amount in month.cost.items():
                cost[component] = cost.get(component, Decimal(0)) + amount
        result[key] = GroupMonth(
            month=key,
            facilities=len(months),
            energy_kwh=sum((m.energy_kwh for m in months), Decimal(0)),
            volume_m3=_sum_present(m.volume_m3 for m in months),
            max_flow_m3h=_sum_present(m.max_flow_m3h for m in months),
            supply_temp=weighted_mean((m.supply_temp, m.energy_kwh) for m in months),
            return_temp=weighted_mean((m.return_temp, m.weighted_kwh) for m in months),
            return_reference=next((m.return_reference for m in months if m.return_reference is not None), None),
            peak_day_kw=_sum_present(m.peak_day_kw for m in months),
            peak_hour_kw=_sum_present(m.peak_hour_kw for m in months),
            # The same station's weather for every facility: the days' degree days, not their sum.
            degree_days=max((m.degree_days for m in months), default=None),
            quality=_worst(m.quality for m in months),
            complete=all(m.complete for m in months),
            cost=cost,
        )
    return result


def group_days(aggregates: Sequence[FacilityAggregate]) -> list[FacilityDay]:
    """Day by day, the facilities added up (a day counts only when every
    facility of the group has it, so a late facility does not look like a dip)."""
    by_day: dict[date, list[FacilityDay]] = {}
    for aggregate in aggregates:
        for facility_day in aggregate.days:
            by_day.setdefault(facility_day.day, []).append(facility_day)
    wanted = len([a for a in aggregates if a.days])
    result = []
    for on, parts in sorted(by_day.items()):
        if len(parts) < wanted:
            continue
        result.append(
            FacilityDay(
                day=on,
                energy_kwh=sum((p.energy_kwh for p in parts), Decimal(0)),
                outdoor_temp=next((p.outdoor_temp for p in parts if p.outdoor_temp is not None), None),
                peak_hour_kw=_sum_present(p.peak_hour_kw for p in parts),
                return_temp=weighted_mean((p.return_temp, p.energy_kwh) for p in parts),
                supply_temp=weighted_mean((p.supply_temp, p.energy_kwh) for p in parts),
                volume_m3=_sum_present(p.volume_m3 for p in parts),
                max_flow_m3h=_sum_present(p.max_flow_m3h for p in parts),
                quality=_worst(p.quality for p in parts),
            )
        )
    return result


def directory_of(
    record: CustomerRecord,
    *,
    last_readings: dict[str, Reading] | None = None,
    status: dict[tuple[str, Supply], SupplyStatus] | None = None,
    invoices: InvoiceSummary | None = None,
    as_of: datetime | None = None,
) -> CustomerDirectory:
    """The customer's directory from its record (and the figures, when the
    projection has them; without them the portfolio lists the facilities
    with no figures)."""
    readings = last_readings or {}
    statuses = status or {}
    facilities = []
    for facility in sorted(record.facilities, key=lambda f: f.id):
        meters = []
        for meter in sorted((m for m in record.meters if m.facility_id == facility.id), key=lambda m: m.number):
            last = readings.get(meter.number)
            meters.append(
                DirectoryMeter(
                    number=meter.number,
                    kind=meter.kind,
                    unit=meter.unit,
                    decimals=meter.decimals,
                    removed_on=meter.removed_on,
                    last_value=last.value if last else None,
                    last_read_on=last.read_on if last else None,
                    last_estimated=last.estimated if last else False,
                )
            )
        facilities.append(
            DirectoryFacility(
                id=facility.id,
                name=facility.name,
                address=facility.address,
                meters=tuple(meters),
                status={s: v for (f, s), v in statuses.items() if f == facility.id},
            )
        )
    name = record.customer.name if record.customer else record.number
    return CustomerDirectory(
        number=record.number, name=name, facilities=tuple(facilities), invoices=invoices, as_of=as_of
    )


@dataclass(frozen=True)
class ReturnSummary:
    """Months of a facility's supply in return-temperature terms: the energy,
    the energy-weighted return and reference temperatures, and the bonus
    (negative) or fee the price list gave them."""

    energy_kwh: Decimal
    return_temp: Decimal | None
    reference: Decimal | None
    amount: Decimal | None
    months: int


def return_summary(months: Sequence[FacilityMonth], supply: Supply) -> ReturnSummary:
    component = RETURN_COMPONENT[supply]
    priced = [m.cost[component] for m in months if component in m.cost]
    return ReturnSummary(
        energy_kwh=sum((m.energy_kwh for m in months), Decimal(0)),
        return_temp=weighted_mean((m.return_temp, m.weighted_kwh) for m in months),
        reference=weighted_mean((m.return_reference, m.weighted_kwh) for m in months),
        amount=sum(priced, Decimal(0)) if priced else None,
        months=len(months),
    )
