"""The tariff engine (heatportal.domain.tariff), recomputed by hand.

Every expected amount below is worked out in the comment next to it from the
price list in ``profiles/<id>.yaml`` and the published Norwegian prices; nothing is computed with the
engine's own helpers. VAT is computed once on the net sum of the rate.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heatportal.domain.model import BillingPeriod, DailyConsumption, InvoiceLine, MeterKind
from heatportal.domain.money import EnergyUnit, round_money
from heatportal.domain.profile import UtilityProfile, load_profile
from heatportal.domain.tariff import MeterUsage, MissingPrice, PricedPeriod, PricingInput, price_period, summarise

NO = load_profile("no")
NL = load_profile("nl")
DE = load_profile("de")
SE = load_profile("se")


def month(text: str) -> BillingPeriod:
    return BillingPeriod.parse(text)


def heat(quantity: str, unit: EnergyUnit = EnergyUnit.KWH, days: tuple[DailyConsumption, ...] = ()) -> MeterUsage:
    return MeterUsage("H-1", MeterKind.HEAT, unit, Decimal(quantity), days)


def hot_water(m3: str) -> MeterUsage:
    return MeterUsage("W-1", MeterKind.HOT_WATER, EnergyUnit.M3, Decimal(m3))


def line(priced: PricedPeriod, component: str) -> InvoiceLine:
    found = [ln for ln in priced.lines if ln.component == component]
    assert len(found) == 1, f"expected one {component} line, got {[ln.component for ln in priced.lines]}"
    return found[0]


def components(priced: PricedPeriod) -> list[str]:
    return [ln.component for ln in priced.lines]


def price_no(period: str, spot: str | None, *usages: MeterUsage) -> PricedPeriod:
    return price_period(NO, PricingInput(month(period), usages, Decimal(spot) if spot is not None else None))


# --- Norway: (spot + transfer) - 10 %, capped after the discount ---------------------


def test_no_january_2022_below_the_cap_pays_spot_plus_transfer_less_ten_percent() -> None:
    # Given January 2022 (transfer 0.3364/kWh, cap 1.25) and an average spot price of 0.8000/kWh
    # When 1234 kWh of heat are priced
    priced = price_no("2022-01", "0.8000", heat("1234"))
    # Then the price is (0.8000 + 0.3364) x 0.90 = 1.1364 x 0.90 = 1.02276 per kWh (below the cap 1.25)
    energy = line(priced, "spot_energy")
    assert energy.quantity == Decimal("1234")
    assert energy.unit == "kWh"
    assert energy.unit_price == Decimal("1.02276")
    # 1234 x 1.02276 = 1262.08584 -> 1262.09
    assert energy.amount == Decimal("1262.09")
    assert energy.vat_rate == Decimal("0.25")
    assert components(priced) == ["spot_energy"]  # the 2022 private price list has no fixed fee
    # VAT 1262.09 x 0.25 = 315.5225 -> 315.52; total 1262.09 + 315.52 = 1577.61
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("1262.09"),
        Decimal("315.52"),
        Decimal("1577.61"),
    )
    assert priced.currency == "NOK"


def test_no_august_2022_at_a_record_spot_price_pays_the_maximum_price() -> None:
    # Given August 2022 (transfer 0.4176, cap 1.25) and a spot price of 3.90/kWh
    priced = price_no("2022-08", "3.90", heat("456"))
    # Then (3.90 + 0.4176) x 0.90 = 3.88584 is above the cap, so the price is 1.25
    energy = line(priced, "spot_energy")
    assert energy.unit_price == Decimal("1.25")
    # 456 x 1.25 = 570.00; VAT 142.50; total 712.50
    assert energy.amount == Decimal("570.00")
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("570.00"),
        Decimal("142.50"),
        Decimal("712.50"),
    )
    assert "(cap)" in energy.explanation


def test_no_discount_is_taken_before_the_cap_is_applied() -> None:
    # Given August 2022 and a spot price where spot + transfer is above the cap but the discounted price is not:
    # 0.95 + 0.4176 = 1.3676 > 1.25, but 1.3676 x 0.90 = 1.23084 < 1.25
    priced = price_no("2022-08", "0.95", heat("1000"))
    # Then the customer pays the discounted 1.23084 (capping first would give 1.25 x 0.9 = 1.125)
    energy = line(priced, "spot_energy")
    assert energy.unit_price == Decimal("1.23084")
    assert energy.amount == Decimal("1230.84")  # 1000 x 1.23084
    assert "(cap)" not in energy.explanation


def test_no_september_2022_uses_the_september_transfer_cost() -> None:
    # Given September 2022: transfer 0.5526 ("For September maaned ... 55,26 oere")
    priced = price_no("2022-09", "0.50", heat("789"))
    # Then (0.50 + 0.5526) x 0.90 = 1.0526 x 0.90 = 0.94734 per kWh
    energy = line(priced, "spot_energy")
    assert energy.unit_price == Decimal("0.94734")
    # 789 x 0.94734 = 747.45126 -> 747.45; VAT 186.8625 -> 186.86; total 934.31
    assert energy.amount == Decimal("747.45")
    assert (priced.vat_total, priced.total) == (Decimal("186.86"), Decimal("934.31"))


def test_no_august_2022_uses_the_april_to_september_transfer_cost() -> None:
    # Same spot as the September case; August's transfer is 0.4176: (0.50 + 0.4176) x 0.90 = 0.82584
    energy = line(price_no("2022-08", "0.50", heat("789")), "spot_energy")
    assert energy.unit_price == Decimal("0.82584")


@pytest.mark.parametrize(
    ("period", "unit_price"),
    [
        ("2022-03", "1.02276"),  # (0.8000 + 0.3364) x 0.9
        ("2022-04", "1.09584"),  # (0.8000 + 0.4176) x 0.9
        ("2022-09", "1.21734"),  # (0.8000 + 0.5526) x 0.9
        ("2022-10", "1.15209"),  # (0.8000 + 0.4801) x 0.9
        ("2024-12", "1.15209"),  # the 2022 list stays in force until 2025
        ("2025-01", "1.16010"),  # (0.8000 + 0.4890) x 0.9 = 1.1601
        ("2026-01", "1.18080"),  # (0.8000 + 0.5120) x 0.9 = 1.1808
    ],
)
def test_no_transfer_cost_changes_on_the_first_of_the_month_it_is_valid_from(period: str, unit_price: str) -> None:
    energy = line(price_no(period, "0.8000", heat("100")), "spot_energy")
    assert energy.unit_price == Decimal(unit_price)


def test_no_october_2022_has_transfer_04801_and_maximum_price_15922() -> None:
    # Given October 2022 (transfer 0.4801, cap 1.5922) and a spot price of 1.50/kWh
    priced = price_no("2022-10", "1.50", heat("2000"))
    # Then (1.50 + 0.4801) x 0.90 = 1.9801 x 0.90 = 1.78209 is above 1.5922: the price is 1.5922
    energy = line(priced, "spot_energy")
    assert energy.unit_price == Decimal("1.5922")
    # 2000 x 1.5922 = 3184.40; VAT 796.10; total 3980.50
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("3184.40"),
        Decimal("796.10"),
        Decimal("3980.50"),
    )


def test_no_october_2022_is_no_longer_held_to_the_earlier_cap_125() -> None:
    # (1.00 + 0.4801) x 0.90 = 1.33209: above the old cap 1.25, below the new cap 1.5922
    energy = line(price_no("2022-10", "1.00", heat("1000")), "spot_energy")
    assert energy.unit_price == Decimal("1.33209")
    assert energy.amount == Decimal("1332.09")


def test_no_2025_price_list_adds_the_fixed_fee_of_1200_a_year_as_100_a_month() -> None:
    # Given January 2025: transfer 0.4890, cap 1.5922, fixed fee 1200.00 per year
    priced = price_no("2025-01", "0.90", heat("1500"))
    # Then energy (0.90 + 0.4890) x 0.90 = 1.389 x 0.90 = 1.2501; 1500 x 1.2501 = 1875.15
    energy = line(priced, "spot_energy")
    assert energy.unit_price == Decimal("1.2501")
    assert energy.amount == Decimal("1875.15")
    # And a fixed fee of 1200.00 / 12 = 100.00 for the month
    fee = line(priced, "fixed_fee")
    assert (fee.quantity, fee.unit, fee.amount) == (Decimal(1), "month", Decimal("100.00"))
    assert fee.text_params == {"name": "Fastledd"}
    # Net 1975.15; VAT 1975.15 x 0.25 = 493.7875 -> 493.79; total 2468.94
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("1975.15"),
        Decimal("493.79"),
        Decimal("2468.94"),
    )


def test_no_2026_uses_the_2026_transfer_cost_and_keeps_the_fixed_fee() -> None:
    priced = price_no("2026-01", "0.90", heat("1500"))
    # (0.90 + 0.5120) x 0.90 = 1.2708; 1500 x 1.2708 = 1906.20; + 100.00 = 2006.20
    assert line(priced, "spot_energy").amount == Decimal("1906.20")
    assert line(priced, "fixed_fee").amount == Decimal("100.00")
    # VAT 2006.20 x 0.25 = 501.55; total 2507.75
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("2006.20"),
        Decimal("501.55"),
        Decimal("2507.75"),
    )


def test_no_2025_cap_is_15922() -> None:
    # (2.00 + 0.4890) x 0.90 = 2.2401 > 1.5922
    assert line(price_no("2025-02", "2.00", heat("10")), "spot_energy").unit_price == Decimal("1.5922")


def test_no_a_meter_counting_mwh_is_priced_per_kwh() -> None:
    # 1.234 MWh = 1234 kWh; (0.8000 + 0.3364) x 0.9 = 1.02276 -> 1262.09 as in the kWh case
    energy = line(price_no("2022-01", "0.8000", heat("1.234", EnergyUnit.MWH)), "spot_energy")
    assert energy.quantity == Decimal("1234")
    assert energy.amount == Decimal("1262.09")


def test_no_missing_spot_price_is_a_missing_price_not_a_zero_price() -> None:
    with pytest.raises(MissingPrice, match="NO1 2022-01"):
        price_no("2022-01", None, heat("1234"))


def test_no_before_the_first_price_list_there_is_nothing_to_price_with() -> None:
    with pytest.raises(LookupError):
        price_no("2021-12", "0.50", heat("1234"))


# --- Netherlands: per GJ, three fixed fees per year / 12, hot tap water per m3 ---------------------------


def test_nl_february_2024_with_a_gj_meter_and_hot_tap_water() -> None:
    # Given February 2024 (price list nl-2024, VAT 21 %), 3.456 GJ of heat and 2.345 m3 of hot tap water
    priced = price_period(NL, PricingInput(month("2024-02"), (heat("3.456", EnergyUnit.GJ), hot_water("2.345"))))
    fees = {ln.text_params["name"]: ln.amount for ln in priced.lines if ln.component == "fixed_fee"}
    # Then the fixed fees are a twelfth of the yearly amounts:
    assert fees == {
        "Vastrecht": Decimal("43.34"),  # 520.11 / 12 = 43.3425 -> 43.34
        "Huur afleverset": Decimal("15.62"),  # 187.40 / 12 = 15.6166... -> 15.62
        "Meterhuur": Decimal("2.29"),  # 27.50 / 12 = 2.2916... -> 2.29
    }
    energy = line(priced, "energy")
    assert (energy.quantity, energy.unit, energy.unit_price) == (Decimal("3.456"), "GJ", Decimal("47.38"))
    assert energy.amount == Decimal("163.75")  # 3.456 x 47.38 = 163.74528 -> 163.75
    water = line(priced, "volume")
    assert (water.quantity, water.unit, water.unit_price) == (Decimal("2.345"), "m3", Decimal("11.23"))
    assert water.amount == Decimal("26.33")  # 2.345 x 11.23 = 26.33435 -> 26.33
    # Net 43.34 + 15.62 + 2.29 + 163.75 + 26.33 = 251.33; VAT 21 % = 52.7793 -> 52.78; total 304.11
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("251.33"),
        Decimal("52.78"),
        Decimal("304.11"),
    )
    assert {ln.vat_rate for ln in priced.lines} == {Decimal("0.21")}


def test_nl_a_kwh_heat_meter_is_priced_per_gj() -> None:
    # 1000 kWh = 3.6 GJ; 3.6 x 47.38 = 170.568 -> 170.57
    energy = line(price_period(NL, PricingInput(month("2024-02"), (heat("1000"),))), "energy")
    assert energy.quantity == Decimal("3.6")
    assert energy.amount == Decimal("170.57")


def test_nl_kwh_meter_is_billed_to_the_cent_of_the_exact_gj() -> None:
    # Given an NL price list at 50.05 per GJ (within the ACM maximum) and a heat meter counting kWh
    data = NL.model_dump()
    data["price_lists"][0]["components"][3]["prices"][0]["price"] = Decimal("50.05")
    profile = UtilityProfile.model_validate(data)
    # When 250 kWh (= 0.9 GJ exactly) are priced
    energy = line(price_period(profile, PricingInput(month("2024-02"), (heat("250"),))), "energy")
    # Then 0.9 x 50.05 = 45.045 -> 45.05 (half up)
    assert energy.amount == Decimal("45.05")


def test_nl_without_a_hot_water_meter_there_is_no_hot_water_line() -> None:
    priced = price_period(NL, PricingInput(month("2024-02"), (heat("3.456", EnergyUnit.GJ),)))
    assert "volume" not in components(priced)
    assert components(priced).count("fixed_fee") == 3


def test_nl_2026_price_list() -> None:
    priced = price_period(NL, PricingInput(month("2026-01"), (heat("3.456", EnergyUnit.GJ), hot_water("2.345"))))
    fees = [ln.amount for ln in priced.lines if ln.component == "fixed_fee"]
    # 548.53 / 12 = 45.7108 -> 45.71; 194.18 / 12 = 16.1816 -> 16.18; 28.60 / 12 = 2.3833 -> 2.38
    assert fees == [Decimal("45.71"), Decimal("16.18"), Decimal("2.38")]
    assert line(priced, "energy").amount == Decimal("170.97")  # 3.456 x 49.47 = 170.96832
    assert line(priced, "volume").amount == Decimal("27.46")  # 2.345 x 11.71 = 27.45995
    # Net 45.71 + 16.18 + 2.38 + 170.97 + 27.46 = 262.70; VAT 21 % = 55.167 -> 55.17; total 317.87
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("262.70"),
        Decimal("55.17"),
        Decimal("317.87"),
    )


def test_nl_second_half_of_2022_has_no_price_list_in_force() -> None:
    # The 9 % VAT period (2022-07-01 .. 2022-12-31) predates the first price list (2024-01-01)
    with pytest.raises(LookupError, match="no price list"):
        price_period(NL, PricingInput(month("2022-08"), (heat("3.456", EnergyUnit.GJ),)))


def test_nl_vat_is_9_percent_in_the_second_half_of_2022() -> None:
    # Given the nl-2024 prices applied to August 2022 (as a trial settlement would pass them)
    priced = price_period(
        NL,
        PricingInput(month("2022-08"), (heat("3.456", EnergyUnit.GJ), hot_water("2.345"))),
        price_list=NL.price_lists[0],
    )
    # Then VAT is 9 %: 251.33 x 0.09 = 22.6197 -> 22.62; total 273.95
    assert {ln.vat_rate for ln in priced.lines} == {Decimal("0.09")}
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("251.33"),
        Decimal("22.62"),
        Decimal("273.95"),
    )


# --- Germany: per MWh, Grundpreis and Messpreis per year / 12 --------------------------------------------


def test_de_may_2024_with_19_percent_vat() -> None:
    # Given May 2024 (de-2024: Grundpreis 312.00, Messpreis 96.00 a year, 118.50 per MWh; VAT 19 %)
    priced = price_period(DE, PricingInput(month("2024-05"), (heat("1.234", EnergyUnit.MWH),)))
    fees = {ln.text_params["name"]: ln.amount for ln in priced.lines if ln.component == "fixed_fee"}
    assert fees == {"Grundpreis": Decimal("26.00"), "Messpreis": Decimal("8.00")}  # 312/12, 96/12
    energy = line(priced, "energy")
    assert (energy.unit, energy.unit_price) == ("MWh", Decimal("118.50"))
    assert energy.amount == Decimal("146.23")  # 1.234 x 118.50 = 146.229 -> 146.23
    # Net 26.00 + 8.00 + 146.23 = 180.23; VAT 19 % = 34.2437 -> 34.24; total 214.47
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("180.23"),
        Decimal("34.24"),
        Decimal("214.47"),
    )


def test_de_january_2024_has_the_reduced_7_percent_vat() -> None:
    priced = price_period(DE, PricingInput(month("2024-01"), (heat("1.234", EnergyUnit.MWH),)))
    # Net 180.23 as in May; VAT 7 % = 12.6161 -> 12.62; total 192.85
    assert {ln.vat_rate for ln in priced.lines} == {Decimal("0.07")}
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("180.23"),
        Decimal("12.62"),
        Decimal("192.85"),
    )


def test_de_january_2023_vat_is_7_percent_but_no_price_list_is_in_force() -> None:
    assert DE.vat_on(date(2023, 1, 1)) == Decimal("0.07")
    with pytest.raises(LookupError, match="no price list"):
        price_period(DE, PricingInput(month("2023-01"), (heat("1.234", EnergyUnit.MWH),)))
    priced = price_period(
        DE, PricingInput(month("2023-01"), (heat("1.234", EnergyUnit.MWH),)), price_list=DE.price_lists[0]
    )
    assert priced.vat_total == Decimal("12.62")  # 180.23 x 0.07 = 12.6161


def test_de_march_2024_is_billed_with_19_percent_vat() -> None:
    priced = price_period(DE, PricingInput(month("2024-03"), (heat("1.234", EnergyUnit.MWH),)))
    assert priced.vat_total == Decimal("34.24")


def test_de_a_kwh_meter_is_priced_per_mwh() -> None:
    energy = line(price_period(DE, PricingInput(month("2024-05"), (heat("1234"),))), "energy")
    assert energy.quantity == Decimal("1.234")  # 1234 kWh / 1000
    assert energy.amount == Decimal("146.23")


def test_de_2026_price_list() -> None:
    priced = price_period(DE, PricingInput(month("2026-02"), (heat("1.234", EnergyUnit.MWH),)))
    # 324/12 = 27.00; 99/12 = 8.25; 1.234 x 112.90 = 139.3186 -> 139.32; net 174.57
    assert [ln.amount for ln in priced.lines] == [Decimal("27.00"), Decimal("8.25"), Decimal("139.32")]
    # VAT 19 % = 33.1683 -> 33.17; total 207.74
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("174.57"),
        Decimal("33.17"),
        Decimal("207.74"),
    )


# --- Sweden: seasonal energy price, capacity, flow charge, return temperature --------------------------


def days_of(
    period: str, kwh: str, return_c: str, m3: str, peaks: tuple[tuple[int, str, str, str], ...] = ()
) -> tuple[DailyConsumption, ...]:
    """Every day of the month with the same values, except the peak days (day, kWh, return C, m3)."""
    start = month(period).start
    special = {day: (q, r, v) for day, q, r, v in peaks}
    out = []
    for offset in range(month(period).days):
        day = start + timedelta(days=offset)
        q, r, v = special.get(day.day, (kwh, return_c, m3))
        out.append(
            DailyConsumption(
                meter_number="H-1",
                day=day,
                quantity=Decimal(q),
                mean_return_temp=Decimal(r),
                volume_m3=Decimal(v),
            )
        )
    return tuple(out)


def test_se_january_winter_month_with_capacity_flow_and_a_return_temperature_fee() -> None:
    # Given January 2025: 28 days of 380 kWh at 40.0 C return and 6.0 m3, and three cold days
    # of 480, 456 and 432 kWh at 36.0 C return and 8.0 m3
    days = days_of(
        "2025-01",
        "380",
        "40.0",
        "6.0",
        ((10, "480", "36.0", "8.0"), (11, "456", "36.0", "8.0"), (12, "432", "36.0", "8.0")),
    )
    # 28 x 380 + 480 + 456 + 432 = 10640 + 1368 = 12008 kWh
    priced = price_period(SE, PricingInput(month("2025-01"), (heat("12008", days=days),)))

    assert line(priced, "fixed_fee").amount == Decimal("329.17")  # 3950.00 / 12 = 329.1666...
    # Capacity: highest daily loads 480/24 = 20, 456/24 = 19, 432/24 = 18 kW; mean 19.00 kW
    capacity = line(priced, "capacity")
    assert (capacity.quantity, capacity.unit) == (Decimal("19.00"), "kW")
    assert capacity.amount == Decimal("1013.33")  # 19 x 640 / 12 = 1013.333...
    # Winter energy price 720.00 per MWh: 12.008 x 720 = 8645.76
    energy = line(priced, "energy")
    assert (energy.quantity, energy.unit_price) == (Decimal("12.008"), Decimal("720.00"))
    assert energy.amount == Decimal("8645.76")
    # Flow: 28 x 6.0 + 3 x 8.0 = 192.0 m3 x 4.00 = 768.00
    flow = line(priced, "volume")
    assert (flow.quantity, flow.unit_price, flow.amount) == (Decimal("192.0"), Decimal("4.00"), Decimal("768.00"))
    # Return temperature: (10.640 x 40.0 + 1.368 x 36.0) / 12.008 = 474.848 / 12.008 = 39.54 -> 39.5 C;
    # reference in January 38 C: +1.5 degrees x 3.00 = 4.50 per MWh fee; 12.008 x 4.50 = 54.036 -> 54.04
    fee = line(priced, "return_temperature")
    assert fee.text_key == "line.return_fee"
    assert (fee.quantity, fee.unit, fee.unit_price) == (Decimal("12.008"), "MWh", Decimal("4.50"))
    assert fee.amount == Decimal("54.04")
    # Net 329.17 + 1013.33 + 8645.76 + 768.00 + 54.04 = 10810.30; VAT 25 % = 2702.575 -> 2702.58
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("10810.30"),
        Decimal("2702.58"),
        Decimal("13512.88"),
    )


def test_se_july_summer_month_with_a_return_temperature_bonus() -> None:
    # Given July 2025: 31 days of 96 kWh at 38.0 C return and 2.0 m3
    days = days_of("2025-07", "96", "38.0", "2.0")
    priced = price_period(SE, PricingInput(month("2025-07"), (heat("2976", days=days),)))  # 31 x 96 = 2976
    # Capacity: 96 / 24 = 4.00 kW; 4 x 640 / 12 = 213.333... -> 213.33
    assert line(priced, "capacity").amount == Decimal("213.33")
    # Summer energy price 280.00 per MWh: 2.976 x 280 = 833.28
    energy = line(priced, "energy")
    assert (energy.unit_price, energy.amount) == (Decimal("280.00"), Decimal("833.28"))
    # Flow 31 x 2.0 = 62.0 m3 x 4.00 = 248.00
    assert line(priced, "volume").amount == Decimal("248.00")
    # Return 38.0 C vs summer reference 42 C: -4 degrees x 3.00 = -12.00 per MWh, a bonus:
    # 2.976 x -12.00 = -35.712 -> -35.71
    bonus = line(priced, "return_temperature")
    assert bonus.text_key == "line.return_bonus"
    assert bonus.unit_price == Decimal("-12.00")
    assert bonus.amount == Decimal("-35.71")
    # Net 329.17 + 213.33 + 833.28 + 248.00 - 35.71 = 1588.07; VAT 397.0175 -> 397.02; total 1985.09
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("1588.07"),
        Decimal("397.02"),
        Decimal("1985.09"),
    )


@pytest.mark.parametrize(
    ("period", "energy_price", "reference"),
    [
        ("2025-03", "720.00", "38"),  # winter
        ("2025-04", "520.00", "42"),  # spring: shoulder price, summer reference
        ("2025-05", "280.00", "42"),
        ("2025-10", "520.00", "42"),
        ("2025-11", "720.00", "38"),
    ],
)
def test_se_season_boundaries(period: str, energy_price: str, reference: str) -> None:
    days = days_of(period, "100", "40.0", "1.0")
    total_kwh = str(100 * month(period).days)
    priced = price_period(SE, PricingInput(month(period), (heat(total_kwh, days=days),)))
    assert line(priced, "energy").unit_price == Decimal(energy_price)
    # 40.0 C return: (40.0 - reference) x 3.00 per MWh
    assert line(priced, "return_temperature").unit_price == (Decimal("40.0") - Decimal(reference)) * Decimal("3.00")


def test_se_capacity_adds_the_loads_of_two_heat_meters_per_day() -> None:
    # Given two heat meters whose highest days differ: the load is per day over both meters
    period = month("2025-02")
    a = tuple(
        DailyConsumption(meter_number="H-1", day=period.start + timedelta(days=i), quantity=Decimal(q))
        for i, q in enumerate(["240", "240", "0", "0"])
    )
    b = tuple(
        DailyConsumption(meter_number="H-2", day=period.start + timedelta(days=i), quantity=Decimal(q))
        for i, q in enumerate(["240", "0", "360", "120"])
    )
    usages = (
        MeterUsage("H-1", MeterKind.HEAT, EnergyUnit.KWH, Decimal("480"), a),
        MeterUsage("H-2", MeterKind.HEAT, EnergyUnit.KWH, Decimal("720"), b),
    )
    capacity = line(price_period(SE, PricingInput(period, usages)), "capacity")
    # Daily totals 480, 240, 360, 120 kWh = 20, 10, 15, 5 kW; top 3 mean (20 + 15 + 10) / 3 = 15.00 kW
    assert capacity.quantity == Decimal("15.00")
    assert capacity.amount == Decimal("800.00")  # 15 x 640 / 12


def test_se_a_mwh_meter_gives_the_same_bill_as_a_kwh_meter() -> None:
    kwh_days = days_of("2025-01", "380", "40.0", "6.0")
    mwh_days = tuple(d.model_copy(update={"quantity": d.quantity / 1000}) for d in kwh_days)
    in_kwh = price_period(SE, PricingInput(month("2025-01"), (heat("11780", days=kwh_days),)))
    in_mwh = price_period(SE, PricingInput(month("2025-01"), (heat("11.780", EnergyUnit.MWH, days=mwh_days),)))
    assert [ln.amount for ln in in_kwh.lines] == [ln.amount for ln in in_mwh.lines]
    assert in_kwh.total == in_mwh.total


def test_se_without_return_temperatures_there_is_no_return_line() -> None:
    days = tuple(d.model_copy(update={"mean_return_temp": None}) for d in days_of("2025-01", "380", "40.0", "6.0"))
    priced = price_period(SE, PricingInput(month("2025-01"), (heat("11780", days=days),)))
    assert "return_temperature" not in components(priced)


# --- properties of every bill --------------------------------------------------------------------------

PROFILES = {"no": NO, "nl": NL, "de": DE, "se": SE}
kwh_amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("500000"), places=0)
m3_amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=3)
spot_prices = st.decimals(min_value=Decimal("-0.10"), max_value=Decimal("8"), places=4)
periods = st.builds(BillingPeriod, year=st.integers(2024, 2026), month=st.integers(1, 12))


@st.composite
def pricing_inputs(draw: st.DrawFn) -> tuple[UtilityProfile, PricingInput]:
    profile = PROFILES[draw(st.sampled_from(sorted(PROFILES)))]
    period = draw(periods)
    unit = draw(st.sampled_from([EnergyUnit.KWH, EnergyUnit.MWH, EnergyUnit.GJ]))
    daily = draw(st.lists(kwh_amounts.map(lambda q: q / 100), min_size=0, max_size=period.days))
    temps = draw(
        st.lists(
            st.decimals(min_value=Decimal(20), max_value=Decimal(70), places=1),
            min_size=len(daily),
            max_size=len(daily),
        )
    )
    days = tuple(
        DailyConsumption(
            meter_number="H-1",
            day=period.start + timedelta(days=i),
            quantity=q,
            mean_return_temp=t,
            volume_m3=q / 50,
        )
        for i, (q, t) in enumerate(zip(daily, temps, strict=True))
    )
    usages = [MeterUsage("H-1", MeterKind.HEAT, unit, draw(kwh_amounts) / 1000, days)]
    if draw(st.booleans()):
        usages.append(hot_water(str(draw(m3_amounts))))
    return profile, PricingInput(period, tuple(usages), draw(spot_prices))


@settings(max_examples=300)
@given(pricing_inputs())
def test_every_bill_adds_up_and_every_amount_is_in_cents(case: tuple[UtilityProfile, PricingInput]) -> None:
    profile, data = case
    priced = price_period(profile, data)
    assert priced.lines
    # Each line is rounded once, from its own quantity and unit price
    for ln in priced.lines:
        assert isinstance(ln.amount, Decimal)
        assert ln.amount == round_money(ln.quantity * ln.unit_price, profile.currency)
        assert ln.amount.as_tuple().exponent == -2
        assert ln.vat_rate == profile.vat_on(data.period.start)
    # The invoice is the sum of its lines, plus VAT rounded once on that sum
    assert priced.net_total == sum((ln.amount for ln in priced.lines), Decimal(0))
    assert priced.vat_total == round_money(priced.net_total * profile.vat_on(data.period.start), profile.currency)
    assert priced.total == priced.net_total + priced.vat_total
    for amount in (priced.net_total, priced.vat_total, priced.total):
        assert isinstance(amount, Decimal)
        assert amount.as_tuple().exponent == -2


@given(spot_prices, st.integers(2022, 2026), st.integers(1, 12))
def test_no_price_is_never_above_the_cap_and_never_above_spot_plus_transfer_less_discount(
    spot: Decimal, year: int, month_no: int
) -> None:
    priced = price_no(f"{year}-{month_no:02d}", str(spot), heat("1000"))
    energy = line(priced, "spot_energy")
    cap = Decimal("1.25") if (year, month_no) < (2022, 10) else Decimal("1.5922")
    assert energy.unit_price <= cap
    assert energy.unit_price <= (spot + Decimal("0.5526")) * Decimal("0.9")


vat_rates = st.sampled_from([Decimal("0.25"), Decimal("0.21"), Decimal("0.09"), Decimal("0.07"), Decimal("0")])


@given(
    st.lists(
        st.tuples(st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), places=2), vat_rates),
        max_size=12,
    )
)
def test_summarise_computes_vat_once_per_rate_on_the_rounded_lines(lines: list[tuple[Decimal, Decimal]]) -> None:
    invoice_lines = tuple(
        InvoiceLine(
            component="x",
            text_key="line.x",
            quantity=Decimal(1),
            unit="month",
            unit_price=amount,
            amount=amount,
            vat_rate=rate,
        )
        for amount, rate in lines
    )
    priced = summarise(invoice_lines, "EUR")
    net_by_rate: dict[Decimal, Decimal] = {}
    for amount, rate in lines:
        net_by_rate[rate] = net_by_rate.get(rate, Decimal(0)) + amount
    assert priced.net_total == sum((a for a, _ in lines), Decimal(0))
    assert priced.vat_by_rate == {r: round_money(n * r, "EUR") for r, n in net_by_rate.items()}
    assert priced.vat_total == sum(priced.vat_by_rate.values(), Decimal(0))
    assert priced.total == priced.net_total + priced.vat_total
