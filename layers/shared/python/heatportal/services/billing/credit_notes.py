"""Credit notes by customer service: an invoice credited in full (a wrong
reading, a wrong price), at most once per invoice; the invoice is marked
credited. A corrected bill then follows from the next run, which starts from
the corrected register values."""

from __future__ import annotations

from typing import Protocol

from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Invoice, InvoiceKind, InvoiceStatus
from heatportal.ports import Clock, CustomerRepository, InvoiceRepository
from heatportal.services.access import Principal
from heatportal.services.billing.drafts import InvoiceDrafts
from heatportal.services.billing.issuing import InvoiceIssuer

REASON_MAX_LENGTH = 300


class InvoiceStatusWriter(Protocol):
    def set_status(self, customer_number: str, number: int, status: str) -> None: ...


class CreditNotes:
    def __init__(
        self,
        customers: CustomerRepository,
        invoices: InvoiceRepository,
        statuses: InvoiceStatusWriter,
        drafts: InvoiceDrafts,
        issuer: InvoiceIssuer,
        clock: Clock,
    ) -> None:
        self.customers = customers
        self.invoices = invoices
        self.statuses = statuses
        self.drafts = drafts
        self.issuer = issuer
        self.clock = clock

    def credit_note(
        self, principal: Principal, customer_number: str, invoice_number: int, reason: str
    ) -> tuple[Invoice, bool]:
        """The invoice's lines negated in a credit note of its own. Returns (credit note, created)."""
        if not principal.is_staff:
            raise Forbidden("Only customer service may issue credit notes.", code="staff_only")
        reason = " ".join(reason.split())
        if not reason or len(reason) > REASON_MAX_LENGTH:
            raise ValidationFailed("Give a reason of at most 300 characters.", code="credit_reason_invalid")
        customer = self.customers.get_customer(customer_number)
        invoice = self.invoices.get_invoice(customer_number, invoice_number)
        if customer is None or invoice is None:
            raise NotFound("This invoice does not exist.", code="invoice_not_found")
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            raise ValidationFailed("A credit note cannot be credited.", code="credit_of_credit_note")
        credit, created = self.issuer.issue(
            customer,
            invoice.period,
            f"credit-{invoice.number}",
            self.clock.today(),
            self.drafts.credit_note_of(invoice, reason),
        )
        self.statuses.set_status(customer_number, invoice.number, InvoiceStatus.CREDITED.value)
        return credit, created
