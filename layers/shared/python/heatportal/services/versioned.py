"""Writes under an optimistic lock: read the version, decide, write only if the
version is still the one read. An attempt that loses the race (another change
moved the version meanwhile) reads again and decides again, a few times, then
the person is asked to try again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

from heatportal.domain.errors import Conflict

T = TypeVar("T")
ATTEMPTS = 5


class Retry:
    """The outcome of an attempt whose conditional write lost the race."""

    def __repr__(self) -> str:
        return "RETRY"


RETRY: Final = Retry()
"""What an attempt returns when its conditional write failed: read again."""


def concurrent_change() -> Conflict:
    return Conflict("The access list changed at the same time. Try again.", code="conflict")


def write_versioned(attempt: Callable[[], T | Retry], *, attempts: int = ATTEMPTS) -> T:
    """Run ``attempt`` (which reads the version itself, decides and writes) until
    it returns something other than RETRY; Conflict (``conflict``) when every
    attempt lost the race. An attempt raises to refuse the change outright."""
    for _ in range(attempts):
        outcome = attempt()
        if not isinstance(outcome, Retry):
            return outcome
    raise concurrent_change()
