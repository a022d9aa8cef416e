"""Sessions that end everywhere.

Cognito's global sign-out revokes a person's refresh tokens (and its access
tokens for Cognito's own APIs), but an ID token stays valid until it expires,
up to an hour, and API Gateway's Cognito authorizer checks nothing else. So
each sign-out everywhere (signing out, a password reset, an e-mail change) is
also recorded with its time, and every request with an ID token issued
before it is refused: by the API's functions, the portal and, locally, the
gateway.

Tokens carry their issue time in whole seconds (``iat``). A token issued in
the second of a sign-out counts as issued before it; so that a person who
signs in again at once is not refused, a sign-in that lands in that second
waits for the next one and signs in again (``fresh``): at most one second,
only right after a sign-out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

T = TypeVar("T")


class SignOutStore(Protocol):
    """When a person last signed out everywhere (adapters.signouts)."""

    def record(self, user_id: str, at_ms: int) -> None: ...

    def signed_out_at_ms(self, user_id: str) -> int | None: ...


def issued_before_sign_out(issued_at: int, signed_out_at_ms: int | None) -> bool:
    """True for a token issued (``iat``, seconds) in or before the second of the sign-out."""
    return signed_out_at_ms is not None and issued_at * 1000 <= signed_out_at_ms


def revoked_by(claims: Mapping[str, object], signed_out_at_ms: int | None) -> bool:
    """True for the claims of a token issued before the given last sign-out
    everywhere, or without a subject (read by the caller, e.g. with the
    person's links: ``services.access.PersonLinks``)."""
    if not claims.get("sub"):
        return True
    return issued_before_sign_out(_issued_at(claims), signed_out_at_ms)


def _issued_at(claims: Mapping[str, object]) -> int:
    # API Gateway hands claims to the function as strings.
    try:
        return int(str(claims.get("iat", "0")))
    except ValueError:
        return 0


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class Sessions:
    def __init__(
        self,
        store: SignOutStore,
        *,
        now_ms: Callable[[], int] = _wall_clock_ms,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.now_ms = now_ms
        self.sleep = sleep

    def end_everywhere(self, user_id: str) -> None:
        """Every token of the person issued until now is refused from now on."""
        self.store.record(user_id, self.now_ms())

    def revoked(self, claims: Mapping[str, object]) -> bool:
        """True for the claims of a token issued before the person's last sign-out everywhere."""
        user_id = str(claims.get("sub") or "")
        return revoked_by(claims, self.store.signed_out_at_ms(user_id) if user_id else None)

    def fresh(self, sign_in: Callable[[], T], claims_of: Callable[[T], Mapping[str, object]]) -> T:
        """Tokens from ``sign_in`` that are not revoked on arrival: a sign-in in
        the second of the person's last sign-out is repeated in the next second."""
        tokens = sign_in()
        claims = claims_of(tokens)
        signed_out = self.store.signed_out_at_ms(str(claims.get("sub") or ""))
        if not issued_before_sign_out(_issued_at(claims), signed_out):
            return tokens
        assert signed_out is not None
        next_second_ms = (signed_out // 1000 + 1) * 1000
        self.sleep(max(0, next_second_ms - self.now_ms()) / 1000)
        return sign_in()
