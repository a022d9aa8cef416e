"""Register rollover: a register with N digits wraps from 10^N - 1 to 0.

A reading below the previous one is a rollover only on a meter whose number of
digits is known, and only when the consumption across the wrap is plausible or
confirmed; billing then counts end + 10^N - start instead of nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import BillingPeriod, Meter, MeterPeriodValue, ReadingSource
from heatportal.domain.money import EnergyUnit
from heatportal.services.billing.drafts import year_values
from tests.builders import a_customer, a_meter, a_reading
from tests.unit.test_billing_service import Billing
from tests.unit.test_readings_service import CUSTOMER, OWNER, Setup

FIVE_DIGITS = a_meter("M-1", CUSTOMER, installed_on=date(2023, 1, 1)).model_copy(update={"register_digits": 5})
JANUARY = BillingPeriod(year=2025, month=1)
FEBRUARY = BillingPeriod(year=2025, month=2)


@pytest.fixture
def near_the_top() -> Setup:
    """A five-digit kWh register (wraps after 99999) at 93000 on 2023-09-01 and
    99000 on 2024-03-01: 6000 kWh in 182 days, about 33 kWh a day. Today is 2024-03-15."""
    setup = Setup(FIVE_DIGITS)
    setup.given(a_reading("M-1", date(2023, 9, 1), "93000"), a_reading("M-1", date(2024, 3, 1), "99000"))
    return setup


def rejected(setup: Setup, value: str, read_on: date, *, confirmed: bool = False) -> str:
    before = dict(setup.stored())
    with pytest.raises(ValidationFailed) as error:
        setup.submit(value, read_on, confirmed=confirmed)
    assert setup.stored() == before  # nothing stored
    return error.value.code


# --- submitting ------------------------------------------------------------------------------------


def test_a_plausible_value_below_the_previous_one_is_stored_as_a_rollover(near_the_top: Setup) -> None:
    # When 100 is read 14 days after 99000: 100 + 100000 - 99000 = 1100 kWh
    # (expected 14 x 6000/182 = 461.5, the band's top 3 x 461.5 + 2 x 33.0 = 1450.5)
    result = near_the_top.service.submit(
        near_the_top.scope(OWNER, CUSTOMER), "M-1", Decimal(100), None, confirmed=False
    )
    # Then it is stored, marked as a rollover, with the consumption across the wrap
    assert result.consumption_since_previous == Decimal(1100)
    stored = near_the_top.readings.readings[("M-1", date(2024, 3, 15))]
    assert (stored.value, stored.rollover, stored.estimated) == (Decimal(100), True, False)


def test_a_reading_above_the_previous_one_is_no_rollover(near_the_top: Setup) -> None:
    assert near_the_top.submit("99400").rollover is False


def test_a_rollover_submitted_twice_is_stored_once(near_the_top: Setup) -> None:
    first = near_the_top.submit("100", date(2024, 3, 15))
    second = near_the_top.submit("100", date(2024, 3, 15))
    assert first == second
    assert near_the_top.readings.writes == 1
    assert second.rollover is True


def test_a_lower_value_on_a_meter_of_unknown_size_is_below_the_previous_reading() -> None:
    # Given the same history on a meter whose number of digits is not recorded
    setup = Setup(FIVE_DIGITS.model_copy(update={"register_digits": None}))
    setup.given(a_reading("M-1", date(2023, 9, 1), "93000"), a_reading("M-1", date(2024, 3, 1), "99000"))
    # Then a lower value is refused even when the person confirms it
    assert rejected(setup, "100", date(2024, 3, 15), confirmed=True) == "reading_below_previous"


def test_a_wrap_implying_an_implausible_consumption_asks_for_confirmation(near_the_top: Setup) -> None:
    # 48000 + 100000 - 99000 = 49000 kWh in 14 days, far above the band's 1450.5
    assert rejected(near_the_top, "48000", date(2024, 3, 15)) == "reading_implausible"
    # When the person confirms it, it is stored as a rollover
    stored = near_the_top.submit("48000", date(2024, 3, 15), confirmed=True)
    assert (stored.value, stored.rollover) == (Decimal(48000), True)


def test_a_lower_value_meaning_more_than_half_the_register_is_a_typo_not_a_wrap(near_the_top: Setup) -> None:
    # 50000 + 100000 - 99000 = 51000 kWh: more than half of the register's range
    # would be billed, so even confirmed it is refused as below the previous reading.
    assert rejected(near_the_top, "50000", date(2024, 3, 15), confirmed=True) == "reading_below_previous"
    assert rejected(near_the_top, "98000", date(2024, 3, 15), confirmed=True) == "reading_below_previous"


def test_a_wrap_just_above_the_band_is_implausible_and_just_below_it_is_not(near_the_top: Setup) -> None:
    # The band's top over 14 days is 1450.49...: 451 means 1451 kWh, 450 means 1450 kWh
    assert rejected(near_the_top, "451", date(2024, 3, 15)) == "reading_implausible"
    assert near_the_top.submit("450", date(2024, 3, 15)).rollover is True


def test_a_wrap_without_history_to_judge_it_by_must_be_confirmed() -> None:
    # Given a five-digit register with a single reading: no expected consumption
    setup = Setup(FIVE_DIGITS)
    setup.given(a_reading("M-1", date(2024, 3, 1), "99990"))
    assert rejected(setup, "5", date(2024, 3, 15)) == "reading_implausible"
    stored = setup.submit("5", date(2024, 3, 15), confirmed=True)
    assert stored.rollover is True


def test_a_value_with_more_digits_than_the_register_is_refused(near_the_top: Setup) -> None:
    assert rejected(near_the_top, "100000", date(2024, 3, 15), confirmed=True) == "reading_exceeds_register"
    assert near_the_top.submit("99999", date(2024, 3, 15)).rollover is False


def test_a_previous_value_beyond_the_register_is_no_rollover() -> None:
    # Given a four-digit register whose last reading (12000) cannot be on it
    setup = Setup(FIVE_DIGITS.model_copy(update={"register_digits": 4}))
    setup.given(a_reading("M-1", date(2024, 3, 1), "12000"))
    assert rejected(setup, "100", date(2024, 3, 15), confirmed=True) == "reading_below_previous"


def test_the_expected_consumption_counts_the_range_hidden_by_a_wrap(near_the_top: Setup) -> None:
    near_the_top.submit("100", date(2024, 3, 15))
    # 93000 on 2023-09-01 to 100 on 2024-03-15 across one wrap: 7100 kWh in 196 days
    assert near_the_top.service.expected_daily(near_the_top.meter, date(2024, 3, 15)) == Decimal(7100) / Decimal(196)


def test_an_estimate_between_a_reading_and_a_rollover_never_goes_down(near_the_top: Setup) -> None:
    near_the_top.submit("100", date(2024, 3, 15))
    # Linear between 99000 (2024-03-01) and 100 + 100000 (2024-03-15): 99000 + 1100 x 7/14
    value = near_the_top.service.value_at(near_the_top.meter, date(2024, 3, 8))
    assert (value.value, value.estimated) == (Decimal(99550), True)


# --- billing ---------------------------------------------------------------------------------------


def _customer_with_five_digits(b: Billing, readings: dict[date, tuple[str, bool]]) -> Meter:
    b.world.customers.add_customer(a_customer("100001"))
    meter = b.world.customers.add_meter(
        a_meter("M-100001", "100001", installed_on=date(2020, 1, 1)).model_copy(update={"register_digits": 5})
    )
    for day, (value, rollover) in readings.items():
        b.world.readings.add_reading(a_reading(meter.number, day, value).model_copy(update={"rollover": rollover}))
    return meter


def test_a_bill_across_a_wrap_counts_end_plus_the_range_minus_start() -> None:
    # Given 99500 on 2025-01-01 and 700 on 2025-02-01 after the register wrapped
    b = Billing()
    _customer_with_five_digits(b, {date(2025, 1, 1): ("99500", False), date(2025, 2, 1): ("700", True)})
    b.spot("2025-01", "0.90")
    # When January is billed
    january, _ = b.service.bill_account("100001", JANUARY)
    [jan] = january.meter_values
    # Then it bills 700 + 100000 - 99500 = 1200 kWh, showing the register values as read
    assert (jan.start_value, jan.end_value, jan.register_wrap, jan.quantity) == (
        Decimal(99500),
        Decimal(700),
        Decimal(100000),
        Decimal(1200),
    )
    assert january.lines[0].quantity == Decimal(1200)


def test_the_bill_after_the_wrap_does_not_count_it_again() -> None:
    b = Billing(today=date(2025, 3, 3))
    _customer_with_five_digits(
        b,
        {date(2025, 1, 1): ("99500", False), date(2025, 2, 1): ("700", True), date(2025, 3, 1): ("1500", False)},
    )
    b.spot("2025-01", "0.90")
    b.spot("2025-02", "0.90")
    january, _ = b.service.bill_account("100001", JANUARY)
    february, _ = b.service.bill_account("100001", FEBRUARY)
    [feb] = february.meter_values
    assert (feb.start_value, feb.end_value, feb.register_wrap, feb.quantity) == (
        Decimal(700),
        Decimal(1500),
        Decimal(0),
        Decimal(800),
    )
    assert january.lines[0].quantity + february.lines[0].quantity == Decimal(2000)


def test_a_wrap_read_after_an_estimated_end_is_counted_by_the_corrected_bill() -> None:
    # Given 96740 on 2024-07-01 and 99500 on 2025-01-01 (15 kWh a day), no reading on 2025-02-01 yet
    b = Billing()
    meter = _customer_with_five_digits(b, {date(2024, 7, 1): ("96740", False), date(2025, 1, 1): ("99500", False)})
    b.spot("2025-01", "0.90")
    b.spot("2025-02", "0.90")
    # When January is billed, the end is estimated: 99500 + 31 x 15 = 99965
    january, _ = b.service.bill_account("100001", JANUARY)
    [jan] = january.meter_values
    assert (jan.end_value, jan.end_estimated, jan.quantity) == (Decimal(99965), True, Decimal(465))
    # And the actual readings arrive: 500 on 2025-02-01 (wrapped: 1000 kWh) and 1100 on 2025-03-01
    b.world.clock.set_today(date(2025, 2, 20))
    first = b.readings.record(
        meter, Decimal(500), date(2025, 2, 1), confirmed=False, source=ReadingSource.SMS, recorded_by=None
    )
    assert first.reading.rollover is True
    b.world.clock.set_today(date(2025, 3, 2))
    b.readings.record(
        meter, Decimal(1100), date(2025, 3, 1), confirmed=False, source=ReadingSource.SMS, recorded_by=None
    )
    # When February is billed, January (which ended on the estimate) is corrected first
    february, _ = b.service.bill_account("100001", FEBRUARY)
    cancelled = b.world.invoices.get_invoice("100001", january.number)
    assert cancelled is not None and cancelled.replaced_by is not None
    corrected = b.world.invoices.get_invoice("100001", cancelled.replaced_by)
    assert corrected is not None
    [jan_again] = corrected.meter_values
    # Then the corrected January counts the wrap: 500 + 100000 - 99500 = 1000
    assert (jan_again.end_value, jan_again.register_wrap, jan_again.quantity) == (
        Decimal(500),
        Decimal(100000),
        Decimal(1000),
    )
    [feb] = february.meter_values
    # And February counts 1100 - 500 = 600; the bills that stand count what the meter counted
    assert (feb.start_value, feb.end_value, feb.quantity) == (Decimal(500), Decimal(1100), Decimal(600))
    assert jan_again.quantity + feb.quantity == Decimal(1100) + Decimal(100000) - Decimal(99500)


def test_without_a_rollover_reading_an_end_below_the_start_still_counts_nothing() -> None:
    # Given a five-digit register whose end (an actual reading below an earlier value) has no rollover mark
    b = Billing()
    _customer_with_five_digits(b, {date(2025, 1, 1): ("99500", False), date(2025, 2, 1): ("99400", False)})
    b.spot("2025-01", "0.90")
    january, _ = b.service.bill_account("100001", JANUARY)
    [jan] = january.meter_values
    assert (jan.end_value, jan.register_wrap, jan.quantity) == (Decimal(99500), Decimal(0), Decimal(0))


def test_a_year_over_a_wrap_adds_the_range_once_per_wrap() -> None:
    def month(start: str, end: str, wrap: str = "0") -> MeterPeriodValue:
        return MeterPeriodValue(
            meter_number="M-1",
            unit=EnergyUnit.KWH,
            start_value=Decimal(start),
            end_value=Decimal(end),
            register_wrap=Decimal(wrap),
        )

    [year] = year_values([month("98000", "99500"), month("99500", "700", "100000"), month("700", "1500")])
    assert (year.start_value, year.end_value, year.quantity) == (Decimal(98000), Decimal(1500), Decimal(3500))
