"""Money and energy units (heatportal.domain.money): Decimal only, exact factors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heatportal.domain.money import EnergyUnit, convert, is_energy, round_money

amounts = st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=6)
energy_units = st.sampled_from([EnergyUnit.KWH, EnergyUnit.MWH, EnergyUnit.GJ])
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000000"), places=3)


# --- round_money ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("12.345", "NOK", "12.35"),  # half up, not half even
        ("12.344999", "EUR", "12.34"),
        ("-12.345", "SEK", "-12.35"),  # a bonus rounds away from zero on the half, like a fee
        ("0.005", "EUR", "0.01"),
        ("100", "NOK", "100.00"),
        ("1234.5", "JPY", "1235"),  # no minor unit
        ("1.2345", "KWD", "1.235"),  # three decimals
    ],
)
def test_round_money_rounds_half_up_to_the_currency_minor_unit(amount: str, currency: str, expected: str) -> None:
    rounded = round_money(Decimal(amount), currency)
    assert rounded == Decimal(expected)
    assert rounded.as_tuple().exponent == Decimal(expected).as_tuple().exponent


def test_half_up_differs_from_bankers_rounding_on_an_even_cent() -> None:
    # Given an amount exactly half way above an even cent
    amount = Decimal("2.125")
    # When it is rounded as money
    # Then it goes up (commercial rounding); banker's rounding would keep 2.12
    assert round_money(amount, "NOK") == Decimal("2.13")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_round_money_refuses_a_float(value: float) -> None:
    with pytest.raises(TypeError, match="Decimal"):
        round_money(value, "NOK")  # type: ignore[arg-type]  # the point: floats are refused at run time


@pytest.mark.parametrize("value", [1, "1.00", None])
def test_round_money_refuses_anything_but_decimal(value: object) -> None:
    with pytest.raises(TypeError):
        round_money(value, "NOK")  # type: ignore[arg-type]  # the point: non-Decimals are refused


@given(amounts, st.sampled_from(["NOK", "SEK", "EUR"]))
def test_rounded_money_has_exactly_two_decimals_and_moves_less_than_half_a_cent(amount: Decimal, currency: str) -> None:
    rounded = round_money(amount, currency)
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - amount) <= Decimal("0.005")
    assert round_money(rounded, currency) == rounded  # rounding twice changes nothing


# --- energy units ----------------------------------------------------------------


def test_units_convert_with_the_physical_factors() -> None:
    # 1 MWh = 1000 kWh = 3.6 GJ
    assert convert(Decimal("1.234"), EnergyUnit.MWH, EnergyUnit.KWH) == Decimal("1234")
    assert convert(Decimal("1234"), EnergyUnit.KWH, EnergyUnit.MWH) == Decimal("1.234")
    assert convert(Decimal("1"), EnergyUnit.MWH, EnergyUnit.GJ) == Decimal("3.6")
    assert convert(Decimal("3.6"), EnergyUnit.GJ, EnergyUnit.KWH) == Decimal("1000")
    assert convert(Decimal("1000"), EnergyUnit.KWH, EnergyUnit.GJ) == Decimal("3.6")


@pytest.mark.parametrize(("kwh", "gj"), [("250", "0.9"), ("1875", "6.75")])
def test_kwh_to_gj_is_exact(kwh: str, gj: str) -> None:
    assert convert(Decimal(kwh), EnergyUnit.KWH, EnergyUnit.GJ) == Decimal(gj)


def test_same_unit_is_returned_unchanged_including_volume() -> None:
    quantity = Decimal("12.340")
    assert convert(quantity, EnergyUnit.M3, EnergyUnit.M3) is quantity
    assert convert(quantity, EnergyUnit.KWH, EnergyUnit.KWH) is quantity


@pytest.mark.parametrize("unit", [EnergyUnit.KWH, EnergyUnit.MWH, EnergyUnit.GJ])
def test_volume_and_energy_do_not_convert(unit: EnergyUnit) -> None:
    assert not is_energy(EnergyUnit.M3)
    assert is_energy(unit)
    with pytest.raises(ValueError, match="cannot convert"):
        convert(Decimal(1), EnergyUnit.M3, unit)
    with pytest.raises(ValueError, match="cannot convert"):
        convert(Decimal(1), unit, EnergyUnit.M3)


@given(quantities)
def test_kwh_to_gj_and_back_is_the_same_energy(kwh: Decimal) -> None:
    back = convert(convert(kwh, EnergyUnit.KWH, EnergyUnit.GJ), EnergyUnit.GJ, EnergyUnit.KWH)
    assert abs(back - kwh) <= kwh * Decimal("1e-20")


@given(quantities, energy_units, energy_units)
def test_any_round_trip_is_the_same_energy(quantity: Decimal, source: EnergyUnit, target: EnergyUnit) -> None:
    back = convert(convert(quantity, source, target), target, source)
    assert isinstance(back, Decimal)
    assert abs(back - quantity) <= quantity * Decimal("1e-20")


@given(quantities)
def test_a_gj_is_worth_more_than_277_and_less_than_278_kwh(gj: Decimal) -> None:
    kwh = convert(gj, EnergyUnit.GJ, EnergyUnit.KWH)
    assert gj * Decimal("277.77") < kwh < gj * Decimal("277.78")
