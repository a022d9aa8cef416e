"""Service interruptions (``services.interruptions.InterruptionRepository``) in
memory, sorted by start as the DynamoDB sort key is."""

from __future__ import annotations

from datetime import datetime

from heatportal.domain.interruption import ServiceInterruption
from heatportal.services.interruptions import InterruptionRepository


class InMemoryInterruptionRepository(InterruptionRepository):
    def __init__(self) -> None:
        self.items: dict[str, ServiceInterruption] = {}
        self.queries: list[tuple[datetime, datetime]] = []

    def put_interruption(self, interruption: ServiceInterruption) -> None:
        self.items[interruption.id] = interruption

    def interruptions_starting(self, start: datetime, end: datetime) -> list[ServiceInterruption]:
        self.queries.append((start, end))
        return sorted((i for i in self.items.values() if start <= i.starts_at <= end), key=lambda i: i.starts_at)
