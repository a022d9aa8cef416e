"""Smart-meter interval data import (domain.smart_meter, services.smart_meter_import)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from heatportal.domain.model import MeterKind
from heatportal.domain.money import EnergyUnit
from heatportal.services.smart_meter_import import SmartMeterImportService
from tests.builders import a_customer, a_meter
from tests.fakes.clock import FixedClock
from tests.fakes.consumption import InMemoryConsumptionRepository
from tests.fakes.customers import InMemoryCustomerRepository

HEADER = "meter,start,interval,energy,volume,flow,supply_temp,return_temp\n"


class World:
    def __init__(self) -> None:
        self.customers = InMemoryCustomerRepository()
        self.customers.add_customer(a_customer("100001"))
        self.customers.add_meter(a_meter("H-1", installed_on=date(2024, 1, 1), unit=EnergyUnit.MWH, decimals=3))
        self.customers.add_meter(
            a_meter("W-1", kind=MeterKind.HOT_WATER, unit=EnergyUnit.M3, decimals=3, installed_on=date(2024, 1, 1))
        )
        self.store = InMemoryConsumptionRepository()
        self.clock = FixedClock(date(2024, 3, 10))
        self.service = SmartMeterImportService(self.customers, self.store, self.clock, "Europe/Oslo")

    def csv(self, rows: list[str], name: str = "imports/a.csv"):
        return self.service.run(name, (HEADER + "\n".join(rows) + "\n").encode())


def hours(meter: str, day: str, energy: str, count: int = 24, return_temp: str = "40") -> list[str]:
    return [f"{meter},{day}T{h:02d}:00,hour,{energy},0.1,0.5,80,{return_temp}" for h in range(count)]


@pytest.fixture
def world() -> World:
    return World()


def test_hourly_values_become_a_day_and_a_month(world: World) -> None:
    report = world.csv(hours("H-1", "2024-03-01", "0.010") + hours("H-1", "2024-03-02", "0.020"))
    assert (report.rows, report.stored, report.days, report.problems) == (48, 48, 2, [])
    first = world.store.daily[("H-1", date(2024, 3, 1))]
    assert first.quantity == Decimal("0.240") and first.peak_load_kw == Decimal("10.00")
    assert first.volume_m3 == Decimal("2.4") and first.mean_return_temp == Decimal("40.0")
    assert world.store.month("H-1", "2024-03").quantity == Decimal("0.720")  # type: ignore[union-attr]


def test_the_same_file_twice_changes_nothing(world: World) -> None:
    rows = hours("H-1", "2024-03-01", "0.010")
    world.csv(rows)
    again = world.csv(rows, "imports/a-again.csv")
    assert (again.stored, again.duplicates, again.days) == (0, 24, 0)


def test_a_corrected_value_replaces_the_old_one_and_late_data_recomputes_its_day(world: World) -> None:
    world.csv(hours("H-1", "2024-03-01", "0.010") + hours("H-1", "2024-03-05", "0.010"))
    correction = world.csv(["H-1,2024-03-01T05:00,hour,0.250,0.1,0.5,80,40"], "imports/fix.csv")
    assert (correction.corrected, correction.stored, correction.days) == (1, 1, 1)
    assert world.store.daily[("H-1", date(2024, 3, 1))].quantity == Decimal("0.480")
    late = world.csv(["H-1,2024-02-10T00:00,day,1.5,,,,"], "imports/late.csv")
    assert late.stored == 1 and world.store.month("H-1", "2024-02").quantity == Decimal("1.5")  # type: ignore[union-attr]
    assert world.store.month("H-1", "2024-03").quantity == Decimal("0.720")  # type: ignore[union-attr]


def test_hot_tap_water_counts_its_volume(world: World) -> None:
    report = world.csv(["W-1,2024-03-01,day,,0.180,,55,"])
    assert report.problems == []
    assert world.store.daily[("W-1", date(2024, 3, 1))].quantity == Decimal("0.180")


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("X-404,2024-03-01T00:00,hour,0.1,,,,", "import_unknown_meter"),
        ("H-1,yesterday,hour,0.1,,,,", "import_bad_time"),
        ("H-1,2024-03-01T00:30,hour,0.1,,,,", "import_bad_time"),
        ("H-1,2024-03-01T06:00,day,0.1,,,,", "import_bad_time"),
        ("H-1,2024-03-01T00:00,week,0.1,,,,", "import_bad_interval"),
        ("H-1,2024-03-11T00:00,hour,0.1,,,,", "import_in_future"),
        ("H-1,2023-12-31T10:00,hour,0.1,,,,", "import_outside_meter_life"),
        ("H-1,2024-03-01T00:00,hour,lots,,,,", "import_not_a_number"),
        ("H-1,2024-03-01T00:00,hour,NaN,,,,", "import_not_a_number"),
        ("H-1,2024-03-01T00:00,hour,,0.1,,,", "import_missing_quantity"),
        ("H-1,2024-03-01T00:00,hour,-0.1,,,,", "import_negative"),
        ("H-1,2024-03-01T00:00,hour,0.1,,,80,400", "import_bad_temperature"),
    ],
)
def test_each_bad_row_is_reported_with_its_line_and_stores_nothing(world: World, row: str, code: str) -> None:
    report = world.csv([row])
    assert [(p.line, p.code) for p in report.problems] == [(2, code)]
    assert report.stored == 0 and world.store.intervals == {} and world.store.daily == {}


def test_conflicting_duplicates_in_one_file_keep_the_first(world: World) -> None:
    report = world.csv(["H-1,2024-03-01T00:00,hour,0.1,,,,", "H-1,2024-03-01T00:00,hour,0.2,,,,"])
    assert [(p.line, p.code) for p in report.problems] == [(3, "import_conflicting_duplicate")]
    assert world.store.daily[("H-1", date(2024, 3, 1))].quantity == Decimal("0.1")


def test_json_files_and_time_zones(world: World) -> None:
    body = json.dumps(
        {"values": [{"meter": "H-1", "start": "2024-03-01T23:00:00+00:00", "interval": "hour", "energy": "0.5"}]}
    ).encode()
    report = world.service.run("imports/b.json", body)
    assert report.stored == 1
    # 23:00 UTC is midnight in Oslo: the value belongs to March 2nd there
    assert ("H-1", date(2024, 3, 2)) in world.store.daily


@pytest.mark.parametrize(
    ("name", "body", "error"),
    [
        ("imports/a.xlsx", b"", "import_unknown_format"),
        ("imports/a.json", b"[1, 2]", "import_unreadable"),
        ("imports/a.json", b"{not json", "import_unreadable"),
        ("imports/a.csv", b"value\n1\n", "import_unreadable"),
        ("imports/a.csv", b"\xff\xfe", "import_unreadable"),
    ],
)
def test_an_unreadable_file_is_reported_as_a_whole(world: World, name: str, body: bytes, error: str) -> None:
    report = world.service.run(name, body)
    assert report.error == error and report.stored == 0


def test_the_clock_decides_the_future() -> None:
    w = World()
    w.clock._now = datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
    report = w.csv(["H-1,2024-03-01T13:00,hour,0.1,,,,", "H-1,2024-03-01T12:00,hour,0.1,,,,"])
    # It is 13:30 in Oslo: the hour from 13:00 has not ended yet, the one from 12:00 has
    assert [p.code for p in report.problems] == ["import_in_future"]
