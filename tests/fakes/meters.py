"""A meter's settings changes and lifecycle (a new meter, a replacement) in
memory, on top of the customer and reading repositories: every write is all
or nothing, like the DynamoDB transactions of
``adapters.dynamo_meter_settings`` and ``adapters.dynamo_meter_lifecycle``
(held to them by tests/contract/ports)."""

from __future__ import annotations

from datetime import date

from heatportal.domain.errors import Conflict
from heatportal.domain.meter_settings import MeterSettingsChange
from heatportal.domain.model import Meter, Reading
from heatportal.services.meter_lifecycle import MeterLifecycleStore
from heatportal.services.meter_settings import MeterSettingsStore
from tests.fakes.customers import InMemoryCustomerRepository
from tests.fakes.readings import InMemoryReadingRepository


class InMemoryMeterSettingsStore(MeterSettingsStore):
    """Changes the meter in the customer repository and keeps the history, at once."""

    def __init__(self, customers: InMemoryCustomerRepository) -> None:
        self.customers = customers
        self.history: list[MeterSettingsChange] = []
        self.writes = 0

    def change_meter_settings(self, current: Meter, changed: Meter, change: MeterSettingsChange) -> None:
        if self.customers.meters.get(current.number) != current:
            raise Conflict("The meter was changed in the meantime.", code="meter_changed")
        self.customers.meters[current.number] = changed
        self.history.append(change)
        self.writes += 1

    def meter_settings_history(self, meter_number: str) -> list[MeterSettingsChange]:
        return sorted((c for c in self.history if c.meter_number == meter_number), key=lambda c: c.changed_at)


class InMemoryMeterLifecycleStore(MeterLifecycleStore):
    """A replacement's history item is a settings change: it lands in the
    settings store's history, where ``meter_settings_history`` finds it."""

    def __init__(
        self,
        customers: InMemoryCustomerRepository,
        readings: InMemoryReadingRepository,
        settings: InMemoryMeterSettingsStore | None = None,
    ) -> None:
        self.customers = customers
        self.readings = readings
        self.settings = settings or InMemoryMeterSettingsStore(customers)
        self.numbers: set[str] = set()
        self.transactions = 0

    @property
    def history(self) -> list[MeterSettingsChange]:
        return self.settings.history

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
