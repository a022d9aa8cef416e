"""The tariff engine (heatportal.domain.tariff), recomputed by hand.

Every expected amount below is worked out in the comment next to it from the
price list in ``profiles/<id>.yaml``; nothing is computed with the engine's
own helpers. The rule under test (one for the whole product):

- a unit price is a finite decimal of at most four places, rounded half up
  where it is formed (spot price, price after the discount);
- a line is R(quantity x unit price x share of a year), on its list's basis;
- VAT once per rate: carved out of a VAT-inclusive sum (R(G x r / (1 + r))),
  added to a VAT-exclusive one (R(N x r)).

The Norwegian and Dutch lists include VAT (prices quoted to consumers), the
German and Swedish ones do not.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heatportal.domain.model import BillingPeriod, DailyConsumption, InvoiceLine, MeterKind
from heatportal.domain.money import EnergyUnit, round_money
from heatportal.domain.profile import PROFILE_IDS, SpotEnergyPrice, UtilityProfile, load_profile
from heatportal.domain.tariff import (
    MeterUsage,
    MissingPrice,
    PricedPeriod,
    PricingInput,
    merge_months,
    price_period,
    summarise,
)

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


def totals(priced: PricedPeriod) -> tuple[Decimal, Decimal, Decimal]:
    return priced.net_total, priced.vat_total, priced.total


def price_no(period: str, spot: str | None, *usages: MeterUsage) -> PricedPeriod:
    return price_period(NO, PricingInput(month(period), usages, Decimal(spot) if spot is not None else None))


# --- Norway: a consumer price list incl. VAT; spot + transfer - 10 %, capped ------------------------


def test_no_the_spot_price_gets_vat_before_the_transfer_cost_incl_vat_is_added() -> None:
    # Given January 2022 (transfer 0.3364/kWh incl. VAT, cap 1.25 incl. VAT) and a spot price of 0.8000 ex VAT
    priced = price_no("2022-01", "0.8000", heat("1234"))
    energy = line(priced, "spot_energy")
    # Then spot incl. VAT 0.8000 x 1.25 = 1.0000; (1.0000 + 0.3364) x 0.90 = 1.20276, printed and charged as 1.2028
    assert (energy.unit_price, energy.includes_vat) == (Decimal("1.2028"), True)
    # 1234 x 1.2028 = 1484.2552 -> 1484.26 incl. VAT
    assert energy.amount == Decimal("1484.26")
    assert components(priced) == ["spot_energy"]  # the 2022 private list has no fixed fee
    # VAT carved out once: 1484.26 x 0.25 / 1.25 = 296.852 -> 296.85; net 1187.41; the total is the gross sum
    assert totals(priced) == (Decimal("1187.41"), Decimal("296.85"), Decimal("1484.26"))
    notes = [n.key for n in energy.notes]
    assert notes == ["invoice.note.spot_vat_grossed", "invoice.note.spot_rounded"]
    assert energy.notes[1].params["discounted"] == "price:1.20276"
    assert energy.notes[1].params["amount"] == "money:1484.26"


def test_no_research_example_1200_kwh_is_1480_20_incl_vat_not_1609_95() -> None:
    # The list read as VAT-exclusive (the engine before) charged 1200 x 1.0733 + 25 % = 1609.95.
    # Incl. VAT: 0.7124 x 1.25 = 0.8905; (0.8905 + 0.4801) x 0.9 = 1.23354 -> 1.2335; 1200 x 1.2335 = 1480.20
    priced = price_no("2022-10", "0.7124", heat("1200"))
    assert line(priced, "spot_energy").unit_price == Decimal("1.2335")
    # VAT 1480.20 / 5 = 296.04; net 1184.16
    assert totals(priced) == (Decimal("1184.16"), Decimal("296.04"), Decimal("1480.20"))


def test_no_august_2022_at_a_record_spot_price_pays_the_maximum_price() -> None:
    # 3.90 x 1.25 = 4.875; (4.875 + 0.4176) x 0.90 = 4.76334, above the cap 1.25: the price is 1.25
    priced = price_no("2022-08", "3.90", heat("456"))
    energy = line(priced, "spot_energy")
    assert energy.unit_price == Decimal("1.25")
    assert energy.notes[-1].key == "invoice.note.spot_capped"
    # 456 x 1.25 = 570.00 incl. VAT; VAT 114.00; net 456.00
    assert totals(priced) == (Decimal("456.00"), Decimal("114.00"), Decimal("570.00"))


def test_no_the_discount_is_taken_before_the_cap() -> None:
    # 0.70 x 1.25 = 0.875; 0.875 + 0.4176 = 1.2926 > 1.25, but x 0.90 = 1.16334 < 1.25: the price is 1.1633
    energy = line(price_no("2022-08", "0.70", heat("1000")), "spot_energy")
    assert energy.unit_price == Decimal("1.1633")
    assert energy.amount == Decimal("1163.30")


@pytest.mark.parametrize(
    ("period", "unit_price"),
    [
        ("2022-03", "0.9778"),  # spot 0.60 x 1.25 = 0.75; (0.75 + 0.3364) x 0.9 = 0.97776
        ("2022-04", "1.0508"),  # (0.75 + 0.4176) x 0.9 = 1.05084
        ("2022-09", "1.1723"),  # (0.75 + 0.5526) x 0.9 = 1.17234
        ("2022-10", "1.1071"),  # (0.75 + 0.4801) x 0.9 = 1.10709
        ("2024-12", "1.1071"),  # the 2022 list stays in force until 2025
        ("2025-01", "1.1151"),  # (0.75 + 0.4890) x 0.9 = 1.1151
        ("2026-01", "1.1358"),  # (0.75 + 0.5120) x 0.9 = 1.1358
    ],
)
def test_no_transfer_cost_changes_on_the_first_of_the_month_it_is_valid_from(period: str, unit_price: str) -> None:
    energy = line(price_no(period, "0.6000", heat("100")), "spot_energy")
    assert energy.unit_price == Decimal(unit_price)


def test_no_2025_fixed_fee_is_1200_a_year_times_one_twelfth() -> None:
    # Given January 2025: transfer 0.4890, fixed fee 1200.00 per year, both incl. VAT
    priced = price_no("2025-01", "0.90", heat("1500"))
    # 0.90 x 1.25 = 1.125; (1.125 + 0.4890) x 0.9 = 1.4526; 1500 x 1.4526 = 2178.90
    assert line(priced, "spot_energy").amount == Decimal("2178.90")
    fee = line(priced, "fixed_fee")
    # 1 x 1200.00 per year x 1/12 year = 100.00
    assert (fee.quantity, fee.unit, fee.unit_price, fee.share) == (
        Decimal(1),
        "year",
        Decimal("1200.00"),
        Fraction(1, 12),
    )
    assert fee.amount == Decimal("100.00")
    assert fee.text_key == "invoice.component.fixed_fee"
    # Gross 2278.90; VAT 455.78; net 1823.12
    assert totals(priced) == (Decimal("1823.12"), Decimal("455.78"), Decimal("2278.90"))


def test_no_a_meter_counting_mwh_is_priced_per_kwh() -> None:
    energy = line(price_no("2022-01", "0.8000", heat("1.234", EnergyUnit.MWH)), "spot_energy")
    assert energy.quantity == Decimal("1234")
    assert energy.amount == Decimal("1484.26")


def test_no_missing_spot_price_is_a_missing_price_not_a_zero_price() -> None:
    with pytest.raises(MissingPrice, match="NO1 2022-01"):
        price_no("2022-01", None, heat("1234"))


def test_no_before_the_first_price_list_there_is_nothing_to_price_with() -> None:
    with pytest.raises(LookupError):
        price_no("2021-12", "0.50", heat("1234"))


def test_no_a_transfer_cost_dated_inside_a_month_splits_the_month_by_consumption() -> None:
    # Given the 2025 list with a new transfer cost from 15 March 2025, and 31 days of 10 kWh then 20 kWh
    spot = NO.price_lists[1].components[0]
    assert isinstance(spot, SpotEnergyPrice)
    moved = spot.model_copy(
        update={
            "transfer_cost": (
                *spot.transfer_cost,
                spot.transfer_cost[0].model_copy(update={"valid_from": date(2025, 3, 15), "price": Decimal("0.6000")}),
            )
        }
    )
    price_list = NO.price_lists[1].model_copy(update={"components": (moved, NO.price_lists[1].components[1])})
    profile = NO.model_copy(update={"price_lists": (NO.price_lists[0], price_list)})
    march = month("2025-03")
    days = tuple(
        DailyConsumption(
            meter_number="H-1", day=march.start + timedelta(days=i), quantity=Decimal(10 if i < 14 else 20)
        )
        for i in range(31)
    )
    priced = price_period(profile, PricingInput(march, (heat("480", days=days),), Decimal("0.8000")))
    energy = [ln for ln in priced.lines if ln.component == "spot_energy"]
    # 14 days x 10 = 140 kWh before the 15th, 17 x 20 = 340 after (the register's 480 split the same way)
    assert [(e.quantity, e.unit_price) for e in energy] == [
        (Decimal("140.000"), Decimal("1.3401")),  # (1.0000 + 0.4890) x 0.9
        (Decimal("340.000"), Decimal("1.4400")),  # (1.0000 + 0.6000) x 0.9
    ]
    assert (energy[0].period_start, energy[0].period_end) == (date(2025, 3, 1), date(2025, 3, 14))
    assert energy[1].notes[-1].key == "invoice.note.price_change_split"
    # The fixed fee is split by days: 1200 x 14/372 = 45.16; 1200 x 17/372 = 54.84; together 100.00
    fees = [ln for ln in priced.lines if ln.component == "fixed_fee"]
    assert [(f.share, f.amount) for f in fees] == [
        (Fraction(14, 372), Decimal("45.16")),
        (Fraction(17, 372), Decimal("54.84")),
    ]


# --- Netherlands: incl. VAT (the ACM maxima include VAT) --------------------------------------------------


def test_nl_february_2024_with_a_gj_meter_and_hot_tap_water() -> None:
    priced = price_period(NL, PricingInput(month("2024-02"), (heat("3.456", EnergyUnit.GJ), hot_water("2.345"))))
    fees = {ln.text_key: ln.amount for ln in priced.lines if ln.component == "fixed_fee"}
    # Each a twelfth of the yearly amount incl. VAT; each divides into whole cents
    assert fees == {
        "invoice.component.standing_charge": Decimal("46.75"),  # 561.00 / 12
        "invoice.component.delivery_set": Decimal("11.90"),  # 142.80 / 12
        "invoice.component.metering": Decimal("2.50"),  # 30.00 / 12
    }
    energy = line(priced, "energy")
    assert (energy.quantity, energy.unit, energy.unit_price) == (Decimal("3.456"), "GJ", Decimal("45.90"))
    assert energy.amount == Decimal("158.63")  # 3.456 x 45.90 = 158.6304
    water = line(priced, "volume")
    assert water.amount == Decimal("26.33")  # 2.345 x 11.23 = 26.33435
    # Gross 46.75 + 11.90 + 2.50 + 158.63 + 26.33 = 246.11; VAT 246.11 x 21 / 121 = 42.7133 -> 42.71
    assert totals(priced) == (Decimal("203.40"), Decimal("42.71"), Decimal("246.11"))


def test_nl_kwh_meter_is_billed_to_the_cent_of_the_exact_gj() -> None:
    # 250 kWh = 0.9 GJ exactly; 0.9 x 45.90 = 41.31
    energy = line(price_period(NL, PricingInput(month("2024-02"), (heat("250"),))), "energy")
    assert (energy.quantity, energy.amount) == (Decimal("0.9000"), Decimal("41.31"))


def test_nl_the_9_percent_vat_of_2022_is_carved_out_of_the_same_gross_prices() -> None:
    priced = price_period(
        NL,
        PricingInput(month("2022-08"), (heat("3.456", EnergyUnit.GJ), hot_water("2.345"))),
        price_list=NL.price_lists[0],
    )
    # Gross 246.11 as above; VAT 246.11 x 9 / 109 = 20.3207 -> 20.32
    assert totals(priced) == (Decimal("225.79"), Decimal("20.32"), Decimal("246.11"))


def test_nl_before_2024_there_is_no_price_list() -> None:
    with pytest.raises(LookupError, match="no price list"):
        price_period(NL, PricingInput(month("2022-08"), (heat("3.456", EnergyUnit.GJ),)))


# --- Germany: a net price sheet; the VAT rate changes pass through ------------------------------------


def test_de_may_2024_with_19_percent_vat_added_to_the_net_sum() -> None:
    priced = price_period(DE, PricingInput(month("2024-05"), (heat("1.234", EnergyUnit.MWH),)))
    assert [(ln.text_key, ln.amount, ln.includes_vat) for ln in priced.lines] == [
        ("invoice.component.standing_charge", Decimal("26.00"), False),  # 312 x 1/12
        ("invoice.component.metering", Decimal("8.00"), False),  # 96 x 1/12
        ("invoice.component.energy", Decimal("146.23"), False),  # 1.234 x 118.50 = 146.229
    ]
    # Net 180.23; VAT 180.23 x 0.19 = 34.2437 -> 34.24; total 214.47
    assert totals(priced) == (Decimal("180.23"), Decimal("34.24"), Decimal("214.47"))


def test_de_january_2024_has_the_reduced_7_percent_vat() -> None:
    priced = price_period(DE, PricingInput(month("2024-01"), (heat("1.234", EnergyUnit.MWH),)))
    assert totals(priced) == (Decimal("180.23"), Decimal("12.62"), Decimal("192.85"))  # 180.23 x 0.07 = 12.6161


def test_de_the_vat_change_of_1_march_2024_splits_nothing_and_february_keeps_7_percent() -> None:
    assert line(price_period(DE, PricingInput(month("2024-02"), (heat("1"),))), "energy").vat_rate == Decimal("0.07")
    assert line(price_period(DE, PricingInput(month("2024-03"), (heat("1"),))), "energy").vat_rate == Decimal("0.19")


# --- Sweden: a business list excl. VAT; capacity, flow, return temperature ------------------------------


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
    days = days_of(
        "2025-01",
        "380",
        "40.0",
        "6.0",
        ((10, "480", "36.0", "8.0"), (11, "456", "36.0", "8.0"), (12, "432", "36.0", "8.0")),
    )
    priced = price_period(SE, PricingInput(month("2025-01"), (heat("12008", days=days),)))
    # 3948.00 a year x 1/12 = 329.00 (3950.00 would not divide into öre; the profile refuses such a fee)
    assert line(priced, "fixed_fee").amount == Decimal("329.00")
    # Capacity: 480/24 = 20, 456/24 = 19, 432/24 = 18 kW, mean 19.00 kW; 19.00 x 640.00 x 1/12 = 1013.333... -> 1013.33
    capacity = line(priced, "capacity")
    assert (capacity.quantity, capacity.unit_price, capacity.share) == (
        Decimal("19.00"),
        Decimal("640.00"),
        Fraction(1, 12),
    )
    assert capacity.amount == Decimal("1013.33")
    # Winter energy 720.00 per MWh: 12.008 x 720 = 8645.76
    assert line(priced, "energy").amount == Decimal("8645.76")
    # Flow: 28 x 6.0 + 3 x 8.0 = 192.0 m3 x 4.00 = 768.00
    assert line(priced, "volume").amount == Decimal("768.00")
    # Return: (10.640 x 40.0 + 1.368 x 36.0) / 12.008 = 39.54 -> 39.5 C; reference 38: +1.5 x 3.00 = 4.50 per MWh
    fee = line(priced, "return_temperature")
    assert (fee.text_key, fee.unit_price, fee.amount) == (
        "invoice.component.return_fee",
        Decimal("4.50"),
        Decimal("54.04"),  # 12.008 x 4.50 = 54.036
    )
    # Net 329.00 + 1013.33 + 8645.76 + 768.00 + 54.04 = 10810.13; VAT 25 % = 2702.5325 -> 2702.53
    assert totals(priced) == (Decimal("10810.13"), Decimal("2702.53"), Decimal("13512.66"))


def test_se_july_summer_month_with_a_return_temperature_bonus() -> None:
    days = days_of("2025-07", "96", "38.0", "2.0")
    priced = price_period(SE, PricingInput(month("2025-07"), (heat("2976", days=days),)))
    bonus = line(priced, "return_temperature")
    # 38.0 C against the summer reference 42: -4 x 3.00 = -12.00 per MWh; 2.976 x -12.00 = -35.712 -> -35.71
    assert (bonus.text_key, bonus.unit_price, bonus.amount) == (
        "invoice.component.return_bonus",
        Decimal("-12.00"),
        Decimal("-35.71"),
    )


# --- settlements: months joined where the price held ----------------------------------------------------


def test_a_year_of_monthly_fixed_fees_joins_into_twelve_twelfths_of_the_price_sheet() -> None:
    lines: tuple[InvoiceLine, ...] = ()
    for m in range(1, 13):
        lines += price_period(DE, PricingInput(month(f"2025-{m:02d}"), (heat("1000"),))).lines
    merged = merge_months(lines)
    grund = next(ln for ln in merged if ln.text_key == "invoice.component.standing_charge")
    assert (grund.share_numerator, grund.share_denominator, grund.amount) == (12, 12, Decimal("312.00"))
    assert (grund.period_start, grund.period_end) == (date(2025, 1, 1), date(2025, 12, 31))
    energy = next(ln for ln in merged if ln.component == "energy")
    assert (energy.quantity, energy.amount) == (Decimal("12.000"), Decimal("1422.00"))  # 12 MWh x 118.50
    assert len(merged) == 3


# --- properties ----------------------------------------------------------------------------------


@st.composite
def pricing_inputs(draw: st.DrawFn) -> tuple[UtilityProfile, PricingInput]:
    profile = load_profile(draw(st.sampled_from(PROFILE_IDS)))
    year = draw(st.integers(2024, 2026))
    period = BillingPeriod(year=year, month=draw(st.integers(1, 12)))
    quantity = draw(st.decimals(min_value=Decimal(0), max_value=Decimal(60000), places=3))
    unit = draw(st.sampled_from([EnergyUnit.KWH, EnergyUnit.MWH, EnergyUnit.GJ]))
    water = draw(st.decimals(min_value=Decimal(0), max_value=Decimal(300), places=3))
    spot = draw(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(5), places=6))
    days = tuple(
        DailyConsumption(
            meter_number="H-1",
            day=period.start + timedelta(days=i),
            quantity=draw(st.decimals(min_value=Decimal(0), max_value=Decimal(900), places=3)),
            mean_return_temp=Decimal("40.0"),
            volume_m3=Decimal("3.0"),
        )
        for i in range(draw(st.integers(0, 3)))
    )
    usages = (MeterUsage("H-1", MeterKind.HEAT, unit, quantity, days), hot_water(str(water)))
    return profile, PricingInput(period, usages, spot)


@settings(max_examples=400)
@given(pricing_inputs())
def test_every_line_is_its_printed_unit_price_times_its_quantity(case: tuple[UtilityProfile, PricingInput]) -> None:
    profile, data = case
    priced = price_period(profile, data)
    for ln in priced.lines:
        # The printed unit price is the price charged: at most four decimals ...
        assert ln.unit_price == ln.unit_price.quantize(Decimal("0.0001"))
        # ... and quantity x unit price x share, rounded half up, is the amount to the cent.
        exact = ln.quantity * ln.unit_price * ln.share_numerator / ln.share_denominator
        assert ln.amount == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert ln.amount == ln.expected_amount()
        assert ln.includes_vat == profile.price_list_on(data.period.start).prices_include_vat
    # The invoice adds up: gross = net + VAT, VAT once per rate on the list's basis.
    rate = profile.vat_on(data.period.start)
    lines_sum = sum((ln.amount for ln in priced.lines), Decimal(0))
    if profile.price_list_on(data.period.start).prices_include_vat:
        assert priced.total == lines_sum
        assert priced.vat_total == round_money(lines_sum * rate / (1 + rate), profile.currency)
    else:
        assert priced.net_total == lines_sum
        assert priced.vat_total == round_money(lines_sum * rate, profile.currency)
    assert priced.total == priced.net_total + priced.vat_total


spot_prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(6), places=6)


@given(spot_prices, st.integers(2022, 2026), st.integers(1, 12))
def test_no_rounded_price_is_never_above_the_cap(spot: Decimal, year: int, month_no: int) -> None:
    energy = line(price_no(f"{year}-{month_no:02d}", str(spot), heat("1000")), "spot_energy")
    cap = Decimal("1.25") if (year, month_no) < (2022, 10) else Decimal("1.5922")
    assert energy.unit_price <= cap
    # and never above (spot incl. VAT + the highest transfer cost) less the discount, plus half a step of rounding
    step = Decimal("0.0001")
    gross_spot = (spot.quantize(step, rounding=ROUND_HALF_UP) * Decimal("1.25")).quantize(step, rounding=ROUND_HALF_UP)
    assert energy.unit_price <= (gross_spot + Decimal("0.5526")) * Decimal("0.9") + Decimal("0.00005")


@pytest.mark.parametrize("profile_id", PROFILE_IDS)
def test_twelve_monthly_fixed_fees_add_up_to_the_price_sheet(profile_id: str) -> None:
    profile = load_profile(profile_id)
    for price_list in profile.price_lists:
        year = max(price_list.valid_from.year, 2024)
        fees: dict[str, Decimal] = {}
        for m in range(1, 13):
            period = month(f"{year}-{m:02d}")
            if profile.price_list_on(period.start).id != price_list.id:
                continue
            priced = price_period(profile, PricingInput(period, (heat("100"),), Decimal("0.5")), price_list)
            for ln in priced.lines:
                if ln.component == "fixed_fee":
                    fees[ln.text_key] = fees.get(ln.text_key, Decimal(0)) + ln.amount
        # The bills are a heat customer's: the fixed fees that apply to heat (a cooling fee is a cooling customer's).
        sheet = {
            c.name_key or "line.fixed_fee": c.amount_per_year
            for c in price_list.components
            if c.type == "fixed_fee" and c.applies_to in (None, MeterKind.HEAT)
        }
        months = sum(
            1 for m in range(1, 13) if profile.price_list_on(month(f"{year}-{m:02d}").start).id == price_list.id
        )
        if months == 12:
            assert fees == sheet, price_list.id


vat_rates = st.sampled_from([Decimal("0.25"), Decimal("0.21"), Decimal("0.19"), Decimal("0.09"), Decimal("0.07")])


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000.00"), places=2), vat_rates)
def test_an_agreed_gross_amount_stays_exactly_that_amount(amount: Decimal, rate: Decimal) -> None:
    # An advance of 100.00 at 21 % used to come back as 82.64 + 17.35 = 99.99.
    advance = InvoiceLine(
        component="advance",
        text_key="line.advance",
        quantity=Decimal(1),
        unit="month",
        unit_price=amount,
        amount=amount,
        vat_rate=rate,
        includes_vat=True,
    )
    priced = summarise((advance,), "EUR")
    assert priced.total == amount
    assert priced.vat_total == round_money(amount * rate / (1 + rate), "EUR")
    assert priced.net_total + priced.vat_total == amount


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("-1000"), max_value=Decimal("100000"), places=2), vat_rates, st.booleans()
        ),
        max_size=12,
    )
)
def test_vat_is_computed_once_per_rate_and_basis(lines: list[tuple[Decimal, Decimal, bool]]) -> None:
    invoice_lines = tuple(
        InvoiceLine(
            component="x",
            text_key="line.x",
            quantity=Decimal(1),
            unit="month",
            unit_price=amount,
            amount=amount,
            vat_rate=rate,
            includes_vat=gross,
        )
        for amount, rate, gross in lines
    )
    priced = summarise(invoice_lines, "EUR")
    expected_vat = Decimal(0)
    for rate in {r for _, r, _ in lines}:
        gross = sum((a for a, r, g in lines if r == rate and g), Decimal(0))
        net = sum((a for a, r, g in lines if r == rate and not g), Decimal(0))
        expected_vat += round_money(gross * rate / (1 + rate), "EUR") + round_money(net * rate, "EUR")
    assert priced.vat_total == expected_vat
    assert priced.total == priced.net_total + priced.vat_total
    assert priced.total == sum((a for a, _, g in lines if g), Decimal(0)) + sum(
        (a for a, _, g in lines if not g), Decimal(0)
    ) + sum(
        (
            round_money(sum((a for a, r, g in lines if r == rate and not g), Decimal(0)) * rate, "EUR")
            for rate in {r for _, r, _ in lines}
        ),
        Decimal(0),
    )
    # A credit note is the exact negation: half-up rounding is symmetric.
    negated = summarise(tuple(ln.model_copy(update={"amount": -ln.amount}) for ln in invoice_lines), "EUR")
    assert (negated.net_total, negated.vat_total, negated.total) == (
        -priced.net_total,
        -priced.vat_total,
        -priced.total,
    )
