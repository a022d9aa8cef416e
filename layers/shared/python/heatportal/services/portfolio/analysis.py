"""Analysis of one facility or a group: district heating and district cooling
apart, in five sections (Energy, Flow, Temperature, Power, Financial), each a
year by month against the two years before, with every month marked measured,
estimated or corrected; the power signature of the past year's days; and the
return-temperature bonus/fee table of the past twelve months per facility.

Everything comes from the facilities' stored figures: one BatchGetItem for up
to 100 facilities (a group holds at most that many), whatever the section.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.facility_groups import MAX_GROUP_FACILITIES, PortfolioSettings
from heatportal.domain.model import DayQuality
from heatportal.domain.portfolio import (
    FacilityAggregate,
    FacilityDay,
    GroupMonth,
    Supply,
    group_days,
    group_months,
    return_summary,
)
from heatportal.domain.power_signature import PowerSignature, SignaturePoint, fit_signature
from heatportal.ports import Clock
from heatportal.services.portfolio.ports import PortfolioStore
from heatportal.services.portfolio.scope import Portfolio, PortfolioFacility

Section = Literal["energy", "flow", "temperature", "power", "financial"]
SECTIONS: tuple[Section, ...] = ("energy", "flow", "temperature", "power", "financial")
YEARS_COMPARED = 3  # the year shown and the two before it
SIGNATURE_DAYS = 365
MWH = Decimal(1000)


@dataclass(frozen=True)
class Target:
    """What is analysed: one facility or one of the person's groups."""

    kind: Literal["facility", "group"]
    id: str
    name: str
    facilities: tuple[PortfolioFacility, ...]


@dataclass(frozen=True)
class Column:
    key: str  # the figure, e.g. energy_mwh (a text key analysis.column.<key> names it)
    unit: str  # MWh, m3, m3/h, °C, K, kW, the currency code, or "" for a count
    decimals: int
    year: int | None = None  # the year of a figure compared across years


@dataclass(frozen=True)
class Row:
    label: str  # YYYY-MM, a facility id, or "total"
    values: tuple[Decimal | None, ...]
    quality: DayQuality | None = None  # of the row's month in the year shown
    name: str | None = None  # a facility's name (bonus/fee table)


@dataclass(frozen=True)
class Table:
    key: str  # energy, flow, temperature, power, financial, signature, return_temperature
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Analysis:
    target: Target
    supply: Supply
    year: int
    years: tuple[int, ...]  # newest first
    months: dict[str, GroupMonth]
    days: tuple[FacilityDay, ...]  # the past year, for the power signature
    signature: PowerSignature | None
    currency: str
    today: date
    aggregates: tuple[FacilityAggregate, ...] = ()  # each facility's figures, for the bonus/fee table

    def month(self, year: int, number: int) -> GroupMonth | None:
        return self.months.get(f"{year:04d}-{number:02d}")

    def series(self, figure: str, year: int) -> list[Decimal | None]:
        """A figure month by month (January first) of one year."""
        return [_figure(self.month(year, n), figure) for n in range(1, 13)]

    @property
    def components(self) -> list[str]:
        """The price components of the years shown, in the order the price list bills them."""
        seen: dict[str, None] = {}
        for year in self.years:
            for n in range(1, 13):
                month = self.month(year, n)
                for component in month.cost if month else {}:
                    seen.setdefault(component, None)
        return list(seen)

    def table(self, section: Section) -> Table:
        """The section's table: the months of the year shown, each figure for
        the year and the two before it."""
        if section == "financial":
            return self._financial()
        figures = FIGURES[section]
        columns = tuple(Column(key, unit, decimals, year) for key, unit, decimals in figures for year in self.years)
        rows = []
        for number in range(1, 13):
            month = self.month(self.year, number)
            values = tuple(_figure(self.month(year, number), key) for key, _u, _d in figures for year in self.years)
            rows.append(Row(f"{self.year:04d}-{number:02d}", values, month.quality if month else None))
        totals = tuple(
            _total([_figure(self.month(year, n), key) for n in range(1, 13)], key)
            for key, _u, _d in figures
            for year in self.years
        )
        rows.append(Row("total", totals))
        return Table(section, columns, tuple(rows))

    def _financial(self) -> Table:
        components = self.components
        columns = (
            *(Column(f"cost.{c}", self.currency, 2, self.year) for c in components),
            Column("cost_total", self.currency, 2, self.year),
            *(Column("cost_total", self.currency, 2, year) for year in self.years[1:]),
        )
        rows = []
        for number in range(1, 13):
            month = self.month(self.year, number)
            values: list[Decimal | None] = [month.cost.get(c) if month else None for c in components]
            values.append(month.cost_total if month else None)
            for year in self.years[1:]:
                earlier = self.month(year, number)
                values.append(earlier.cost_total if earlier else None)
            rows.append(Row(f"{self.year:04d}-{number:02d}", tuple(values), month.quality if month else None))
        totals = [_total([r.values[i] for r in rows], "cost") for i in range(len(columns))]
        rows.append(Row("total", tuple(totals)))
        return Table("financial", columns, tuple(rows))

    def signature_table(self) -> Table:
        """The days behind the power signature: outdoor temperature and average power."""
        columns = (Column("outdoor_temp", "°C", 1), Column("mean_kw", "kW", 1))
        rows = tuple(
            Row(d.day.isoformat(), (d.outdoor_temp, d.mean_kw.quantize(Decimal("0.1"))), d.quality)
            for d in self.days
            if d.outdoor_temp is not None
        )
        return Table("signature", columns, rows)


# (figure, unit, decimals) per section; each is a property of GroupMonth (or derived in _figure).
FIGURES: dict[Section, tuple[tuple[str, str, int], ...]] = {
    "energy": (("energy_mwh", "MWh", 2), ("degree_days", "", 0)),
    "flow": (("volume_m3", "m3", 0), ("max_flow_m3h", "m3/h", 2)),
    "temperature": (
        ("supply_temp", "°C", 1),
        ("return_temp", "°C", 1),
        ("return_reference", "°C", 1),
        ("delta_t", "K", 1),
    ),
    "power": (("peak_day_kw", "kW", 1), ("peak_hour_kw", "kW", 1)),
    "financial": (),
}
_SUMMED = {"energy_mwh", "volume_m3", "degree_days", "cost"}
_PEAKS = {"peak_day_kw", "peak_hour_kw", "max_flow_m3h"}


def _figure(month: GroupMonth | None, key: str) -> Decimal | None:
    if month is None:
        return None
    if key == "energy_mwh":
        return month.energy_kwh / MWH
    if key == "delta_t":
        return month.delta_t
    value = getattr(month, key)
    return value if isinstance(value, Decimal) else None


def _total(values: list[Decimal | None], key: str) -> Decimal | None:
    """A column's year figure: sums for quantities, the highest for peaks,
    nothing for temperatures (their weighted year means are in the bonus/fee table)."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    if key in _SUMMED:
        return sum(present, Decimal(0))
    if key in _PEAKS:
        return max(present)
    return None


@dataclass(frozen=True)
class ReturnRow:
    facility: PortfolioFacility
    energy_mwh: Decimal
    return_temp: Decimal | None  # energy-weighted, the past twelve months
    reference: Decimal | None  # energy-weighted, the same months
    amount: Decimal | None  # bonus (negative) or fee, as the price list priced it
    months: int


@dataclass(frozen=True)
class ReturnTable:
    supply: Supply
    first_month: str
    last_month: str
    rows: tuple[ReturnRow, ...]
    currency: str

    @property
    def total_energy_mwh(self) -> Decimal:
        return sum((r.energy_mwh for r in self.rows), Decimal(0))

    @property
    def total_amount(self) -> Decimal | None:
        amounts = [r.amount for r in self.rows if r.amount is not None]
        return sum(amounts, Decimal(0)) if amounts else None

    @property
    def mean_return_temp(self) -> Decimal | None:
        weighted = [(r.return_temp, r.energy_mwh) for r in self.rows if r.return_temp is not None]
        weight = sum((w for _, w in weighted), Decimal(0))
        if not weight:
            return None
        return (sum((t * w for t, w in weighted if t is not None), Decimal(0)) / weight).quantize(Decimal("0.1"))

    def as_table(self) -> Table:
        columns = (
            Column("energy_mwh", "MWh", 2),
            Column("return_temp", "°C", 1),
            Column("return_reference", "°C", 1),
            Column("return_amount", self.currency, 2),
        )
        rows = [
            Row(r.facility.id, (r.energy_mwh, r.return_temp, r.reference, r.amount), name=r.facility.facility.name)
            for r in self.rows
        ]
        rows.append(Row("total", (self.total_energy_mwh, self.mean_return_temp, None, self.total_amount)))
        return Table("return_temperature", columns, tuple(rows))


class AnalysisService:
    def __init__(self, store: PortfolioStore, clock: Clock, currency: str) -> None:
        self.store = store
        self.clock = clock
        self.currency = currency

    def target(
        self, portfolio: Portfolio, settings: PortfolioSettings, *, facility: str | None, group: str | None
    ) -> Target:
        """The facility or group asked for; NotFound for one that is not the person's.
        Without either: the person's only facility, or the first group."""
        if facility:
            chosen = portfolio.facility(facility)
            return Target("facility", chosen.id, chosen.facility.name, (chosen,))
        if group:
            found = settings.group(group)
            if found is None:
                raise NotFound("This group does not exist.", code="group_not_found")
            return Target("group", found.id, found.name, tuple(portfolio.chosen(found.facilities)))
        if len(portfolio.facilities) == 1:
            only = portfolio.facilities[0]
            return Target("facility", only.id, only.facility.name, (only,))
        if settings.groups:
            first = settings.groups[0]
            return Target("group", first.id, first.name, tuple(portfolio.chosen(first.facilities)))
        if not portfolio.facilities:
            raise NotFound("There are no facilities to analyse.", code="facility_not_found")
        if len(portfolio.facilities) > MAX_GROUP_FACILITIES:
            raise ValidationFailed(
                "Choose a facility or a group of at most 100 facilities.",
                code="analysis_too_many",
                params={"max": MAX_GROUP_FACILITIES},
            )
        return Target("group", "", "", portfolio.facilities)

    def analyse(self, target: Target, supply: Supply, year: int | None = None) -> Analysis:
        today = self.clock.today()
        shown = year or today.year
        if not 2000 <= shown <= today.year + 1:
            raise ValidationFailed("Choose a year between 2000 and next year.", code="analysis_year_invalid")
        aggregates = self._aggregates(target, supply)
        since = today - timedelta(days=SIGNATURE_DAYS)
        days = tuple(d for d in group_days(aggregates) if d.day >= since)
        points = [SignaturePoint(d.outdoor_temp, d.mean_kw) for d in days if d.outdoor_temp is not None]
        return Analysis(
            target=target,
            supply=supply,
            year=shown,
            years=tuple(shown - i for i in range(YEARS_COMPARED)),
            months=group_months(aggregates),
            days=days,
            signature=fit_signature(points, cooling=supply == "cooling"),
            currency=self.currency,
            today=today,
            aggregates=tuple(aggregates),
        )

    def return_table(
        self, target: Target, supply: Supply, aggregates: tuple[FacilityAggregate, ...] | None = None
    ) -> ReturnTable:
        """The past twelve complete months per facility of the target (from
        ``aggregates`` when an analysis read them already)."""
        today = self.clock.today()
        last = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        months = []
        current = last
        for _ in range(12):
            months.append(f"{current.year:04d}-{current.month:02d}")
            current = (current - timedelta(days=1)).replace(day=1)
        found = aggregates if aggregates is not None else self._aggregates(target, supply)
        by_facility = {a.facility_id: a for a in found}
        rows = []
        for facility in target.facilities:
            aggregate = by_facility.get(facility.id)
            if aggregate is None:
                continue
            rows.append(_return_row(facility, aggregate, months, supply))
        return ReturnTable(supply, months[-1], months[0], tuple(rows), self.currency)

    def _aggregates(self, target: Target, supply: Supply) -> list[FacilityAggregate]:
        wanted = [(f.customer_number, f.id, supply) for f in target.facilities if supply in f.facility.supplies]
        return self.store.aggregates(wanted) if wanted else []


def _return_row(
    facility: PortfolioFacility, aggregate: FacilityAggregate, months: list[str], supply: Supply
) -> ReturnRow:
    summary = return_summary([m for m in aggregate.months if m.month in months], supply)
    return ReturnRow(
        facility=facility,
        energy_mwh=(summary.energy_kwh / MWH).quantize(Decimal("0.01")),
        return_temp=summary.return_temp,
        reference=summary.reference,
        amount=summary.amount,
        months=summary.months,
    )
