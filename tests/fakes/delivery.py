"""The delivery outbox's store and queue in memory (``ports.DeliveryStore``,
``ports.DeliveryQueue``; DynamoDB and SQS in production), with the semantics
of their adapters (held to them by tests/contract/ports):

- a delivery is stored once per id; a group counts its deliveries queued,
  sent and failed, each change counted once;
- a claim moves ``queued`` (or ``sending`` since before the stale moment) to
  ``sending`` with the next attempt; a finished delivery is never claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from heatportal.domain.delivery import Delivery, DeliveryCounts, DeliveryState, short_reason
from heatportal.ports import DeliveryQueue, DeliveryStore


class InMemoryDeliveryStore(DeliveryStore):
    def __init__(self) -> None:
        self.deliveries: dict[str, Delivery] = {}
        self.counts: dict[str, DeliveryCounts] = {}
        self.failed_in: dict[str, list[str]] = {}

    def _count(self, group: str, **moved: int) -> None:
        if not group:
            return
        counts = self.counts.get(group, DeliveryCounts())
        self.counts[group] = DeliveryCounts(
            **{k: getattr(counts, k) + moved.get(k, 0) for k in DeliveryCounts.model_fields}
        )

    def add(self, deliveries: Sequence[Delivery]) -> list[Delivery]:
        added = []
        for delivery in {d.id: d for d in deliveries}.values():
            if delivery.id in self.deliveries:
                continue
            self.deliveries[delivery.id] = delivery
            self._count(delivery.group, queued=1)
            added.append(delivery)
        return added

    def get(self, delivery_id: str) -> Delivery | None:
        return self.deliveries.get(delivery_id)

    def get_many(self, delivery_ids: Sequence[str]) -> dict[str, Delivery]:
        return {i: self.deliveries[i] for i in delivery_ids if i in self.deliveries}

    def claim(self, delivery_id: str, now: datetime, stale_before: datetime) -> tuple[bool, Delivery | None]:
        delivery = self.deliveries.get(delivery_id)
        if delivery is None:
            return False, None
        stale = (
            delivery.state == DeliveryState.SENDING
            and delivery.claimed_at is not None
            and delivery.claimed_at < stale_before
        )
        if delivery.state != DeliveryState.QUEUED and not stale:
            return False, delivery
        claimed = delivery.model_copy(
            update={
                "state": DeliveryState.SENDING,
                "attempt": delivery.attempt + 1,
                "claimed_at": now,
                "updated_at": now,
            }
        )
        self.deliveries[delivery_id] = claimed
        return True, claimed

    def mark_sent(self, delivery: Delivery, message_id: str, now: datetime) -> None:
        current = self.deliveries[delivery.id]
        if current.state != DeliveryState.SENDING or current.attempt != delivery.attempt:
            return
        self.deliveries[delivery.id] = current.model_copy(
            update={"state": DeliveryState.SENT, "message_id": message_id, "updated_at": now, "reason": None}
        )
        self._count(current.group, sent=1)

    def confirm_sent(self, delivery_id: str, message_id: str, now: datetime) -> None:
        current = self.deliveries.get(delivery_id)
        if current is None or current.finished:
            return
        self.deliveries[delivery_id] = current.model_copy(
            update={"state": DeliveryState.SENT, "message_id": message_id, "updated_at": now}
        )
        self._count(current.group, sent=1)

    def mark_failed(self, delivery: Delivery, reason: str, now: datetime) -> None:
        current = self.deliveries.get(delivery.id)
        if current is None or current.state == DeliveryState.FAILED:
            return
        self.deliveries[delivery.id] = current.model_copy(
            update={"state": DeliveryState.FAILED, "reason": short_reason(reason), "updated_at": now}
        )
        self._count(current.group, failed=1, sent=-1 if current.state == DeliveryState.SENT else 0)
        if current.group:
            self.failed_in.setdefault(current.group, []).append(current.id)

    def release(self, delivery: Delivery, reason: str, now: datetime) -> None:
        current = self.deliveries[delivery.id]
        if current.state != DeliveryState.SENDING or current.attempt != delivery.attempt:
            return
        self.deliveries[delivery.id] = current.model_copy(
            update={"state": DeliveryState.QUEUED, "reason": short_reason(reason), "updated_at": now}
        )

    def group_counts(self, group: str) -> DeliveryCounts:
        return self.counts.get(group, DeliveryCounts())

    def group_failures(self, group: str, limit: int) -> list[Delivery]:
        ids = sorted(set(self.failed_in.get(group, [])))[:limit]
        return [self.deliveries[i] for i in ids]


class InMemoryDeliveryQueue(DeliveryQueue):
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.fail_next: list[Exception] = []

    def send(self, delivery_ids: Sequence[str]) -> None:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.messages.extend(dict.fromkeys(delivery_ids))

    def take(self) -> list[str]:
        """Every message queued so far, removed from the queue (what a consumer receives)."""
        taken, self.messages = self.messages, []
        return taken
