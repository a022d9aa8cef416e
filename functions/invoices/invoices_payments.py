"""Payments (customer service): one registered by hand, or a camt.054 bank file."""

import base64
from decimal import Decimal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.errors import ValidationFailed
from heatportal.web.api import principal
from heatportal.web.fields import IsoDate, Money

router = APIGatewayRouter()
tracer = Tracer()


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_reference: str = Field(min_length=1, max_length=40)
    amount: Money = Field(gt=0, le=1_000_000_000, decimal_places=2)
    paid_on: IsoDate
    payment_id: str | None = Field(default=None, min_length=1, max_length=80, pattern=r"^[0-9A-Za-z._:-]+$")


class PaymentOut(BaseModel):
    invoice_number: int
    customer_number: str
    status: str
    paid_amount: Decimal
    total: Decimal
    created: bool


class UnmatchedOut(BaseModel):
    entry_id: str
    reference: str
    amount: Decimal
    reason: str


class BankImportOut(BaseModel):
    transactions: int
    recorded: int
    already_recorded: int
    unmatched: list[UnmatchedOut]
    paid_invoices: list[int]


@router.post("/api/payments")
@tracer.capture_method
def register_payment(payment: PaymentIn) -> PaymentOut:
    recorded = composition.payment_service().register(
        principal(router), payment.payment_reference, payment.amount, payment.paid_on, payment.payment_id
    )
    return PaymentOut(
        invoice_number=recorded.invoice.number,
        customer_number=recorded.invoice.customer_number,
        status=recorded.invoice.status.value,
        paid_amount=recorded.paid_amount,
        total=recorded.invoice.total,
        created=recorded.created,
    )


@router.post("/api/payments/camt054")
@tracer.capture_method
def import_bank_file() -> BankImportOut:
    event = router.current_event
    raw = event.body or ""
    try:
        data = base64.b64decode(raw, validate=True) if event.is_base64_encoded else raw.encode("utf-8")
    except ValueError as error:
        raise ValidationFailed("The bank file is not valid base64.", code="bank_file_invalid") from error
    result = composition.payment_service().import_camt054(principal(router), data)
    return BankImportOut.model_validate(result.__dict__)
