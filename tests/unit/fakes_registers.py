"""Fakes for meters with several registers, on top of the shared fakes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from heatportal.domain.errors import Conflict
from heatportal.domain.model import Meter, Reading, ReadingSource, Register, RegisterName
from heatportal.domain.money import EnergyUnit
from tests.unit.fakes import InMemoryReadings, a_meter


class RegisterReadings(InMemoryReadings):
    """Stores readings with their secondary values, as the DynamoDB adapter
    does: a retry repeats the stored values (or sends fewer), anything else on
    the same date is a conflict. Counts the queries a service makes."""

    def __init__(self) -> None:
        super().__init__()
        self.queries = 0

    def list_readings(self, meter_number: str, start: date, end: date) -> list[Reading]:
        self.queries += 1
        return super().list_readings(meter_number, start, end)

    def latest_reading(self, meter_number: str, before: date | None = None) -> Reading | None:
        self.queries += 1
        return super().latest_reading(meter_number, before)

    def add_reading(self, reading: Reading) -> Reading:
        existing = self.readings.get((reading.meter_number, reading.read_on))
        differs = existing is not None and any(existing.registers.get(n) != v for n, v in reading.registers.items())
        if existing is not None and not existing.estimated and existing.value == reading.value and differs:
            raise Conflict(
                "A different reading is already recorded for this meter and date.",
                code="reading_duplicate",
                params={"date": reading.read_on.isoformat()},
            )
        return super().add_reading(reading)


def a_volume_register(*, decimals: int = 2, start_value: str = "0", register_digits: int | None = None) -> Register:
    return Register(
        name=RegisterName.VOLUME,
        unit=EnergyUnit.M3,
        decimals=decimals,
        start_value=Decimal(start_value),
        register_digits=register_digits,
    )


def a_heat_meter_with_volume(
    number: str = "M-1",
    customer_number: str = "100001",
    *,
    installed_on: date = date(2023, 1, 1),
    volume: Register | None = None,
    start_value: Decimal = Decimal(0),
) -> Meter:
    meter = a_meter(number, customer_number, installed_on=installed_on, start_value=start_value)
    return meter.model_copy(update={"registers": (volume or a_volume_register(),)})


def a_reading_with(
    meter_number: str,
    read_on: date,
    value: str,
    registers: dict[str, str] | None = None,
    *,
    rollovers: tuple[str, ...] = (),
) -> Reading:
    return Reading(
        meter_number=meter_number,
        read_on=read_on,
        value=Decimal(value),
        source=ReadingSource.PORTAL,
        recorded_at=datetime(read_on.year, read_on.month, read_on.day, 8, tzinfo=UTC),
        registers={k: Decimal(v) for k, v in (registers or {}).items()},
        register_rollovers=frozenset(rollovers),
    )


if TYPE_CHECKING:  # mypy checks that the fake satisfies its port
    from heatportal import ports

    _readings: ports.ReadingRepository = RegisterReadings()
