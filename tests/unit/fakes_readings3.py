"""In-memory fake of the meter settings store (services.meter_settings)."""

from __future__ import annotations

from heatportal.domain.errors import Conflict
from heatportal.domain.meter_settings import MeterSettingsChange
from heatportal.domain.model import Meter
from tests.unit.fakes import InMemoryCustomers


class InMemoryMeterSettings:
    """Changes the meter in the customers fake and keeps the history, at once."""

    def __init__(self, customers: InMemoryCustomers) -> None:
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
        return [c for c in self.history if c.meter_number == meter_number]
