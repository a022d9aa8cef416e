"""An invoice split per facility, for a person who may see only some of the
customer's facilities (a management company granted a few of them).

No line of an invoice belongs to one facility: the energy line adds up every
heat meter, the fixed fee covers the customer, the capacity charge the
combined loads. Hiding the lines of other facilities would therefore hide
every line, so the invoice is split instead: each facility's share of a line
is what the price list gives that facility's own metered quantities on the
invoice (its meters' values, ``Invoice.meter_values``), scaled so the shares
add up to the line exactly (to the cent, largest remainder first). Lines the
meter values cannot price alone (capacity, flow and return temperature
depend on daily values) are shared in proportion to each facility's energy.
A share is never the invoice: its total is no amount anybody is asked to pay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from heatportal.domain.model import Invoice, InvoiceLine, MeterKind, MeterPeriodValue
from heatportal.domain.money import EnergyUnit, convert, is_energy, round_money
from heatportal.domain.tariff import MeterUsage, PricedPeriod

QUANTITY = Decimal("0.001")


@dataclass(frozen=True)
class MeterPlace:
    """Where a meter on the invoice is: its facility, and what it counts."""

    facility_id: str
    kind: MeterKind


@dataclass(frozen=True)
class FacilityShare:
    facility_id: str
    lines: tuple[InvoiceLine, ...]
    meter_values: tuple[MeterPeriodValue, ...]
    net_total: Decimal
    vat_total: Decimal
    total: Decimal


def _line_key(line: InvoiceLine) -> tuple[str, str]:
    return line.component, line.text_params.get("name", "")


def split_invoice(
    invoice: Invoice,
    meters: Mapping[str, MeterPlace],
    price: Callable[[tuple[MeterUsage, ...]], PricedPeriod | None],
) -> dict[str, FacilityShare]:
    """Every facility with a meter on the invoice and its share of each line.
    ``meters`` places each meter number; ``price`` prices one facility's
    usages with the invoice's price list."""
    values_of: dict[str, list[MeterPeriodValue]] = {}
    for value in invoice.meter_values:
        meter = meters.get(value.meter_number)
        if meter is not None:
            values_of.setdefault(meter.facility_id, []).append(value)
    facilities = sorted(values_of)
    if not facilities:
        return {}
    energy = {
        f: sum(
            (convert(v.quantity, v.unit, EnergyUnit.KWH) for v in values_of[f] if is_energy(v.unit)),
            Decimal(0),
        )
        for f in facilities
    }
    own: dict[str, dict[tuple[str, str], Decimal]] = {}
    for facility in facilities:
        usages = tuple(
            MeterUsage(v.meter_number, meters[v.meter_number].kind, v.unit, v.quantity) for v in values_of[facility]
        )
        priced = price(usages)
        by_line: dict[tuple[str, str], Decimal] = {}
        for line in priced.lines if priced is not None else ():
            by_line[_line_key(line)] = by_line.get(_line_key(line), Decimal(0)) + line.amount
        own[facility] = by_line
    shares: dict[str, list[InvoiceLine]] = {f: [] for f in facilities}
    for line in invoice.lines:
        weights = {f: own[f].get(_line_key(line), Decimal(0)) for f in facilities}
        if not any(weights.values()):
            weights = dict(energy) if any(energy.values()) else {f: Decimal(1) for f in facilities}
        amounts = _allocate(line.amount, weights, invoice.currency)
        magnitude = sum((abs(w) for w in weights.values()), Decimal(0))
        for facility in facilities:
            part = abs(weights[facility]) / magnitude if magnitude else Decimal(0)
            if part == 0 and amounts[facility] == 0:
                continue
            shares[facility].append(
                line.model_copy(
                    update={"quantity": (line.quantity * part).quantize(QUANTITY), "amount": amounts[facility]}
                )
            )
    result = {}
    for facility in facilities:
        lines = tuple(shares[facility])
        net = sum((line.amount for line in lines), Decimal(0))
        by_rate: dict[Decimal, Decimal] = {}
        for line in lines:
            by_rate[line.vat_rate] = by_rate.get(line.vat_rate, Decimal(0)) + line.amount
        vat = sum((round_money(amount * rate, invoice.currency) for rate, amount in by_rate.items()), Decimal(0))
        result[facility] = FacilityShare(facility, lines, tuple(values_of[facility]), net, vat, net + vat)
    return result


def _allocate(amount: Decimal, weights: Mapping[str, Decimal], currency: str) -> dict[str, Decimal]:
    """``amount`` shared by ``weights``: each gets its weight plus a part of the
    difference to the amount in proportion to its weight's size, rounded to
    the currency so the parts add up to ``amount`` exactly."""
    keys: Sequence[str] = sorted(weights)
    magnitude = sum((abs(weights[k]) for k in keys), Decimal(0))
    if magnitude == 0:
        return dict.fromkeys(keys, Decimal(0))
    gap = amount - sum((weights[k] for k in keys), Decimal(0))
    exact = {k: weights[k] + gap * abs(weights[k]) / magnitude for k in keys}
    step = Decimal(1).scaleb(int(round_money(Decimal(1), currency).as_tuple().exponent))  # 0.01 for öre and cents
    floored = {k: exact[k].quantize(step, rounding=ROUND_DOWN) for k in keys}  # towards zero
    left = amount - sum(floored.values(), Decimal(0))
    # Hand out the remaining minor units, one each, largest remainder first.
    direction = step if left > 0 else -step
    order = sorted(keys, key=lambda k: abs(exact[k] - floored[k]), reverse=True)
    index = 0
    while left != 0 and order:
        key = order[index % len(order)]
        floored[key] += direction
        left -= direction
        index += 1
    return floored
