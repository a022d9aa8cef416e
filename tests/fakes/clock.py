"""The clock port (``heatportal.ports.Clock``) standing still."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from heatportal.ports import Clock


class FixedClock(Clock):
    """A clock that stands still until the test moves it."""

    def __init__(self, today: date, hour: int = 9) -> None:
        self._now = datetime(today.year, today.month, today.day, hour, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def set_today(self, today: date) -> None:
        self._now = self._now.replace(year=today.year, month=today.month, day=today.day)

    def advance(self, by: timedelta) -> None:
        self._now += by
