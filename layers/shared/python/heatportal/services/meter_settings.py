"""Customer service sets a meter's register settings: the number of digits
before the decimals (so a value below the previous one can be a rollover),
optionally the decimals and the removal date.

Rules:
- Only staff; the meter must belong to the customer in the path.
- A reason is required; every change is kept as a history item written in the
  same transaction as the meter (nothing half-written), which also fails if
  the meter changed since it was read (two people at once).
- The register must be able to show every value stored for the meter: at
  least as many digits as the largest reading (and the start value), at least
  as many decimals as any reading uses. A meter with a recorded rollover keeps
  its number of digits: the wrap already billed was that register's range.
- A removal date is not before the installation nor before the last reading.
- Sending the same settings again changes nothing and records nothing (a retry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from heatportal.domain.errors import Forbidden, ValidationFailed
from heatportal.domain.meter_settings import NOTE_MAX_LENGTH, MeterSettingsChange, decimals_of, digits_of
from heatportal.domain.model import Meter, Role
from heatportal.ports import Clock, ReadingRepository
from heatportal.services.access import Scope


class MeterSettingsStore(Protocol):
    def change_meter_settings(self, current: Meter, changed: Meter, change: MeterSettingsChange) -> None:
        """Store ``changed`` in place of ``current`` and the history item at once;
        raises Conflict (``meter_changed``) if the stored meter is no longer ``current``."""
        ...

    def meter_settings_history(self, meter_number: str) -> list[MeterSettingsChange]:
        """The meter's settings changes, oldest first."""
        ...


class _Unchanged:
    """A setting the request leaves as it is (distinct from None: "no removal date")."""


UNCHANGED = _Unchanged()


@dataclass(frozen=True)
class MeterSettings:
    meter: Meter
    history: list[MeterSettingsChange]


class MeterSettingsService:
    def __init__(
        self,
        readings: ReadingRepository,
        store: MeterSettingsStore,
        clock: Clock,
    ) -> None:
        self.readings = readings
        self.store = store
        self.clock = clock

    def settings(self, scope: Scope, meter_number: str) -> MeterSettings:
        """The meter and its settings history (staff only)."""
        _require_staff(scope)
        meter = scope.meter(meter_number)
        return MeterSettings(meter, self.store.meter_settings_history(meter.number))

    def change(
        self,
        scope: Scope,
        meter_number: str,
        *,
        register_digits: int,
        reason: str,
        decimals: int | _Unchanged = UNCHANGED,
        removed_on: date | None | _Unchanged = UNCHANGED,
    ) -> MeterSettings:
        _require_staff(scope)
        meter = scope.meter(meter_number)
        reason = " ".join(reason.split())
        if not reason:
            raise ValidationFailed(
                "Please give a reason for the change.",
                code="meter_settings_reason_required",
                fields=[{"field": "reason", "code": "meter_settings_reason_required"}],
            )
        if not 1 <= register_digits <= 12:
            raise ValidationFailed(
                "A register has 1 to 12 digits before the decimals.",
                code="meter_digits_invalid",
                fields=[{"field": "register_digits", "code": "meter_digits_invalid"}],
            )
        new_decimals = meter.decimals if isinstance(decimals, _Unchanged) else decimals
        if not 0 <= new_decimals <= 3:
            raise ValidationFailed(
                "A register shows 0 to 3 decimals.",
                code="meter_decimals_invalid",
                fields=[{"field": "decimals", "code": "meter_decimals_invalid"}],
            )
        new_removed_on = meter.removed_on if isinstance(removed_on, _Unchanged) else removed_on
        changed = meter.model_copy(
            update={"register_digits": register_digits, "decimals": new_decimals, "removed_on": new_removed_on}
        )
        if (changed.register_digits, changed.decimals, changed.removed_on) == (
            meter.register_digits,
            meter.decimals,
            meter.removed_on,
        ):
            # The same settings again (a retry): nothing to record.
            return MeterSettings(meter, self.store.meter_settings_history(meter.number))
        self._check_against_readings(meter, changed, register_digits)
        change = MeterSettingsChange(
            meter_number=meter.number,
            customer_number=meter.customer_number,
            previous_register_digits=meter.register_digits,
            register_digits=changed.register_digits,
            previous_decimals=meter.decimals,
            decimals=changed.decimals,
            previous_removed_on=meter.removed_on,
            removed_on=changed.removed_on,
            reason=reason[:NOTE_MAX_LENGTH],
            changed_at=self.clock.now(),
            changed_by=scope.principal.email or scope.principal.user_id,
        )
        self.store.change_meter_settings(meter, changed, change)
        return MeterSettings(changed, self.store.meter_settings_history(meter.number))

    def _check_against_readings(self, meter: Meter, changed: Meter, digits: int) -> None:
        """Every stored value must fit the changed register (one Query of the meter's readings)."""
        stored = self.readings.list_readings(meter.number, date.min, date.max)
        values = [(meter.start_value, meter.installed_on), *((r.value, r.read_on) for r in stored)]
        largest, on = max(values, key=lambda v: v[0])
        if digits_of(largest) > digits:
            raise ValidationFailed(
                "A stored reading has more digits than that.",
                code="meter_digits_below_readings",
                params={"digits": str(digits_of(largest)), "value": str(largest), "date": on.isoformat()},
                fields=[{"field": "register_digits", "code": "meter_digits_below_readings"}],
            )
        if (
            meter.register_digits is not None
            and digits != meter.register_digits
            and any(r.rollover and not r.estimated for r in stored)
        ):
            raise ValidationFailed(
                "The register already wrapped with its recorded number of digits.",
                code="meter_digits_rollover_recorded",
                params={"digits": str(meter.register_digits)},
                fields=[{"field": "register_digits", "code": "meter_digits_rollover_recorded"}],
            )
        finest = max((decimals_of(v) for v, _ in values), default=0)
        if finest > changed.decimals:
            raise ValidationFailed(
                "A stored reading has more decimals than that.",
                code="meter_decimals_below_readings",
                params={"decimals": str(finest)},
                fields=[{"field": "decimals", "code": "meter_decimals_below_readings"}],
            )
        if changed.removed_on is not None and changed.removed_on != meter.removed_on:
            last = max((r.read_on for r in stored if not r.estimated), default=meter.installed_on)
            if changed.removed_on < max(last, meter.installed_on):
                raise ValidationFailed(
                    "The meter cannot be removed before its installation or its last reading.",
                    code="meter_removal_before_reading",
                    params={"date": max(last, meter.installed_on).isoformat()},
                    fields=[{"field": "removed_on", "code": "meter_removal_before_reading"}],
                )


def _require_staff(scope: Scope) -> None:
    if not scope.principal.is_staff:
        raise Forbidden("Only customer service may change a meter's settings.", code="meter_settings_staff_only")
    scope.require(Role.FULL)
