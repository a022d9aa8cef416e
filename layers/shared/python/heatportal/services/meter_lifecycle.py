"""Meter lifecycle by customer service: a new meter on one of
the customer's facilities, and a meter replacement (the old meter removed with
its final reading, the new one installed the same day at its own value).

Rules:
- Only staff; the facility or meter must be the customer's (in the path).
- A meter number is unique across the utility: the GSI1 METER#<number> lookup
  finds every meter, and a number marker written in the same transaction as
  the meter stops two requests claiming it at once.
- Everything a request writes is one DynamoDB transaction: nothing is
  half-written. A retry with the same body answers with the same meter and
  writes nothing again; a different body for a number already used is 409.
- A replacement's date is not in the future, not before the old meter's
  installation nor its last actual reading; its final value is validated like
  any reading of that meter (decimals, digits, not below the previous value
  unless the register wrapped). The new meter counts the same thing (same
  facility, kind and unit) and starts at its own value, recorded as its first
  reading on the replacement date, as billing expects: the old meter bills up
  to its final reading, the new one from its start value.
- The removal is kept in the old meter's settings history (services.meter_settings)
  with the reason and who replaced it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.errors import Conflict, Forbidden, ValidationFailed
from heatportal.domain.meter_settings import NOTE_MAX_LENGTH, MeterSettingsChange
from heatportal.domain.model import Meter, MeterKind, Reading, ReadingSource, Register, Role
from heatportal.domain.money import EnergyUnit
from heatportal.ports import Clock, CustomerRepository, ReadingRepository
from heatportal.services.access import Principal, Scope
from heatportal.services.readings import (
    HISTORY_DAYS,
    register_range,
    validate_register_value,
    validate_secondary_values,
)

# What each kind of meter counts in: energy meters in an energy unit, water in m3.
UNITS_BY_KIND: dict[MeterKind, tuple[EnergyUnit, ...]] = {
    MeterKind.HEAT: (EnergyUnit.KWH, EnergyUnit.MWH, EnergyUnit.GJ),
    MeterKind.COOLING: (EnergyUnit.KWH, EnergyUnit.MWH, EnergyUnit.GJ),
    MeterKind.HOT_WATER: (EnergyUnit.M3,),
    MeterKind.WATER: (EnergyUnit.M3,),
    MeterKind.ELECTRICITY: (EnergyUnit.KWH, EnergyUnit.MWH),
}
# As a meter number appears in URLs (web.api.MeterPath).
METER_NUMBER = re.compile(r"^[0-9A-Za-z-]{1,20}$")


class MeterLifecycleStore(Protocol):
    def add_meter(self, meter: Meter, first: Reading) -> bool:
        """Put the meter, its number marker and its first reading at once;
        False (nothing written) if the number is taken or the meter exists."""
        ...

    def replace_meter(
        self,
        old: Meter,
        removed_on: date,
        final: Reading | None,
        new: Meter,
        first: Reading,
        change: MeterSettingsChange,
    ) -> bool:
        """One transaction: the old meter's removal date (if it has none yet),
        its final reading (None: the same actual reading is already stored), the
        new meter with its number marker and first reading, the history item.
        False (nothing written) if one of the conditions failed."""
        ...

    def get_meter(self, customer_number: str, meter_number: str) -> Meter | None:
        """The customer's meter, read consistently (after a failed write)."""
        ...


@dataclass(frozen=True)
class MeterAdded:
    meter: Meter
    created: bool


@dataclass(frozen=True)
class MeterReplaced:
    old: Meter
    new: Meter
    final: Reading
    created: bool


def _refuse(message: str, code: str, field: str, **params: object) -> ValidationFailed:
    return ValidationFailed(message, code=code, params=params, fields=[{"field": field, "code": code}])


class MeterLifecycleService:
    def __init__(
        self,
        customers: CustomerRepository,
        readings: ReadingRepository,
        store: MeterLifecycleStore,
        clock: Clock,
    ) -> None:
        self.customers = customers
        self.readings = readings
        self.store = store
        self.clock = clock

    # --- a new meter ------------------------------------------------------------
    def add(
        self,
        scope: Scope,
        *,
        number: str,
        facility_id: str,
        kind: MeterKind,
        unit: EnergyUnit,
        decimals: int,
        installed_on: date,
        start_value: Decimal,
        register_digits: int | None = None,
        registers: tuple[Register, ...] = (),
    ) -> MeterAdded:
        _require_staff(scope)
        principal, customer_number = scope.principal, scope.customer_number
        number = self._check_number(number, "number")
        if facility_id not in scope.record.facility_ids:
            raise _refuse("Choose one of the customer's facilities.", "facility_unknown", "facility_id")
        if unit not in UNITS_BY_KIND[kind]:
            raise _refuse(
                "This kind of meter does not count in that unit.",
                "meter_unit_invalid",
                "unit",
                units=", ".join(u.value for u in UNITS_BY_KIND[kind]),
            )
        if installed_on > self.clock.today():
            raise _refuse("The installation date cannot be in the future.", "meter_installed_in_future", "installed_on")
        meter = self._meter(
            number=number,
            customer_number=customer_number,
            facility_id=facility_id,
            kind=kind,
            unit=unit,
            decimals=decimals,
            installed_on=installed_on,
            start_value=start_value,
            register_digits=register_digits,
            registers=registers,
        )
        self._check_start_values(meter, "start_value")
        existing = self.customers.find_meter(number)
        if existing is not None:
            if existing == meter:
                return MeterAdded(existing, created=False)  # a retry of the same request
            raise self._number_taken(number)
        if not self.store.add_meter(meter, self._first_reading(meter, principal)):
            # Taken meanwhile (a concurrent request, or a retry racing the first).
            stored = self.store.get_meter(customer_number, number)
            if stored == meter:
                return MeterAdded(meter, created=False)
            raise self._number_taken(number)
        return MeterAdded(meter, created=True)

    # --- a replacement ------------------------------------------------------------
    def replace(
        self,
        scope: Scope,
        meter_number: str,
        *,
        on: date,
        final_value: Decimal,
        new_number: str,
        new_start_value: Decimal,
        reason: str,
        new_decimals: int | None = None,
        new_register_digits: int | None = None,
        new_registers: tuple[Register, ...] | None = None,
    ) -> MeterReplaced:
        _require_staff(scope)
        principal, customer_number = scope.principal, scope.customer_number
        old = scope.meter(meter_number)
        new_number = self._check_number(new_number, "new_number")
        reason = " ".join(reason.split())
        if not reason:
            raise _refuse("Please give a reason for the change.", "meter_settings_reason_required", "reason")
        new = self._meter(
            number=new_number,
            customer_number=customer_number,
            facility_id=old.facility_id,
            kind=old.kind,
            unit=old.unit,
            decimals=old.decimals if new_decimals is None else new_decimals,
            installed_on=on,
            start_value=new_start_value,
            register_digits=old.register_digits if new_register_digits is None else new_register_digits,
            # A new meter's other registers start at their own values too.
            registers=(
                tuple(r.model_copy(update={"start_value": Decimal(0)}) for r in old.registers)
                if new_registers is None
                else new_registers
            ),
        )
        if old.removed_on is not None:
            return self._replayed(old, new, on, final_value)
        if on > self.clock.today():
            raise _refuse("The replacement date cannot be in the future.", "reading_in_future", "on")
        if on < old.installed_on:
            raise _refuse("The meter was not installed on that date.", "reading_outside_meter_life", "on")
        final, stored_final = self._final_reading(old, on, final_value, principal)
        self._check_start_values(new, "new_start_value")
        taken = self.customers.find_meter(new_number)
        if taken is not None:
            raise self._number_taken(new_number)
        change = MeterSettingsChange(
            meter_number=old.number,
            customer_number=customer_number,
            previous_register_digits=old.register_digits,
            register_digits=old.register_digits,
            previous_decimals=old.decimals,
            decimals=old.decimals,
            previous_removed_on=None,
            removed_on=on,
            reason=f"{reason} → {new_number}"[:NOTE_MAX_LENGTH],
            changed_at=self.clock.now(),
            changed_by=principal.email or principal.user_id,
        )
        first = self._first_reading(new, principal)
        if not self.store.replace_meter(old, on, None if stored_final else final, new, first, change):
            # A concurrent request got there first: the same replacement, or another.
            current = self.store.get_meter(customer_number, old.number)
            if current is not None and current.removed_on is not None:
                return self._replayed(current, new, on, final_value)
            raise self._number_taken(new_number)
        return MeterReplaced(old.model_copy(update={"removed_on": on}), new, final, created=True)

    def _replayed(self, old: Meter, new: Meter, on: date, final_value: Decimal) -> MeterReplaced:
        """The replacement already recorded: the same one again (a retry) answers
        as the first time did; any other is refused."""
        stored_new = self.store.get_meter(new.customer_number, new.number)
        final = next((r for r in self.readings.list_readings(old.number, on, on) if not r.estimated), None)
        if old.removed_on == on and stored_new == new and final is not None and final.value == final_value:
            return MeterReplaced(old, stored_new, final, created=False)
        raise Conflict(
            "This meter has already been removed.",
            code="meter_already_removed",
            params={"meter": old.number, "date": old.removed_on.isoformat() if old.removed_on else ""},
        )

    def _final_reading(self, old: Meter, on: date, value: Decimal, principal: Principal) -> tuple[Reading, bool]:
        """The old meter's final reading, validated like any reading of it
        (incl. a rollover); True when the same actual reading is already stored."""
        try:
            validate_register_value(old, value)
        except ValidationFailed as error:
            raise _refuse(error.message, error.code, "final_value", **error.params) from error
        window = [
            r
            for r in self.readings.list_readings(old.number, on - timedelta(days=HISTORY_DAYS), date.max)
            if not r.estimated
        ]
        later = [r for r in window if r.read_on > on]
        if later:
            raise _refuse(
                "The date is before the last reading of this meter.",
                "reading_before_previous",
                "on",
                date=later[-1].read_on.isoformat(),
            )
        same_day = next((r for r in window if r.read_on == on), None)
        if same_day is not None:
            if same_day.value != value:
                raise Conflict(
                    "A different reading is already recorded for this meter and date.",
                    code="reading_duplicate",
                    params={"date": on.isoformat()},
                )
            return same_day, True
        before = [r for r in window if r.read_on < on]
        previous = before[-1] if before else self.readings.latest_reading(old.number, before=on)
        start = previous.value if previous is not None and not previous.estimated else old.start_value
        span = register_range(old)
        rollover = value < start
        if rollover and (span is None or start >= span):
            raise _refuse(
                "The reading is lower than the previous reading.",
                "reading_below_previous",
                "final_value",
                previous=str(start),
            )
        final = Reading(
            meter_number=old.number,
            read_on=on,
            value=value,
            source=ReadingSource.STAFF,
            recorded_at=self.clock.now(),
            recorded_by=principal.user_id,
            rollover=rollover,
        )
        return final, False

    # --- shared ---------------------------------------------------------------------
    @staticmethod
    def _check_number(number: str, field: str) -> str:
        number = number.strip()
        if not METER_NUMBER.fullmatch(number):
            raise _refuse("Enter the meter number as printed on the meter.", "meter_number_invalid", field)
        return number

    @staticmethod
    def _meter(**fields: object) -> Meter:
        try:
            return Meter.model_validate(fields)
        except ValueError as error:
            # Decimals or digits out of range, a register twice or in the wrong unit.
            raise ValidationFailed("The meter's registers are not valid.", code="meter_registers_invalid") from error

    @staticmethod
    def _check_start_values(meter: Meter, field: str) -> None:
        """Each register's start value must be one the register can show."""
        try:
            validate_register_value(meter, meter.start_value)
        except ValidationFailed as error:
            raise _refuse(error.message, "meter_start_value_invalid", field, **error.params) from error
        try:
            validate_secondary_values(meter, {r.name.value: r.start_value for r in meter.registers})
        except ValidationFailed as error:
            name = error.fields[0]["field"] if error.fields else field
            raise _refuse(error.message, "meter_start_value_invalid", name, **error.params) from error

    def _first_reading(self, meter: Meter, principal: Principal) -> Reading:
        """The installation reading: the register at its start value (by staff)."""
        return Reading(
            meter_number=meter.number,
            read_on=meter.installed_on,
            value=meter.start_value,
            source=ReadingSource.STAFF,
            recorded_at=self.clock.now(),
            recorded_by=principal.user_id,
            registers={r.name.value: r.start_value for r in meter.registers},
        )

    @staticmethod
    def _number_taken(number: str) -> Conflict:
        return Conflict("This meter number is already in use.", code="meter_number_taken", params={"meter": number})


def _require_staff(scope: Scope) -> None:
    if not scope.principal.is_staff:
        raise Forbidden("Only customer service may add or replace meters.", code="meter_lifecycle_staff_only")
    scope.require(Role.FULL)
