"""Invoices API: list, detail with lines, PDF link."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from heatportal import composition
from heatportal.domain.model import Invoice
from heatportal.web.api import CustomerPath, build_resolver, customer_from_path, principal

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)

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


class InvoiceOut(InvoiceSummaryOut):
    net_total: Decimal
    vat_total: Decimal
    lines: list[LineOut]


class PdfLinkOut(BaseModel):
    url: str
    expires_in: int


def _summary(invoice: Invoice) -> dict[str, object]:
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
    }


@app.get("/api/customers/<customer>/invoices")
@tracer.capture_method
def list_invoices(customer: CustomerPath) -> list[InvoiceSummaryOut]:
    invoices = composition.invoice_service().list(principal(app), customer_from_path(customer))
    return [InvoiceSummaryOut.model_validate(_summary(i)) for i in invoices]


@app.get("/api/customers/<customer>/invoices/<number>")
@tracer.capture_method
def get_invoice(customer: CustomerPath, number: InvoiceNumber) -> InvoiceOut:
    invoice = composition.invoice_service().get(principal(app), customer_from_path(customer), number)
    return InvoiceOut.model_validate(
        {
            **_summary(invoice),
            "net_total": invoice.net_total,
            "vat_total": invoice.vat_total,
            "lines": [line.model_dump() for line in invoice.lines],
        }
    )


@app.get("/api/customers/<customer>/invoices/<number>/pdf")
@tracer.capture_method
def invoice_pdf(customer: CustomerPath, number: InvoiceNumber) -> PdfLinkOut:
    from heatportal.services.invoices import PDF_LINK_SECONDS

    url = composition.invoice_service().pdf_link(principal(app), customer_from_path(customer), number)
    return PdfLinkOut(url=url, expires_in=PDF_LINK_SECONDS)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
