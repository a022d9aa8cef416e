"""The documents store: a customer's documents (with "new" until the person
opened one), a short-lived link to one, and customer service publishing a
PDF to a customer, a facility or everyone."""

import base64
import binascii
from datetime import datetime
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.document_store import Audience, DocumentType, PublishedDocument
from heatportal.domain.errors import ValidationFailed
from heatportal.web.api import CustomerPath, principal
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()

DocumentPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16,32}$", description="The document's id")]
# base64 of at most 4 MB.
MAX_BASE64 = 4 * 1024 * 1024 * 4 // 3 + 4


class DocumentOut(BaseModel):
    id: str
    type: DocumentType
    title: str
    audience: Audience
    facility_id: str | None
    filename: str
    size: int
    published_at: datetime
    new: bool = Field(description="The caller has not opened it yet")

    @classmethod
    def of(cls, document: PublishedDocument, new: bool) -> "DocumentOut":
        return cls(
            id=document.id,
            type=document.type,
            title=document.title,
            audience=document.audience,
            facility_id=document.facility_id,
            filename=document.filename,
            size=document.size,
            published_at=document.published_at,
            new=new,
        )


class LinkOut(BaseModel):
    url: str = Field(description="A short-lived link to the PDF")


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: Audience
    customer_number: str | None = Field(default=None, pattern=r"^[0-9A-Za-z/-]{1,20}$")
    facility_id: str | None = Field(default=None, pattern=r"^[0-9A-Za-z_-]{1,40}$")
    type: DocumentType
    title: str = Field(min_length=1, max_length=200)
    filename: str = Field(min_length=1, max_length=120)
    content_base64: str = Field(min_length=8, max_length=MAX_BASE64, description="The PDF, base64")


@router.get("/api/customers/<customer>/documents")
@tracer.capture_method
def documents(customer: CustomerPath) -> list[DocumentOut]:
    listed = composition.document_store().documents(customer_scope(router, customer))
    return [DocumentOut.of(d.document, d.new) for d in listed]


@router.get("/api/customers/<customer>/documents/<document>")
@tracer.capture_method
def open_document(customer: CustomerPath, document: DocumentPath) -> LinkOut:
    return LinkOut(url=composition.document_store().open(customer_scope(router, customer), document))


@router.post("/api/documents")
@tracer.capture_method
def publish(body: PublishIn) -> tuple[DocumentOut, int]:
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationFailed(
            "The file is not base64.", code="document_not_pdf", fields=[{"field": "content_base64"}]
        ) from error
    published = composition.document_store().publish(
        principal(router),
        audience=body.audience,
        customer_number=body.customer_number,
        facility_id=body.facility_id,
        doc_type=body.type,
        title=body.title,
        filename=body.filename,
        body=content,
    )
    return DocumentOut.of(published, False), 201
