"""Meters and readings: listing, submitting with validation and plausibility,
and the register value at a date (actual or estimated) that billing uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.estimation import (
    DegreeDayModel,
    degree_days_between,
    fit,
    observations_from_daily,
    observations_from_readings,
)
from heatportal.domain.model import Meter, Reading, ReadingSource, Role
from heatportal.ports import Clock, CustomerRepository, ReadingRepository
from heatportal.services.access import AccessService, Principal

# A reading is implausible when the consumption it implies is far outside what
# the meter's own history predicts; the person is asked to confirm it.
PLAUSIBLE_FACTOR_HIGH = Decimal(3)
HISTORY_DAYS = 365
# The degree-day model of an estimate learns from this much history.
MODEL_HISTORY_DAYS = 2 * 365


def register_range(meter: Meter) -> Decimal | None:
    """10^N for a register with N digits before the decimals: after 10^N - 1
    it shows 0 again. None when the meter's number of digits is unknown."""
    return None if meter.register_digits is None else Decimal(10) ** meter.register_digits


def validate_register_value(meter: Meter, value: Decimal) -> None:
    """What any value for this meter's register must be, whatever the channel:
    a finite, non-negative number with the meter's decimals and digits."""
    if not value.is_finite():
        raise ValidationFailed(
            "The reading must be a number.",
            code="reading_not_a_number",
            fields=[{"field": "value", "code": "reading_not_a_number"}],
        )
    if value < 0:
        raise ValidationFailed(
            "The reading cannot be negative.",
            code="reading_below_previous",
            params={"previous": "0"},
            fields=[{"field": "value", "code": "reading_below_previous"}],
        )
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > meter.decimals:
        raise ValidationFailed(
            f"This meter shows at most {meter.decimals} decimals.",
            code="reading_too_many_decimals",
            params={"decimals": str(meter.decimals)},
            fields=[{"field": "value", "code": "reading_too_many_decimals"}],
        )
    span = register_range(meter)
    if span is not None and value >= span:
        raise ValidationFailed(
            f"This meter shows at most {meter.register_digits} digits before the decimals.",
            code="reading_exceeds_register",
            params={"digits": str(meter.register_digits)},
            fields=[{"field": "value", "code": "reading_exceeds_register"}],
        )


class ReadingConfirmer(Protocol):
    def __call__(self, principal: Principal, meter: Meter, reading: Reading, *, staff: bool) -> bool:
        """Confirm a stored reading to the person (email); never raises."""
        ...


@dataclass(frozen=True)
class MeterOverview:
    meter: Meter
    last_reading: Reading | None


@dataclass(frozen=True)
class RegisterValue:
    value: Decimal
    estimated: bool


@dataclass(frozen=True)
class SubmittedReading:
    reading: Reading
    consumption_since_previous: Decimal | None
    previous: Reading | None


class ReadingService:
    def __init__(
        self,
        customers: CustomerRepository,
        readings: ReadingRepository,
        access: AccessService,
        clock: Clock,
        *,
        climate_station: str | None = None,
        confirmations: ReadingConfirmer | None = None,
    ) -> None:
        self.customers = customers
        # Portal and API submissions are confirmed by email (seed 003).
        self.confirmations = confirmations
        self.readings = readings
        self.access = access
        self.clock = clock
        # With a climate station, estimates follow the weather (degree-day
        # model); without one they are linear in time.
        self.station = climate_station

    def list_meters(self, principal: Principal, customer_number: str) -> list[MeterOverview]:
        self.access.require(principal, customer_number, Role.READ)
        return [
            MeterOverview(meter, self.readings.latest_reading(meter.number))
            for meter in self.customers.list_meters(customer_number)
        ]

    def meter_of(self, customer_number: str, meter_number: str) -> Meter:
        meter = self.customers.find_meter(meter_number)
        if meter is None or meter.customer_number != customer_number:
            raise NotFound("This meter does not exist for the customer.", code="meter_not_found")
        return meter

    def list_readings(self, principal: Principal, customer_number: str, meter_number: str) -> list[Reading]:
        self.access.require(principal, customer_number, Role.READ)
        meter = self.meter_of(customer_number, meter_number)
        return self.readings.list_readings(meter.number, meter.installed_on, self.clock.today())

    def submit(
        self,
        principal: Principal,
        customer_number: str,
        meter_number: str,
        value: Decimal,
        read_on: date | None,
        *,
        confirmed: bool,
        source: ReadingSource = ReadingSource.PORTAL,
    ) -> SubmittedReading:
        grant = self.access.require(principal, customer_number, Role.FULL)
        meter = self.meter_of(customer_number, meter_number)
        reading = self.record(
            meter,
            value,
            read_on,
            confirmed=confirmed,
            source=ReadingSource.STAFF if grant.staff else source,
            recorded_by=principal.user_id,
        )
        if self.confirmations is not None:
            self.confirmations(principal, meter, reading.reading, staff=grant.staff)
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
    ) -> SubmittedReading:
        """Validate and store a reading from any channel (portal, SMS, link, staff)."""
        today = self.clock.today()
        read_on = read_on or today
        self._validate(meter, value, read_on, today)
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
        if rollover and (span is None or start_value >= span):
            raise ValidationFailed(
                "The reading is lower than the previous reading.",
                code="reading_below_previous",
                params={"previous": str(start_value)},
                fields=[{"field": "value", "code": "reading_below_previous"}],
            )
        # Below the previous value on a register of known size: it went past its
        # highest value and started again at 0.
        consumption = value + span - start_value if rollover and span is not None else value - start_value
        if not confirmed:
            self._check_plausible(meter, previous, consumption, read_on, unexpected_without_history=rollover)
        reading = Reading(
            meter_number=meter.number,
            read_on=read_on,
            value=value,
            source=source,
            estimated=False,
            recorded_at=self.clock.now(),
            recorded_by=recorded_by,
            rollover=rollover,
        )
        stored = self.readings.add_reading(reading)
        return SubmittedReading(stored, consumption, previous)

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
        consumption: Decimal,
        read_on: date,
        *,
        unexpected_without_history: bool = False,
    ) -> None:
        daily = self.expected_daily(meter, previous.read_on) if previous is not None else None
        if previous is None or daily is None or daily <= 0:
            if unexpected_without_history:
                # A rollover claims a whole pass of the register; with no
                # history to judge it by, the person confirms it.
                raise ValidationFailed(
                    "The reading is lower than the previous one; confirm that the register went past its highest value.",
                    code="reading_implausible",
                    params={"consumption": str(consumption), "unit": meter.unit.value},
                    fields=[{"field": "value", "code": "reading_implausible"}],
                )
            return
        days = max((read_on - previous.read_on).days, 1)
        expected = daily * days
        # Generous band: weather alone moves monthly heat use by a factor of 2-3.
        upper = expected * PLAUSIBLE_FACTOR_HIGH + daily * 2
        if consumption > upper:
            raise ValidationFailed(
                "The reading implies an unusually high consumption. Please check it and confirm.",
                code="reading_implausible",
                params={
                    "consumption": str(consumption),
                    "expected": str(expected.quantize(Decimal(1))),
                    "unit": meter.unit.value,
                },
                fields=[{"field": "value", "code": "reading_implausible"}],
            )

    def value_at(self, meter: Meter, day: date) -> RegisterValue:
        """The register value at the start of ``day``: the actual reading of that
        date, or an estimate from the readings around it and the daily data."""
        if day <= meter.installed_on:
            return RegisterValue(meter.start_value, False)
        window = self.readings.list_readings(meter.number, day - timedelta(days=92), day + timedelta(days=62))
        exact = [r for r in window if r.read_on == day]
        if exact and not exact[0].estimated:
            return RegisterValue(exact[0].value, False)
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
        if daily and Decimal(len(daily)) >= Decimal(span_days) * Decimal("0.9"):
            # Scale up for the few missing days rather than count them as zero.
            measured = sum((d.quantity for d in daily), Decimal(0))
            estimate = prev_value + measured * Decimal(span_days) / Decimal(len(daily))
        elif (model := self.degree_day_model(meter, prev_day)) is not None and self.station is not None:
            until_day = model.predict(Decimal((day - prev_day).days), degree_days_between(self.station, prev_day, day))
            if after:
                # Share the known consumption between the readings by the weather.
                nxt = after[0]
                whole = model.predict(
                    Decimal((nxt.read_on - prev_day).days), degree_days_between(self.station, prev_day, nxt.read_on)
                )
                gap = _gap(prev_value, nxt, span)
                estimate = prev_value + gap * (until_day / whole if whole > 0 else Decimal(0))
            else:
                estimate = prev_value + until_day
        elif after:
            nxt = after[0]
            days_between = Decimal((nxt.read_on - prev_day).days)
            estimate = prev_value + _gap(prev_value, nxt, span) * Decimal((day - prev_day).days) / days_between
        else:
            rate = self.expected_daily(meter, prev_day) or Decimal(0)
            estimate = prev_value + rate * Decimal((day - prev_day).days)
        quantum = Decimal(1).scaleb(-meter.decimals)
        return RegisterValue(estimate.quantize(quantum), True)

    def degree_day_model(self, meter: Meter, until: date) -> DegreeDayModel | None:
        """Base load and degree-day factor of the meter, fitted on its own
        actual readings (or, lacking those, its daily values) before ``until``."""
        if self.station is None:
            return None
        start = max(meter.installed_on, until - timedelta(days=MODEL_HISTORY_DAYS))
        history = self.readings.list_readings(meter.number, start, until)
        model = fit(observations_from_readings(history, self.station))
        if model is None:
            model = fit(
                observations_from_daily(self.readings.daily_consumption(meter.number, start, until), self.station)
            )
        return model


def _gap(prev_value: Decimal, nxt: Reading, span: Decimal) -> Decimal:
    """What the register counted from ``prev_value`` to the next actual reading.

    Across a rollover the estimate between them is left unwrapped (it may pass
    the register's range); billing adds the range once, at the rollover reading.
    """
    gap = nxt.value - prev_value
    return gap + span if gap < 0 and nxt.rollover else gap
