"""Issuing an invoice, in steps that are each safe to repeat, with a state
recorded after each:

1. created: numbered and stored at most once per customer, period and kind
   (a marker written in the same transaction as the invoice);
2. PDF stored: drawn and put under a key derived from its number (putting it
   again writes the same object), then the key recorded on the invoice;
3. delivery queued: its e-mail rendered into a delivery record of the outbox
   (services.delivery) under an id derived from its number, and queued;
4. sent with the provider's message id, or failed with the reason: by the
   outbox's sender, never here.

A crash between two steps is healed by issuing again: the steps done are
found done. The bill run does steps 1-3 for a whole batch at once
(services.billing.batch); ``issue`` does them for one invoice (customer
service's corrections, loading history).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Protocol

from heatportal.domain.delivery import Attachment, Delivery, delivery_id
from heatportal.domain.model import BillingPeriod, Customer, Invoice
from heatportal.domain.payment_reference import reference_for
from heatportal.domain.profile import UtilityProfile
from heatportal.ports import Clock, DocumentStore, InvoiceRepository
from heatportal.services.billing.drafts import DraftOf
from heatportal.services.delivery.outbox import Outbox

PdfRenderer = Callable[[Invoice, Customer, UtilityProfile], bytes]


class RenderedEmail(Protocol):
    @property
    def subject(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def html(self) -> str: ...


EmailRenderer = Callable[[Invoice, Customer, UtilityProfile, str], RenderedEmail]


class InvoiceDeliveryState(StrEnum):
    """Where an invoice is on its way to the customer (staff see it per invoice)."""

    CREATED = "created"
    PDF_STORED = "pdf_stored"
    PORTAL_ONLY = "portal_only"  # no e-mail address on record: the invoice is in the portal
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


def invoice_delivery_id(invoice: Invoice) -> str:
    return delivery_id("invoice", invoice.number, "email")


def pdf_key(invoice: Invoice) -> str:
    return f"invoices/{invoice.customer_number.replace('/', '-')}/{invoice.number}.pdf"


def delivery_state(invoice: Invoice, customer: Customer | None, delivery: Delivery | None) -> InvoiceDeliveryState:
    if delivery is not None:
        return InvoiceDeliveryState(delivery.state.value)
    if not invoice.pdf_key:
        return InvoiceDeliveryState.CREATED
    if customer is not None and not customer.email:
        return InvoiceDeliveryState.PORTAL_ONLY
    return InvoiceDeliveryState.PDF_STORED


class InvoiceIssuer:
    def __init__(
        self,
        profile: UtilityProfile,
        invoices: InvoiceRepository,
        documents: DocumentStore,
        outbox: Outbox,
        render_pdf: PdfRenderer,
        render_email: EmailRenderer,
        portal_url: str,
        clock: Clock,
    ) -> None:
        self.profile = profile
        self.invoices = invoices
        self.documents = documents
        self.outbox = outbox
        self.render_pdf = render_pdf
        self.render_email = render_email
        self.portal_url = portal_url
        self.clock = clock

    def reference(self, customer_number: str) -> Callable[[int], str]:
        """The payment reference of the customer's invoice with a given number."""
        return lambda number: reference_for(self.profile.payment, customer_number, number)

    def issue(
        self,
        customer: Customer,
        period: BillingPeriod,
        kind_key: str,
        issued: date,
        draft_of: DraftOf,
        *,
        deliver: bool = True,
    ) -> tuple[Invoice, bool]:
        """The customer's invoice of this kind for the period: drafted and
        numbered the first time, then its PDF stored and its e-mail queued if
        they are not yet (``deliver`` False: loading history, delivered long
        ago). Returns (invoice, created)."""
        existing = self.invoices.find_billed(customer.number, period, kind_key)
        if existing is None:
            stored = self.invoices.create_invoice_once(
                draft_of(customer, period, issued), kind_key=kind_key, reference=self.reference(customer.number)
            )
            invoice, created = stored.invoice, stored.created
        else:
            invoice, created = existing, False
        if deliver:
            return self.deliver(invoice, customer, stored_before=existing is not None), created
        if not invoice.pdf_key:
            invoice = self._store_pdf_and_key(invoice, customer)
        return invoice, created

    def deliver(self, invoice: Invoice, customer: Customer, *, stored_before: bool = True) -> Invoice:
        """The PDF stored and the e-mail queued in the outbox, once each, of an
        invoice already stored (by ``issue`` or by a correction)."""
        if not invoice.pdf_key:
            invoice = self._store_pdf_and_key(invoice, customer)
        # An invoice stored before may have its e-mail queued already: not drawn again.
        known = self.outbox.store.get_many([invoice_delivery_id(invoice)]) if stored_before else {}
        delivery = next(iter(known.values()), None) or self.delivery_of(invoice, customer)
        if delivery is not None:
            self.outbox.enqueue([delivery], known)
        return invoice

    def _store_pdf_and_key(self, invoice: Invoice, customer: Customer) -> Invoice:
        with_key = self.store_pdf(invoice, customer)
        self.invoices.set_pdf_key(customer.number, with_key.number, str(with_key.pdf_key))
        return with_key

    def store_pdf(self, invoice: Invoice, customer: Customer) -> Invoice:
        """Draw the PDF and put it; returns the invoice with its key (recording
        the key on the stored invoice is the caller's next step)."""
        with_key = invoice.model_copy(update={"pdf_key": pdf_key(invoice)})
        self.documents.put(str(with_key.pdf_key), self.render_pdf(with_key, customer, self.profile), "application/pdf")
        return with_key

    def delivery_of(self, invoice: Invoice, customer: Customer, group: str = "") -> Delivery | None:
        """The invoice's e-mail with its PDF attached, as a delivery record;
        None when the customer has no e-mail address (the invoice is in the portal)."""
        if not customer.email or not invoice.pdf_key:
            return None
        email = self.render_email(invoice, customer, self.profile, self.portal_url)
        return Delivery(
            id=invoice_delivery_id(invoice),
            channel="email",
            recipient=customer.email,
            subject=email.subject,
            text=email.text,
            html=email.html,
            attachments=(Attachment(filename=f"invoice-{invoice.number}.pdf", key=invoice.pdf_key),),
            group=group,
            customer_number=customer.number,
            created_at=self.clock.now(),
        )
