"""Import of smart-meter interval data files put in S3 under ``imports/``.

Every row is validated on its own (a bad row is reported with its line and a
code, the good rows still count). Values are stored per meter and interval,
so a file delivered twice changes nothing (duplicates), a later file with a
different value for an interval replaces it (correction), and values for old
days (late data) recompute those days. Each touched day is re-aggregated from
all its stored intervals, and each touched month from its days, for the fast
consumption views.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from heatportal.domain.model import DailyConsumption, Meter
from heatportal.domain.smart_meter import IntervalValue, RowProblem, daily_from_intervals, read_rows, validate_row
from heatportal.ports import Clock, CustomerRepository


class IntervalStore(Protocol):
    def intervals_of_day(self, meter_number: str, day: date) -> list[IntervalValue]: ...

    def put_intervals(self, values: list[IntervalValue]) -> None: ...

    def put_daily(self, rows: list[DailyConsumption]) -> object:
        """Store daily values and recompute their months."""
        ...


@dataclass
class ImportReport:
    key: str
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    corrected: int = 0
    days: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    error: str | None = None  # the file as a whole could not be read
    customers: set[str] = field(default_factory=set)  # whose days changed


class SmartMeterImportService:
    def __init__(
        self,
        customers: CustomerRepository,
        store: IntervalStore,
        clock: Clock,
        timezone: str,
        *,
        on_imported: Callable[[set[str]], None] | None = None,
    ) -> None:
        self.customers = customers
        self.store = store
        self.clock = clock
        self.zone = ZoneInfo(timezone)
        # Told which customers' days changed (the portfolio refreshes their figures).
        self.on_imported = on_imported

    def run(self, key: str, body: bytes) -> ImportReport:
        report = ImportReport(key=key)
        kind: Literal["csv", "json"] | None = (
            "csv" if key.lower().endswith(".csv") else "json" if key.lower().endswith(".json") else None
        )
        if kind is None:
            report.error = "import_unknown_format"
            return report
        try:
            rows = read_rows(body, kind)
        except (ValueError, UnicodeDecodeError):
            report.error = "import_unreadable"
            return report
        report.rows = len(rows)
        meters: dict[str, Meter | None] = {}
        now = self.clock.now()
        incoming: dict[tuple[str, str], IntervalValue] = {}
        for row in rows:
            number = row.raw.get("meter", "")
            if number not in meters:
                meters[number] = self.customers.find_meter(number) if number else None
            checked = validate_row(row, meters[number], self.zone, now)
            if isinstance(checked, RowProblem):
                report.problems.append(checked)
                continue
            slot = (checked.meter_number, checked.key)
            earlier = incoming.get(slot)
            if earlier is not None and not earlier.same_values(checked):
                report.problems.append(RowProblem(row.line, "import_conflicting_duplicate", checked.meter_number))
                continue
            if earlier is not None:
                report.duplicates += 1
                continue
            incoming[slot] = checked
        by_day: dict[tuple[str, date], list[IntervalValue]] = {}
        for value in incoming.values():
            by_day.setdefault((value.meter_number, value.day), []).append(value)
        daily: list[DailyConsumption] = []
        for (number, day), values in sorted(by_day.items()):
            stored = {v.key: v for v in self.store.intervals_of_day(number, day)}
            changed = []
            for delivered in values:
                old = stored.get(delivered.key)
                if old is not None and old.same_values(delivered):
                    report.duplicates += 1
                    continue
                if old is not None:
                    report.corrected += 1
                value = delivered.replacing(old) if old is not None else delivered
                changed.append(value)
                stored[value.key] = value
            if not changed:
                continue
            self.store.put_intervals(changed)
            report.stored += len(changed)
            meter = meters[number]
            assert meter is not None  # validated rows have a meter
            aggregate = daily_from_intervals(meter, day, list(stored.values()))
            if aggregate is not None:
                daily.append(aggregate)
                report.customers.add(meter.customer_number)
        if daily:
            self.store.put_daily(daily)
        report.days = len(daily)
        if report.customers and self.on_imported is not None:
            self.on_imported(report.customers)
        return report
