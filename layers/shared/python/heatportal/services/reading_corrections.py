"""Corrections of stored readings by customer service, with history kept.

Customer service corrects any stored reading. The customer's own people with
the full role replace a reading that came by SMS (a typo sent from a phone
cannot be taken back otherwise); every other reading stays customer
service's to correct. A correction replaces the stored reading's value and
keeps the replaced version as a history item, in one transaction that fails
if the reading changed since it was read (two people correcting at once).
The corrected value is validated like a new reading: a number with the
register's decimals, not below the previous actual reading and not above the
next one. Sending the same correction again changes nothing (a retry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.contact import hidden_character, text_invalid
from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Meter, Reading, ReadingSource, Role
from heatportal.domain.reading_corrections import REASON_MAX_LENGTH, ReadingCorrection
from heatportal.ports import Clock, ReadingRepository
from heatportal.services.access import Scope
from heatportal.services.readings import (
    ReadingService,
    check_secondary_neighbours,
    register_range,
    validate_register_value,
    validate_secondary_values,
)

# Neighbouring readings are looked for this far around the corrected date in
# one query; only when a side has none there is it searched further, once.
NEIGHBOUR_DAYS = 400


class ReadingHistoryStore(Protocol):
    def replace_reading(self, current: Reading, corrected: Reading, correction: ReadingCorrection) -> None:
        """Store ``corrected`` in place of ``current`` and the history item, at
        once; raises Conflict (``reading_changed``) if the stored reading is no
        longer ``current``."""
        ...

    def corrections(self, meter_number: str, start: date, end: date) -> list[ReadingCorrection]:
        """History of the readings dated ``start`` to ``end`` (inclusive), oldest first."""
        ...


@dataclass(frozen=True)
class ReadingWithCorrections:
    reading: Reading
    corrections: list[ReadingCorrection]


class ReadingCorrectionService:
    def __init__(
        self,
        reading_service: ReadingService,
        readings: ReadingRepository,
        history: ReadingHistoryStore,
        clock: Clock,
    ) -> None:
        self.reading_service = reading_service
        self.readings = readings
        self.history = history
        self.clock = clock

    def list_readings(self, scope: Scope, meter_number: str) -> list[ReadingWithCorrections]:
        """A meter's readings, each with the versions it replaced (two queries)."""
        stored = self.reading_service.list_readings(scope, meter_number)
        if not stored:
            return []
        history = self.history.corrections(meter_number, stored[0].read_on, stored[-1].read_on)
        by_date: dict[date, list[ReadingCorrection]] = {}
        for correction in history:
            by_date.setdefault(correction.read_on, []).append(correction)
        return [ReadingWithCorrections(r, by_date.get(r.read_on, [])) for r in stored]

    def corrections_of(
        self, scope: Scope, meter_number: str, readings: list[Reading]
    ) -> dict[date, list[ReadingCorrection]]:
        """The corrections of readings already listed (the portal's readings
        page), by reading date: one Query over their dates, nothing re-read.
        Whoever may see the meter's readings sees their corrections (a
        management company only on a facility it was granted)."""
        grant = scope.require(Role.READ, companies="any")
        meter = scope.meter(meter_number)
        grant.require_facility(meter.facility_id)
        if not readings:
            return {}
        first = min(r.read_on for r in readings)
        last = max(r.read_on for r in readings)
        by_date: dict[date, list[ReadingCorrection]] = {}
        for correction in self.history.corrections(meter.number, first, last):
            by_date.setdefault(correction.read_on, []).append(correction)
        return by_date

    def correct(
        self,
        scope: Scope,
        meter_number: str,
        read_on: date,
        value: Decimal,
        reason: str,
        registers: Mapping[str, Decimal] | None = None,
    ) -> ReadingWithCorrections:
        """``registers``: corrected values of secondary registers (e.g. the
        volume), validated like the main value; the others stay as they were."""
        principal = scope.principal
        scope.require(Role.FULL)
        meter = scope.meter(meter_number)
        if hidden_character(reason, multiline=True) is not None:
            raise text_invalid("reason")
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationFailed(
                "Please give a reason for the correction.",
                code="correction_reason_required",
                fields=[{"field": "reason", "code": "correction_reason_required"}],
            )
        reason = reason[:REASON_MAX_LENGTH]
        validate_register_value(meter, value)
        secondary = dict(registers or {})
        validate_secondary_values(meter, secondary)
        window = self.readings.list_readings(
            meter.number, read_on - timedelta(days=NEIGHBOUR_DAYS), read_on + timedelta(days=NEIGHBOUR_DAYS)
        )
        current = next((r for r in window if r.read_on == read_on), None)
        if current is None:
            raise NotFound(
                "There is no stored reading of this meter on that date.",
                code="reading_not_found",
                params={"date": read_on.isoformat()},
            )
        if not principal.is_staff and current.source != ReadingSource.SMS:
            raise Forbidden("Only customer service may correct a stored reading.", code="correction_staff_only")
        unchanged = all(current.registers.get(name) == v for name, v in secondary.items())
        if current.value == value and not current.estimated and unchanged:
            # The same correction again (a retry): nothing more to record.
            return ReadingWithCorrections(current, self.history.corrections(meter.number, read_on, read_on))
        rollover = self._check_neighbours(meter, window, read_on, value)
        rolled = check_secondary_neighbours(meter, window, read_on, secondary)
        changed = {name: v for name, v in secondary.items() if current.registers.get(name) != v}
        now = self.clock.now()
        corrected = Reading(
            meter_number=meter.number,
            read_on=read_on,
            value=value,
            # The customer's own replacement of an SMS reading is a reading made in the portal.
            source=ReadingSource.STAFF if principal.is_staff else ReadingSource.PORTAL,
            estimated=False,
            recorded_at=now,
            recorded_by=principal.user_id,
            rollover=rollover,
            # Secondary values not corrected stay as they were read.
            registers={**current.registers, **secondary},
            register_rollovers=(current.register_rollovers - set(secondary)) | rolled,
        )
        correction = ReadingCorrection(
            meter_number=meter.number,
            read_on=read_on,
            previous_value=current.value,
            previous_source=current.source,
            previous_estimated=current.estimated,
            previous_recorded_at=current.recorded_at,
            previous_recorded_by=current.recorded_by,
            value=value,
            previous_registers={name: current.registers[name] for name in changed if name in current.registers},
            registers=changed,
            reason=reason,
            corrected_at=now,
            corrected_by=principal.user_id,
            by_customer=not principal.is_staff,
        )
        self.history.replace_reading(current, corrected, correction)
        return ReadingWithCorrections(corrected, self.history.corrections(meter.number, read_on, read_on))

    def _check_neighbours(self, meter: Meter, window: list[Reading], read_on: date, value: Decimal) -> bool:
        """Not below the previous actual reading, not above the next one.
        Estimates do not bind, as for a new reading. On a meter whose register
        wraps, a value below the previous one is a rollover (returned True), and
        a next reading that is itself a rollover sets no ceiling."""
        wrap = register_range(meter)
        before = [r for r in window if r.read_on < read_on and not r.estimated]
        after = [r for r in window if r.read_on > read_on and not r.estimated]
        if not before:
            # Rare: nothing within the window; look further back, once.
            edge = read_on - timedelta(days=NEIGHBOUR_DAYS + 1)
            before = [r for r in self.readings.list_readings(meter.number, meter.installed_on, edge) if not r.estimated]
        floor = before[-1].value if before else meter.start_value
        rollover = wrap is not None and value < floor < wrap
        if value < floor and not rollover:
            raise ValidationFailed(
                "The reading is lower than the previous reading.",
                code="reading_below_previous",
                params={"previous": str(floor)},
                fields=[{"field": "value", "code": "reading_below_previous"}],
            )
        if not after:
            edge = read_on + timedelta(days=NEIGHBOUR_DAYS + 1)
            today = self.clock.today()
            if edge <= today:
                after = [r for r in self.readings.list_readings(meter.number, edge, today) if not r.estimated]
        ceiling = after[0] if after else None
        if ceiling is not None and not ceiling.rollover and value > ceiling.value:
            raise ValidationFailed(
                "The reading is higher than the next reading.",
                code="reading_above_next",
                params={"next": str(ceiling.value), "date": ceiling.read_on.isoformat()},
                fields=[{"field": "value", "code": "reading_above_next"}],
            )
        return rollover

    def replaceable(self, scope: Scope, readings: list[Reading]) -> set[date]:
        """The dates of ``readings`` the person may replace: for the customer's
        own people with the full role, those that came by SMS (staff correct
        through the API). Costs no request: the scope holds the role."""
        by_sms = {r.read_on for r in readings if r.source == ReadingSource.SMS and not r.estimated}
        if not by_sms or scope.principal.is_staff:
            return set()
        try:
            scope.require(Role.FULL)
        except Forbidden:
            return set()
        return by_sms
