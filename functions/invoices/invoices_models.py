"""What several areas of the invoices API answer with: an invoice and its lines."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel

from heatportal import composition
from heatportal.domain.model import Invoice

InvoiceNumber = Annotated[int, Path(ge=1, description="Invoice number")]


class LineOut(BaseModel):
    component: str
    text_key: str
    text_params: dict[str, str]
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    vat_rate: Decimal
    explanation: str


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

    @classmethod
    def of(cls, invoice: Invoice) -> "InvoiceOut":
        return cls.model_validate(
            {
                **invoice_summary(invoice),
                "net_total": invoice.net_total,
                "vat_total": invoice.vat_total,
                "lines": [line.model_dump() for line in invoice.lines],
            }
        )


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
