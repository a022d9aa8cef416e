"""DocumentStore (S3), Mailer (SES) and SmsSender (SNS): the fake and the adapter agree."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from heatportal.adapters.messaging import SesMailer, SnsSmsSender
from heatportal.adapters.storage import S3DocumentStore
from heatportal.ports import DocumentStore, Mailer, SmsSender
from infra.local.resources import REGION
from tests.fakes.documents import InMemoryDocumentStore
from tests.fakes.messaging import InMemoryMailer, InMemorySmsSender

SENDER = "faktura@example.no"


@dataclass
class Outbound:
    documents: DocumentStore
    mailer: Mailer
    sms: SmsSender


@pytest.fixture
def bucket(aws: dict[str, Any]) -> Iterator[str]:
    name = f"ports-{uuid.uuid4().hex[:12]}"
    aws["s3"].create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    yield name
    for item in aws["s3"].list_objects_v2(Bucket=name).get("Contents", []):
        aws["s3"].delete_object(Bucket=name, Key=item["Key"])
    aws["s3"].delete_bucket(Bucket=name)


@pytest.fixture(params=["in-memory", "aws"])
def outbound(request: pytest.FixtureRequest) -> Outbound:
    if request.param == "in-memory":
        return Outbound(InMemoryDocumentStore(), InMemoryMailer(), InMemorySmsSender())
    aws, bucket = request.getfixturevalue("aws"), request.getfixturevalue("bucket")
    aws["sesv2"].create_email_identity(EmailIdentity=SENDER)
    return Outbound(S3DocumentStore(aws["s3"], bucket), SesMailer(aws["sesv2"], SENDER), SnsSmsSender(aws["sns"]))


def test_a_document_is_read_back_as_stored_and_linked_by_its_key(outbound: Outbound) -> None:
    outbound.documents.put("invoices/100001/7.pdf", b"%PDF-1.7 one", "application/pdf")
    outbound.documents.put("invoices/100001/7.pdf", b"%PDF-1.7 two", "application/pdf")  # a re-render replaces it
    assert outbound.documents.get("invoices/100001/7.pdf") == b"%PDF-1.7 two"
    url = outbound.documents.presigned_url("invoices/100001/7.pdf", "invoice-7.pdf", 300)
    assert url.startswith("https://") and "invoices/100001/7.pdf" in url and "invoice-7.pdf" in url


def test_a_workbook_is_linked_as_a_download_of_its_own_type(outbound: Outbound) -> None:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    outbound.documents.put("downloads/ab/heating.xlsx", b"PK\x03\x04", xlsx)
    url = outbound.documents.presigned_url(
        "downloads/ab/heating.xlsx", "heating.xlsx", 300, media_type=xlsx, download=True
    )
    assert "attachment" in url and "spreadsheetml" in url
    assert "attachment" not in outbound.documents.presigned_url("downloads/ab/heating.xlsx", "heating.xlsx", 300)


def test_every_email_and_sms_sent_gets_its_own_message_id(outbound: Outbound) -> None:
    pdf = ("invoice-7.pdf", b"%PDF-1.7", "application/pdf")
    ids = [
        outbound.mailer.send("kari@example.no", "Faktura 7", "Hei", "<p>Hei</p>", [pdf]),
        outbound.mailer.send("kari@example.no", "Faktura 7", "Hei", "<p>Hei</p>"),
        outbound.sms.send("+4791234567", "Husk avlesning"),
        outbound.sms.send("+4791234567", "Husk avlesning"),
    ]
    assert all(isinstance(i, str) and i for i in ids)
    assert len(set(ids)) == 4
