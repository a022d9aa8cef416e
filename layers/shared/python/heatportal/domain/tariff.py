"""The tariff engine: a price list and a period's consumption become invoice lines.

Pure and deterministic; the real bill, the trial settlement and the forecast
all call ``price_period``. Each line is rounded once; totals are sums of
rounded lines, so the invoice always adds up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise

from heatportal.domain.model import BillingPeriod, DailyConsumption, InvoiceLine, MeterKind
from heatportal.domain.money import EnergyUnit, convert, round_money
from heatportal.domain.profile import (
    CapacityCharge,
    DatedPrice,
    EnergyPrice,
    FixedFee,
    PriceList,
    ReturnTemperature,
    SpotEnergyPrice,
    TariffComponent,
    UtilityProfile,
    VolumePrice,
)

MONTHS_PER_YEAR = Decimal(12)
HOURS_PER_DAY = Decimal(24)


@dataclass(frozen=True)
class MeterUsage:
    """What one meter counted in the period, in the meter's own unit."""

    meter_number: str
    kind: MeterKind
    unit: EnergyUnit
    quantity: Decimal
    days: tuple[DailyConsumption, ...] = ()


@dataclass(frozen=True)
class PricingInput:
    period: BillingPeriod
    usages: tuple[MeterUsage, ...]
    # Monthly average spot price per kWh for the profile's zone, when a
    # spot-indexed component needs it.
    spot_price_per_kwh: Decimal | None = None
    # The share of the month this input covers (a segment of a period split by
    # a price-list change); fixed and capacity charges are prorated by it.
    month_fraction: Decimal = Decimal(1)


@dataclass(frozen=True)
class PricedPeriod:
    lines: tuple[InvoiceLine, ...]
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    currency: str
    vat_by_rate: dict[Decimal, Decimal] = field(default_factory=dict)


class MissingPrice(LookupError):
    """A component needs a price that is not loaded (e.g. the month's spot price)."""


def _dated(prices: tuple[DatedPrice, ...], period: BillingPeriod) -> Decimal | None:
    in_force = [p for p in prices if p.valid_from <= period.start]
    return max(in_force, key=lambda p: p.valid_from).price if in_force else None


def _energy(usages: tuple[MeterUsage, ...], kind: MeterKind, unit: EnergyUnit) -> Decimal:
    return sum((convert(u.quantity, u.unit, unit) for u in usages if u.kind == kind), Decimal(0))


def _volume(usages: tuple[MeterUsage, ...], kind: MeterKind) -> Decimal:
    total = Decimal(0)
    for usage in usages:
        if usage.kind != kind:
            continue
        if usage.unit == EnergyUnit.M3:
            total += usage.quantity
        else:
            total += sum((d.volume_m3 or Decimal(0) for d in usage.days), Decimal(0))
    return total


class _LineBuilder:
    def __init__(self, currency: str, vat_rate: Decimal) -> None:
        self.currency = currency
        self.vat_rate = vat_rate
        self.lines: list[InvoiceLine] = []

    def add(
        self,
        component: str,
        text_key: str,
        quantity: Decimal,
        unit: str,
        unit_price: Decimal,
        explanation: str,
        **params: str,
    ) -> None:
        self.lines.append(
            InvoiceLine(
                component=component,
                text_key=text_key,
                text_params=params,
                quantity=quantity,
                unit=unit,
                unit_price=unit_price,
                amount=round_money(quantity * unit_price, self.currency),
                vat_rate=self.vat_rate,
                explanation=explanation,
            )
        )


def _price_component(component: TariffComponent, data: PricingInput, out: _LineBuilder) -> None:
    period = data.period
    usages = data.usages
    match component:
        case FixedFee():
            if component.applies_to and not any(u.kind == component.applies_to for u in usages):
                return
            monthly = component.amount_per_year / MONTHS_PER_YEAR
            out.add(
                "fixed_fee",
                "line.fixed_fee",
                data.month_fraction,
                "month",
                monthly,
                f"{component.amount_per_year} per year / 12"
                + (f" x {data.month_fraction} month" if data.month_fraction != 1 else ""),
                name=component.name,
            )
        case EnergyPrice():
            quantity = _energy(usages, component.applies_to, component.unit)
            price = next(p.price for p in component.prices if period.month in p.months)
            out.add(
                "energy",
                "line.energy_named" if component.name else "line.energy",
                quantity,
                component.unit.value,
                price,
                f"{quantity} {component.unit.value} x {price}",
                **({"name": component.name} if component.name else {}),
            )
        case SpotEnergyPrice():
            if data.spot_price_per_kwh is None:
                raise MissingPrice(f"spot price for {component.zone} {period.key} is not loaded")
            transfer = _dated(component.transfer_cost, period)
            if transfer is None:
                raise MissingPrice(f"no transfer cost in force for {period.key}")
            gross = data.spot_price_per_kwh + transfer
            discounted = gross * (Decimal(100) - component.discount_percent) / Decimal(100)
            cap = _dated(component.max_price, period)
            price = min(discounted, cap) if cap is not None else discounted
            quantity = _energy(usages, component.applies_to, EnergyUnit.KWH)
            capped = " (cap)" if cap is not None and discounted > cap else ""
            out.add(
                "spot_energy",
                "line.spot_energy",
                quantity,
                "kWh",
                price,
                f"({data.spot_price_per_kwh} spot + {transfer} transfer)"
                f" - {component.discount_percent}% = {discounted:.4f}"
                + (f"; max {cap}{capped}" if cap is not None else ""),
                zone=component.zone,
            )
        case VolumePrice():
            quantity = _volume(usages, component.applies_to)
            if quantity == 0 and not any(u.kind == component.applies_to for u in usages):
                return
            out.add(
                "volume",
                "line.volume",
                quantity,
                "m3",
                component.price_per_m3,
                f"{quantity} m3 x {component.price_per_m3}",
                name=component.name,
            )
        case CapacityCharge():
            daily_kw: defaultdict[date, Decimal] = defaultdict(lambda: Decimal(0))
            for usage in usages:
                if usage.kind != MeterKind.HEAT:
                    continue
                for day in usage.days:
                    kwh = convert(day.quantity, usage.unit, EnergyUnit.KWH)
                    daily_kw[day.day] += kwh / HOURS_PER_DAY
            top = sorted(daily_kw.values(), reverse=True)[: component.top_days]
            load = (sum(top, Decimal(0)) / len(top)) if top else Decimal(0)
            load = load.quantize(Decimal("0.01"))
            out.add(
                "capacity",
                "line.capacity",
                load,
                "kW",
                component.price_per_kw_year / MONTHS_PER_YEAR * data.month_fraction,
                f"mean of {component.top_days} highest daily loads = {load} kW;"
                f" {component.price_per_kw_year} per kW and year / 12",
            )
        case ReturnTemperature():
            energy_mwh = Decimal(0)
            weighted = Decimal(0)
            for usage in usages:
                if usage.kind != MeterKind.HEAT:
                    continue
                for day in usage.days:
                    if day.mean_return_temp is None:
                        continue
                    mwh = convert(day.quantity, usage.unit, EnergyUnit.MWH)
                    energy_mwh += mwh
                    weighted += mwh * day.mean_return_temp
            if energy_mwh == 0:
                return
            mean_return = (weighted / energy_mwh).quantize(Decimal("0.1"))
            reference = next(p.price for p in component.reference_c if period.month in p.months)
            degrees = mean_return - reference
            out.add(
                "return_temperature",
                "line.return_bonus" if degrees < 0 else "line.return_fee",
                energy_mwh.quantize(Decimal("0.001")),
                "MWh",
                degrees * component.price_per_degree_mwh,
                f"energy-weighted return {mean_return} C vs reference {reference} C:"
                f" {degrees} degrees x {component.price_per_degree_mwh} per degree and MWh",
            )


def price_period(profile: UtilityProfile, data: PricingInput, price_list: PriceList | None = None) -> PricedPeriod:
    """Price one account's period with the price list and VAT in force.

    When a price list (or VAT rate) changes inside the period, the period is
    split at the change: each part is priced with its own list, its energy and
    volume by the consumption measured on its days (by days when there is no
    daily data), its fixed and capacity charges by its share of the days.
    """
    if price_list is not None:
        return _price_segment(profile, data, price_list, profile.vat_on(data.period.start))
    segments = _segments(profile, data.period)
    if len(segments) == 1:
        return _price_segment(
            profile, data, profile.price_list_on(data.period.start), profile.vat_on(data.period.start)
        )
    lines: list[InvoiceLine] = []
    for start, part, last_day in _split(data, segments):
        priced = _price_segment(profile, part, profile.price_list_on(start), profile.vat_on(start))
        lines += [
            line.model_copy(update={"explanation": f"{start} - {last_day}: {line.explanation}"})
            for line in priced.lines
        ]
    return summarise(tuple(lines), profile.currency)


def _price_segment(
    profile: UtilityProfile, data: PricingInput, price_list: PriceList, vat_rate: Decimal
) -> PricedPeriod:
    builder = _LineBuilder(profile.currency, vat_rate)
    for component in price_list.components:
        _price_component(component, data, builder)
    return summarise(tuple(builder.lines), profile.currency)


def _segments(profile: UtilityProfile, period: BillingPeriod) -> list[tuple[date, date]]:
    """[start, end) parts of the period between price-list or VAT changes."""
    cuts = sorted(
        {p.valid_from for p in profile.price_lists if period.start < p.valid_from < period.end}
        | {v.valid_from for v in profile.vat if period.start < v.valid_from < period.end}
    )
    bounds = [period.start, *cuts, period.end]
    return list(pairwise(bounds))


QUANTITY_STEP = Decimal("0.001")
FRACTION_STEP = Decimal("0.0001")


def _split(data: PricingInput, segments: list[tuple[date, date]]) -> list[tuple[date, PricingInput, date]]:
    """The input cut into one input per segment; the parts of each quantity and
    of the month add up exactly to the whole (the last part takes the rest)."""
    period_days = Decimal(data.period.days)
    parts: list[list[MeterUsage]] = [[] for _ in segments]
    for usage in data.usages:
        measured = sum((d.quantity for d in usage.days), Decimal(0))
        given = Decimal(0)
        for index, (start, end) in enumerate(segments):
            days = tuple(d for d in usage.days if start <= d.day < end)
            if index == len(segments) - 1:
                quantity = usage.quantity - given
            else:
                if measured > 0:
                    share = sum((d.quantity for d in days), Decimal(0)) / measured
                else:
                    share = Decimal((end - start).days) / period_days
                quantity = (usage.quantity * share).quantize(QUANTITY_STEP)
                given += quantity
            parts[index].append(MeterUsage(usage.meter_number, usage.kind, usage.unit, quantity, days))
    result = []
    fraction_given = Decimal(0)
    for index, (start, end) in enumerate(segments):
        if index == len(segments) - 1:
            fraction = Decimal(1) - fraction_given
        else:
            fraction = (Decimal((end - start).days) / period_days).quantize(FRACTION_STEP)
            fraction_given += fraction
        last_day = date.fromordinal(end.toordinal() - 1)
        result.append(
            (start, PricingInput(data.period, tuple(parts[index]), data.spot_price_per_kwh, fraction), last_day)
        )
    return result


def summarise(lines: tuple[InvoiceLine, ...], currency: str) -> PricedPeriod:
    """Totals from rounded lines; VAT is computed once per rate on the rate's net sum."""
    net_by_rate: dict[Decimal, Decimal] = defaultdict(lambda: Decimal(0))
    for line in lines:
        net_by_rate[line.vat_rate] += line.amount
    vat_by_rate = {rate: round_money(net * rate, currency) for rate, net in net_by_rate.items()}
    net_total = sum((line.amount for line in lines), Decimal(0))
    vat_total = sum(vat_by_rate.values(), Decimal(0))
    return PricedPeriod(
        lines=lines,
        net_total=net_total,
        vat_total=vat_total,
        total=net_total + vat_total,
        currency=currency,
        vat_by_rate=dict(vat_by_rate),
    )
