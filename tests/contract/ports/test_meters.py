"""MeterSettingsStore, MeterLifecycleStore and InterruptionRepository: the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from heatportal.domain.errors import Conflict
from heatportal.domain.interruption import ServiceInterruption
from heatportal.domain.meter_settings import MeterSettingsChange
from heatportal.domain.model import Meter
from tests.builders import a_meter, a_reading
from tests.contract.ports.conftest import Ports

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def change(meter: Meter, changed: Meter, at: datetime = AT) -> MeterSettingsChange:
    return MeterSettingsChange(
        meter_number=meter.number,
        customer_number=meter.customer_number,
        previous_register_digits=meter.register_digits,
        register_digits=changed.register_digits,
        previous_decimals=meter.decimals,
        decimals=changed.decimals,
        previous_removed_on=meter.removed_on,
        removed_on=changed.removed_on,
        reason="Typeskilt kontrollert",
        changed_at=at,
        changed_by="staff@example.no",
    )


def test_settings_change_the_meter_made_against_and_keep_the_history_oldest_first(ports: Ports) -> None:
    meter = a_meter("M-1", "100001")
    ports.given.meter(meter)
    digits = meter.model_copy(update={"register_digits": 6, "decimals": 1})
    first = change(meter, digits)
    ports.meter_settings.change_meter_settings(meter, digits, first)
    removed = digits.model_copy(update={"register_digits": None, "removed_on": date(2026, 3, 1)})
    second = change(digits, removed, AT + timedelta(hours=1))
    ports.meter_settings.change_meter_settings(digits, removed, second)

    assert ports.customers.find_meter("M-1") == removed
    assert ports.meter_settings.meter_settings_history("M-1") == [first, second]
    with pytest.raises(Conflict) as stale:  # made against a version that is gone
        ports.meter_settings.change_meter_settings(meter, digits, change(meter, digits, AT + timedelta(hours=2)))
    assert stale.value.code == "meter_changed"
    assert ports.customers.find_meter("M-1") == removed
    assert ports.meter_settings.meter_settings_history("M-1") == [first, second]
    assert ports.meter_settings.meter_settings_history("M-2") == []


def test_settings_history_stays_out_of_the_meters_readings(ports: Ports) -> None:
    meter = a_meter("M-1", "100001")
    ports.given.meter(meter)
    ports.readings.add_reading(a_reading("M-1", date(2026, 1, 1), "100"))
    digits = meter.model_copy(update={"register_digits": 6})
    ports.meter_settings.change_meter_settings(meter, digits, change(meter, digits))
    assert [r.read_on for r in ports.readings.list_readings("M-1", date(2000, 1, 1), date(2099, 12, 31))] == [
        date(2026, 1, 1)
    ]


def test_a_new_meter_comes_with_its_first_reading_and_its_number_only_once(ports: Ports) -> None:
    meter = a_meter("M-5", "100001")
    first = a_reading("M-5", date(2026, 3, 1), "0")
    assert ports.meter_lifecycle.add_meter(meter, first)
    assert ports.meter_lifecycle.get_meter("100001", "M-5") == meter
    assert ports.customers.find_meter("M-5") == meter
    assert ports.readings.latest_reading("M-5") == first

    assert not ports.meter_lifecycle.add_meter(meter.model_copy(update={"decimals": 2}), first)
    assert ports.meter_lifecycle.get_meter("100001", "M-5") == meter
    assert ports.meter_lifecycle.get_meter("100002", "M-5") is None


def test_a_replacement_removes_the_old_meter_and_adds_the_new_one_all_at_once(ports: Ports) -> None:
    old = a_meter("M-1", "100001")
    ports.given.meter(old)
    new = a_meter("M-2", "100001", installed_on=date(2026, 3, 1))
    on = date(2026, 3, 1)
    removed = old.model_copy(update={"removed_on": on})
    history = change(old, removed)
    final, first = a_reading("M-1", on, "19400"), a_reading("M-2", on, "5")
    assert ports.meter_lifecycle.replace_meter(old, on, final, new, first, history)

    assert ports.meter_lifecycle.get_meter("100001", "M-1") == removed
    assert ports.meter_lifecycle.get_meter("100001", "M-2") == new
    assert ports.readings.latest_reading("M-1") == final
    assert ports.readings.latest_reading("M-2") == first
    assert ports.meter_settings.meter_settings_history("M-1") == [history]

    # The old meter is removed already: a second replacement writes nothing.
    newer = a_meter("M-3", "100001", installed_on=on)
    assert not ports.meter_lifecycle.replace_meter(old, on, None, newer, a_reading("M-3", on, "0"), history)
    assert ports.meter_lifecycle.get_meter("100001", "M-3") is None
    assert ports.readings.latest_reading("M-3") is None


def interruption(ident: str, starts: datetime) -> ServiceInterruption:
    return ServiceInterruption(
        id=ident * 32, planned=True, starts_at=starts, title="Planlagt arbeid", postcodes=("2000",)
    )


def test_interruptions_are_listed_by_start_with_both_ends_included(ports: Ports) -> None:
    for item in (
        interruption("b", AT + timedelta(days=2)),
        interruption("a", AT),
        interruption("c", AT + timedelta(days=9)),
    ):
        ports.interruptions.put_interruption(item)
    listed = ports.interruptions.interruptions_starting(AT, AT + timedelta(days=2))
    assert [i.id[0] for i in listed] == ["a", "b"]
    assert listed[0] == interruption("a", AT)
    assert ports.interruptions.interruptions_starting(AT + timedelta(days=10), AT + timedelta(days=20)) == []
