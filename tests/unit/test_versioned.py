"""One retry helper for writes under an optimistic lock (heatportal.services.versioned)."""

from __future__ import annotations

import pytest

from heatportal.domain.errors import Conflict, NotFound
from heatportal.services.versioned import ATTEMPTS, RETRY, Retry, write_versioned


def test_an_attempt_that_lost_the_race_is_tried_again_with_a_fresh_read() -> None:
    reads: list[int] = []

    def attempt() -> str | Retry:
        reads.append(len(reads))  # each attempt reads the version anew
        return "written" if len(reads) == 3 else RETRY

    assert write_versioned(attempt) == "written"
    assert reads == [0, 1, 2]


def test_a_change_that_always_loses_is_a_conflict_after_a_few_attempts() -> None:
    calls: list[None] = []

    def attempt() -> None | Retry:
        calls.append(None)
        return RETRY

    with pytest.raises(Conflict) as refused:
        write_versioned(attempt)
    assert refused.value.code == "conflict"
    assert len(calls) == ATTEMPTS


def test_none_is_an_answer_and_a_refusal_is_not_retried() -> None:
    assert write_versioned(lambda: None) is None
    calls: list[None] = []

    def refuse() -> None:
        calls.append(None)
        raise NotFound("gone", code="user_not_found")

    with pytest.raises(NotFound):
        write_versioned(refuse)
    assert len(calls) == 1
