"""Fakes of the readings area's confirmation markers and correction history,
on top of the shared ``InMemoryReadings`` (which holds the readings)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from heatportal.domain.errors import Conflict
from heatportal.domain.model import Reading
from heatportal.domain.reading_corrections import ReadingCorrection
from tests.unit.fakes import InMemoryReadings


class InMemoryReadingHistory:
    """Replaces a reading in ``readings`` and keeps the history, all or nothing."""

    def __init__(self, readings: InMemoryReadings) -> None:
        self.readings = readings
        self.history: list[ReadingCorrection] = []

    def replace_reading(self, current: Reading, corrected: Reading, correction: ReadingCorrection) -> None:
        key = (current.meter_number, current.read_on)
        stored = self.readings.readings.get(key)
        if stored is None or (stored.value, stored.recorded_at) != (current.value, current.recorded_at):
            raise Conflict("The reading was changed in the meantime.", code="reading_changed")
        self.readings.readings[key] = corrected
        self.history.append(correction)

    def corrections(self, meter_number: str, start: date, end: date) -> list[ReadingCorrection]:
        return sorted(
            (c for c in self.history if c.meter_number == meter_number and start <= c.read_on <= end),
            key=lambda c: (c.read_on, c.corrected_at),
        )


class InMemoryConfirmationMarkers:
    def __init__(self) -> None:
        self.claimed: set[tuple[str, date]] = set()
        self.fail_release = False

    def claim_confirmation(self, meter_number: str, read_on: date) -> bool:
        if (meter_number, read_on) in self.claimed:
            return False
        self.claimed.add((meter_number, read_on))
        return True

    def release_confirmation(self, meter_number: str, read_on: date) -> None:
        if self.fail_release:
            raise ConnectionError("DynamoDB is unreachable")
        self.claimed.discard((meter_number, read_on))


if TYPE_CHECKING:  # mypy checks that every fake satisfies its port
    from heatportal.services.reading_confirmations import ConfirmationMarkers
    from heatportal.services.reading_corrections import ReadingHistoryStore

    _history: ReadingHistoryStore = InMemoryReadingHistory(InMemoryReadings())
    _markers: ConfirmationMarkers = InMemoryConfirmationMarkers()
