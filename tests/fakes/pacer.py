"""A pacer (``services.accounts.Pacer``) that records the floors it was asked
for instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from heatportal.services.accounts import Pacer


class RecordingPacer(Pacer):
    def __init__(self) -> None:
        self.floors: list[float] = []
        self.open = 0

    def at_least(self, seconds: float) -> AbstractContextManager[None]:
        return self._block(seconds)

    @contextmanager
    def _block(self, seconds: float) -> Iterator[None]:
        self.floors.append(seconds)
        self.open += 1
        try:
            yield
        finally:
            self.open -= 1
