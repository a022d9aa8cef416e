"""ReadingRepository, ReadingHistoryStore and ConfirmationMarkers: the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from heatportal.domain.errors import Conflict
from heatportal.domain.model import DailyConsumption, ReadingSource
from heatportal.domain.reading_corrections import ReadingCorrection
from tests.builders import a_reading, a_reading_with
from tests.contract.ports.conftest import Ports


def test_readings_are_listed_oldest_first_with_both_ends_included(ports: Ports) -> None:
    for day, value in ((date(2026, 3, 1), "300"), (date(2026, 1, 1), "100"), (date(2026, 2, 1), "200")):
        ports.readings.add_reading(a_reading("M-1", day, value))
    ports.readings.add_reading(a_reading("M-2", date(2026, 2, 1), "999"))

    listed = ports.readings.list_readings("M-1", date(2026, 1, 1), date(2026, 2, 1))
    assert [(r.read_on, r.value) for r in listed] == [
        (date(2026, 1, 1), Decimal(100)),
        (date(2026, 2, 1), Decimal(200)),
    ]
    assert ports.readings.list_readings("M-1", date(2026, 4, 1), date(2026, 5, 1)) == []


def test_the_latest_reading_is_the_newest_on_or_before_a_date(ports: Ports) -> None:
    for day, value in ((date(2026, 1, 1), "100"), (date(2026, 2, 1), "200"), (date(2026, 3, 1), "300")):
        ports.readings.add_reading(a_reading("M-1", day, value))

    assert ports.readings.latest_reading("M-1") == a_reading("M-1", date(2026, 3, 1), "300")
    latest = ports.readings.latest_reading("M-1", before=date(2026, 2, 1))
    assert latest is not None and latest.read_on == date(2026, 2, 1)  # on the date counts
    latest = ports.readings.latest_reading("M-1", before=date(2026, 2, 28))
    assert latest is not None and latest.read_on == date(2026, 2, 1)
    assert ports.readings.latest_reading("M-1", before=date(2025, 12, 31)) is None
    assert ports.readings.latest_reading("M-9") is None


def test_a_reading_is_stored_once_per_date_and_a_different_value_is_a_conflict(ports: Ports) -> None:
    first = a_reading("M-1", date(2026, 2, 1), "200")
    assert ports.readings.add_reading(first) == first
    retry = first.model_copy(update={"recorded_at": datetime(2026, 2, 1, 9, 30, tzinfo=UTC)})
    assert ports.readings.add_reading(retry) == first  # a retry of the same submission: the stored one

    with pytest.raises(Conflict) as conflict:
        ports.readings.add_reading(a_reading("M-1", date(2026, 2, 1), "201"))
    assert conflict.value.code == "reading_duplicate"
    assert conflict.value.params == {"date": "2026-02-01"}
    assert ports.readings.list_readings("M-1", date(2026, 2, 1), date(2026, 2, 1)) == [first]


def test_an_estimate_is_replaced_by_the_actual_reading_but_never_the_other_way(ports: Ports) -> None:
    estimate = a_reading("M-1", date(2026, 2, 1), "190", estimated=True)
    ports.readings.add_reading(estimate)
    actual = a_reading("M-1", date(2026, 2, 1), "200")
    assert ports.readings.add_reading(actual) == actual
    with pytest.raises(Conflict):
        ports.readings.add_reading(a_reading("M-1", date(2026, 2, 1), "190", estimated=True))
    assert ports.readings.latest_reading("M-1") == actual


def test_secondary_registers_are_stored_with_the_reading_and_a_retry_may_repeat_fewer(ports: Ports) -> None:
    reading = a_reading_with("M-1", date(2026, 2, 1), "200", {"volume": "12.50"}, rollovers=("volume",))
    ports.readings.add_reading(reading)
    assert ports.readings.latest_reading("M-1") == reading
    assert ports.readings.add_reading(a_reading_with("M-1", date(2026, 2, 1), "200")) == reading
    assert ports.readings.add_reading(a_reading_with("M-1", date(2026, 2, 1), "200", {"volume": "12.5"})) == reading
    with pytest.raises(Conflict):
        ports.readings.add_reading(a_reading_with("M-1", date(2026, 2, 1), "200", {"volume": "12.51"}))


def test_daily_consumption_is_listed_from_start_up_to_but_not_including_end(ports: Ports) -> None:
    days = [DailyConsumption(meter_number="M-1", day=date(2026, 1, d), quantity=Decimal(d)) for d in (3, 1, 2)]
    ports.given.daily(*days, DailyConsumption(meter_number="M-2", day=date(2026, 1, 1), quantity=Decimal(9)))

    listed = ports.readings.daily_consumption("M-1", date(2026, 1, 1), date(2026, 1, 3))
    assert [(c.day.day, c.quantity) for c in listed] == [(1, Decimal(1)), (2, Decimal(2))]


def correction_of(current_value: str, value: str, at: datetime) -> ReadingCorrection:
    return ReadingCorrection(
        meter_number="M-1",
        read_on=date(2026, 2, 1),
        previous_value=Decimal(current_value),
        previous_source=ReadingSource.PORTAL,
        previous_estimated=False,
        previous_recorded_at=datetime(2026, 2, 1, 8, tzinfo=UTC),
        value=Decimal(value),
        reason="Feil avlest",
        corrected_at=at,
        corrected_by="staff@example.no",
    )


def test_a_correction_replaces_the_reading_it_was_made_against_and_keeps_the_history(ports: Ports) -> None:
    current = a_reading("M-1", date(2026, 2, 1), "200")
    ports.readings.add_reading(current)
    corrected = current.model_copy(
        update={"value": Decimal(210), "source": ReadingSource.STAFF, "recorded_at": datetime(2026, 3, 1, tzinfo=UTC)}
    )
    first = correction_of("200", "210", datetime(2026, 3, 1, 10, tzinfo=UTC))
    ports.history.replace_reading(current, corrected, first)

    assert ports.readings.latest_reading("M-1") == corrected
    # A correction made against the old version is refused: nothing changes.
    with pytest.raises(Conflict) as stale:
        ports.history.replace_reading(current, current, correction_of("200", "200", datetime(2026, 3, 2, tzinfo=UTC)))
    assert stale.value.code == "reading_changed"
    assert ports.readings.latest_reading("M-1") == corrected
    assert ports.history.corrections("M-1", date(2026, 2, 1), date(2026, 2, 1)) == [first]
    assert ports.history.corrections("M-1", date(2026, 2, 2), date(2026, 3, 1)) == []


def test_a_corrected_reading_is_still_listed_with_the_readings_not_beside_them(ports: Ports) -> None:
    current = a_reading("M-1", date(2026, 2, 1), "200")
    ports.readings.add_reading(current)
    corrected = current.model_copy(update={"value": Decimal(210), "recorded_at": datetime(2026, 3, 1, tzinfo=UTC)})
    ports.history.replace_reading(current, corrected, correction_of("200", "210", datetime(2026, 3, 1, tzinfo=UTC)))
    ports.confirmations.claim_confirmation("M-1", date(2026, 2, 1))
    assert ports.readings.list_readings("M-1", date(2026, 1, 1), date(2026, 12, 31)) == [corrected]


def test_a_confirmation_is_claimed_once_per_meter_and_date_until_released(ports: Ports) -> None:
    assert ports.confirmations.claim_confirmation("M-1", date(2026, 2, 1))
    assert not ports.confirmations.claim_confirmation("M-1", date(2026, 2, 1))
    assert ports.confirmations.claim_confirmation("M-1", date(2026, 2, 2))
    assert ports.confirmations.claim_confirmation("M-2", date(2026, 2, 1))
    ports.confirmations.release_confirmation("M-1", date(2026, 2, 1))
    assert ports.confirmations.claim_confirmation("M-1", date(2026, 2, 1))
