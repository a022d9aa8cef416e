"""Why a bill differs from the last one, or from the same period last year:
the change of the total split into price, weather, the customer's own use,
and the fixed and other charges.

With E the energy charge (incl. VAT), Q its quantity, P = E / Q its mean
price, and the degree-day factor f of the bill's comparison (how much the
customer's heat use moves per heating degree day D):

- price   = (P1 - P0) x Q1
- weather = f x (D1 - D0) x P0
- use     = (Q1 - Q0 - f x (D1 - D0)) x P0
- other   = the change of every other line (fixed, capacity, flow, ...) and of VAT rounding

price + weather + use = P1 Q1 - P0 Q0 = E1 - E0, so the parts add up to the
change of the total exactly (each part is rounded to the cent; the use part
takes the rounding).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from heatportal.domain.errors import NotFound
from heatportal.domain.model import Invoice, InvoiceKind, InvoiceLine, Role
from heatportal.domain.money import EnergyUnit, convert, round_money
from heatportal.ports import InvoiceRepository
from heatportal.services.access import Scope
from heatportal.services.invoices import invoices_of

ENERGY = frozenset({"energy", "spot_energy"})
Against = Literal["last_bill", "last_year"]


@dataclass(frozen=True)
class DifferencePart:
    key: Literal["price", "weather", "use", "other"]
    amount: Decimal
    quantity: Decimal | None = None  # weather and use: the heat it stands for
    unit: str = ""


@dataclass(frozen=True)
class BillDifference:
    against: Against
    current: Invoice
    previous: Invoice
    difference: Decimal
    parts: tuple[DifferencePart, ...]
    degree_days: Decimal | None
    previous_degree_days: Decimal | None
    days: int
    previous_days: int


def _gross(line: InvoiceLine) -> Decimal:
    return line.amount if line.includes_vat else line.amount * (1 + line.vat_rate)


def _energy(invoice: Invoice) -> tuple[Decimal, Decimal, str]:
    """(gross energy amount, quantity, unit) of the invoice's energy lines."""
    lines = [ln for ln in invoice.lines if ln.component in ENERGY and ln.vat_amount is None]
    unit = lines[0].unit if lines else ""
    quantity = sum((ln.quantity for ln in lines if ln.unit == unit), Decimal(0))
    return sum((_gross(ln) for ln in lines), Decimal(0)), quantity, unit


def _consumption_bills(invoices: list[Invoice]) -> list[Invoice]:
    return sorted(
        (i for i in invoices if i.kind in (InvoiceKind.INVOICE, InvoiceKind.SETTLEMENT) and i.credited_by is None),
        key=lambda i: i.period.key,
    )


def difference(current: Invoice, previous: Invoice, against: Against) -> BillDifference:
    currency = current.currency
    # Advances deducted are not a cost of the period: compare what the periods cost.
    cost_now = sum((_gross(ln) for ln in current.lines if ln.vat_amount is None), Decimal(0))
    cost_before = sum((_gross(ln) for ln in previous.lines if ln.vat_amount is None), Decimal(0))
    energy_now, q_now, unit = _energy(current)
    energy_before, q_before, unit_before = _energy(previous)
    if unit_before and unit and unit_before != unit:
        q_before = convert(q_before, EnergyUnit(unit_before), EnergyUnit(unit))
    p_now = energy_now / q_now if q_now else Decimal(0)
    p_before = energy_before / q_before if q_before else p_now
    weather_quantity = Decimal(0)
    d_now = current.comparison.degree_days if current.comparison else None
    d_before = previous.comparison.degree_days if previous.comparison else None
    if current.comparison and d_now is not None and d_before is not None and unit:
        factor = convert(current.comparison.per_degree_day, EnergyUnit(current.comparison.unit), EnergyUnit(unit))
        weather_quantity = factor * (d_now - d_before)
    price = round_money((p_now - p_before) * q_now, currency)
    weather = round_money(weather_quantity * p_before, currency)
    energy_change = round_money(energy_now - energy_before, currency)
    use = energy_change - price - weather
    total_change = round_money(cost_now - cost_before, currency)
    other = total_change - energy_change
    places = Decimal(1) if unit == EnergyUnit.KWH.value else Decimal("0.001")
    parts = (
        DifferencePart("price", price),
        DifferencePart("weather", weather, weather_quantity.quantize(places), unit),
        DifferencePart("use", use, (q_now - q_before - weather_quantity).quantize(places), unit),
        DifferencePart("other", other),
    )
    return BillDifference(
        against=against,
        current=current,
        previous=previous,
        difference=total_change,
        parts=parts,
        degree_days=d_now,
        previous_degree_days=d_before,
        days=(current.supply_last_day - current.supply_first_day).days + 1,
        previous_days=(previous.supply_last_day - previous.supply_first_day).days + 1,
    )


class BillExplainer:
    def __init__(self, invoices: InvoiceRepository) -> None:
        self.invoices = invoices

    def explain(self, scope: Scope, number: int) -> list[BillDifference]:
        """The bill against the customer's previous bill and against the same period
        a year before (one comparison when those are the same bill, none for a bill
        that is not a consumption bill or has nothing to compare with)."""
        scope.require(Role.READ, companies="whole")
        bills = _consumption_bills(invoices_of(scope, self.invoices))
        current = next((i for i in bills if i.number == number), None)
        if current is None:
            if any(i.number == number for i in invoices_of(scope, self.invoices)):
                return []
            raise NotFound("This invoice does not exist.", code="invoice_not_found")
        earlier = [i for i in bills if i.period.key < current.period.key and i.kind == current.kind]
        year_before = f"{current.period.year - 1:04d}-{current.period.month:02d}"
        last_year = next((i for i in earlier if i.period.key == year_before), None)
        result = []
        if earlier and earlier[-1] is not last_year:
            result.append(difference(current, earlier[-1], "last_bill"))
        if last_year is not None:
            result.append(difference(current, last_year, "last_year"))
        return result
