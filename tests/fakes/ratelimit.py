"""Rate-limit counters (``services.ratelimit.RateLimitStore``) in memory, with
the window semantics of ``adapters.dynamo_accounts.DynamoRateLimitStore``."""

from __future__ import annotations

from heatportal.services.ratelimit import RateLimitStore


class InMemoryRateLimitStore(RateLimitStore):
    def __init__(self) -> None:
        self.counters: dict[tuple[str, str], tuple[int, int]] = {}

    def increment(self, scope: str, key: str, now: int, window_seconds: int) -> tuple[int, int]:
        count, end = self.counters.get((scope, key), (0, 0))
        if end <= now:
            count, end = 0, now + window_seconds
        self.counters[(scope, key)] = (count + 1, end)
        return count + 1, end

    def peek(self, scope: str, key: str, now: int) -> tuple[int, int]:
        count, end = self.counters.get((scope, key), (0, 0))
        return (count, end) if end > now else (0, now)

    def clear(self, scope: str, key: str) -> None:
        self.counters.pop((scope, key), None)
