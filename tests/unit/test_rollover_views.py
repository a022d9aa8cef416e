"""Register rollover outside billing: consumption charts and the degree-day fit
count the month that contains a wrap (end + 10^N - start), and an estimate
never shows a value the register cannot show.

Given a five-digit kWh register (it wraps after 99 999) read on the 1st.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from heatportal.domain.consumption import monthly_from_readings
from heatportal.domain.errors import Forbidden
from heatportal.domain.estimation import consumption_between, observations_from_readings, register_advance
from heatportal.domain.model import Reading
from heatportal.services.access import Principal
from heatportal.services.readings import within_register
from tests.builders import a_reading
from tests.unit.test_billing_service import Billing
from tests.unit.test_consumption import CUSTOMER, OWNER, World
from tests.unit.test_reading_corrections import CUSTOMER as OWNED
from tests.unit.test_reading_corrections import OWNER as OWNER_OF
from tests.unit.test_reading_corrections import STAFF
from tests.unit.test_reading_corrections import Setup as Corrections
from tests.unit.test_readings_service import Setup
from tests.unit.test_rollover import FEBRUARY, FIVE_DIGITS, JANUARY, _customer_with_five_digits

RANGE = Decimal(100000)


def rolled(meter: str, day: date, value: str) -> Reading:
    return a_reading(meter, day, value).model_copy(update={"rollover": True})


# --- the one rule ---------------------------------------------------------------------------------


def test_a_recorded_rollover_counts_end_plus_the_range_minus_start() -> None:
    assert register_advance(Decimal(99500), Decimal(700), rollover=True, register_range=RANGE) == Decimal(1200)
    assert register_advance(Decimal(700), Decimal(1500), rollover=False, register_range=RANGE) == Decimal(800)


def test_a_fall_without_a_recorded_rollover_or_register_size_counts_nothing() -> None:
    # An actual reading under a replaced estimate, or a register whose size is unknown
    assert register_advance(Decimal(99500), Decimal(700), rollover=False, register_range=RANGE) is None
    assert register_advance(Decimal(99500), Decimal(700), rollover=True, register_range=None) is None
    # A start that cannot be on the register (a four-digit register at 12000) is no wrap
    assert register_advance(Decimal(12000), Decimal(100), rollover=True, register_range=Decimal(10000)) is None


def test_consumption_between_two_readings_uses_the_later_readings_rollover_mark() -> None:
    before = a_reading("H-1", date(2024, 1, 1), "99500")
    after = rolled("H-1", date(2024, 2, 1), "700")
    assert consumption_between(before, after, RANGE) == Decimal(1200)


# --- charts ---------------------------------------------------------------------------------------


def test_the_month_of_a_wrap_is_charted_with_what_the_register_counted() -> None:
    readings = [
        a_reading("H-1", date(2024, 1, 1), "98000"),
        a_reading("H-1", date(2024, 2, 1), "99500"),
        rolled("H-1", date(2024, 3, 1), "700"),
        a_reading("H-1", date(2024, 4, 1), "1500"),
    ]
    months = {m.month: m.quantity for m in monthly_from_readings(readings, RANGE)}
    # February: 700 + 100000 - 99500 = 1200, no longer left out
    assert months == {"2024-01": Decimal(1500), "2024-02": Decimal(1200), "2024-03": Decimal(800)}
    # Without the register's size the wrap month cannot be counted and is left out
    assert "2024-02" not in {m.month for m in monthly_from_readings(readings)}


def test_the_year_view_of_a_meter_read_by_hand_counts_the_wrap_month() -> None:
    w = World()
    w.customers.meters["H-1"] = w.heat.model_copy(update={"register_digits": 5})
    store = w.service.readings.readings.readings  # type: ignore[attr-defined]
    for reading in (
        a_reading("H-1", date(2024, 1, 1), "98000"),
        a_reading("H-1", date(2024, 2, 1), "99500"),
        rolled("H-1", date(2024, 3, 1), "700"),
        a_reading("H-1", date(2024, 4, 1), "1500"),
    ):
        store[("H-1", reading.read_on)] = reading
    result = w.service.view(OWNER, CUSTOMER, "H-1", "year", year=2024)
    quantities = [b.quantity for b in result.view.bars[:4]]
    assert quantities == [Decimal("1500.0"), Decimal("1200.0"), Decimal("800.0"), None]
    assert result.view.total == Decimal("3500.0")


# --- the degree-day fit ---------------------------------------------------------------------------


def test_the_degree_day_fit_learns_from_the_interval_across_a_wrap() -> None:
    readings = [
        a_reading("H-1", date(2024, 1, 1), "98000"),
        rolled("H-1", date(2024, 2, 1), "1000"),
        a_reading("H-1", date(2024, 3, 1), "2500"),
    ]
    observations = observations_from_readings(readings, "oslo", register_range=RANGE)
    assert [(o.days, o.quantity) for o in observations] == [(Decimal(31), Decimal(3000)), (Decimal(29), Decimal(1500))]
    # Without the register's size the wrap interval teaches nothing
    assert [o.quantity for o in observations_from_readings(readings, "oslo")] == [Decimal(1500)]


# --- estimates stay on the register ---------------------------------------------------------------


def test_an_estimate_past_the_top_of_the_register_is_capped_at_its_highest_value() -> None:
    # Given 99000 on 2024-03-01 and 1100 on 2024-03-15 after a wrap (2100 kWh in 14 days)
    setup = Setup(FIVE_DIGITS)
    setup.given(
        a_reading("M-1", date(2023, 9, 1), "93000"),
        a_reading("M-1", date(2024, 3, 1), "99000"),
        rolled("M-1", date(2024, 3, 15), "1100"),
    )
    # When the register value on 2024-03-14 is estimated: linear 99000 + 2100 x 13/14 = 100950
    value = setup.service.value_at(setup.meter, date(2024, 3, 14))
    # Then it shows the register's highest value, never 100950
    assert (value.value, value.estimated) == (Decimal(99999), True)
    # And a day before the top is estimated as before: 99000 + 2100 x 3/14
    assert setup.service.value_at(setup.meter, date(2024, 3, 4)).value == Decimal(99450)


def test_an_estimate_after_the_last_reading_is_capped_too() -> None:
    # Given 6000 kWh in 182 days up to 99000 on 2024-03-01 and no reading since
    setup = Setup(FIVE_DIGITS)
    setup.given(a_reading("M-1", date(2023, 9, 1), "93000"), a_reading("M-1", date(2024, 3, 1), "99000"))
    # When estimated 60 days on (about 1978 kWh more, past 99 999)
    value = setup.service.value_at(setup.meter, date(2024, 4, 30))
    assert (value.value, value.estimated) == (Decimal(99999), True)


def test_within_register_keeps_the_meters_last_decimal_step() -> None:
    assert within_register(Decimal("100000.40"), RANGE, Decimal("0.01")) == Decimal("99999.99")
    assert within_register(Decimal("99999.98"), RANGE, Decimal("0.01")) == Decimal("99999.98")
    assert within_register(Decimal("123456789"), None, Decimal(1)) == Decimal("123456789")


def test_a_capped_estimate_bills_up_to_the_top_and_the_next_bill_counts_the_rest() -> None:
    # Given 99000 on 2025-01-01 and, after the wrap, 1100 on 2025-02-15 (2100 kWh in 45 days)
    b = Billing(today=date(2025, 3, 3))
    _customer_with_five_digits(b, {date(2025, 1, 1): ("99000", False), date(2025, 2, 15): ("1100", True)})
    b.spot("2025-01", "0.90")
    b.spot("2025-02", "0.90")
    # When January is billed, its end (2025-02-01) is estimated between them: 99000 + 2100 x 31/45
    # = 100446.7, past the register's top, so capped at 99999
    january, _ = b.service.bill_account("100001", JANUARY)
    [jan] = january.meter_values
    assert (jan.end_value, jan.end_estimated, jan.quantity) == (Decimal(99999), True, Decimal(999))
    # Then February starts at 99999 and counts through the wrap up to its end
    february, _ = b.service.bill_account("100001", FEBRUARY)
    [feb] = february.meter_values
    assert (feb.start_value, feb.register_wrap) == (Decimal(99999), RANGE)
    # Together the two bills count exactly what the register counted from 99000 to February's end
    assert jan.quantity + feb.quantity == feb.end_value + RANGE - Decimal(99000)
    assert jan.quantity + feb.quantity > Decimal(2100)  # past the rollover reading, into late February


# --- the correction history the readings page shows ----------------------------------------------


def test_the_readings_page_gets_each_readings_corrections_by_date() -> None:
    setup = Corrections()
    for month, value in ((1, "2000"), (2, "3000"), (3, "4000")):
        setup.add(date(2025, month, 1), value)
    setup.corrections.correct(STAFF, OWNED, "M-1", date(2025, 2, 1), Decimal(2900), "Feil avlest")
    setup.corrections.correct(STAFF, OWNED, "M-1", date(2025, 2, 1), Decimal(2950), "Bilde mottatt")
    shown = setup.reading_service.list_readings(OWNER_OF, OWNED, "M-1")

    by_date = setup.corrections.corrections_of(OWNER_OF, OWNED, "M-1", shown)

    assert list(by_date) == [date(2025, 2, 1)]
    assert [(c.previous_value, c.value, c.reason) for c in by_date[date(2025, 2, 1)]] == [
        (Decimal(3000), Decimal(2900), "Feil avlest"),
        (Decimal(2900), Decimal(2950), "Bilde mottatt"),
    ]
    assert setup.corrections.corrections_of(OWNER_OF, OWNED, "M-1", []) == {}
    stranger = Principal(user_id="stranger", email="x@example.no")
    with pytest.raises(Forbidden):
        setup.corrections.corrections_of(stranger, OWNED, "M-1", shown)
