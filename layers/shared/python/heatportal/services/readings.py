"""Meters and readings: listing, submitting with validation and plausibility,
and the register value at a date (actual or estimated) that billing uses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.estimation import (
    DegreeDayModel,
    EstimateMethod,
    degree_days_between,
    fit,
    observations_from_daily,
    observations_from_readings,
    register_advance,
)
from heatportal.domain.model import Meter, MeterKind, Reading, ReadingSource, Register, Role
from heatportal.ports import Clock, ReadingRepository
from heatportal.services.access import Principal, Scope
from heatportal.services.plausibility import ImplausibleValue, judge

HISTORY_DAYS = 365
# The degree-day model of an estimate learns from this much history.
MODEL_HISTORY_DAYS = 2 * 365


def register_range(meter: Meter | Register) -> Decimal | None:
    """10^N for a register with N digits before the decimals: after 10^N - 1
    it shows 0 again. None when the meter's number of digits is unknown."""
    return None if meter.register_digits is None else Decimal(10) ** meter.register_digits


@dataclass(frozen=True)
class _Codes:
    """Error codes of one kind of register: the main (billing) register answers
    with the reading_* codes it always had, a secondary one with register_*
    codes on its own field, so a form can put the message next to its input."""

    not_a_number: str
    below_previous: str
    too_many_decimals: str
    exceeds_register: str
    implausible: str


_MAIN = _Codes(
    not_a_number="reading_not_a_number",
    below_previous="reading_below_previous",
    too_many_decimals="reading_too_many_decimals",
    exceeds_register="reading_exceeds_register",
    implausible="reading_implausible",
)
_SECONDARY = _Codes(
    not_a_number="register_not_a_number",
    below_previous="register_below_previous",
    too_many_decimals="register_too_many_decimals",
    exceeds_register="register_exceeds_register",
    implausible="register_implausible",
)


def register_field(name: str) -> str:
    """The request field of a secondary register's value."""
    return f"registers.{name}"


def _refuse(message: str, code: str, field_name: str, **params: object) -> ValidationFailed:
    return ValidationFailed(message, code=code, params=params, fields=[{"field": field_name, "code": code}])


def is_rollover(value: Decimal, previous: Decimal, span: Decimal | None) -> bool:
    """Whether ``value`` below ``previous`` is the register wrapping past its
    highest value: only on a register of known size, and only when it counted
    at most half its range since (a lower value that would mean more is a
    typo, not a rollover: it would bill most of the register's range)."""
    return span is not None and value < previous < span and value + span - previous <= span / 2


MAX_REGISTER_DIGITS = 12  # the most any meter shows before the decimals (Meter.register_digits)


def _check_value(register: Register | Meter, value: Decimal, codes: _Codes, field_name: str) -> None:
    if not value.is_finite():
        raise _refuse("The reading must be a number.", codes.not_a_number, field_name)
    if value < 0:
        raise _refuse("The reading cannot be negative.", codes.below_previous, field_name, previous="0")
    # Trailing zeros are no decimals: 12345.0 on a register without decimals is 12345.
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > register.decimals:
        raise _refuse(
            f"This register shows at most {register.decimals} decimals.",
            codes.too_many_decimals,
            field_name,
            decimals=str(register.decimals),
        )
    span = register_range(register)
    digits = register.register_digits or MAX_REGISTER_DIGITS
    if value >= (span if span is not None else Decimal(10) ** MAX_REGISTER_DIGITS):
        # No meter shows more digits: a longer number is a typo, whatever the channel.
        raise _refuse(
            f"This register shows at most {digits} digits before the decimals.",
            codes.exceeds_register,
            field_name,
            digits=str(digits),
        )


def validate_register_value(meter: Meter, value: Decimal) -> None:
    """What any value for this meter's register must be, whatever the channel:
    a finite, non-negative number with the meter's decimals and digits."""
    _check_value(meter, value, _MAIN, "value")


def check_secondary_neighbours(
    meter: Meter, window: list[Reading], read_on: date, values: Mapping[str, Decimal]
) -> frozenset[str]:
    """A staff correction of secondary values: each not below its register's
    previous actual value, not above its next one, as for the main register.
    Returns the registers whose corrected value is a rollover (a lower value
    on a register that wraps)."""
    rolled: set[str] = set()
    for name, value in values.items():
        register = meter.register(name)
        if register is None:  # pragma: no cover - validate_secondary_values refused it first
            continue
        carrying = [r for r in window if not r.estimated and name in r.registers]
        before = [r for r in carrying if r.read_on < read_on]
        after = [r for r in carrying if r.read_on > read_on]
        floor = before[-1].registers[name] if before else register.start_value
        span = register_range(register)
        rollover = is_rollover(value, floor, span)
        if value < floor and not rollover:
            raise _refuse(
                "The value is lower than this register's previous value.",
                _SECONDARY.below_previous,
                register_field(name),
                previous=floor,
            )
        ceiling = after[0] if after else None
        if ceiling is not None and name not in ceiling.register_rollovers and value > ceiling.registers[name]:
            raise _refuse(
                "The value is higher than this register's next value.",
                "register_above_next",
                register_field(name),
                next=ceiling.registers[name],
                date=ceiling.read_on.isoformat(),
            )
        if rollover:
            rolled.add(name)
    return frozenset(rolled)


def validate_secondary_values(meter: Meter, values: Mapping[str, Decimal]) -> None:
    """Values of a meter's secondary registers: each a register the meter has,
    each valid like the main register's value (its own decimals and digits)."""
    for name, value in values.items():
        register = meter.register(name)
        if register is None:
            raise _refuse("This meter has no such register.", "register_unknown", register_field(name))
        _check_value(register, value, _SECONDARY, register_field(name))


class ReadingConfirmer(Protocol):
    def __call__(self, principal: Principal, meter: Meter, reading: Reading, *, staff: bool) -> bool:
        """Confirm a stored reading to the person (email); never raises."""
        ...


@dataclass(frozen=True)
class RegisterReading:
    """The last value of one register and the date it was read."""

    value: Decimal
    read_on: date


@dataclass(frozen=True)
class MeterOverview:
    meter: Meter
    last_reading: Reading | None
    # The last value of each secondary register (it may be older than the
    # last reading, which perhaps came by SMS with the main register only).
    last_registers: dict[str, RegisterReading] = field(default_factory=dict)

    def reading_due(self, today: date) -> bool:
        """Whether it is time to read the meter: in use, and no reading of its
        own (an estimate does not count) since the 1st of this month, the day
        the month's consumption is read to."""
        if self.meter.removed_on is not None:
            return False
        last = self.last_reading
        return last is None or last.estimated or last.read_on < today.replace(day=1)


@dataclass(frozen=True)
class MeterPage:
    meters: list[Meter]  # the meters the scope sees, to switch between
    selected: MeterOverview
    readings: list[Reading]  # the chosen meter's readings up to today, oldest first


def _has_every_register(meter: Meter, reading: Reading) -> bool:
    return all(r.name.value in reading.registers for r in meter.registers)


def last_registers(meter: Meter, latest: Reading | None, history: list[Reading]) -> dict[str, RegisterReading]:
    """Last value per secondary register: those of the last reading, the
    others from ``history`` (oldest first: newer values overwrite older ones)."""
    if not meter.registers or latest is None:
        return {}
    found = {name: RegisterReading(v, latest.read_on) for name, v in latest.registers.items()}
    if all(r.name.value in found for r in meter.registers):
        return found
    for reading in history:
        for name, value in reading.registers.items():
            found[name] = RegisterReading(value, reading.read_on)
    return found


@dataclass(frozen=True)
class RegisterValue:
    value: Decimal
    estimated: bool
    # What the bill prints about the value: the reading's source, and for an
    # estimate how it was made.
    source: ReadingSource | None = None
    method: EstimateMethod | None = None


@dataclass(frozen=True)
class SubmittedReading:
    reading: Reading
    consumption_since_previous: Decimal | None
    previous: Reading | None
    # What each secondary register counted since its previous value.
    registers_since_previous: dict[str, Decimal] = field(default_factory=dict)


class ReadingService:
    def __init__(
        self,
        readings: ReadingRepository,
        clock: Clock,
        *,
        climate_station: str | None = None,
        confirmations: ReadingConfirmer | None = None,
        on_stored: Callable[[Meter, Reading], None] | None = None,
    ) -> None:
        # Portal and API submissions are confirmed by email.
        self.confirmations = confirmations
        # Told of every reading stored (the portfolio keeps each meter's last one).
        self.on_stored = on_stored
        self.readings = readings
        self.clock = clock
        # With a climate station, estimates follow the weather (degree-day
        # model); without one they are linear in time.
        self.station = climate_station

    def list_meters(self, scope: Scope) -> list[MeterOverview]:
        grant = scope.require(Role.READ, companies="any")
        overview = []
        # A management company sees the meters of the facilities it was granted.
        for meter in grant.visible_meters():
            # After a move the number's later readings are the next customer's.
            latest = self.readings.latest_reading(meter.number, before=meter.removed_on)
            overview.append(MeterOverview(meter, latest, self._last_registers(meter, latest)))
        return overview

    def _last_registers(self, meter: Meter, latest: Reading | None) -> dict[str, RegisterReading]:
        """Last value per secondary register: from the last reading when it has
        them all (no extra request), else from one Query over the past year."""
        if not meter.registers or latest is None or _has_every_register(meter, latest):
            return last_registers(meter, latest, [])
        history = self.readings.list_readings(
            meter.number, latest.read_on - timedelta(days=HISTORY_DAYS), latest.read_on
        )
        return last_registers(meter, latest, history)

    def meter_page(self, scope: Scope, meter_number: str) -> MeterPage:
        """What a meter's page shows, from one Query of the meter's readings:
        the meters the scope sees, the chosen one with its last reading and
        each register's last value, and its readings up to today. A meter the
        scope does not see is not found (as in the list)."""
        grant = scope.require(Role.READ, companies="any")
        visible = grant.visible_meters()
        meter = next((m for m in visible if m.number == meter_number), None)
        if meter is None:
            raise NotFound("This meter does not exist for the customer.", code="meter_not_found")
        stored = self.readings.list_readings(meter.number, meter.installed_on, meter.removed_on or date.max)
        latest = stored[-1] if stored else None
        today = self.clock.today()
        if latest is None or _has_every_register(meter, latest):
            registers = last_registers(meter, latest, [])
        else:
            since = latest.read_on - timedelta(days=HISTORY_DAYS)
            registers = last_registers(meter, latest, [r for r in stored if r.read_on >= since])
        return MeterPage(
            meters=visible,
            selected=MeterOverview(meter, latest, registers),
            readings=[r for r in stored if r.read_on <= today],
        )

    def list_readings(self, scope: Scope, meter_number: str) -> list[Reading]:
        grant = scope.require(Role.READ, companies="any")
        meter = scope.meter(meter_number)
        grant.require_facility(meter.facility_id)
        # The meter's life with this customer: from its installation (or moving in) to its removal (or moving out).
        end = min(self.clock.today(), meter.removed_on) if meter.removed_on else self.clock.today()
        return self.readings.list_readings(meter.number, meter.installed_on, end)

    def submit(
        self,
        scope: Scope,
        meter_number: str,
        value: Decimal,
        read_on: date | None,
        *,
        confirmed: bool,
        source: ReadingSource = ReadingSource.PORTAL,
        registers: Mapping[str, Decimal] | None = None,
    ) -> SubmittedReading:
        grant = scope.require(Role.FULL, companies="any")
        meter = scope.meter(meter_number)
        grant.require_facility(meter.facility_id)
        reading = self.record(
            meter,
            value,
            read_on,
            confirmed=confirmed,
            source=ReadingSource.STAFF if grant.staff else source,
            recorded_by=scope.principal.user_id,
            registers=registers,
        )
        if self.confirmations is not None:
            self.confirmations(scope.principal, meter, reading.reading, staff=grant.staff)
        return reading

    def record(
        self,
        meter: Meter,
        value: Decimal,
        read_on: date | None,
        *,
        confirmed: bool,
        source: ReadingSource,
        recorded_by: str | None,
        registers: Mapping[str, Decimal] | None = None,
    ) -> SubmittedReading:
        """Validate and store a reading from any channel (portal, SMS, link, staff).

        ``registers`` carries values of the meter's secondary registers read at
        the same time; each is validated like the main value, and nothing is
        stored unless every value passes."""
        checked = self.check(
            meter, value, read_on, confirmed=confirmed, source=source, recorded_by=recorded_by, registers=registers
        )
        stored = self.readings.add_reading(checked.reading)
        if self.on_stored is not None:
            self.on_stored(meter, stored)
        return replace(checked, reading=stored)

    def check(
        self,
        meter: Meter,
        value: Decimal,
        read_on: date | None,
        *,
        confirmed: bool,
        source: ReadingSource,
        recorded_by: str | None,
        registers: Mapping[str, Decimal] | None = None,
    ) -> SubmittedReading:
        """What ``record`` checks, without storing: the reading as it would be
        stored (a move stores it in its own transaction)."""
        today = self.clock.today()
        read_on = read_on or today
        secondary = dict(registers or {})
        self._validate(meter, value, read_on, today)
        validate_secondary_values(meter, secondary)
        previous = self._latest_actual(meter, read_on - timedelta(days=1))
        latest = self._latest_actual(meter, today)
        if latest is not None and latest.read_on > read_on:
            raise ValidationFailed(
                "The date is before the last reading of this meter.",
                code="reading_before_previous",
                params={"date": latest.read_on.isoformat()},
                fields=[{"field": "read_on", "code": "reading_before_previous"}],
            )
        # Estimates do not bind: an actual reading may be below an estimate.
        start_value = previous.value if previous else meter.start_value
        span = register_range(meter)
        rollover = value < start_value
        if rollover and not is_rollover(value, start_value, span):
            raise ValidationFailed(
                "The reading is lower than the previous reading.",
                code="reading_below_previous",
                params={"previous": str(start_value)},
                fields=[{"field": "value", "code": "reading_below_previous"}],
            )
        # Below the previous value on a register of known size: it went past its
        # highest value and started again at 0.
        consumption = value + span - start_value if rollover and span is not None else value - start_value
        counted = self._secondary_counts(meter, secondary, read_on)
        if not confirmed:
            self._check_plausible(meter, previous, value, consumption, read_on, rollover=rollover)
            for count in counted:
                count.check_plausible(secondary[count.register.name.value], read_on)
        reading = Reading(
            meter_number=meter.number,
            read_on=read_on,
            value=value,
            source=source,
            estimated=False,
            recorded_at=self.clock.now(),
            recorded_by=recorded_by,
            rollover=rollover,
            registers=secondary,
            register_rollovers=frozenset(c.register.name.value for c in counted if c.rollover),
        )
        return SubmittedReading(reading, consumption, previous, {c.register.name.value: c.consumption for c in counted})

    def _secondary_counts(self, meter: Meter, values: dict[str, Decimal], read_on: date) -> list[_RegisterCount]:
        """What each submitted secondary register counted since its own previous
        value: not below it unless the register wraps. One Query, only when
        secondary values are submitted."""
        if not values:
            return []
        history = [
            r
            for r in self.readings.list_readings(
                meter.number, read_on - timedelta(days=HISTORY_DAYS), read_on - timedelta(days=1)
            )
            if not r.estimated
        ]
        counts = []
        for name, value in values.items():
            register = meter.register(name)
            assert register is not None  # validate_secondary_values checked it
            seen = [r for r in history if name in r.registers]
            start_value = seen[-1].registers[name] if seen else register.start_value
            span = register_range(register)
            rollover = value < start_value
            if rollover and not is_rollover(value, start_value, span):
                raise _refuse(
                    "The value is lower than this register's previous value.",
                    _SECONDARY.below_previous,
                    register_field(name),
                    previous=start_value,
                )
            consumption = value + span - start_value if rollover and span is not None else value - start_value
            counts.append(_RegisterCount(register, consumption, rollover, seen))
        return counts

    def _latest_actual(self, meter: Meter, on_or_before: date) -> Reading | None:
        """The newest actual (not estimated) reading on or before a date."""
        window = self.readings.list_readings(meter.number, on_or_before - timedelta(days=HISTORY_DAYS), on_or_before)
        actual = [r for r in window if not r.estimated]
        if actual:
            return actual[-1]
        latest = self.readings.latest_reading(meter.number, before=on_or_before)
        return latest if latest is not None and not latest.estimated else None

    @staticmethod
    def _validate(meter: Meter, value: Decimal, read_on: date, today: date) -> None:
        validate_register_value(meter, value)
        if read_on > today:
            raise ValidationFailed(
                "The reading date cannot be in the future.",
                code="reading_in_future",
                fields=[{"field": "read_on", "code": "reading_in_future"}],
            )
        if read_on < meter.installed_on or (meter.removed_on and read_on > meter.removed_on):
            raise ValidationFailed(
                "The meter was not installed on that date.",
                code="reading_outside_meter_life",
                fields=[{"field": "read_on", "code": "reading_outside_meter_life"}],
            )

    def expected_daily(self, meter: Meter, until: date) -> Decimal | None:
        """Mean daily consumption over the past year from the meter's own readings."""
        history = self.readings.list_readings(meter.number, until - timedelta(days=HISTORY_DAYS), until)
        actual = [r for r in history if not r.estimated]
        if len(actual) < 2 or actual[-1].read_on == actual[0].read_on:
            return None
        days = (actual[-1].read_on - actual[0].read_on).days
        # Each wrap of the register in the year hides its whole range.
        wraps = sum(1 for r in actual[1:] if r.rollover)
        span = register_range(meter)
        wrapped = span * wraps if span is not None else Decimal(0)
        return (actual[-1].value + wrapped - actual[0].value) / Decimal(days)

    def _check_plausible(
        self,
        meter: Meter,
        previous: Reading | None,
        value: Decimal,
        consumption: Decimal,
        read_on: date,
        *,
        rollover: bool = False,
    ) -> None:
        found = self._judge(meter, previous, value, consumption, read_on, rollover=rollover)
        if found is None:
            return
        message = (
            "The reading is lower than the previous one; confirm that the register went past its highest value."
            if found.expected is None
            else "The reading implies an unusually high consumption. Please check it and confirm."
        )
        raise ValidationFailed(
            message,
            code="reading_implausible",
            params=found.params(),
            fields=[{"field": "value", "code": "reading_implausible"}],
        )

    def _judge(
        self,
        meter: Meter,
        previous: Reading | None,
        value: Decimal,
        consumption: Decimal,
        read_on: date,
        *,
        rollover: bool,
    ) -> ImplausibleValue | None:
        daily = self.expected_daily(meter, previous.read_on) if previous is not None else None
        return judge(
            value=value,
            read_on=read_on,
            previous=previous.value if previous is not None else meter.start_value,
            previous_on=previous.read_on if previous is not None else meter.installed_on,
            consumption=consumption,
            # Without a previous reading nothing judges the value, except a rollover to confirm.
            daily=daily,
            unit=meter.unit.value,
            rollover=rollover,
            decimals=meter.decimals,
        )

    def plausibility(self, meter: Meter, value: Decimal, read_on: date) -> ImplausibleValue | None:
        """Whether a value a person typed looks right, without storing it (the
        trial settlement): what it implies against the meter's history. None
        when it is plausible, or below the previous value without a rollover
        (the caller refuses that on its own terms)."""
        previous = self._latest_actual(meter, read_on - timedelta(days=1))
        start_value = previous.value if previous else meter.start_value
        span = register_range(meter)
        rollover = value < start_value
        if rollover and not is_rollover(value, start_value, span):
            return None
        consumption = value + span - start_value if rollover and span is not None else value - start_value
        return self._judge(meter, previous, value, consumption, read_on, rollover=rollover)

    def value_at(self, meter: Meter, day: date) -> RegisterValue:
        """The register value at the start of ``day``: the actual reading of that
        date, or an estimate from the readings around it and the daily data."""
        if day <= meter.installed_on:
            return RegisterValue(meter.start_value, False)
        window = self.readings.list_readings(meter.number, day - timedelta(days=92), day + timedelta(days=62))
        exact = [r for r in window if r.read_on == day]
        if exact and not exact[0].estimated:
            return RegisterValue(exact[0].value, False, exact[0].source)
        before = [r for r in window if r.read_on < day and not r.estimated]
        after = [r for r in window if r.read_on > day and not r.estimated]
        span = register_range(meter) or Decimal(0)
        prev = before[-1] if before else self.readings.latest_reading(meter.number, before=day)
        if prev is None:
            prev_value, prev_day = meter.start_value, meter.installed_on
        else:
            prev_value, prev_day = prev.value, prev.read_on
        daily = self.readings.daily_consumption(meter.number, prev_day, day)
        span_days = (day - prev_day).days
        method: EstimateMethod
        if daily and Decimal(len(daily)) >= Decimal(span_days) * Decimal("0.9"):
            # Scale up for the few missing days rather than count them as zero.
            measured = sum((d.quantity for d in daily), Decimal(0))
            estimate = prev_value + measured * Decimal(span_days) / Decimal(len(daily))
            method = EstimateMethod("daily", prev_day, prev_value, measured_days=len(daily))
        elif (model := self.degree_day_model(meter, prev_day)) is not None and self.station is not None:
            cooling = meter.kind == MeterKind.COOLING
            degree_days = degree_days_between(self.station, prev_day, day, cooling=cooling)
            until_day = model.predict(Decimal((day - prev_day).days), degree_days)
            method = EstimateMethod(
                "degree_days",
                prev_day,
                prev_value,
                base_per_day=model.base_per_day,
                per_degree_day=model.per_degree_day,
                degree_days=degree_days,
                station=self.station,
            )
            if after:
                # Share the known consumption between the readings by the weather.
                nxt = after[0]
                whole = model.predict(
                    Decimal((nxt.read_on - prev_day).days),
                    degree_days_between(self.station, prev_day, nxt.read_on, cooling=cooling),
                )
                gap = _gap(prev_value, nxt, span)
                estimate = prev_value + gap * (until_day / whole if whole > 0 else Decimal(0))
                method = replace(method, to_day=nxt.read_on, to_value=nxt.value)
            else:
                estimate = prev_value + until_day
        elif after:
            nxt = after[0]
            days_between = Decimal((nxt.read_on - prev_day).days)
            estimate = prev_value + _gap(prev_value, nxt, span) * Decimal((day - prev_day).days) / days_between
            method = EstimateMethod("interpolated", prev_day, prev_value, to_day=nxt.read_on, to_value=nxt.value)
        else:
            rate = self.expected_daily(meter, prev_day) or Decimal(0)
            estimate = prev_value + rate * Decimal((day - prev_day).days)
            method = EstimateMethod("trend", prev_day, prev_value, per_day=rate)
        quantum = Decimal(1).scaleb(-meter.decimals)
        value = within_register(estimate.quantize(quantum), register_range(meter), quantum)
        return RegisterValue(value, True, ReadingSource.ESTIMATE, method)

    def degree_day_model(self, meter: Meter, until: date) -> DegreeDayModel | None:
        """Base load and degree-day factor of the meter, fitted on its own
        actual readings (or, lacking those, its daily values) before ``until``."""
        if self.station is None:
            return None
        start = max(meter.installed_on, until - timedelta(days=MODEL_HISTORY_DAYS))
        history = self.readings.list_readings(meter.number, start, until)
        cooling = meter.kind == MeterKind.COOLING
        model = fit(
            observations_from_readings(history, self.station, register_range=register_range(meter), cooling=cooling)
        )
        if model is None:
            daily = self.readings.daily_consumption(meter.number, start, until)
            model = fit(observations_from_daily(daily, self.station, cooling=cooling))
        return model


@dataclass(frozen=True)
class _RegisterCount:
    """What one secondary register counted since its previous value, and the
    past year's readings of it that judge whether that is plausible."""

    register: Register
    consumption: Decimal
    rollover: bool
    history: list[Reading]

    def expected_daily(self) -> Decimal | None:
        name = self.register.name.value
        if len(self.history) < 2:
            return None
        first, last = self.history[0], self.history[-1]
        days = (last.read_on - first.read_on).days
        span = register_range(self.register)
        wraps = sum(1 for r in self.history[1:] if name in r.register_rollovers)
        wrapped = span * wraps if span is not None else Decimal(0)
        return (last.registers[name] + wrapped - first.registers[name]) / Decimal(days) if days > 0 else None

    def check_plausible(self, value: Decimal, read_on: date) -> None:
        """The same band as the main register: asks for a confirmation, never refuses."""
        name = self.register.name.value
        last = self.history[-1] if self.history else None
        found = judge(
            value=value,
            read_on=read_on,
            previous=last.registers[name] if last is not None else self.register.start_value,
            previous_on=last.read_on if last is not None else read_on,
            consumption=self.consumption,
            daily=self.expected_daily(),
            unit=self.register.unit.value,
            rollover=self.rollover,
            decimals=self.register.decimals,
        )
        if found is None:
            return
        message = (
            "The value is lower than this register's previous one; confirm that it went past its highest value."
            if found.expected is None
            else "This register's value implies an unusually high quantity. Please check it and confirm."
        )
        raise _refuse(message, _SECONDARY.implausible, register_field(name), **found.params())


def _gap(prev_value: Decimal, nxt: Reading, span: Decimal) -> Decimal:
    """What the register counted from ``prev_value`` to the next actual reading
    (through the wrap when ``nxt`` records a rollover); the raw difference when
    the register cannot tell (the estimate then follows the readings as they are)."""
    counted = register_advance(prev_value, nxt.value, rollover=nxt.rollover, register_range=span or None)
    return counted if counted is not None else nxt.value - prev_value


def within_register(estimate: Decimal, span: Decimal | None, quantum: Decimal) -> Decimal:
    """An estimate as the register could show it: at most its highest value
    (10^N minus one step of its last decimal).

    Capped, not wrapped. An estimate made past the top of the register has no
    rollover reading behind it (or one that is dated after it), and billing
    counts a wrap only at a reading that records one: an estimated end value
    shown wrapped (say 500 after 99 000) would bill as nothing in its period,
    and a start value carried from it would be wrapped again when the rollover
    reading arrives, counting the range twice. Capped at 99 999 the period
    bills up to the top, and the next bill, from 99 999 to the rollover
    reading, counts the rest through the wrap: together exactly what the
    meter counted, and never a value the meter cannot show.
    """
    if span is None or estimate < span:
        return estimate
    return span - quantum
