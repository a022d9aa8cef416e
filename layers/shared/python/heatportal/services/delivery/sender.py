"""Send one queued delivery, at most once per success.

The record is claimed with a conditional write before anything is sent (a
second copy of the queue message finds it claimed or finished and stops),
and the provider's message id is recorded after. A send whose answer was lost
leaves the record ``sending``: it is sent again only once it is older than
``stale_after`` and the provider's events (``events``) did not report it
sent in the meantime.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Literal

from heatportal.domain.contact import email_address
from heatportal.domain.delivery import Delivery, OutcomeUnknown, Undeliverable
from heatportal.domain.errors import DomainError, TransientFailure, ValidationFailed
from heatportal.domain.phone import normalise_phone
from heatportal.ports import Clock, DeliveryStore, DocumentStore, Mailer, SmsSender

Outcome = Literal["sent", "failed", "finished_before", "no_such_delivery"]
STALE_AFTER = timedelta(minutes=15)


class RetryLater(DomainError):
    """The message should come back later: a transient failure, or another attempt in flight."""

    code = "retry_later"


class DeliverySender:
    def __init__(
        self,
        store: DeliveryStore,
        mailer: Mailer,
        sms: SmsSender,
        documents: DocumentStore,
        clock: Clock,
        pace: Callable[[], None],
        stale_after: timedelta = STALE_AFTER,
    ) -> None:
        self.store = store
        self.mailer = mailer
        self.sms = sms
        self.documents = documents
        self.clock = clock
        self.pace = pace  # waits for the next send slot of the provider's rate
        self.stale_after = stale_after

    def deliver(self, delivery_id: str) -> Outcome:
        """Raises RetryLater when the queue should bring the message back."""
        now = self.clock.now()
        claimed, delivery = self.store.claim(delivery_id, now, now - self.stale_after)
        if delivery is None:
            return "no_such_delivery"
        if not claimed:
            if delivery.finished:
                return "finished_before"
            raise RetryLater(f"delivery {delivery_id} is being sent by attempt {delivery.attempt}")
        try:
            message_id = self._send(delivery)
        except Undeliverable as refused:
            self.store.mark_failed(delivery, refused.message, self.clock.now())
            return "failed"
        except TransientFailure as failure:
            self.store.release(delivery, failure.message, self.clock.now())
            raise RetryLater(failure.message) from failure
        except OutcomeUnknown as unknown:
            raise RetryLater(unknown.message) from unknown
        self.store.mark_sent(delivery, message_id, self.clock.now())
        return "sent"

    def _send(self, delivery: Delivery) -> str:
        if delivery.channel == "sms":
            phone = normalise_phone(delivery.recipient, "", strict=True)
            if phone is None:
                raise Undeliverable("The phone number cannot receive SMS.")
            self.pace()
            return self.sms.send(phone, delivery.text)
        try:
            recipient = email_address(delivery.recipient)
        except ValidationFailed as invalid:
            raise Undeliverable("The e-mail address is not valid.") from invalid
        attachments = [(a.filename, self.documents.get(a.key), a.content_type) for a in delivery.attachments]
        self.pace()
        return self.mailer.send(
            recipient, delivery.subject, delivery.text, delivery.html, attachments, tags={"delivery": delivery.id}
        )
