"""ConsumptionRepository and IntervalStore: the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from heatportal.domain.model import DailyConsumption
from heatportal.domain.smart_meter import IntervalValue
from tests.contract.ports.conftest import Ports


def day(meter: str, on: date, quantity: str, volume: str | None = None) -> DailyConsumption:
    return DailyConsumption(
        meter_number=meter,
        day=on,
        quantity=Decimal(quantity),
        mean_outdoor_temp=Decimal("2.5"),
        volume_m3=Decimal(volume) if volume else None,
    )


def test_daily_values_make_their_month_and_a_corrected_day_remakes_it(ports: Ports) -> None:
    written = ports.intervals.put_daily([day("M-1", date(2026, 1, 1), "10", "0.5"), day("M-1", date(2026, 1, 2), "12")])
    january = ports.consumption.month("M-1", "2026-01")
    assert january is not None and written == [january]
    assert (january.quantity, january.days, january.volume_m3) == (Decimal(22), 2, Decimal("0.5"))

    ports.intervals.put_daily([day("M-1", date(2026, 1, 2), "20"), day("M-1", date(2026, 2, 1), "5")])
    january = ports.consumption.month("M-1", "2026-01")
    assert january is not None and (january.quantity, january.days) == (Decimal(30), 2)
    assert [d.quantity for d in ports.consumption.days("M-1", date(2026, 1, 1), date(2026, 2, 1))] == [
        Decimal(10),
        Decimal(20),
    ]
    assert ports.consumption.month("M-1", "2026-03") is None


def test_months_are_listed_oldest_first_with_both_ends_included(ports: Ports) -> None:
    ports.intervals.put_daily(
        [day("M-1", date(2025, 12, 31), "1"), day("M-1", date(2026, 1, 1), "2"), day("M-1", date(2026, 2, 1), "3")]
    )
    ports.intervals.put_daily([day("M-2", date(2026, 1, 1), "9")])
    assert [m.month for m in ports.consumption.months("M-1", "2025-12", "2026-01")] == ["2025-12", "2026-01"]
    assert [m.month for m in ports.consumption.months("M-1", "2026-01", "2026-12")] == ["2026-01", "2026-02"]


def test_days_run_from_start_up_to_but_not_including_end(ports: Ports) -> None:
    ports.intervals.put_daily([day("M-1", date(2026, 1, d), str(d)) for d in (1, 2, 3)])
    assert [d.day.day for d in ports.consumption.days("M-1", date(2026, 1, 2), date(2026, 1, 3))] == [2]


def interval(meter: str, hour: int, energy: str, day_of: date = date(2026, 1, 1)) -> IntervalValue:
    return IntervalValue(
        meter_number=meter,
        start=datetime(2026, 1, 1, hour, tzinfo=UTC),
        interval="hour",
        day=day_of,
        energy=Decimal(energy),
        return_temp=Decimal("31.5"),
    )


def test_interval_values_are_kept_per_meter_and_local_day_and_replaced_by_start(ports: Ports) -> None:
    ports.intervals.put_intervals([interval("M-1", 1, "1.5"), interval("M-1", 0, "1.0"), interval("M-2", 0, "9")])
    ports.intervals.put_intervals([interval("M-1", 1, "1.6"), interval("M-1", 23, "2", day_of=date(2026, 1, 2))])

    assert ports.intervals.intervals_of_day("M-1", date(2026, 1, 1)) == [
        interval("M-1", 0, "1.0"),
        interval("M-1", 1, "1.6"),
    ]
    assert ports.intervals.intervals_of_day("M-1", date(2026, 1, 2)) == [
        interval("M-1", 23, "2", day_of=date(2026, 1, 2))
    ]
    assert ports.intervals.intervals_of_day("M-1", date(2026, 1, 3)) == []
