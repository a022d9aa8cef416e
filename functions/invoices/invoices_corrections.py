"""Corrections (customer service): an invoice cancelled by a credit note and
the corrected invoice issued with it, in one action, after a preview; the
customer's corrections, held drafts and bills a late reading made stale."""

from datetime import date, datetime
from decimal import Decimal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from invoices_models import InvoiceNumber, InvoiceOut
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.documents.invoice_text import render_note
from heatportal.domain.model import LineNote
from heatportal.services.billing.corrections import CorrectionPreview, CorrectionResult
from heatportal.web.api import CustomerPath, principal
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()


class InvoiceCorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


class InvoiceCorrectionOut(BaseModel):
    original: InvoiceOut
    credit_note: InvoiceOut
    corrected: InvoiceOut | None
    difference: Decimal  # what the customer pays more (negative: gets back)
    stored: bool  # False for a preview


class InvoiceCorrectionRecordOut(BaseModel):
    original: int
    credit_note: int
    corrected: int | None
    reason: str
    trigger: str
    by: str
    at: datetime
    difference: Decimal
    currency: str


class HeldOut(BaseModel):
    period: str
    kind: str
    reasons: list[str]
    held_at: datetime
    total: Decimal
    currency: str


class BillingDeskOut(BaseModel):
    corrections: list[InvoiceCorrectionRecordOut]
    held: list[HeldOut]
    late_readings: list[InvoiceCorrectionOut]


def _out(result: CorrectionPreview | CorrectionResult) -> InvoiceCorrectionOut:
    customer = composition.repository().get_customer(result.original.customer_number)
    if isinstance(result, CorrectionResult):
        corrected_total = result.corrected.total if result.corrected else Decimal(0)
        difference = corrected_total - result.original.total
    else:
        difference = result.difference
    return InvoiceCorrectionOut(
        original=InvoiceOut.of(result.original, customer),
        credit_note=InvoiceOut.of(result.credit_note, customer),
        corrected=InvoiceOut.of(result.corrected, customer) if result.corrected else None,
        difference=difference,
        stored=isinstance(result, CorrectionResult),
    )


@router.post("/api/invoices/<number>/correction/preview")
@tracer.capture_method
def preview_correction(number: InvoiceNumber, correction: InvoiceCorrectionIn) -> InvoiceCorrectionOut:
    caller = principal(router)
    customer = composition.payment_service().customer_of_invoice(caller, number)
    return _out(composition.corrections().preview(caller, customer, number, correction.reason))


@router.post("/api/invoices/<number>/correction")
@tracer.capture_method
def correct_invoice(number: InvoiceNumber, correction: InvoiceCorrectionIn) -> InvoiceCorrectionOut:
    caller = principal(router)
    customer = composition.payment_service().customer_of_invoice(caller, number)
    return _out(composition.corrections().correct(caller, customer, number, correction.reason))


@router.post("/api/invoices/<number>/credit-note")
@tracer.capture_method
def credit_invoice(number: InvoiceNumber, correction: InvoiceCorrectionIn) -> InvoiceOut:
    """The credit note of a correction (the corrected invoice is issued with it)."""
    caller = principal(router)
    customer = composition.payment_service().customer_of_invoice(caller, number)
    result = composition.corrections().correct(caller, customer, number, correction.reason)
    return InvoiceOut.of(result.credit_note, composition.repository().get_customer(customer))


@router.get("/api/customers/<customer>/corrections")
@tracer.capture_method
def billing_desk(customer: CustomerPath) -> BillingDeskOut:
    scope = customer_scope(router, customer)
    corrections = composition.corrections()
    lang = scope.record.customer.language if scope.record.customer else composition.profile().default_language
    currency = composition.profile().currency
    return BillingDeskOut(
        corrections=[
            InvoiceCorrectionRecordOut(**r.__dict__)
            for r in corrections.history(scope.principal, scope.customer_number)
        ],
        held=[
            HeldOut(
                period=h.period.key,
                kind=h.kind.value,
                reasons=[render_note(LineNote(key=r.key, params=r.params), lang, currency) for r in h.reasons],
                held_at=h.held_at,
                total=h.total,
                currency=h.currency,
            )
            for h in corrections.held(scope.principal, scope.customer_number)
        ],
        late_readings=[_out(p) for p in corrections.preview_late_readings(scope.principal, scope.customer_number)],
    )


@router.post("/api/customers/<customer>/late-readings/corrections")
@tracer.capture_method
def correct_late_readings(customer: CustomerPath) -> list[InvoiceCorrectionOut]:
    scope = customer_scope(router, customer)
    corrections = composition.corrections()
    corrections.require_staff(scope.principal)
    record = scope.record.customer
    if record is None:  # pragma: no cover - a scope without its customer
        return []
    since = date(composition.clock().today().year - 2, 1, 1)
    return [_out(r) for r in corrections.correct_late_readings(record, since=since, by=scope.principal.email)]
