"""Sessions end everywhere: a token issued before the person's last sign-out
is refused (whole seconds: the sign-out's own second counts as before), and a
sign-in right after a sign-out waits for the next second instead of handing
out a token that is refused on arrival."""

from __future__ import annotations

from heatportal.services.sessions import Sessions, issued_before_sign_out
from tests.fakes.sessions import InMemorySignOutStore


class Wall:
    def __init__(self, ms: int) -> None:
        self.ms = ms
        self.slept: list[float] = []

    def now(self) -> int:
        return self.ms

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.ms += int(seconds * 1000)


def test_the_rule_in_whole_seconds() -> None:
    assert not issued_before_sign_out(1000, None)
    assert issued_before_sign_out(999, 1_000_500)
    assert issued_before_sign_out(1000, 1_000_500)  # the same second: before
    assert issued_before_sign_out(1000, 1_000_000)
    assert not issued_before_sign_out(1001, 1_000_999)


def test_tokens_before_the_sign_out_are_revoked_and_later_ones_are_not() -> None:
    store, wall = InMemorySignOutStore(), Wall(1_000_500)
    sessions = Sessions(store, now_ms=wall.now, sleep=wall.sleep)
    assert not sessions.revoked({"sub": "u1", "iat": 999})
    sessions.end_everywhere("u1")
    assert sessions.revoked({"sub": "u1", "iat": 999})
    assert sessions.revoked({"sub": "u1", "iat": "1000"})  # as API Gateway passes claims: strings
    assert not sessions.revoked({"sub": "u1", "iat": 1001})
    assert not sessions.revoked({"sub": "u2", "iat": 999})  # somebody else
    assert sessions.revoked({"iat": 1001})  # no subject: nobody's session


def test_a_sign_in_in_the_second_of_the_sign_out_waits_for_the_next_second() -> None:
    store, wall = InMemorySignOutStore(), Wall(1_000_200)
    sessions = Sessions(store, now_ms=wall.now, sleep=wall.sleep)
    sessions.end_everywhere("u1")
    issued: list[int] = []

    def sign_in() -> dict[str, object]:
        issued.append(wall.ms // 1000)
        return {"sub": "u1", "iat": wall.ms // 1000}

    tokens = sessions.fresh(sign_in, lambda t: t)
    assert wall.slept == [0.8]
    assert issued == [1000, 1001]
    assert not sessions.revoked(tokens)


def test_a_sign_in_long_after_the_sign_out_is_not_repeated() -> None:
    store, wall = InMemorySignOutStore(), Wall(1_000_200)
    sessions = Sessions(store, now_ms=wall.now, sleep=wall.sleep)
    sessions.end_everywhere("u1")
    wall.ms = 5_000_000
    calls: list[int] = []

    def sign_in() -> dict[str, object]:
        calls.append(1)
        return {"sub": "u1", "iat": wall.ms // 1000}

    sessions.fresh(sign_in, lambda t: t)
    assert (calls, wall.slept) == ([1], [])
