"""The operating protocols of the utility's function-control service: staff
upload a facility's protocol (a PDF), the facility's people download it."""

from __future__ import annotations

import uuid

from heatportal.domain.contact import hidden_character
from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.facility_groups import OperatingProtocol
from heatportal.domain.model import Role
from heatportal.ports import Clock, DocumentStore
from heatportal.services.access import Scope
from heatportal.services.portfolio.ports import PortfolioStore
from heatportal.services.portfolio.scope import Portfolio

MAX_PROTOCOL_BYTES = 4 * 1024 * 1024  # under the 6 MB a Lambda request may carry, base64 included
MAX_TITLE = 120
LINK_SECONDS = 300


class ProtocolService:
    def __init__(self, store: PortfolioStore, documents: DocumentStore, clock: Clock) -> None:
        self.store = store
        self.documents = documents
        self.clock = clock

    def upload(self, scope: Scope, facility_id: str, title: str, filename: str, body: bytes) -> OperatingProtocol:
        """Customer service stores a protocol for one of the customer's facilities."""
        staff = scope.require(Role.FULL)
        if not staff.staff:
            raise Forbidden("Only customer service uploads operating protocols.", code="forbidden")
        if facility_id not in scope.record.facility_ids:
            raise NotFound("This facility does not exist for the customer.", code="facility_not_found")
        clean = " ".join(title.split())
        if not clean or len(clean) > MAX_TITLE or hidden_character(clean) is not None:
            raise ValidationFailed(
                "Give the protocol a title of at most 120 characters.",
                code="protocol_title_invalid",
                fields=[{"field": "title", "code": "protocol_title_invalid"}],
            )
        if not body.startswith(b"%PDF-"):
            raise ValidationFailed(
                "Upload the protocol as a PDF file.",
                code="protocol_not_pdf",
                fields=[{"field": "file", "code": "protocol_not_pdf"}],
            )
        if len(body) > MAX_PROTOCOL_BYTES:
            raise ValidationFailed(
                "The file is larger than 4 MB.",
                code="protocol_too_large",
                fields=[{"field": "file", "code": "protocol_too_large"}],
            )
        protocol_id = uuid.uuid4().hex[:16]
        name = "".join(ch for ch in filename.rsplit("/", 1)[-1] if ch.isalnum() or ch in "._- ")[:80].strip()
        protocol = OperatingProtocol(
            id=protocol_id,
            customer_number=scope.customer_number,
            facility_id=facility_id,
            title=clean,
            filename=name if name.lower().endswith(".pdf") else f"{name or 'protocol'}.pdf",
            document_key=f"protocols/{scope.customer_number}/{facility_id}/{protocol_id}.pdf",
            size=len(body),
            uploaded_at=self.clock.now(),
            uploaded_by=scope.principal.email,
        )
        self.documents.put(protocol.document_key, body, "application/pdf")  # the file first: no item without it
        self.store.put_protocol(protocol)
        return protocol

    def link(self, portfolio: Portfolio, facility_id: str, protocol_id: str) -> str:
        """A short-lived link to a protocol of a facility the person sees."""
        facility = portfolio.facility(facility_id)
        _aggregates, protocols = self.store.facility(facility.customer_number, facility.id)
        found = next((p for p in protocols if p.id == protocol_id), None)
        if found is None:
            raise NotFound("This protocol does not exist.", code="protocol_not_found")
        return self.documents.presigned_url(found.document_key, found.filename, LINK_SECONDS)
