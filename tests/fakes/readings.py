"""Readings, their correction history and confirmation markers in memory, with
the semantics of ``adapters.dynamo.DynamoRepository`` and
``adapters.dynamo_readings.DynamoReadingsStore`` (held to them by
tests/contract/ports):

- a reading is stored once per meter and date; an estimate is replaced by an
  actual reading; a retry repeats the stored values (or sends fewer secondary
  register values); anything else on a stored date is a Conflict with code
  ``reading_duplicate``;
- ``latest_reading(before=d)`` is the newest reading *on or before* ``d``;
- ``daily_consumption`` is ``start <= day < end``; ``list_readings`` is
  ``start <= read_on <= end``.
"""

from __future__ import annotations

from datetime import date

from heatportal.domain.errors import Conflict
from heatportal.domain.model import DailyConsumption, Reading
from heatportal.domain.reading_corrections import ReadingCorrection
from heatportal.ports import ReadingRepository
from heatportal.services.reading_confirmations import ConfirmationMarkers
from heatportal.services.reading_corrections import ReadingHistoryStore


class InMemoryReadingRepository(ReadingRepository):
    """Counts the writes and the reading queries a service makes."""

    def __init__(self) -> None:
        self.readings: dict[tuple[str, date], Reading] = {}
        self.daily: dict[tuple[str, date], DailyConsumption] = {}
        self.writes = 0
        self.queries = 0

    def list_readings(self, meter_number: str, start: date, end: date) -> list[Reading]:
        self.queries += 1
        return sorted(
            (r for (m, d), r in self.readings.items() if m == meter_number and start <= d <= end),
            key=lambda r: r.read_on,
        )

    def latest_reading(self, meter_number: str, before: date | None = None) -> Reading | None:
        self.queries += 1
        candidates = [r for (m, d), r in self.readings.items() if m == meter_number and (before is None or d <= before)]
        return max(candidates, key=lambda r: r.read_on) if candidates else None

    def add_reading(self, reading: Reading) -> Reading:
        key = (reading.meter_number, reading.read_on)
        existing = self.readings.get(key)
        if existing is None or existing.estimated:
            self.readings[key] = reading
            self.writes += 1
            return reading
        same_registers = all(existing.registers.get(name) == value for name, value in reading.registers.items())
        if existing.value == reading.value and same_registers:
            return existing  # a retry of the same submission: stored once
        raise Conflict(
            "A different reading is already recorded for this meter and date.",
            code="reading_duplicate",
            params={"date": reading.read_on.isoformat()},
        )

    def daily_consumption(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        return sorted(
            (c for (m, d), c in self.daily.items() if m == meter_number and start <= d < end),
            key=lambda c: c.day,
        )

    def add_daily(self, *days: DailyConsumption) -> None:
        for day in days:
            self.daily[(day.meter_number, day.day)] = day


class InMemoryReadingHistoryStore(ReadingHistoryStore):
    """Replaces a reading in the reading repository and keeps the history, all or nothing."""

    def __init__(self, readings: InMemoryReadingRepository) -> None:
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


class InMemoryConfirmationMarkers(ConfirmationMarkers):
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
