"""Documents as a store: customer service publishes a PDF (with a type:
contract, price sheet, letter, statement, report) to one customer, one of its
facilities or every customer; the customer's people (and a management
company, for its facilities) list and download them; each person sees a
document as new until they have opened it. The signed contract is published
here too.

A customer's documents come with the customer's record (no read of their
own); those for everyone are read once a minute per container at most (they
are few and change rarely), so a page showing the "new" mark costs nothing.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from heatportal.domain.document_store import Audience, DocumentType, PublishedDocument
from heatportal.domain.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from heatportal.domain.model import Role
from heatportal.ports import Clock, CustomerRepository, DocumentStore
from heatportal.services.access import Principal, Scope

MAX_PDF_BYTES = 4 * 1024 * 1024  # below Lambda's 6 MB payload once base64-encoded
LINK_SECONDS = 300
UTILITY_CACHE = timedelta(seconds=60)
_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


class PublishedDocuments(Protocol):
    def put_document(self, document: PublishedDocument) -> None: ...

    def utility_documents(self) -> list[PublishedDocument]:
        """Documents for every customer, newest first."""
        ...

    def mark_opened(self, customer_number: str, user_id: str, document_id: str) -> None: ...


@dataclass(frozen=True)
class ListedDocument:
    document: PublishedDocument
    new: bool


def safe_filename(name: str) -> str:
    """A download name without paths or odd characters, ending in .pdf."""
    stem = _UNSAFE.sub("-", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("-.") or "document"
    stem = stem[:80]
    return stem if stem.lower().endswith(".pdf") else f"{stem}.pdf"


def check_pdf(body: bytes) -> None:
    if len(body) > MAX_PDF_BYTES:
        raise PayloadTooLarge("The file is too large (4 MB at most).", code="document_too_large")
    if not body.startswith(b"%PDF-") or b"%%EOF" not in body[-2048:]:
        raise ValidationFailed(
            "The file is not a PDF.", code="document_not_pdf", fields=[{"field": "file", "code": "document_not_pdf"}]
        )


class DocumentStoreService:
    def __init__(
        self,
        store: PublishedDocuments,
        files: DocumentStore,
        customers: CustomerRepository,
        clock: Clock,
    ) -> None:
        self.store = store
        self.files = files
        self.customers = customers
        self.clock = clock
        self._utility: tuple[datetime, list[PublishedDocument]] | None = None

    # --- publishing ---------------------------------------------------------------------------
    def publish(
        self,
        principal: Principal,
        *,
        audience: Audience,
        customer_number: str | None,
        facility_id: str | None,
        doc_type: DocumentType,
        title: str,
        filename: str,
        body: bytes,
    ) -> PublishedDocument:
        """Customer service publishes a PDF (checked to be one) to its audience."""
        if not principal.is_staff:
            raise Forbidden("Only customer service may publish documents.", code="forbidden")
        title = title.strip()
        if not 1 <= len(title) <= 200:
            raise ValidationFailed(
                "Give the document a title.", code="document_title_invalid", fields=[{"field": "title"}]
            )
        check_pdf(body)
        if audience == "everyone":
            customer_number = facility_id = None
        else:
            if not customer_number or self.customers.get_customer(customer_number) is None:
                raise ValidationFailed(
                    "No customer has this number.",
                    code="customer_unknown",
                    fields=[{"field": "customer_number", "code": "customer_unknown"}],
                )
            if audience == "facility":
                facilities = {f.id for f in self.customers.list_facilities(customer_number)}
                if facility_id not in facilities:
                    raise ValidationFailed(
                        "Choose one of the customer's facilities.",
                        code="facility_unknown",
                        fields=[{"field": "facility_id", "code": "facility_unknown"}],
                    )
            else:
                facility_id = None
        return self.publish_for(customer_number, facility_id, doc_type, title, filename, body, principal.email)

    def publish_for(
        self,
        customer_number: str | None,
        facility_id: str | None,
        doc_type: DocumentType,
        title: str,
        filename: str,
        body: bytes,
        by: str,
        document_id: str | None = None,
    ) -> PublishedDocument:
        """Store the PDF and its item (a signed contract is published so, by the
        signing service, under the id its contract version names)."""
        document_id = document_id or secrets.token_hex(12)
        folder = customer_number.replace("/", "-") if customer_number else "all"
        key = f"documents/{folder}/{document_id}.pdf"
        audience: Audience = "everyone" if customer_number is None else "facility" if facility_id else "customer"
        document = PublishedDocument(
            id=document_id,
            type=doc_type,
            title=title,
            audience=audience,
            customer_number=customer_number,
            facility_id=facility_id,
            key=key,
            filename=safe_filename(filename),
            size=len(body),
            published_at=self.clock.now(),
            published_by=by,
        )
        self.files.put(key, body, "application/pdf")
        self.store.put_document(document)
        if customer_number is None:
            self._utility = None
        return document

    # --- reading -------------------------------------------------------------------------------------
    def utility_documents(self) -> list[PublishedDocument]:
        now = self.clock.now()
        if self._utility is None or now - self._utility[0] > UTILITY_CACHE:
            self._utility = (now, self.store.utility_documents())
        return self._utility[1]

    def documents(self, scope: Scope) -> list[ListedDocument]:
        """The documents the person may see, newest first, each marked new
        until the person has opened it."""
        grant = scope.require(Role.READ, companies="any")
        opened = grant.record.opened.get(grant.principal.user_id, frozenset())
        own = [d for d in grant.record.documents if self._sees(grant, d)]
        every = [*own, *self.utility_documents()]
        every.sort(key=lambda d: d.published_at, reverse=True)
        # Customer service looks over the customer's shoulder: nothing is "new" for it.
        return [ListedDocument(d, not grant.staff and d.id not in opened) for d in every]

    @staticmethod
    def _sees(scope: Scope, document: PublishedDocument) -> bool:
        """A document to one facility: whoever sees the facility; to the whole
        customer: whoever sees every facility of it (a management company
        granted some facilities does not)."""
        if document.facility_id is not None:
            return scope.sees(document.facility_id)
        return scope.facilities is None or set(scope.record.facility_ids) <= scope.facilities

    def new_count(self, scope: Scope) -> int:
        return sum(1 for d in self.documents(scope) if d.new)

    def open(self, scope: Scope, document_id: str) -> str:
        """A short-lived link to the PDF; the person has opened it from now on."""
        grant = scope.require(Role.READ, companies="any")
        found = next((d for d in self.documents(grant) if d.document.id == document_id), None)
        if found is None:
            if any(d.id == document_id for d in grant.record.documents):
                raise Forbidden("You do not have access to this document.", code="forbidden")
            raise NotFound("No such document.", code="document_not_found")
        if found.new:
            self.store.mark_opened(grant.customer_number, grant.principal.user_id, document_id)
        return self.files.presigned_url(found.document.key, found.document.filename, LINK_SECONDS)
