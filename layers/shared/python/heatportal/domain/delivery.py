"""A delivery: one e-mail or SMS to one recipient, recorded before it is sent
(the outbox, services.delivery).

A delivery is stored ``queued`` with everything the sender needs (recipient,
rendered text, the S3 keys of its attachments), then claimed (``sending``,
with an attempt number), then ``sent`` with the provider's message id or
``failed`` with the reason. Its id is chosen by whoever queues it and says
what it delivers (``invoice-123-email``): queuing the same id twice stores it
once. It is the only key SES carries back in its events (a message tag), so
it is made of letters, digits, ``-`` and ``_`` only.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from heatportal.domain.errors import DomainError
from heatportal.domain.model import Frozen

DELIVERY_ID_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"
REASON_MAX_LENGTH = 300


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


Channel = Literal["email", "sms"]


class Attachment(Frozen):
    filename: str = Field(min_length=1, max_length=200)
    key: str = Field(min_length=1, max_length=1024)
    content_type: str = "application/pdf"


class Delivery(Frozen):
    id: str = Field(pattern=DELIVERY_ID_PATTERN)
    channel: Channel
    recipient: str = Field(min_length=1, max_length=320)
    subject: str = ""
    text: str
    html: str = ""
    attachments: tuple[Attachment, ...] = ()
    # The batch of work it belongs to (a bill run): its counts and failures are kept per group.
    group: str = ""
    customer_number: str | None = None
    state: DeliveryState = DeliveryState.QUEUED
    attempt: int = 0
    claimed_at: datetime | None = None
    message_id: str | None = None
    reason: str | None = None
    created_at: datetime
    updated_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.state in (DeliveryState.SENT, DeliveryState.FAILED)


class DeliveryCounts(Frozen):
    """What became of a group's deliveries so far."""

    queued: int = 0
    sent: int = 0
    failed: int = 0

    @property
    def waiting(self) -> int:
        return max(self.queued - self.sent - self.failed, 0)


def short_reason(reason: str) -> str:
    """A failure reason as stored and shown: one line, at most 300 characters."""
    return " ".join(reason.split())[:REASON_MAX_LENGTH]


def delivery_id(*parts: str | int) -> str:
    """An id from its parts, with anything outside the allowed characters replaced."""
    text = "-".join(str(p) for p in parts)
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in text)[:128]


class Undeliverable(DomainError):
    """The provider refused the recipient or the message: trying again cannot help."""

    code = "undeliverable"


class OutcomeUnknown(DomainError):
    """The request went out and no answer came back: the message may have been
    sent. It is not sent again until the provider's events had time to say so."""

    code = "delivery_outcome_unknown"
