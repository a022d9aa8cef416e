"""The alerts' deliveries port on the delivery outbox (``services.delivery``):
each e-mail or SMS of an alert or a month's information becomes one delivery
record, stored once per message id and queued for the outbox's sender.

The outbox sends what it is given as soon as it can, so an SMS told in the
profile's quiet hours waits in the ``HeldMessageStore`` and goes to the
outbox at the first alert run after they end (``release_due``)."""

from __future__ import annotations

from datetime import datetime

from heatportal.domain.delivery import Delivery
from heatportal.ports import Clock
from heatportal.services.alerts.ports import HeldMessageStore, OutboundMessage
from heatportal.services.delivery.outbox import Outbox


def delivery_of(message: OutboundMessage, now: datetime) -> Delivery:
    """The outbox's record of a message; its group is the purpose and the day
    it was queued (``alert-2026-01-12``), so each day's counts are kept apart."""
    return Delivery(
        id=message.id,
        channel=message.channel,
        recipient=message.to,
        subject=message.subject,
        text=message.text,
        html=message.html,
        group=f"{message.purpose}-{now.date().isoformat()}",
        customer_number=message.customer_number,
        created_at=now,
    )


class OutboxDeliveries:
    def __init__(self, outbox: Outbox, held: HeldMessageStore, clock: Clock) -> None:
        self.outbox = outbox
        self.held = held
        self.clock = clock

    def queue(self, message: OutboundMessage) -> bool:
        now = self.clock.now()
        if message.not_before is not None and message.not_before > now:
            return self.held.hold(message)
        return bool(self.outbox.enqueue([delivery_of(message, now)]))

    def release_due(self) -> int:
        """Queue the held SMS whose quiet hours have ended; returns how many.
        Queued before they are marked released: a run that stops in between
        queues them again, and the outbox stores each id once."""
        now = self.clock.now()
        due = self.held.due(now)
        if due:
            self.outbox.enqueue([delivery_of(m, now) for m in due])
            self.held.released([m.id for m in due])
        return len(due)
