"""The customer's invoices: the list and the overview with the open balance
(filtered by the same query parameters), an invoice with its lines, a
short-lived link to its PDF."""

from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from invoices_models import InvoiceNumber, InvoiceOut, InvoiceSummaryOut, invoice_summary
from pydantic import BaseModel, Field

from heatportal import composition
from heatportal.domain.model import InvoiceKind
from heatportal.services.invoices import InvoiceFilter
from heatportal.web.api import CustomerPath
from heatportal.web.fields import IsoDate, SignedMoney
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()


class PdfLinkOut(BaseModel):
    url: str
    expires_in: int


class BalanceOut(BaseModel):
    currency: str
    open_total: Decimal
    overdue_total: Decimal
    open_count: int
    overdue_count: int


class InvoiceRowOut(InvoiceSummaryOut):
    paid_amount: Decimal
    open_amount: Decimal


class InvoiceOverviewOut(BaseModel):
    invoices: list[InvoiceRowOut]
    balance: BalanceOut
    facilities: int
    recent_months_only: int | None = None


class InvoiceQuery(BaseModel):
    """What the invoice list and the overview may be narrowed by (the same
    query parameters for both)."""

    number: int | None = Field(default=None, ge=1, description="Invoice number")
    measuring_point: str | None = Field(
        default=None, max_length=40, description="Measuring point: meter number or facility id"
    )
    property_name: str | None = Field(default=None, max_length=100, description="Property (facility) name contains")
    address: str | None = Field(default=None, max_length=100, description="Facility address contains")
    status: Literal["paid", "unpaid"] | None = Field(default=None, description="paid or unpaid")
    kind: InvoiceKind | None = Field(default=None, description="invoice, advance, settlement or credit_note")
    issued_from: IsoDate | None = Field(default=None, description="Issued on or after")
    issued_to: IsoDate | None = Field(default=None, description="Issued on or before")
    amount_min: SignedMoney | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    amount_max: SignedMoney | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)

    def wanted(self) -> InvoiceFilter:
        return InvoiceFilter(
            number=self.number,
            measuring_point=self.measuring_point or None,
            property_name=self.property_name or None,
            address=self.address or None,
            status=self.status,
            kind=self.kind,
            issued_from=self.issued_from,
            issued_to=self.issued_to,
            amount_min=self.amount_min,
            amount_max=self.amount_max,
        )


@router.get("/api/customers/<customer>/invoices")
@tracer.capture_method
def list_invoices(customer: CustomerPath, query: Annotated[InvoiceQuery, Query()]) -> list[InvoiceSummaryOut]:
    found = composition.invoice_service().search(customer_scope(router, customer, invoices=True), query.wanted())
    return [InvoiceSummaryOut.model_validate(invoice_summary(row.invoice)) for row in found.rows]


@router.get("/api/customers/<customer>/invoice-overview")
@tracer.capture_method
def invoice_overview(customer: CustomerPath, query: Annotated[InvoiceQuery, Query()]) -> InvoiceOverviewOut:
    found = composition.invoice_service().search(customer_scope(router, customer, invoices=True), query.wanted())
    balance = found.balance
    return InvoiceOverviewOut(
        invoices=[
            InvoiceRowOut.model_validate(
                {**invoice_summary(row.invoice), "paid_amount": row.paid_amount, "open_amount": row.open_amount}
            )
            for row in found.rows
        ],
        balance=BalanceOut(
            currency=balance.currency,
            open_total=balance.open_total,
            overdue_total=balance.overdue_total,
            open_count=balance.open_count,
            overdue_count=balance.overdue_count,
        ),
        facilities=found.facilities,
        recent_months_only=found.recent_months_only,
    )


@router.get("/api/customers/<customer>/invoices/<number>")
@tracer.capture_method
def get_invoice(customer: CustomerPath, number: InvoiceNumber) -> InvoiceOut:
    scope = customer_scope(router, customer, invoices=True)
    invoice = composition.invoice_service().get(scope, number)
    differences = composition.bill_explainer().explain(scope, number)
    return InvoiceOut.of(invoice, scope.record.customer, differences)


@router.get("/api/customers/<customer>/invoices/<number>/pdf")
@tracer.capture_method
def invoice_pdf(customer: CustomerPath, number: InvoiceNumber) -> PdfLinkOut:
    from heatportal.services.invoices import PDF_LINK_SECONDS

    url = composition.invoice_service().pdf_link(customer_scope(router, customer, invoices=True), number)
    return PdfLinkOut(url=url, expires_in=PDF_LINK_SECONDS)
