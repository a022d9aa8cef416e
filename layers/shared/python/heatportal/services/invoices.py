"""Invoices as the customer sees them: list, detail, PDF link."""

from __future__ import annotations

from heatportal.domain.errors import NotFound
from heatportal.domain.model import Invoice, Role
from heatportal.ports import DocumentStore, InvoiceRepository
from heatportal.services.access import AccessService, Principal

PDF_LINK_SECONDS = 300


class InvoiceService:
    def __init__(self, invoices: InvoiceRepository, documents: DocumentStore, access: AccessService) -> None:
        self.invoices = invoices
        self.documents = documents
        self.access = access

    def list(self, principal: Principal, customer_number: str) -> list[Invoice]:
        self.access.require(principal, customer_number, Role.READ)
        return self.invoices.list_invoices(customer_number)

    def get(self, principal: Principal, customer_number: str, number: int) -> Invoice:
        self.access.require(principal, customer_number, Role.READ)
        invoice = self.invoices.get_invoice(customer_number, number)
        if invoice is None:
            raise NotFound("This invoice does not exist.", code="invoice_not_found")
        return invoice

    def pdf(self, principal: Principal, customer_number: str, number: int) -> tuple[str, bytes]:
        invoice = self.get(principal, customer_number, number)
        if not invoice.pdf_key:
            raise NotFound("The PDF of this invoice is not ready yet.", code="invoice_not_found")
        return f"invoice-{invoice.number}.pdf", self.documents.get(invoice.pdf_key)

    def pdf_link(self, principal: Principal, customer_number: str, number: int) -> str:
        """A short-lived link to the PDF in S3, issued after the access check."""
        invoice = self.get(principal, customer_number, number)
        if not invoice.pdf_key:
            raise NotFound("The PDF of this invoice is not ready yet.", code="invoice_not_found")
        return self.documents.presigned_url(invoice.pdf_key, f"invoice-{invoice.number}.pdf", PDF_LINK_SECONDS)
