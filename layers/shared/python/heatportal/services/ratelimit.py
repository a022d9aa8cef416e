"""Limits on guessing: PINs, postcodes, one-time codes, passwords.

A limit is a counter per (scope, key) in a fixed window. ``hit`` counts an
attempt and refuses once the counter is past the limit; ``check`` refuses
without counting (a locked customer number is refused even with the right
PIN); ``reset`` clears the counter after a success, so "six wrong in a row"
means six failures without a success in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from heatportal.domain.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    scope: str
    limit: int
    window_seconds: int


# Registration proof failures per customer number: the sixth wrong PIN in a
# row locks registration for that number for a day.
REGISTRATION_PER_CUSTOMER = Limit("reg-customer", 6, 24 * 3600)
# Per client address: coarse flood limits (many people share one address behind
# NAT); the per-number and per-username limits stop the guessing.
REGISTRATION_PER_CLIENT = Limit("reg-client", 100, 3600)
LOGIN_PER_USERNAME = Limit("login-user", 10, 15 * 60)
LOGIN_PER_CLIENT = Limit("login-client", 600, 10 * 60)
CODE_REQUESTS_PER_ADDRESS = Limit("code-send", 5, 3600)
CODE_REQUESTS_PER_CLIENT = Limit("code-send-client", 100, 3600)
CODE_CHECKS_PER_ADDRESS = Limit("code-check", 10, 3600)
# A management company registering a customer with customer + organisation
# number (services.companies): own counters, so they never reset the PIN lock.
COMPANY_REGISTRATION_PER_CUSTOMER = Limit("company-reg-customer", 6, 24 * 3600)
COMPANY_REGISTRATION_PER_ORG = Limit("company-reg-org", 20, 24 * 3600)


class RateLimitStore(Protocol):
    def increment(self, scope: str, key: str, now: int, window_seconds: int) -> tuple[int, int]:
        """Count one attempt atomically; returns (count in window, window end epoch)."""
        ...

    def peek(self, scope: str, key: str, now: int) -> tuple[int, int]:
        """(count, window end) of the current window; (0, now) when none is open."""
        ...

    def clear(self, scope: str, key: str) -> None: ...


class RateLimiter:
    def __init__(self, store: RateLimitStore) -> None:
        self.store = store

    def _refuse(self, limit: Limit, window_end: int, now: int) -> RateLimited:
        retry_after = max(1, window_end - now)
        return RateLimited(
            "Too many attempts. Please wait and try again.",
            code="rate_limited",
            params={"retry_after": retry_after, "minutes": (retry_after + 59) // 60, "scope": limit.scope},
        )

    def check(self, limit: Limit, key: str, now: datetime) -> None:
        epoch = int(now.timestamp())
        count, window_end = self.store.peek(limit.scope, key, epoch)
        if count >= limit.limit:
            raise self._refuse(limit, window_end, epoch)

    def hit(self, limit: Limit, key: str, now: datetime) -> int:
        """Count an attempt; raise RateLimited when it goes past the limit."""
        epoch = int(now.timestamp())
        count, window_end = self.store.increment(limit.scope, key, epoch, limit.window_seconds)
        if count > limit.limit:
            raise self._refuse(limit, window_end, epoch)
        return count

    def reset(self, limit: Limit, key: str) -> None:
        self.store.clear(limit.scope, key)
