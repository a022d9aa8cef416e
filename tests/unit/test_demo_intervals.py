"""The demo's hourly values agree with its daily values, across a change of
clocks, and show each quality."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from heatportal.domain.model import DailyConsumption
from heatportal.domain.money import EnergyUnit
from infra.local.demo.intervals import ESTIMATED_DAY, HOURLY_DAYS, with_hours
from tests.builders import a_meter

TODAY = date(2026, 3, 31)  # Europe/Oslo moved its clocks on 29 March 2026


def test_hours_add_up_to_their_day_on_days_of_23_and_24_hours():
    meter = a_meter("M-1", unit=EnergyUnit.MWH, decimals=3)
    daily = [
        DailyConsumption(
            meter_number="M-1",
            day=TODAY - timedelta(days=n),
            quantity=Decimal("0.731"),
            mean_return_temp=Decimal("38.2"),
        )
        for n in range(1, HOURLY_DAYS + 5)
    ]
    intervals, rows = with_hours([meter], daily, TODAY, "Europe/Oslo")

    by_day: dict[date, list[Decimal]] = {}
    for value in intervals:
        by_day.setdefault(value.day, []).append(value.energy or Decimal(0))
    assert len(by_day) == HOURLY_DAYS
    assert len(by_day[date(2026, 3, 29)]) == 23 and len(by_day[date(2026, 3, 30)]) == 24
    assert all(sum(q) == Decimal("0.731") for q in by_day.values())
    assert all(v.supply_temp > v.return_temp and v.flow_m3h > 0 for v in intervals)  # type: ignore[operator]

    estimated = {v.day for v in intervals if v.quality == "estimated"}
    assert estimated == {TODAY - timedelta(days=ESTIMATED_DAY)}
    qualities = {r.day: r.quality for r in rows}
    assert qualities[TODAY - timedelta(days=ESTIMATED_DAY)] == "estimated"
    assert qualities[TODAY - timedelta(days=1)] == "measured"
    assert [r.quantity for r in rows] == [d.quantity for d in daily]
    older = [r for r in rows if r.day < TODAY - timedelta(days=HOURLY_DAYS)]
    assert older and all(r.mean_supply_temp is None for r in older)
