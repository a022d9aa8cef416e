"""Time-keeping helpers: answers that take at least a fixed time
(services.accounts.Pacer), and sends spaced to a rate (the outbox's sender)."""

from __future__ import annotations

import threading
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


class SendRate:
    """Spaces calls of ``wait`` to at most ``per_second`` a second (a share of
    the provider's sending rate: each poller of the queue gets rate / pollers)."""

    def __init__(
        self,
        per_second: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / per_second
        self.monotonic = monotonic
        self.sleep = sleep
        self.next_slot = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self.monotonic()
            slot = max(now, self.next_slot)
            self.next_slot = slot + self.interval
        if slot > now:
            self.sleep(slot - now)
