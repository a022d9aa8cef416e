"""The tariff engine: a price list and a period's consumption become invoice lines.

Pure and deterministic; the real bill, the trial settlement and the forecast
all call ``price_period``. The rounding rule, one for the whole product:

1. Every unit price is a finite decimal with at most four places (0.01
   øre/öre/cent). List prices are checked when the profile loads; a derived
   price is rounded half up where it is formed (the month's spot price, then
   the price after the discount), before anything is multiplied.
2. A yearly charge is billed as "price per year x share of a year" (1/12 a
   month), never as a rounded monthly price.
3. A line is ``round_half_up(quantity x unit price x share, 0.01)``, on its
   price list's basis (incl. VAT for a list that includes VAT).
4. VAT is computed once per rate on the invoice: carved out of the gross sum
   of a VAT-inclusive list (``R(G x r / (1 + r))``) or added to the net sum of
   a VAT-exclusive one (``R(N x r)``).

So every printed line is reproducible with a calculator, an agreed gross
amount (an advance) stays exactly that amount, and twelve monthly fixed fees
add up to the price sheet's yearly figure (the profile refuses a yearly fee
that is not a whole number of cents per month).

Each line carries its calculation as catalog keys with typed parameters
(``domain.notes``), written in the customer's language when shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from heatportal.domain import notes
from heatportal.domain.climate import DEFAULT_BASE, heating_degree_days, normal_temperature
from heatportal.domain.model import (
    BillingPeriod,
    DailyConsumption,
    InvoiceLine,
    LineNote,
    MeterKind,
    VatAmount,
)
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

MONTHS_PER_YEAR = 12
HOURS_PER_DAY = Decimal(24)
CENT = Decimal("0.01")
QUANTITY_STEP = Decimal("0.001")
# A converted quantity with more places than this (kWh from GJ: x 2500/9) is
# rounded to QUANTITY_STEP, so the printed quantity is the one multiplied.
MAX_QUANTITY_PLACES = 7


@dataclass(frozen=True)
class MeterUsage:
    """What one meter counted in the period, in the meter's own unit."""

    meter_number: str
    kind: MeterKind
    unit: EnergyUnit
    quantity: Decimal
    days: tuple[DailyConsumption, ...] = ()


@dataclass(frozen=True)
class Segment:
    """The days [start, end) of a month one price list (or price) covers."""

    start: date
    end: date
    month_days: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


@dataclass(frozen=True)
class PricingInput:
    period: BillingPeriod
    usages: tuple[MeterUsage, ...]
    # Monthly average spot price per kWh for the profile's zone, ex VAT as the
    # exchange publishes it, when a spot-indexed component needs it.
    spot_price_per_kwh: Decimal | None = None
    # The part of the month this input covers, when a price change splits it.
    segment: Segment | None = None
    # The days of the period the account was supplied (moving in or out), when
    # not all of them: fixed and capacity charges are billed for these days only.
    supplied_days: frozenset[date] | None = None

    @property
    def days(self) -> Segment:
        return self.segment or Segment(self.period.start, self.period.end, self.period.days)


@dataclass(frozen=True)
class PricedPeriod:
    lines: tuple[InvoiceLine, ...]
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    currency: str
    vat_breakdown: tuple[VatAmount, ...] = field(default=())


class MissingPrice(LookupError):
    """A component needs a price that is not loaded (e.g. the month's spot price)."""


def round_price(value: Decimal, step: Decimal) -> Decimal:
    """A unit price rounded half up to its printed step."""
    return value.quantize(step, rounding=ROUND_HALF_UP)


Share = tuple[int, int]
"""A share of a year as printed, numerator and denominator (1/12; 14/372 for 14 days of a
31-day month; a settlement's 12/12), kept unreduced so the bill says what it counts."""

WHOLE: Share = (1, 1)


def line_amount(quantity: Decimal, unit_price: Decimal, share: Share = WHOLE) -> Decimal:
    """The rule of every line: quantity x unit price x share, rounded half up to the cent."""
    exact = quantity * unit_price * share[0] / share[1]
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def _dated(prices: tuple[DatedPrice, ...], day: date) -> Decimal | None:
    in_force = [p for p in prices if p.valid_from <= day]
    return max(in_force, key=lambda p: p.valid_from).price if in_force else None


def _printable_quantity(value: Decimal) -> Decimal:
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_QUANTITY_PLACES:
        return value.quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)
    return value


def _energy(usages: tuple[MeterUsage, ...], kind: MeterKind, unit: EnergyUnit) -> Decimal:
    total = sum((convert(u.quantity, u.unit, unit) for u in usages if u.kind == kind), Decimal(0))
    return _printable_quantity(total)


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


def _at_least_cents(value: Decimal) -> Decimal:
    """A computed price without trailing zeros beyond the cents: 4.500 -> 4.50."""
    return value.quantize(CENT) if value == value.quantize(CENT) else value.normalize()


def _month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


class _LineBuilder:
    def __init__(
        self, currency: str, vat_rate: Decimal, includes_vat: bool, segment: Segment, span: tuple[date, date]
    ) -> None:
        self.currency = currency
        self.vat_rate = vat_rate
        self.includes_vat = includes_vat
        self.segment = segment
        self.span = span  # the first and last day the lines cover (the supplied days of the segment)
        self.lines: list[InvoiceLine] = []

    def add(
        self,
        component: str,
        text_key: str,
        quantity: Decimal,
        unit: str,
        unit_price: Decimal,
        note: LineNote,
        *,
        share: Share = WHOLE,
        lead_notes: tuple[LineNote, ...] = (),
        name: str | None = None,
        **params: str,
    ) -> InvoiceLine:
        if name:  # the component's own name (a fee; a contract option's energy price)
            params = {**params, "name": name}
        line = InvoiceLine(
            component=component,
            text_key=text_key,
            text_params=params,
            quantity=quantity,
            unit=unit,
            unit_price=unit_price,
            share_numerator=share[0],
            share_denominator=share[1],
            amount=line_amount(quantity, unit_price, share),
            vat_rate=self.vat_rate,
            includes_vat=self.includes_vat,
            period_start=self.span[0],
            period_end=self.span[1],
            notes=(*lead_notes, note),
        )
        # The note quotes the amount: fill it in now that it is known.
        filled = LineNote(key=note.key, params={**note.params, "amount": notes.money(line.amount)})
        line = line.model_copy(update={"notes": (*lead_notes, filled)})
        self.lines.append(line)
        return line


def _months_param(segment: Segment) -> str:
    return notes.months(_month_key(segment.start), _month_key(segment.last_day))


@dataclass(frozen=True)
class _Supplied:
    """The days of a segment a monthly charge covers: all of them, or the supplied ones."""

    days: int
    first: date
    last: date
    month_days: int

    @property
    def whole_month(self) -> bool:
        return self.days == self.month_days

    @property
    def share(self) -> Share:
        """The share of a year: 1/12 a month, days/(12 x days of the month) for part of one."""
        if self.whole_month:
            return (1, MONTHS_PER_YEAR)
        return (self.days, MONTHS_PER_YEAR * self.month_days)


def _supplied(data: PricingInput) -> _Supplied:
    segment = data.days
    if data.supplied_days is None:
        return _Supplied(segment.days, segment.start, segment.last_day, segment.month_days)
    days = sorted(d for d in data.supplied_days if segment.start <= d < segment.end)
    if not days:
        return _Supplied(0, segment.start, segment.start, segment.month_days)
    return _Supplied(len(days), days[0], days[-1], segment.month_days)


def _price_component(component: TariffComponent, data: PricingInput, out: _LineBuilder, price_list: PriceList) -> None:
    period = data.period
    segment = data.days
    usages = data.usages
    match component:
        case FixedFee():
            if component.applies_to and not any(u.kind == component.applies_to for u in usages):
                return
            supplied = _supplied(data)
            if supplied.days == 0:
                return
            share = supplied.share
            name = notes.key(component.name_key) if component.name_key else notes.text(component.name)
            out.add(
                "fixed_fee",
                component.name_key or "line.fixed_fee",
                Decimal(1),
                "year",
                component.amount_per_year,
                LineNote(
                    key="invoice.note.fixed_fee" if supplied.whole_month else "invoice.note.fixed_fee_days",
                    params={
                        "name": name,
                        "amount_per_year": notes.price(component.amount_per_year),
                        "fraction": notes.frac(share),
                        "months": _months_param(segment),
                        "start": notes.day(supplied.first),
                        "end": notes.day(supplied.last),
                        "days": notes.num(Decimal(supplied.days)),
                        "month_days": notes.num(Decimal(supplied.month_days)),
                    },
                ),
                share=share,
                name=component.name,
            )
        case EnergyPrice():
            quantity = _energy(usages, component.applies_to, component.unit)
            season = next(p for p in component.prices if period.month in p.months)
            seasonal = len(season.months) < MONTHS_PER_YEAR
            cooling = component.applies_to == MeterKind.COOLING
            if usages and not any(u.kind == component.applies_to for u in usages):
                return  # e.g. the cooling energy price of a customer without cooling, or the reverse
            out.add(
                "cooling_energy" if cooling else "energy",
                "line.energy_named"
                if component.name
                else "line.cooling_energy"
                if cooling
                else "invoice.component.energy",
                quantity,
                component.unit.value,
                season.price,
                LineNote(
                    key="invoice.note.energy_season" if seasonal else "invoice.note.energy",
                    params={
                        "months": _months_param(segment),
                        "season": notes.monthset(season.months),
                        "quantity": notes.qty(quantity, component.unit.value),
                        "unit_price": notes.price(season.price),
                    },
                ),
                name=component.name,
            )
        case SpotEnergyPrice():
            _price_spot(component, data, out, price_list)
        case VolumePrice():
            quantity = _volume(usages, component.applies_to)
            if quantity == 0 and not any(u.kind == component.applies_to for u in usages):
                return
            flow = component.applies_to == MeterKind.HEAT
            out.add(
                "volume",
                component.name_key or "line.volume",
                quantity,
                "m3",
                component.price_per_m3,
                LineNote(
                    key="invoice.note.flow" if flow else "invoice.note.hot_water",
                    params={
                        "volume": notes.qty(quantity, "m3"),
                        "price": notes.price(component.price_per_m3),
                        "months": _months_param(segment),
                    },
                ),
                name=component.name,
            )
        case CapacityCharge():
            _price_capacity(component, data, out)
        case ReturnTemperature():
            _price_return(component, data, out)


def _price_spot(component: SpotEnergyPrice, data: PricingInput, out: _LineBuilder, price_list: PriceList) -> None:
    segment = data.days
    if data.spot_price_per_kwh is None:
        raise MissingPrice(f"spot price for {component.zone} {data.period.key} is not loaded")
    transfer = _dated(component.transfer_cost, segment.start)
    if transfer is None:
        raise MissingPrice(f"no transfer cost in force for {data.period.key}")
    extra: list[LineNote] = []
    spot_excl = round_price(data.spot_price_per_kwh, component.spot_price_step)
    spot = spot_excl
    if price_list.prices_include_vat:
        # The exchange's price is ex VAT; a VAT-inclusive list adds VAT to it
        # before the (VAT-inclusive) transfer cost is added.
        spot = round_price(spot_excl * (1 + out.vat_rate), component.spot_price_step)
        extra.append(
            LineNote(
                key="invoice.note.spot_vat_grossed",
                params={
                    "spot_excl": notes.price(spot_excl),
                    "spot": notes.price(spot),
                    "rate": notes.pct(out.vat_rate),
                },
            )
        )
    exact = (spot + transfer) * (100 - component.discount_percent) / 100
    discounted = round_price(exact, component.unit_price_step)
    cap = _dated(component.max_price, segment.start)
    price = min(discounted, cap) if cap is not None else discounted
    quantity = _energy(data.usages, component.applies_to, EnergyUnit.KWH)
    if cap is not None and discounted > cap:
        key = "invoice.note.spot_capped"
    elif discounted != exact:
        key = "invoice.note.spot_rounded"
    else:
        key = "invoice.note.spot"
    out.add(
        "spot_energy",
        "line.spot_energy",
        quantity,
        "kWh",
        price,
        LineNote(
            key=key,
            params={
                "month": notes.month(_month_key(segment.start)),
                "spot": notes.price(spot),
                "transfer": notes.price(transfer),
                "discount": notes.pct(component.discount_percent / 100),
                "discounted": notes.price(exact),
                "price": notes.price(price),
                "cap": notes.price(cap) if cap is not None else notes.text(""),
                "quantity": notes.qty(quantity, "kWh"),
            },
        ),
        lead_notes=tuple(extra),
        zone=component.zone,
    )


def _price_capacity(component: CapacityCharge, data: PricingInput, out: _LineBuilder) -> None:
    cooling = component.applies_to == MeterKind.COOLING
    if data.usages and not any(u.kind == component.applies_to for u in data.usages):
        return  # e.g. the cooling capacity charge of a customer without cooling, or the reverse
    daily_kw: defaultdict[date, Decimal] = defaultdict(lambda: Decimal(0))
    for usage in data.usages:
        if usage.kind != component.applies_to:
            continue
        for day in usage.days:
            kwh = convert(day.quantity, usage.unit, EnergyUnit.KWH)
            daily_kw[day.day] += kwh / HOURS_PER_DAY
    top = sorted(daily_kw.values(), reverse=True)[: component.top_days]
    load = (sum(top, Decimal(0)) / len(top)) if top else Decimal(0)
    load = load.quantize(CENT, rounding=ROUND_HALF_UP)
    supplied = _supplied(data)
    if supplied.days == 0:
        return
    share = supplied.share
    out.add(
        "cooling_capacity" if cooling else "capacity",
        "line.cooling_capacity" if cooling else "invoice.component.capacity",
        load,
        "kW",
        component.price_per_kw_year,
        LineNote(
            key="invoice.note.capacity",
            params={
                "top_days": notes.num(Decimal(component.top_days)),
                "month": notes.month(_month_key(data.days.start)),
                "loads": notes.qtylist([kw.quantize(CENT, rounding=ROUND_HALF_UP) for kw in top], "kW"),
                "load": notes.qty(load, "kW"),
                "price": notes.price(component.price_per_kw_year),
                "fraction": notes.frac(share),
            },
        ),
        share=share,
    )


def _price_return(component: ReturnTemperature, data: PricingInput, out: _LineBuilder) -> None:
    energy_mwh = Decimal(0)
    weighted = Decimal(0)
    for usage in data.usages:
        if usage.kind != component.applies_to:
            continue
        for day in usage.days:
            if day.mean_return_temp is None:
                continue
            mwh = convert(day.quantity, usage.unit, EnergyUnit.MWH)
            energy_mwh += mwh
            weighted += mwh * day.mean_return_temp
    if energy_mwh == 0:
        return
    mean_return = (weighted / energy_mwh).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    reference = next(p.price for p in component.reference_c if data.period.month in p.months)
    # Degrees on the wrong side of the reference are positive (a fee): above it
    # for heating, below it for cooling (the network wants its water back warm).
    cooling = component.applies_to == MeterKind.COOLING
    degrees = reference - mean_return if cooling else mean_return - reference
    bonus = degrees < 0
    outcome = "bonus" if bonus else "fee"
    quantity = energy_mwh.quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)
    out.add(
        "cooling_return_temperature" if cooling else "return_temperature",
        f"line.cooling_return_{outcome}" if cooling else f"invoice.component.return_{outcome}",
        quantity,
        "MWh",
        _at_least_cents(degrees * component.price_per_degree_mwh),
        LineNote(
            key=f"invoice.note.cooling_return_{outcome}" if cooling else f"invoice.note.return_{outcome}",
            params={
                "mean_return": notes.temp(mean_return),
                "reference": notes.temp(reference),
                "degrees": notes.temp(abs(degrees)),
                "degrees_number": notes.num(degrees),
                "price": notes.price(component.price_per_degree_mwh),
                "energy": notes.qty(quantity, "MWh"),
            },
        ),
    )


def price_period(profile: UtilityProfile, data: PricingInput, price_list: PriceList | None = None) -> PricedPeriod:
    """Price one account's period with the price list and VAT in force.

    When a price list, a dated price inside it (a transfer cost, a maximum) or
    the VAT rate changes inside the period, the period is split at the change:
    each part is priced with its own prices, its energy and volume by the
    consumption measured on its days (by degree days when there is no daily
    data, as heat use follows the weather), its fixed and capacity charges by
    its share of the days. Each part's lines say so.
    """
    if price_list is not None:
        return _price_segment(profile, data, price_list, profile.vat_on(data.period.start))
    segments = _segments(profile, data.period)
    if len(segments) == 1:
        return _price_segment(
            profile, data, profile.price_list_on(data.period.start), profile.vat_on(data.period.start)
        )
    parts = _split(profile, data, segments)
    lines: list[InvoiceLine] = []
    previous: dict[str, InvoiceLine] = {}
    for part, by_degree_days in parts:
        start = part.days.start
        priced = _price_segment(profile, part, profile.price_list_on(start), profile.vat_on(start))
        current: dict[str, InvoiceLine] = {}
        for priced_line in priced.lines:
            line = priced_line
            before = previous.get(line.component)
            if before is not None and line.component in ("energy", "spot_energy", "volume"):
                note = LineNote(
                    key="invoice.note.price_change_split_degree_days"
                    if by_degree_days
                    else "invoice.note.price_change_split",
                    params={
                        "date": notes.day(start),
                        "before": notes.qty(before.quantity, before.unit),
                        "after": notes.qty(line.quantity, line.unit),
                    },
                )
                line = line.model_copy(update={"notes": (*line.notes, note)})
            current[line.component] = line
            lines.append(line)
        previous = current
    return summarise(tuple(lines), profile.currency)


def _price_segment(
    profile: UtilityProfile, data: PricingInput, price_list: PriceList, vat_rate: Decimal
) -> PricedPeriod:
    supplied = _supplied(data)
    span = (supplied.first, supplied.last) if supplied.days else (data.days.start, data.days.last_day)
    builder = _LineBuilder(profile.currency, vat_rate, price_list.prices_include_vat, data.days, span)
    for component in price_list.components:
        _price_component(component, data, builder, price_list)
    return summarise(tuple(builder.lines), profile.currency)


def _segments(profile: UtilityProfile, period: BillingPeriod) -> list[Segment]:
    """The parts of the period between price-list, dated-price or VAT changes."""

    def within(day: date) -> bool:
        return period.start < day < period.end

    inside = {p.valid_from for p in profile.price_lists if within(p.valid_from)}
    inside |= {v.valid_from for v in profile.vat if within(v.valid_from)}
    for price_list in profile.price_lists:
        for component in price_list.components:
            if isinstance(component, SpotEnergyPrice):
                dated = (*component.transfer_cost, *component.max_price)
                # Only a date on which this list is the one in force changes a price.
                inside |= {
                    p.valid_from
                    for p in dated
                    if within(p.valid_from) and profile.price_list_on(p.valid_from).id == price_list.id
                }
    bounds = [period.start, *sorted(inside), period.end]
    return [Segment(start, end, period.days) for start, end in pairwise(bounds)]


def _degree_days(station: str, start: date, end: date) -> Decimal:
    total = Decimal(0)
    day = start
    while day < end:
        total += heating_degree_days(normal_temperature(station, day), DEFAULT_BASE)
        day += timedelta(days=1)
    return total


def _split(profile: UtilityProfile, data: PricingInput, segments: list[Segment]) -> list[tuple[PricingInput, bool]]:
    """The input cut into one input per segment, and whether the quantities were
    split by degree days (no daily data) rather than by measured days. The parts
    of each quantity add up exactly to the whole (the last part takes the rest)."""
    parts: list[list[MeterUsage]] = [[] for _ in segments]
    by_degree_days = False
    for usage in data.usages:
        measured = sum((d.quantity for d in usage.days), Decimal(0))
        weights: list[Decimal]
        if measured > 0:
            weights = [sum((d.quantity for d in usage.days if s.start <= d.day < s.end), Decimal(0)) for s in segments]
        else:
            by_degree_days = by_degree_days or usage.kind == MeterKind.HEAT
            if usage.kind == MeterKind.HEAT:
                weights = [_degree_days(profile.climate_station, s.start, s.end) for s in segments]
            else:
                weights = [Decimal(s.days) for s in segments]
            if sum(weights, Decimal(0)) == 0:
                weights = [Decimal(s.days) for s in segments]
        whole = sum(weights, Decimal(0))
        given = Decimal(0)
        for index, segment in enumerate(segments):
            days = tuple(d for d in usage.days if segment.start <= d.day < segment.end)
            if index == len(segments) - 1:
                quantity = usage.quantity - given
            else:
                quantity = (usage.quantity * weights[index] / whole).quantize(QUANTITY_STEP, rounding=ROUND_HALF_UP)
                given += quantity
            parts[index].append(replace(usage, quantity=quantity, days=days))
    return [
        (
            PricingInput(data.period, tuple(parts[index]), data.spot_price_per_kwh, segment, data.supplied_days),
            by_degree_days,
        )
        for index, segment in enumerate(segments)
    ]


def vat_breakdown(lines: tuple[InvoiceLine, ...], currency: str) -> tuple[VatAmount, ...]:
    """Net, VAT and gross per rate, VAT computed once per rate: carved out of the
    gross lines' sum, added to the net lines' sum, plus VAT fixed as invoiced."""
    gross: dict[Decimal, Decimal] = defaultdict(Decimal)
    net: dict[Decimal, Decimal] = defaultdict(Decimal)
    fixed_amount: dict[Decimal, Decimal] = defaultdict(Decimal)
    fixed_vat: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.vat_amount is not None:
            fixed_amount[line.vat_rate] += line.amount
            fixed_vat[line.vat_rate] += line.vat_amount
        elif line.includes_vat:
            gross[line.vat_rate] += line.amount
        else:
            net[line.vat_rate] += line.amount
    result = []
    for rate in sorted({*gross, *net, *fixed_amount}, reverse=True):
        carved = round_money(gross[rate] * rate / (1 + rate), currency)
        added = round_money(net[rate] * rate, currency)
        vat = carved + added + fixed_vat[rate]
        net_total = (gross[rate] - carved) + net[rate] + (fixed_amount[rate] - fixed_vat[rate])
        result.append(VatAmount(rate=rate, net=net_total, vat=vat, gross=net_total + vat))
    return tuple(result)


def summarise(lines: tuple[InvoiceLine, ...], currency: str) -> PricedPeriod:
    """Totals from the rounded lines, with VAT once per rate (``vat_breakdown``)."""
    breakdown = vat_breakdown(lines, currency)
    net_total = sum((v.net for v in breakdown), Decimal(0))
    vat_total = sum((v.vat for v in breakdown), Decimal(0))
    return PricedPeriod(
        lines=lines,
        net_total=net_total,
        vat_total=vat_total,
        total=net_total + vat_total,
        currency=currency,
        vat_breakdown=breakdown,
    )


def merge_months(lines: tuple[InvoiceLine, ...]) -> tuple[InvoiceLine, ...]:
    """A settlement's month-by-month lines, joined where the price is the same:
    consecutive months of one component at one price, rate and basis become one
    line over those months (quantities and shares added), its amount computed
    again from the joined quantity, so the line stays reproducible by hand."""
    result: list[InvoiceLine] = []
    for line in lines:
        target = next((i for i, kept in enumerate(result) if _joinable(kept, line)), None)
        if target is None:
            result.append(line)
        else:
            result[target] = _join(result[target], line)
    return tuple(result)


def _note_family(key: str) -> str:
    """A fixed fee's note for a whole month, part of one or several months is one family."""
    return key.removesuffix("_days").removesuffix("_months")


def _joinable(a: InvoiceLine, b: InvoiceLine) -> bool:
    if a.component not in ("fixed_fee", "energy", "volume") or a.vat_amount is not None:
        return False
    if a.period_end is None or b.period_start is None or a.period_end + timedelta(days=1) != b.period_start:
        return False
    same = (
        a.component == b.component
        and a.text_key == b.text_key
        and a.text_params == b.text_params
        and a.unit == b.unit
        and a.unit_price == b.unit_price
        and a.vat_rate == b.vat_rate
        and a.includes_vat == b.includes_vat
        and b.vat_amount is None
        and _note_family(a.notes[0].key) == _note_family(b.notes[0].key)
    )
    if not same:
        return False
    if a.component == "fixed_fee":
        return a.quantity == b.quantity
    return not a.has_share and not b.has_share


def _join(a: InvoiceLine, b: InvoiceLine) -> InvoiceLine:
    assert a.period_start is not None  # checked by _joinable
    assert b.period_end is not None
    numerator, denominator = 1, 1
    if a.component == "fixed_fee":
        quantity = a.quantity
        if a.share_denominator == b.share_denominator:  # months of twelfths stay twelfths: 12/12
            numerator, denominator = a.share_numerator + b.share_numerator, a.share_denominator
        else:
            joined = a.share + b.share
            numerator, denominator = joined.numerator, joined.denominator
    else:
        quantity = a.quantity + b.quantity
    first, last = _month_key(a.period_start), _month_key(b.period_end)
    head = a.notes[0]
    params = {**head.params, "months": notes.months(first, last)}
    if a.component == "fixed_fee":
        params["fraction"] = notes.frac((numerator, denominator))
        key = "invoice.note.fixed_fee_months"
    elif a.component == "energy":
        params["quantity"] = notes.qty(quantity, a.unit)
        key = head.key
    else:
        params["volume"] = notes.qty(quantity, a.unit)
        key = head.key
    amount = line_amount(quantity, a.unit_price, (numerator, denominator))
    params["amount"] = notes.money(amount)
    rest = tuple(n for n in (*a.notes[1:], *b.notes[1:]))
    return a.model_copy(
        update={
            "quantity": quantity,
            "share_numerator": numerator,
            "share_denominator": denominator,
            "amount": amount,
            "period_end": b.period_end,
            "notes": (LineNote(key=key, params=params), *rest),
        }
    )
