"""In-memory fake of the meter lifecycle store (services.meter_lifecycle):
every write is all-or-nothing, like the DynamoDB transaction it stands for."""

from __future__ import annotations

from datetime import date

from heatportal.domain.meter_settings import MeterSettingsChange
from heatportal.domain.model import Meter, Reading
from tests.unit.fakes import InMemoryCustomers, InMemoryReadings


class InMemoryMeterLifecycle:
    def __init__(self, customers: InMemoryCustomers, readings: InMemoryReadings) -> None:
        self.customers = customers
        self.readings = readings
        self.numbers: set[str] = set()
        self.history: list[MeterSettingsChange] = []
        self.transactions = 0

    def _reading_free(self, reading: Reading) -> bool:
        stored = self.readings.readings.get((reading.meter_number, reading.read_on))
        return stored is None or stored.estimated

    def _meter_free(self, meter: Meter) -> bool:
        return meter.number not in self.customers.meters and meter.number not in self.numbers

    def _put_new(self, meter: Meter, first: Reading) -> None:
        self.customers.add_meter(meter)
        self.numbers.add(meter.number)
        self.readings.readings[(first.meter_number, first.read_on)] = first

    def add_meter(self, meter: Meter, first: Reading) -> bool:
        if not (self._meter_free(meter) and self._reading_free(first)):
            return False
        self._put_new(meter, first)
        self.transactions += 1
        return True

    def replace_meter(
        self,
        old: Meter,
        removed_on: date,
        final: Reading | None,
        new: Meter,
        first: Reading,
        change: MeterSettingsChange,
    ) -> bool:
        current = self.customers.meters.get(old.number)
        if (
            current is None
            or current.removed_on is not None
            or (final is not None and not self._reading_free(final))
            or not self._meter_free(new)
            or not self._reading_free(first)
        ):
            return False
        self.customers.meters[old.number] = current.model_copy(update={"removed_on": removed_on})
        if final is not None:
            self.readings.readings[(final.meter_number, final.read_on)] = final
        self._put_new(new, first)
        self.history.append(change)
        self.transactions += 1
        return True

    def get_meter(self, customer_number: str, meter_number: str) -> Meter | None:
        meter = self.customers.meters.get(meter_number)
        return meter if meter is not None and meter.customer_number == customer_number else None
