"""Documents the utility publishes: a PDF stored in S3 for one customer, one
of its facilities or every customer, with a type. Each person sees a "new"
mark on a document until they have opened it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from heatportal.domain.model import Frozen


class DocumentType(StrEnum):
    CONTRACT = "contract"
    PRICE_SHEET = "price_sheet"
    LETTER = "letter"
    STATEMENT = "statement"
    REPORT = "report"


Audience = Literal["customer", "facility", "everyone"]


class PublishedDocument(Frozen):
    id: str = Field(pattern=r"^[0-9a-f]{16,32}$")
    type: DocumentType
    title: str = Field(min_length=1, max_length=200)
    audience: Audience
    customer_number: str | None = None  # None: every customer
    facility_id: str | None = None  # set when the audience is one facility
    key: str  # where the PDF is stored
    filename: str
    size: int = Field(ge=1)
    published_at: datetime
    published_by: str
