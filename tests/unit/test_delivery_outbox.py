"""The delivery outbox (services.delivery) on fakes: a delivery is stored and
queued once, sent at most once per success, failed with its reason when the
address is refused, put back when the provider is throttling, and left alone
when the outcome of a send is unknown until the provider's event says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from heatportal.domain.delivery import (
    Attachment,
    Delivery,
    DeliveryCounts,
    DeliveryState,
    OutcomeUnknown,
    Undeliverable,
)
from heatportal.domain.errors import TransientFailure
from heatportal.services.delivery.events import DeliveryEvents, ProviderEvent
from heatportal.services.delivery.outbox import Outbox
from heatportal.services.delivery.sender import DeliverySender, RetryLater
from tests.fakes.clock import FixedClock
from tests.fakes.delivery import InMemoryDeliveryQueue, InMemoryDeliveryStore
from tests.fakes.documents import InMemoryDocumentStore
from tests.fakes.messaging import InMemoryMailer, InMemorySmsSender

NOW = datetime(2026, 10, 2, 7, tzinfo=UTC)


class Outboxes:
    def __init__(self) -> None:
        self.clock = FixedClock(NOW.date())
        self.store, self.queue = InMemoryDeliveryStore(), InMemoryDeliveryQueue()
        self.mailer, self.sms, self.documents = InMemoryMailer(), InMemorySmsSender(), InMemoryDocumentStore()
        self.documents.put("invoices/100001/1.pdf", b"%PDF", "application/pdf")
        self.paced = 0
        self.outbox = Outbox(self.store, self.queue)
        self.sender = DeliverySender(self.store, self.mailer, self.sms, self.documents, self.clock, self.pace)
        self.events = DeliveryEvents(self.store, self.clock)

    def pace(self) -> None:
        self.paced += 1

    def email(self, delivery_id: str = "invoice-1-email", recipient: str = "kari@example.no") -> Delivery:
        return Delivery(
            id=delivery_id,
            channel="email",
            recipient=recipient,
            subject="Faktura 1",
            text="Se vedlegg",
            attachments=(Attachment(filename="invoice-1.pdf", key="invoices/100001/1.pdf"),),
            group="run-1",
            customer_number="100001",
            created_at=NOW,
        )

    def state(self, delivery_id: str = "invoice-1-email") -> Delivery:
        delivery = self.store.get(delivery_id)
        assert delivery is not None
        return delivery


@pytest.fixture
def box() -> Outboxes:
    return Outboxes()


def test_a_delivery_queued_twice_is_stored_once_and_sent_once(box: Outboxes) -> None:
    assert box.outbox.enqueue([box.email()]) == [box.email()]
    assert box.outbox.enqueue([box.email()]) == []  # stored before: queued again, in case its message was lost
    assert box.queue.messages == ["invoice-1-email", "invoice-1-email"]
    outcomes = [box.sender.deliver(i) for i in box.queue.take()]
    assert outcomes == ["sent", "finished_before"]
    [mail] = box.mailer.sent
    assert (mail.recipient, mail.attachments, mail.tags) == (
        "kari@example.no",
        [("invoice-1.pdf", b"%PDF", "application/pdf")],
        {"delivery": "invoice-1-email"},
    )
    assert (box.state().state, box.state().message_id, box.paced) == (DeliveryState.SENT, "message-1", 1)
    assert box.store.group_counts("run-1") == DeliveryCounts(queued=1, sent=1)
    assert box.outbox.enqueue([box.email()]) == [] and box.queue.messages == []  # sent: never queued again


def test_an_address_the_provider_refuses_fails_that_delivery_with_the_reason(box: Outboxes) -> None:
    box.outbox.enqueue([box.email(), box.email("invoice-2-email", "ola@example.no")])
    box.mailer.fail_next.append(Undeliverable("SES refused the message: MessageRejected"))
    assert [box.sender.deliver(i) for i in box.queue.take()] == ["failed", "sent"]
    assert (box.state().state, box.state().reason) == (DeliveryState.FAILED, "SES refused the message: MessageRejected")
    assert box.store.group_counts("run-1") == DeliveryCounts(queued=2, sent=1, failed=1)
    assert [d.id for d in box.store.group_failures("run-1", 10)] == ["invoice-1-email"]


def test_an_address_that_is_no_address_fails_without_asking_the_provider(box: Outboxes) -> None:
    box.outbox.enqueue([box.email(recipient="kari@@example.no")])
    assert box.sender.deliver("invoice-1-email") == "failed"
    assert box.mailer.sent == [] and box.paced == 0
    assert box.state().reason == "The e-mail address is not valid."


def test_throttling_puts_the_delivery_back_for_the_queue_to_bring_again(box: Outboxes) -> None:
    box.outbox.enqueue([box.email()])
    box.mailer.fail_next.append(TransientFailure("SES cannot send now: TooManyRequestsException"))
    with pytest.raises(RetryLater):
        box.sender.deliver("invoice-1-email")
    assert (box.state().state, box.state().attempt) == (DeliveryState.QUEUED, 1)
    assert box.sender.deliver("invoice-1-email") == "sent"
    assert box.state().attempt == 2 and len(box.mailer.sent) == 1


def test_a_send_whose_answer_was_lost_is_not_sent_again_until_it_is_stale(box: Outboxes) -> None:
    box.outbox.enqueue([box.email()])
    box.mailer.fail_next.append(OutcomeUnknown("SES did not answer: ReadTimeoutError"))
    with pytest.raises(RetryLater):
        box.sender.deliver("invoice-1-email")
    assert box.state().state == DeliveryState.SENDING
    # The message comes back at once: the delivery is still being sent by the first attempt
    with pytest.raises(RetryLater, match="being sent"):
        box.sender.deliver("invoice-1-email")
    # SES's event says it was sent: recorded, and the next copy of the message is acknowledged
    assert box.events.record(ProviderEvent("send", "invoice-1-email", "ses-1")) == "sent"
    assert box.sender.deliver("invoice-1-email") == "finished_before"
    assert (box.state().state, box.state().message_id, box.mailer.sent) == (DeliveryState.SENT, "ses-1", [])


def test_without_an_event_a_stale_send_is_tried_again(box: Outboxes) -> None:
    box.outbox.enqueue([box.email()])
    box.mailer.fail_next.append(OutcomeUnknown("SES did not answer"))
    with pytest.raises(RetryLater):
        box.sender.deliver("invoice-1-email")
    box.clock.advance(timedelta(minutes=16))
    assert box.sender.deliver("invoice-1-email") == "sent"
    assert box.state().attempt == 2


def test_a_hard_bounce_fails_a_sent_delivery_and_moves_its_count(box: Outboxes) -> None:
    box.outbox.enqueue([box.email()])
    box.sender.deliver("invoice-1-email")
    assert (
        box.events.record(ProviderEvent("bounce", "invoice-1-email", "message-1", permanent=True, detail="General"))
        == "failed"
    )
    assert box.events.record(ProviderEvent("bounce", "invoice-1-email", "message-1", permanent=False)) == "ignored"
    assert box.events.record(ProviderEvent("send", None, "other")) == "ignored"  # an e-mail sent without the outbox
    assert (box.state().state, box.state().reason) == (
        DeliveryState.FAILED,
        "bounced: the address does not accept mail: General",
    )
    assert box.store.group_counts("run-1") == DeliveryCounts(queued=1, sent=0, failed=1)


def test_an_sms_delivery_is_sent_to_the_number(box: Outboxes) -> None:
    sms = Delivery(id="alert-1-sms", channel="sms", recipient="+4791234567", text="Forbruket er høyt", created_at=NOW)
    box.outbox.enqueue([sms])
    assert box.sender.deliver("alert-1-sms") == "sent"
    assert box.sms.sent == [("+4791234567", "Forbruket er høyt")]
