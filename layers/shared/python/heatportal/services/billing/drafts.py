"""What an invoice says: the month's consumption priced by the tariff, the
month's advance payment, the yearly settlement less the year's advances, and
the credit note of an invoice. A draft has no number yet: issuing gives it one
(services.billing.issuing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.model import (
    BillingPeriod,
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    MeterPeriodValue,
)
from heatportal.domain.money import round_money
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.tariff import PricedPeriod, summarise
from heatportal.ports import InvoiceRepository
from heatportal.services.billing.pricing import NothingToBill, PricingService

DraftOf = Callable[[Customer, BillingPeriod, date], Invoice]
"""Makes the draft of one invoice of a customer for a period, issued on a date."""


class AdvanceSource(Protocol):
    def list_advances(self, customer_number: str) -> list[AdvancePayment]: ...


def year_values(values: list[MeterPeriodValue]) -> tuple[MeterPeriodValue, ...]:
    """Per meter: the first month's start and the last month's end."""
    first: dict[str, MeterPeriodValue] = {}
    last: dict[str, MeterPeriodValue] = {}
    for value in values:
        first.setdefault(value.meter_number, value)
        last[value.meter_number] = value
    return tuple(
        first[number].model_copy(
            update={
                "end_value": last[number].end_value,
                "end_estimated": last[number].end_estimated,
                "register_wrap": sum((v.register_wrap for v in values if v.meter_number == number), Decimal(0)),
            }
        )
        for number in first
    )


def advances_deducted(advances: list[Invoice], what: str) -> list[InvoiceLine]:
    """The advances invoiced, deducted: one line per VAT rate of their net sums
    (a settlement or a final invoice settles them)."""
    by_rate: dict[Decimal, Decimal] = {}
    for advance in advances:
        for line in advance.lines:
            by_rate[line.vat_rate] = by_rate.get(line.vat_rate, Decimal(0)) + line.amount
    return [
        InvoiceLine(
            component="advances_deducted",
            text_key="line.advances_deducted",
            text_params={"count": str(len(advances))},
            quantity=Decimal(1),
            unit="year",
            unit_price=-net,
            amount=-net,
            vat_rate=rate,
            explanation=f"{len(advances)} {what}, ex VAT {net}",
        )
        for rate, net in sorted(by_rate.items())
    ]


class InvoiceDrafts:
    def __init__(
        self,
        profile: UtilityProfile,
        pricing: PricingService,
        invoices: InvoiceRepository,
        advances: AdvanceSource | None = None,
    ) -> None:
        self.profile = profile
        self.pricing = pricing
        self.invoices = invoices
        self.advances = advances

    def draft(
        self,
        customer: Customer,
        period: BillingPeriod,
        issued: date,
        kind: InvoiceKind,
        priced: PricedPeriod,
        meter_values: tuple[MeterPeriodValue, ...] = (),
    ) -> Invoice:
        return Invoice(
            number=0,
            customer_number=customer.number,
            kind=kind,
            period=period,
            issued_on=issued,
            due_on=issued + timedelta(days=self.profile.payment_terms_days),
            currency=self.profile.currency,
            language=customer.language,
            lines=priced.lines,
            net_total=priced.net_total,
            vat_total=priced.vat_total,
            total=priced.total,
            payment_reference="",
            meter_values=meter_values,
        )

    def consumption(self, customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
        """The month's consumption, priced from the register values at its start and end."""
        priced, meter_values = self.pricing.price(customer, period)
        return self.draft(customer, period, issued, InvoiceKind.INVOICE, priced, meter_values)

    def advance(self, customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
        """The month's advance: the agreed amount incl. VAT, as one line ex VAT."""
        advance = self._advance_in_force(customer.number, period.start)
        if advance is None or advance.amount == 0:  # none agreed, or stopped (moved out)
            raise NothingToBill("No advance payment is agreed for the period.", code="nothing_to_bill")
        rate = self.profile.vat_on(period.start)
        net = round_money(advance.amount / (1 + rate), self.profile.currency)
        line = InvoiceLine(
            component="advance",
            text_key="line.advance",
            text_params={"month": period.key},
            quantity=Decimal(1),
            unit="month",
            unit_price=net,
            amount=net,
            vat_rate=rate,
            explanation=f"{advance.amount} incl. VAT / (1 + {rate}) = {net}; agreed from {advance.valid_from}",
        )
        return self.draft(customer, period, issued, InvoiceKind.ADVANCE, summarise((line,), self.profile.currency))

    def settlement(self, customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
        """The yearly settlement: the year's consumption priced month by month by
        the tariff engine, less the advances invoiced for the year."""
        lines: list[InvoiceLine] = []
        values: list[MeterPeriodValue] = []
        for month in range(1, 13):
            month_period = BillingPeriod(year=period.year, month=month)
            try:
                priced, month_values = self.pricing.price(customer, month_period)
            except NothingToBill:
                continue
            lines += [
                line.model_copy(update={"explanation": f"{month_period.key}: {line.explanation}"})
                for line in priced.lines
            ]
            values += month_values
        if not lines:
            raise NothingToBill("No consumption in the year.", code="nothing_to_bill")
        advances = [
            i
            for i in self.invoices.list_invoices(customer.number)
            if i.kind == InvoiceKind.ADVANCE and i.period.year == period.year
        ]
        lines += advances_deducted(advances, f"advance invoices of {period.year}")
        priced = summarise(tuple(lines), self.profile.currency)
        return self.draft(customer, period, issued, InvoiceKind.SETTLEMENT, priced, year_values(values))

    def credit_note_of(self, invoice: Invoice, reason: str) -> DraftOf:
        """The credit note of an invoice: its lines negated, its meter values kept."""

        def draft(customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
            lines = tuple(
                line.model_copy(
                    update={
                        "unit_price": -line.unit_price,
                        "amount": -line.amount,
                        "explanation": f"credit of invoice {invoice.number} ({reason}): {line.explanation}",
                    }
                )
                for line in invoice.lines
            )
            priced = summarise(lines, invoice.currency)
            return self.draft(customer, period, issued, InvoiceKind.CREDIT_NOTE, priced, invoice.meter_values)

        return draft

    def _advance_in_force(self, customer_number: str, day: date) -> AdvancePayment | None:
        assert self.advances is not None  # advance billing checked it
        in_force = [a for a in self.advances.list_advances(customer_number) if a.valid_from <= day]
        return max(in_force, key=lambda a: a.valid_from) if in_force else None
