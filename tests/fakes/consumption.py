"""Daily and monthly consumption and smart-meter interval values in memory
(``services.consumption.ConsumptionRepository``,
``services.smart_meter_import.IntervalStore``, ``services.open_data.series.IntervalReader``,
``services.alerts.ports.MeterData``), with the semantics of
``adapters.dynamo_readings.DynamoReadingsStore`` (held to it by
tests/contract/ports): monthly aggregates are recomputed from the days written."""

from __future__ import annotations

from datetime import date, datetime

from heatportal.domain.consumption import MonthlyConsumption, month_key, monthly_aggregates
from heatportal.domain.model import DailyConsumption
from heatportal.domain.smart_meter import IntervalValue
from heatportal.services.alerts.ports import MeterData
from heatportal.services.consumption import ConsumptionRepository
from heatportal.services.open_data.series import IntervalReader
from heatportal.services.smart_meter_import import IntervalStore


class InMemoryConsumptionRepository(ConsumptionRepository, IntervalStore, IntervalReader, MeterData):
    def __init__(self) -> None:
        self.daily: dict[tuple[str, date], DailyConsumption] = {}
        self.monthly: dict[tuple[str, str], MonthlyConsumption] = {}
        self.intervals: dict[tuple[str, str], IntervalValue] = {}

    def months(self, meter_number: str, first: str, last: str) -> list[MonthlyConsumption]:
        return [m for (n, k), m in sorted(self.monthly.items()) if n == meter_number and first <= k <= last]

    def month(self, meter_number: str, month: str) -> MonthlyConsumption | None:
        return self.monthly.get((meter_number, month))

    def days(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        return [d for (n, day), d in sorted(self.daily.items()) if n == meter_number and start <= day < end]

    def put_daily(self, rows: list[DailyConsumption]) -> list[MonthlyConsumption]:
        for row in rows:
            self.daily[(row.meter_number, row.day)] = row
        written = []
        for meter, key in sorted({(r.meter_number, month_key(r.day)) for r in rows}):
            same = [d for (n, day), d in sorted(self.daily.items()) if n == meter and month_key(day) == key]
            aggregate = monthly_aggregates(same)[0]
            self.monthly[(meter, key)] = aggregate
            written.append(aggregate)
        return written

    def intervals_of_day(self, meter_number: str, day: date) -> list[IntervalValue]:
        return [v for (n, _), v in sorted(self.intervals.items()) if n == meter_number and v.day == day]

    def intervals_between(self, meter_number: str, first: date, last: date) -> list[IntervalValue]:
        found = [v for (n, _), v in self.intervals.items() if n == meter_number and first <= v.day <= last]
        return sorted(found, key=lambda v: v.start)

    def put_intervals(self, values: list[IntervalValue]) -> None:
        for value in values:
            self.intervals[(value.meter_number, value.key)] = value

    def intervals_starting(
        self, meter_number: str, start: datetime, end: datetime, timezone: str
    ) -> list[IntervalValue]:
        found = [v for (n, _), v in self.intervals.items() if n == meter_number and start <= v.start < end]
        return sorted(found, key=lambda v: (v.start, v.interval))
