"""Corrections that never lose or double money.

A correction is one action: the invoice is cancelled in full by a credit note
that names it, and the corrected invoice for the same period and kind is
issued with it, priced again from what is known now (a corrected reading, a
corrected price, the advance in force). Both are numbered and stored in one
transaction (``ports.CorrectionStore``): no number is taken unless both are
stored, the cancelled invoice is credited at most once, the period's billed
marker moves to the corrected invoice (so the next bill starts from the
corrected register values, and a credited month is never left unbilled), and
an audit record says who did it, why and by how much it changed the bill.

Customer service previews a correction before issuing it (nothing stored).
A reading that arrives for a period already billed (an actual reading
replacing the estimate a bill ended on, or a reading customer service
corrected) makes a bill stale: ``stale`` finds such bills, and
``correct_late_readings`` corrects them oldest first, the bill run doing it
for the previous month before it bills the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from heatportal.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Customer, Invoice, InvoiceKind, InvoiceStatus, Meter
from heatportal.domain.payment_reference import reference_for
from heatportal.domain.profile import UtilityProfile
from heatportal.ports import (
    Clock,
    CorrectionRecord,
    CorrectionStore,
    CustomerRepository,
    HeldInvoice,
    HoldRepository,
    InvoiceRepository,
)
from heatportal.services.access import Principal
from heatportal.services.billing.drafts import DraftOf, InvoiceDrafts
from heatportal.services.billing.issuing import InvoiceIssuer
from heatportal.services.billing.pricing import ADVANCE_KEY, CONSUMPTION_KEY, SETTLEMENT_KEY
from heatportal.services.readings import ReadingService

REASON_MAX_LENGTH = 300
# A billing error is corrected for up to two years back (AVBFernwärmeV § 21, check).
LATE_READING_MONTHS = 24
LATE_READING_BY = "late reading"

KIND_KEYS = {
    InvoiceKind.INVOICE: CONSUMPTION_KEY,
    InvoiceKind.ADVANCE: ADVANCE_KEY,
    InvoiceKind.SETTLEMENT: SETTLEMENT_KEY,
}


@dataclass(frozen=True)
class CorrectionPreview:
    """What a correction would issue; nothing is stored and no number is taken."""

    original: Invoice
    credit_note: Invoice
    corrected: Invoice
    difference: Decimal  # what the customer pays more (negative: gets back)


@dataclass(frozen=True)
class CorrectionResult:
    original: Invoice
    credit_note: Invoice
    corrected: Invoice
    record: CorrectionRecord
    created: bool  # False when the invoice had been corrected before (a repeated request)


def _same_bill(a: Invoice, b: Invoice) -> bool:
    """Whether a bill priced again says what the stored one says."""

    def shape(invoice: Invoice) -> tuple[object, ...]:
        return (
            invoice.total,
            tuple((ln.component, ln.quantity, ln.unit_price, ln.amount, ln.vat_rate) for ln in invoice.lines),
            tuple((v.meter_number, v.start_value, v.end_value, v.register_wrap) for v in invoice.meter_values),
        )

    return shape(a) == shape(b)


class Corrections:
    def __init__(
        self,
        profile: UtilityProfile,
        customers: CustomerRepository,
        invoices: InvoiceRepository,
        store: CorrectionStore,
        drafts: InvoiceDrafts,
        issuer: InvoiceIssuer,
        reading_service: ReadingService,
        clock: Clock,
        holds: HoldRepository | None = None,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.invoices = invoices
        self.store = store
        self.drafts = drafts
        self.issuer = issuer
        self.reading_service = reading_service
        self.clock = clock
        self.holds = holds

    # --- customer service ---------------------------------------------------------
    @staticmethod
    def require_staff(principal: Principal) -> None:
        if not principal.is_staff:
            raise Forbidden("Only customer service may correct invoices.", code="staff_only")

    def _checked(
        self, principal: Principal, customer_number: str, invoice_number: int, reason: str
    ) -> tuple[Customer, Invoice, str]:
        if not principal.is_staff:
            raise Forbidden("Only customer service may correct invoices.", code="staff_only")
        reason = " ".join(reason.split())
        if not reason or len(reason) > REASON_MAX_LENGTH:
            raise ValidationFailed("Give a reason of at most 300 characters.", code="credit_reason_invalid")
        customer = self.customers.get_customer(customer_number)
        invoice = self.invoices.get_invoice(customer_number, invoice_number)
        if customer is None or invoice is None:
            raise NotFound("This invoice does not exist.", code="invoice_not_found")
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            raise ValidationFailed("A credit note cannot be credited.", code="credit_of_credit_note")
        return customer, invoice, reason

    def preview(
        self, principal: Principal, customer_number: str, invoice_number: int, reason: str
    ) -> CorrectionPreview:
        """The credit note and the corrected invoice a correction would issue today."""
        customer, invoice, reason = self._checked(principal, customer_number, invoice_number, reason)
        if invoice.credited_by is not None or invoice.status == InvoiceStatus.CREDITED:
            raise Conflict("This invoice has already been corrected.", code="invoice_already_corrected")
        return self._preview(customer, invoice, reason)

    def correct(self, principal: Principal, customer_number: str, invoice_number: int, reason: str) -> CorrectionResult:
        """Cancel the invoice with a credit note and issue the corrected invoice, in one
        action. Repeating it returns the correction made the first time."""
        customer, invoice, reason = self._checked(principal, customer_number, invoice_number, reason)
        earlier = self._earlier(invoice)
        if earlier is not None:
            return earlier
        preview = self._preview(customer, invoice, reason)
        return self._issue(customer, preview, reason, "staff", principal.email or principal.user_id)

    def history(self, principal: Principal, customer_number: str) -> list[CorrectionRecord]:
        """The customer's corrections (the audit trail), for customer service."""
        if not principal.is_staff:
            raise Forbidden("Only customer service may see corrections.", code="staff_only")
        return self.store.list_corrections(customer_number)

    def held(self, principal: Principal, customer_number: str) -> list[HeldInvoice]:
        """The customer's drafts held by the compliance check, with why, for customer service.
        A hold whose period has since been billed is left out."""
        if not principal.is_staff:
            raise Forbidden("Only customer service may see held invoices.", code="staff_only")
        if self.holds is None:
            return []
        return [
            h
            for h in self.holds.list_holds(customer_number)
            if self.invoices.find_billed(customer_number, h.period, KIND_KEYS.get(h.kind, CONSUMPTION_KEY)) is None
        ]

    # --- late readings --------------------------------------------------------------
    def stale(self, customer: Customer, since: date | None = None) -> list[Invoice]:
        """Consumption bills whose register values no longer match the readings:
        a value a bill ended on is now read otherwise (an actual reading for an
        estimate, a corrected reading). Oldest first."""
        since = since or self.clock.today() - timedelta(days=31 * LATE_READING_MONTHS)
        meters = {m.number: m for m in self.customers.list_meters(customer.number)}
        bills = sorted(
            (
                i
                for i in self.invoices.list_invoices(customer.number)
                if i.kind == InvoiceKind.INVOICE
                and i.status != InvoiceStatus.CREDITED
                and i.credited_by is None
                and i.period.start >= since
            ),
            key=lambda i: i.period.key,
        )
        return [bill for bill in bills if self._ends_elsewhere(bill, meters)]

    def _ends_elsewhere(self, bill: Invoice, meters: dict[str, Meter]) -> bool:
        for value in bill.meter_values:
            meter = meters.get(value.meter_number)
            if meter is None or value.end_on is None:
                continue
            now = self.reading_service.value_at(meter, value.end_on)
            if not now.estimated and now.value != value.end_value:
                return True
        return False

    def preview_late_readings(self, principal: Principal, customer_number: str) -> list[CorrectionPreview]:
        """The corrections late readings call for, oldest bill first (nothing stored).
        Only the oldest stale bill's preview is exact: each later one starts where
        the corrected earlier one ends."""
        if not principal.is_staff:
            raise Forbidden("Only customer service may correct invoices.", code="staff_only")
        customer = self.customers.get_customer(customer_number)
        if customer is None:
            raise NotFound("Customer not found.", code="not_found")
        return [self._preview(customer, bill, LATE_READING_BY) for bill in self.stale(customer)]

    def correct_late_readings(
        self, customer: Customer, *, since: date | None = None, by: str = LATE_READING_BY
    ) -> list[CorrectionResult]:
        """Correct every stale bill, oldest first, and each later bill whose start
        the correction moved; stops at the first later bill that prices the same."""
        stale = self.stale(customer, since)
        if not stale:
            return []
        results: list[CorrectionResult] = []
        later = sorted(
            (
                i
                for i in self.invoices.list_invoices(customer.number)
                if i.kind == InvoiceKind.INVOICE and i.credited_by is None and i.period.key >= stale[0].period.key
            ),
            key=lambda i: i.period.key,
        )
        for bill in later:
            preview = self._preview(customer, bill, LATE_READING_BY)
            if _same_bill(preview.corrected, bill):
                if bill.period.key > stale[-1].period.key:
                    break
                continue
            results.append(self._issue(customer, preview, LATE_READING_BY, "late_reading", by))
        return results

    def before_billing(self, customer: Customer, period_key: str) -> list[CorrectionResult]:
        """For the bill run, before it bills a month: the previous month's bill, if it
        ended on an estimate that an actual reading has replaced, is corrected first
        (one check per meter, and only for a bill that ended on an estimate)."""
        previous = next(
            (
                i
                for i in self.invoices.list_invoices(customer.number)
                if i.kind == InvoiceKind.INVOICE and i.credited_by is None and i.period.next().key == period_key
            ),
            None,
        )
        if previous is None or not any(v.end_estimated for v in previous.meter_values):
            return []
        return self.correct_late_readings(customer, since=previous.period.start)

    # --- the one action ------------------------------------------------------------
    def _redraft(self, invoice: Invoice) -> DraftOf:
        match invoice.kind:
            case InvoiceKind.ADVANCE:
                return self.drafts.advance
            case InvoiceKind.SETTLEMENT:
                return self.drafts.settlement
            case _:
                # A corrected month with nothing in it is still a bill (0.00): it replaces
                # the cancelled one, and the next bill starts from its register values.
                return partial(self.drafts.consumption, allow_zero=True)

    def _preview(self, customer: Customer, invoice: Invoice, reason: str) -> CorrectionPreview:
        today = self.clock.today()
        credit = self.drafts.credit_note_of(invoice, reason)(customer, invoice.period, today)
        corrected = self._redraft(invoice)(customer, invoice.period, today)
        return CorrectionPreview(invoice, credit, corrected, corrected.total - invoice.total)

    def _issue(
        self, customer: Customer, preview: CorrectionPreview, reason: str, trigger: str, by: str
    ) -> CorrectionResult:
        original = preview.original
        if _same_bill(preview.corrected, original) and trigger == "staff":
            raise Conflict(
                "Priced again, the invoice comes out the same: correct the reading or the price first.",
                code="correction_no_change",
            )
        record = CorrectionRecord(
            customer_number=customer.number,
            original=original.number,
            credit_note=0,
            corrected=0,
            reason=reason,
            trigger=trigger,
            by=by,
            at=self.clock.now(),
            difference=preview.difference,
            currency=original.currency,
        )

        def reference(number: int) -> str:
            return reference_for(self.profile.payment, customer.number, number)

        stored = self.store.store_correction(
            original,
            preview.credit_note,
            preview.corrected,
            kind_key=KIND_KEYS[original.kind],
            reference=reference,
            record=record,
        )
        credit = self.issuer.deliver(stored.credit_note, customer)
        corrected = self.issuer.deliver(stored.corrected, customer)
        cancelled = original.model_copy(
            update={"status": InvoiceStatus.CREDITED, "credited_by": credit.number, "replaced_by": corrected.number}
        )
        return CorrectionResult(cancelled, credit, corrected, stored.record, created=True)

    def _earlier(self, invoice: Invoice) -> CorrectionResult | None:
        """The correction already made of an invoice, if any."""
        if invoice.credited_by is None:
            if invoice.status == InvoiceStatus.CREDITED:  # credited before corrections were recorded
                raise Conflict("This invoice has already been credited.", code="invoice_already_corrected")
            return None
        record = next(
            (r for r in self.store.list_corrections(invoice.customer_number) if r.original == invoice.number), None
        )
        credit = self.invoices.get_invoice(invoice.customer_number, invoice.credited_by)
        if record is None or credit is None:
            raise Conflict("This invoice has already been corrected.", code="invoice_already_corrected")
        corrected = self.invoices.get_invoice(invoice.customer_number, record.corrected)
        if corrected is None:  # pragma: no cover - stored in the same transaction as the record
            raise Conflict("This invoice has already been corrected.", code="invoice_already_corrected")
        return CorrectionResult(invoice, credit, corrected, record, created=False)
