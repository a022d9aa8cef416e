"""A meter's register as Home Assistant's RESTful sensor reads it
(domain.home_assistant; the portal shows the configuration.yaml block for a
customer's meters, ``domain.home_assistant.configuration_yaml``).

The state is the meter's register now, as far as it is known: its last
actual reading plus the daily values it counted since (smart meters move
daily, meters read by hand with each reading), floored so it only grows.
It is a cumulative register reading: a credential needs the ``readings`` kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from heatportal.domain.errors import NotFound
from heatportal.domain.home_assistant import SensorShape, shape_of, state_of
from heatportal.domain.model import Meter, Reading
from heatportal.domain.series import register_now
from heatportal.ports import Clock, ReadingRepository
from heatportal.services.consumption import ConsumptionRepository
from heatportal.services.open_data.scopes import DataScope

LOOK_BACK_DAYS = 400  # an actual reading is sought this far back (monthly readings, a missed one or two)


@dataclass(frozen=True)
class SensorState:
    meter: Meter
    state: Decimal
    shape: SensorShape
    last_reading: Reading
    counted_until: date  # the register counts what was measured before this day


class HomeAssistantSensors:
    def __init__(self, readings: ReadingRepository, consumption: ConsumptionRepository, clock: Clock) -> None:
        self.readings = readings
        self.consumption = consumption
        self.clock = clock

    def state(self, scope: DataScope, meter_number: str) -> SensorState:
        """The meter's register now; NotFound (``meter_no_reading``) before its
        first actual reading (Home Assistant then shows the sensor unavailable)."""
        meter = scope.meter(meter_number)
        today = self.clock.today()
        recent = self.readings.list_readings(meter.number, today - timedelta(days=LOOK_BACK_DAYS), today)
        actual = [r for r in recent if not r.estimated]
        if not actual:
            raise NotFound("The meter has no reading yet.", code="meter_no_reading")
        last = actual[-1]
        days = self.consumption.days(meter.number, last.read_on, today + timedelta(days=1))
        register = register_now(meter.decimals, last, days)
        counted_until = max([last.read_on, *(d.day + timedelta(days=1) for d in days)])
        return SensorState(meter, state_of(register, meter.unit), shape_of(meter.unit), last, counted_until)
