"""Queue deliveries: store their records, then put their ids on the queue."""

from __future__ import annotations

from collections.abc import Sequence

from heatportal.domain.delivery import Delivery, DeliveryState
from heatportal.ports import DeliveryQueue, DeliveryStore


class Outbox:
    def __init__(self, store: DeliveryStore, queue: DeliveryQueue) -> None:
        self.store = store
        self.queue = queue

    def enqueue(self, deliveries: Sequence[Delivery], known: dict[str, Delivery] | None = None) -> list[Delivery]:
        """Store the deliveries not stored yet and queue them; queue again those
        stored before and still ``queued`` (their message may have been lost
        between the record and the queue). Returns the ones stored now.

        ``known``: records the caller read already (by id), so ids it knows
        are not read again."""
        if not deliveries:
            return []
        known = known or {}
        fresh = [d for d in deliveries if d.id not in known]
        added = self.store.add(fresh) if fresh else []
        added_ids = {d.id for d in added}
        unknown = [d.id for d in fresh if d.id not in added_ids]
        existing = {**known, **(self.store.get_many(unknown) if unknown else {})}
        waiting = [d.id for d in deliveries if d.id in existing and existing[d.id].state == DeliveryState.QUEUED]
        self.queue.send([d.id for d in added] + waiting)
        return added

    def requeue(self, delivery_ids: Sequence[str]) -> int:
        """Queue again the deliveries still waiting (a redrive); returns how many."""
        found = self.store.get_many(delivery_ids)
        waiting = [i for i, d in found.items() if d.state == DeliveryState.QUEUED]
        self.queue.send(waiting)
        return len(waiting)
