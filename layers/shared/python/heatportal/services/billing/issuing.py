"""Issuing an invoice: numbered and stored at most once per customer, period
and kind (a marker item written in the same transaction as the invoice), its
PDF stored once under a key derived from its number, its email claimed before
it is sent. A crash between those steps is healed by issuing again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from heatportal.domain.model import BillingPeriod, Customer, Invoice
from heatportal.domain.payment_reference import reference_for
from heatportal.domain.profile import UtilityProfile
from heatportal.ports import DocumentStore, InvoiceRepository, Mailer
from heatportal.services.billing.drafts import DraftOf

PdfRenderer = Callable[[Invoice, Customer, UtilityProfile], bytes]


class RenderedEmail(Protocol):
    @property
    def subject(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def html(self) -> str: ...


EmailRenderer = Callable[[Invoice, Customer, UtilityProfile, str], RenderedEmail]


class InvoiceIssuer:
    def __init__(
        self,
        profile: UtilityProfile,
        invoices: InvoiceRepository,
        documents: DocumentStore,
        mailer: Mailer,
        render_pdf: PdfRenderer,
        render_email: EmailRenderer,
        portal_url: str,
    ) -> None:
        self.profile = profile
        self.invoices = invoices
        self.documents = documents
        self.mailer = mailer
        self.render_pdf = render_pdf
        self.render_email = render_email
        self.portal_url = portal_url

    def issue(
        self, customer: Customer, period: BillingPeriod, kind_key: str, issued: date, draft_of: DraftOf
    ) -> tuple[Invoice, bool]:
        """The customer's invoice of this kind for the period: drafted and
        numbered the first time, then delivered (PDF, email) if it is not yet.
        Returns (invoice, created)."""
        existing = self.invoices.find_billed(customer.number, period, kind_key)
        if existing is None:
            stored = self.invoices.create_invoice_once(
                draft_of(customer, period, issued),
                kind_key=kind_key,
                reference=lambda number: reference_for(self.profile.payment, customer.number, number),
            )
            invoice, created = stored.invoice, stored.created
        else:
            invoice, created = existing, False
        return self.deliver(invoice, customer), created

    def deliver(self, invoice: Invoice, customer: Customer) -> Invoice:
        """The PDF stored and the email sent, once each, of an invoice already
        stored (by ``issue`` or by a correction)."""
        invoice, pdf = self._ensure_pdf(invoice, customer)
        self._ensure_email(invoice, customer, pdf)
        return invoice

    def _ensure_pdf(self, invoice: Invoice, customer: Customer) -> tuple[Invoice, bytes | None]:
        """Render and store the PDF once; returns the bytes when rendered now, so
        the email attaches them without reading the object back from S3."""
        if invoice.pdf_key:
            return invoice, None
        key = f"invoices/{customer.number.replace('/', '-')}/{invoice.number}.pdf"
        with_key = invoice.model_copy(update={"pdf_key": key})
        pdf = self.render_pdf(with_key, customer, self.profile)
        self.documents.put(key, pdf, "application/pdf")
        self.invoices.set_pdf_key(customer.number, invoice.number, key)
        return with_key, pdf

    def _ensure_email(self, invoice: Invoice, customer: Customer, pdf: bytes | None = None) -> None:
        if not customer.email or not invoice.pdf_key:
            return
        if not self.invoices.claim_email(customer.number, invoice.number):
            return
        try:
            email = self.render_email(invoice, customer, self.profile, self.portal_url)
            if pdf is None:  # a retry after a crash between PDF and email
                pdf = self.documents.get(invoice.pdf_key)
            self.mailer.send(
                customer.email,
                email.subject,
                email.text,
                email.html,
                [(f"invoice-{invoice.number}.pdf", pdf, "application/pdf")],
            )
        except Exception:
            # Release so a retry sends it; the error still fails this attempt.
            self.invoices.release_email_claim(customer.number, invoice.number)
            raise
