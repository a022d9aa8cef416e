"""DeliveryStore: the fake and the adapter agree (the outbox's records)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from heatportal.domain.delivery import Attachment, Delivery, DeliveryCounts, DeliveryState
from tests.contract.ports.conftest import Ports

NOW = datetime(2026, 10, 2, 7, tzinfo=UTC)


def a_delivery(delivery_id: str = "invoice-1-email", group: str = "run-1") -> Delivery:
    return Delivery(
        id=delivery_id,
        channel="email",
        recipient="kari@example.no",
        subject="Faktura 1",
        text="Se vedlegg",
        html="<p>Se vedlegg</p>",
        attachments=(Attachment(filename="invoice-1.pdf", key="invoices/100001/1.pdf"),),
        group=group,
        customer_number="100001",
        created_at=NOW,
    )


def test_a_delivery_is_stored_once_and_counted_queued_once(ports: Ports) -> None:
    assert ports.deliveries.add([a_delivery(), a_delivery("invoice-2-email")]) == [
        a_delivery(),
        a_delivery("invoice-2-email"),
    ]
    assert ports.deliveries.add([a_delivery(), a_delivery("invoice-3-email")]) == [a_delivery("invoice-3-email")]
    assert ports.deliveries.get("invoice-1-email") == a_delivery()
    assert ports.deliveries.get("invoice-9-email") is None
    assert sorted(ports.deliveries.get_many(["invoice-1-email", "invoice-9-email"])) == ["invoice-1-email"]
    assert ports.deliveries.group_counts("run-1") == DeliveryCounts(queued=3)


def test_a_delivery_is_claimed_by_one_attempt_and_sent_once(ports: Ports) -> None:
    ports.deliveries.add([a_delivery()])
    claimed, delivery = ports.deliveries.claim("invoice-1-email", NOW, NOW - timedelta(minutes=15))
    assert claimed and delivery is not None
    assert (delivery.state, delivery.attempt, delivery.claimed_at) == (DeliveryState.SENDING, 1, NOW)
    # A second copy of the message finds it being sent
    again, seen = ports.deliveries.claim("invoice-1-email", NOW, NOW - timedelta(minutes=15))
    assert (again, seen) == (False, delivery)
    ports.deliveries.mark_sent(delivery, "ses-1", NOW)
    ports.deliveries.mark_sent(delivery, "ses-1", NOW)  # a lost reply asked again
    sent = ports.deliveries.get("invoice-1-email")
    assert sent is not None and (sent.state, sent.message_id) == (DeliveryState.SENT, "ses-1")
    assert ports.deliveries.group_counts("run-1") == DeliveryCounts(queued=1, sent=1)
    # Once sent, never claimed again, however old
    assert ports.deliveries.claim("invoice-1-email", NOW + timedelta(days=1), NOW + timedelta(days=1))[0] is False
    assert ports.deliveries.claim("invoice-9-email", NOW, NOW) == (False, None)


def test_a_claim_left_sending_is_taken_over_only_when_stale(ports: Ports) -> None:
    ports.deliveries.add([a_delivery()])
    _, first = ports.deliveries.claim("invoice-1-email", NOW, NOW - timedelta(minutes=15))
    assert (
        ports.deliveries.claim("invoice-1-email", NOW + timedelta(minutes=5), NOW - timedelta(minutes=10))[0] is False
    )
    claimed, second = ports.deliveries.claim("invoice-1-email", NOW + timedelta(minutes=20), NOW + timedelta(minutes=5))
    assert claimed and second is not None and second.attempt == 2
    assert first is not None
    ports.deliveries.mark_sent(first, "ses-late", NOW)  # the first attempt's record comes too late: ignored
    current = ports.deliveries.get("invoice-1-email")
    assert current is not None and current.state == DeliveryState.SENDING


def test_the_providers_event_confirms_a_send_whose_record_was_lost(ports: Ports) -> None:
    ports.deliveries.add([a_delivery()])
    ports.deliveries.claim("invoice-1-email", NOW, NOW)
    ports.deliveries.confirm_sent("invoice-1-email", "ses-1", NOW)
    ports.deliveries.confirm_sent("invoice-1-email", "ses-1", NOW)
    sent = ports.deliveries.get("invoice-1-email")
    assert sent is not None and (sent.state, sent.message_id) == (DeliveryState.SENT, "ses-1")
    assert ports.deliveries.group_counts("run-1") == DeliveryCounts(queued=1, sent=1)


def test_a_failed_delivery_is_counted_once_and_listed_with_its_reason(ports: Ports) -> None:
    ports.deliveries.add([a_delivery(), a_delivery("invoice-2-email")])
    _, one = ports.deliveries.claim("invoice-1-email", NOW, NOW)
    assert one is not None
    ports.deliveries.mark_sent(one, "ses-1", NOW)
    ports.deliveries.mark_failed(one, "bounced:   the address does not accept mail", NOW)  # a bounce after the send
    ports.deliveries.mark_failed(one, "again", NOW)
    _, two = ports.deliveries.claim("invoice-2-email", NOW, NOW)
    assert two is not None
    ports.deliveries.release(two, "SES throttled", NOW)
    waiting = ports.deliveries.get("invoice-2-email")
    assert waiting is not None and (waiting.state, waiting.reason) == (DeliveryState.QUEUED, "SES throttled")
    assert ports.deliveries.group_counts("run-1") == DeliveryCounts(queued=2, sent=0, failed=1)
    [failed] = ports.deliveries.group_failures("run-1", 10)
    assert (failed.id, failed.state, failed.reason) == (
        "invoice-1-email",
        DeliveryState.FAILED,
        "bounced: the address does not accept mail",
    )
