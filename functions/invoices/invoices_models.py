"""What several areas of the invoices API answer with: an invoice and its lines,
with the texts the customer reads (in the invoice's language) beside the
numbers they are made of."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel

from heatportal import composition
from heatportal.documents.invoice_text import InvoiceText, invoice_text, line_name, render_note
from heatportal.domain.model import Customer, Invoice, InvoiceLine, Language
from heatportal.services.billing.explain import BillDifference

InvoiceNumber = Annotated[int, Path(ge=1, description="Invoice number")]


class LineOut(BaseModel):
    component: str
    text_key: str
    text_params: dict[str, str]
    description: str  # the line's name in the invoice's language
    quantity: Decimal
    unit: str
    unit_price: Decimal
    # amount = round_half_up(quantity x unit_price x share_numerator / share_denominator, 0.01)
    share_numerator: int
    share_denominator: int
    amount: Decimal
    vat_rate: Decimal
    includes_vat: bool
    vat_amount: Decimal | None
    period_start: date | None
    period_end: date | None
    notes: list[str]  # how the line is calculated, in the invoice's language
    explanation: str  # the notes as one text


class VatOut(BaseModel):
    rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


class PaymentOut(BaseModel):
    method: str  # transfer, direct_debit, none
    instruction: str
    details: dict[str, str]
    reference_label: str
    reference: str
    collection_on: date | None


class MeterValueOut(BaseModel):
    meter_number: str
    unit: str
    start_value: Decimal
    start_on: date | None
    start_source: str | None
    start_estimated: bool
    end_value: Decimal
    end_on: date | None
    end_source: str | None
    end_estimated: bool
    quantity: Decimal


class DifferenceOut(BaseModel):
    against: str  # last_bill, last_year
    previous_number: int
    difference: Decimal
    parts: dict[str, Decimal]  # price, weather, use, other: they add up to the difference


class InvoiceSummaryOut(BaseModel):
    number: int
    kind: str
    period: str
    issued_on: date
    due_on: date
    currency: str
    total: Decimal
    status: str
    overdue: bool
    payment_reference: str
    meters: list[str] = []


class InvoiceOut(InvoiceSummaryOut):
    net_total: Decimal
    vat_total: Decimal
    lines: list[LineOut]
    supply_start: date | None = None
    supply_end: date | None = None
    prices_include_vat: bool | None = None
    vat: list[VatOut] = []
    seller: list[str] = []
    payment: PaymentOut | None = None
    meter_values: list[MeterValueOut] = []
    notes: list[str] = []
    corrects: int | None = None
    credited_by: int | None = None
    replaced_by: int | None = None
    credit_note: int | None = None
    differences: list[DifferenceOut] = []

    @classmethod
    def of(
        cls, invoice: Invoice, customer: Customer | None = None, differences: list[BillDifference] | None = None
    ) -> "InvoiceOut":
        view = invoice_text(invoice, customer, composition.profile()) if customer is not None else None
        return cls.model_validate(
            {
                **invoice_summary(invoice),
                "net_total": invoice.net_total,
                "vat_total": invoice.vat_total,
                "lines": _lines(invoice, view),
                "supply_start": invoice.supply_first_day,
                "supply_end": invoice.supply_last_day,
                "prices_include_vat": invoice.prices_include_vat,
                "vat": [v.model_dump() for v in invoice.vat_breakdown],
                "seller": list(view.seller) if view else [],
                "payment": _payment(invoice, view) if view else None,
                "meter_values": [
                    {
                        "meter_number": v.meter_number,
                        "unit": v.unit.value,
                        "start_value": v.start_value,
                        "start_on": v.start_on,
                        "start_source": v.start_source.value if v.start_source else None,
                        "start_estimated": v.start_estimated,
                        "end_value": v.end_value,
                        "end_on": v.end_on,
                        "end_source": v.end_source.value if v.end_source else None,
                        "end_estimated": v.end_estimated,
                        "quantity": v.quantity,
                    }
                    for v in invoice.meter_values
                ],
                "notes": list(view.notes) if view else [],
                "corrects": invoice.corrects,
                "credited_by": invoice.credited_by,
                "replaced_by": invoice.replaced_by,
                "credit_note": invoice.credit_note,
                "differences": [
                    {
                        "against": d.against,
                        "previous_number": d.previous.number,
                        "difference": d.difference,
                        "parts": {p.key: p.amount for p in d.parts},
                    }
                    for d in differences or []
                ],
            }
        )


def line_out(line: InvoiceLine, lang: Language, currency: str) -> LineOut:
    """A line with its name and calculation written in ``lang``."""
    notes = [render_note(n, lang, currency) for n in line.notes]
    return LineOut.model_validate(
        {
            **line.model_dump(exclude={"notes"}),
            "description": line_name(line, lang),
            "notes": notes,
            "explanation": " ".join(notes),
        }
    )


def _lines(invoice: Invoice, view: InvoiceText | None) -> list[LineOut]:
    return [line_out(line, invoice.language, invoice.currency) for line in invoice.lines]


def _payment(invoice: Invoice, view: InvoiceText) -> dict[str, object]:
    payment = view.payment
    method = "direct_debit" if payment.direct_debit else "transfer" if payment.reference else "none"
    label, reference = payment.reference or ("", "")
    return {
        "method": method,
        "instruction": payment.instruction,
        "details": dict(payment.rows),
        "reference_label": label,
        "reference": reference,
        "collection_on": invoice.direct_debit.collection_on if invoice.direct_debit else None,
    }


def invoice_summary(invoice: Invoice) -> dict[str, object]:
    today = composition.clock().today()
    return {
        "number": invoice.number,
        "kind": invoice.kind.value,
        "period": invoice.period.key,
        "issued_on": invoice.issued_on,
        "due_on": invoice.due_on,
        "currency": invoice.currency,
        "total": invoice.total,
        "status": invoice.status.value,
        "overdue": invoice.status.value == "open" and invoice.due_on < today,
        "payment_reference": invoice.payment_reference,
        "meters": [v.meter_number for v in invoice.meter_values],
    }
