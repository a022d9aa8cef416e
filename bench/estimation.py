"""Estimation error of the degree-day model on the demo data.

For every heat meter of the demo data and every month of the last year that
has actual readings on both its 1sts, the reading at the month's end is
hidden (with everything after it, and all daily values), and
``ReadingService.value_at`` estimates it from the history before. The same is
done for a hidden reading between two known ones (interpolation). Reported:
the mean absolute percentage error (MAPE) of the month's consumption, for the
degree-day model and for the time-linear estimate it replaces.

Run: ``.venv/bin/python -m bench.estimation`` (also part of ``make bench``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers" / "shared" / "python"))

from heatportal.domain.model import DailyConsumption, MeterKind, Reading
from heatportal.domain.profile import load_profile
from heatportal.services.readings import ReadingService
from infra.local.demo import generate

TODAY = date(2026, 11, 15)


class _Clock:
    def now(self) -> datetime:
        return datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)

    def today(self) -> date:
        return TODAY


class _Readings:
    """Only the readings the estimate may see; no daily values."""

    def __init__(self, readings: list[Reading]) -> None:
        self.readings = sorted(readings, key=lambda r: r.read_on)

    def list_readings(self, meter_number: str, start: date, end: date) -> list[Reading]:
        return [r for r in self.readings if start <= r.read_on <= end]

    def latest_reading(self, meter_number: str, before: date | None = None) -> Reading | None:
        eligible = [r for r in self.readings if before is None or r.read_on <= before]
        return eligible[-1] if eligible else None

    def add_reading(self, reading: Reading) -> Reading:
        raise NotImplementedError("the benchmark only reads")

    def daily_consumption(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        return []


@dataclass
class Errors:
    model: list[float]
    linear: list[float]

    def line(self, name: str) -> str:
        def mape(values: list[float]) -> float:
            return 100 * sum(values) / len(values) if values else float("nan")

        return (
            f"{name:<34} n={len(self.model):4d}  degree-day model MAPE {mape(self.model):5.1f} %"
            f"   time-linear MAPE {mape(self.linear):5.1f} %"
        )


def _month_starts(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        days.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return days


def run(profile_id: str) -> tuple[Errors, Errors]:
    profile = load_profile(profile_id)
    data = generate(profile, customers=60, today=TODAY)
    by_meter: dict[str, dict[date, Reading]] = {}
    for r in data.readings:
        if not r.estimated:
            by_meter.setdefault(r.meter_number, {})[r.read_on] = r
    extrapolate, interpolate = Errors([], []), Errors([], [])
    months = _month_starts(date(TODAY.year - 1, TODAY.month, 1), date(TODAY.year, TODAY.month, 1))
    for meter in data.meters:
        if meter.kind != MeterKind.HEAT or meter.removed_on:
            continue
        known = by_meter.get(meter.number, {})
        for start, end in pairwise(months):
            if start not in known or end not in known or start <= meter.installed_on:
                continue
            actual = known[end].value - known[start].value
            if actual <= 0:
                continue
            for errors, visible in (
                (extrapolate, [r for d, r in known.items() if d < end]),
                (interpolate, [r for d, r in known.items() if d != end]),
            ):
                repo = _Readings(visible)
                for station, bucket in ((profile.climate_station, errors.model), (None, errors.linear)):
                    service = ReadingService(None, repo, None, _Clock(), climate_station=station)  # type: ignore[arg-type]  # value_at needs only readings
                    estimate = service.value_at(meter, end).value - known[start].value
                    bucket.append(float(abs(estimate - actual) / actual))
    return extrapolate, interpolate


def main() -> None:
    print("Estimated readings: degree-day model vs time-linear, demo data, hidden month-end readings")
    for profile_id in ("no", "nl", "de", "se"):
        extrapolate, interpolate = run(profile_id)
        print(extrapolate.line(f"  {profile_id}: next reading missing"))
        print(interpolate.line(f"  {profile_id}: one reading missing"))


if __name__ == "__main__":
    main()
