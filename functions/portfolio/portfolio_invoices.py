"""Invoices across every customer of the caller's portfolio, with seed 004's
filter; an invoice whole, or split per facility for a person granted only
some of the customer's facilities."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, Field

from heatportal import composition
from heatportal.domain.invoice_split import FacilityShare
from heatportal.domain.model import InvoiceLine
from heatportal.services.portfolio.invoices import PortfolioInvoice, PortfolioInvoiceFilter
from heatportal.web.api import CustomerPath, customer_from_path
from heatportal.web.fields import IsoDate, SignedMoney
from heatportal.web.scope import portfolio_of

router = APIGatewayRouter()
tracer = Tracer()


class PortfolioInvoiceQuery(BaseModel):
    number: int | None = Field(default=None, ge=1, description="Invoice number")
    measuring_point: str | None = Field(default=None, max_length=40, description="Facility id or meter number")
    property_name: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=100)
    status: Literal["paid", "unpaid"] | None = None
    issued_from: IsoDate | None = None
    issued_to: IsoDate | None = None
    amount_min: SignedMoney | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    amount_max: SignedMoney | None = Field(default=None, ge=-1_000_000_000, le=1_000_000_000)
    facility: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$", description="One facility")

    def wanted(self) -> PortfolioInvoiceFilter:
        return PortfolioInvoiceFilter(
            number=self.number,
            measuring_point=self.measuring_point or None,
            property_name=self.property_name or None,
            address=self.address or None,
            status=self.status,
            issued_from=self.issued_from,
            issued_to=self.issued_to,
            amount_min=self.amount_min,
            amount_max=self.amount_max,
            facility=self.facility or None,
        )


class ShareLineOut(BaseModel):
    component: str
    text_key: str
    text_params: dict[str, str]
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    vat_rate: Decimal


def _lines(lines: tuple[InvoiceLine, ...]) -> list[ShareLineOut]:
    return [
        ShareLineOut(
            component=x.component,
            text_key=x.text_key,
            text_params=x.text_params,
            quantity=x.quantity,
            unit=x.unit,
            unit_price=x.unit_price,
            amount=x.amount,
            vat_rate=x.vat_rate,
        )
        for x in lines
    ]


class FacilityShareOut(BaseModel):
    facility: str
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    lines: list[ShareLineOut]
    meters: list[str]

    @classmethod
    def of(cls, share: FacilityShare) -> "FacilityShareOut":
        return cls(
            facility=share.facility_id,
            net_total=share.net_total,
            vat_total=share.vat_total,
            total=share.total,
            lines=_lines(share.lines),
            meters=[v.meter_number for v in share.meter_values],
        )


class PortfolioInvoiceOut(BaseModel):
    customer_number: str
    customer_name: str
    number: int
    kind: str
    period: str
    issued_on: date
    due_on: date
    status: str
    overdue: bool
    currency: str
    whole: bool
    amount: Decimal  # the invoice's total, or the sum of the caller's facilities' shares
    facilities: list[str]
    total: Decimal | None = None  # only for a caller who sees the whole customer
    shares: list[FacilityShareOut] = []

    @classmethod
    def of(cls, row: PortfolioInvoice) -> "PortfolioInvoiceOut":
        invoice = row.invoice
        return cls(
            customer_number=row.customer_number,
            customer_name=row.customer_name,
            number=invoice.number,
            kind=invoice.kind.value,
            period=invoice.period.key,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            status=invoice.status.value,
            overdue=row.overdue,
            currency=invoice.currency,
            whole=row.whole,
            amount=row.amount,
            facilities=[f.id for f in row.facilities],
            total=invoice.total if row.whole else None,
            shares=[FacilityShareOut.of(s) for s in row.shares],
        )


class PortfolioInvoicesOut(BaseModel):
    invoices: list[PortfolioInvoiceOut]
    facilities_found: int
    recent_months_only: int | None


@router.get("/api/portfolio/invoices")
@tracer.capture_method
def invoices(query: Annotated[PortfolioInvoiceQuery, Query()]) -> PortfolioInvoicesOut:
    found = composition.portfolio_invoice_service().search(portfolio_of(router), query.wanted())
    return PortfolioInvoicesOut(
        invoices=[PortfolioInvoiceOut.of(r) for r in found.rows],
        facilities_found=found.facilities_found,
        recent_months_only=found.recent_months_only,
    )


class PortfolioInvoiceDetailOut(PortfolioInvoiceOut):
    lines: list[ShareLineOut] = []  # the whole invoice's lines, only for a caller who sees the whole customer


InvoiceNumber = Annotated[int, Path(ge=1, description="Invoice number")]


@router.get("/api/portfolio/customers/<customer>/invoices/<number>")
@tracer.capture_method
def invoice(customer: CustomerPath, number: InvoiceNumber) -> PortfolioInvoiceDetailOut:
    # Customer service opens the customer the path names; anyone else's portfolio ignores it.
    portfolio = portfolio_of(router, staff_customer=customer)
    row = composition.portfolio_invoice_service().invoice(portfolio, customer_from_path(customer), number)
    return PortfolioInvoiceDetailOut(
        **PortfolioInvoiceOut.of(row).model_dump(), lines=_lines(row.invoice.lines) if row.whole else []
    )
