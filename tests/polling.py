"""Waiting on a condition, never on the clock: a test that needs something
another process or thread does polls for it, and fails with what it waited
for when it does not come in time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], *, timeout: float, what: str, every: float = 0.1) -> T:
    """The first truthy answer of ``condition``, asked every ``every`` seconds;
    TimeoutError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        answer = condition()
        if answer:
            return answer
        if time.monotonic() >= deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(every)
