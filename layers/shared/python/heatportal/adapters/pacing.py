"""Answers that take at least a fixed time (services.accounts.Pacer)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager


class MinimumDuration:
    """Sleeps at the end of a block until it has lasted ``seconds``, whether the
    block returned or raised. Measured with the monotonic clock."""

    def __init__(
        self, monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.monotonic = monotonic
        self.sleep = sleep

    def at_least(self, seconds: float) -> AbstractContextManager[None]:
        return self._paced(seconds)

    @contextmanager
    def _paced(self, seconds: float) -> Iterator[None]:
        started = self.monotonic()
        try:
            yield
        finally:
            left = seconds - (self.monotonic() - started)
            if left > 0:
                self.sleep(left)
