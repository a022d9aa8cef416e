"""A price that changes inside a billing period: the period is split at the
change, energy by the consumption measured per day (by heating degree days
without daily values, as heat use follows the weather), fixed charges by
days. Every amount is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from heatportal.domain.climate import heating_degree_days, normal_temperature
from heatportal.domain.model import BillingPeriod, DailyConsumption, MeterKind
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import PriceList, UtilityProfile, load_profile
from heatportal.domain.tariff import MeterUsage, PricingInput, price_period

JANUARY = BillingPeriod(year=2026, month=1)


def price_list(list_id: str, valid_from: str, fixed: str, per_gj: str) -> PriceList:
    return PriceList.model_validate(
        {
            "id": list_id,
            "valid_from": valid_from,
            "prices_include_vat": True,
            "vat_basis_reason": "A consumer price list: prices incl. VAT.",
            "components": [
                {"type": "fixed_fee", "name": "Vastrecht", "amount_per_year": fixed},
                {"type": "energy_price", "unit": "GJ", "prices": [{"months": list(range(1, 13)), "price": per_gj}]},
            ],
        }
    )


def profile_with_a_change_on_the_15th() -> UtilityProfile:
    nl = load_profile("nl")
    return nl.model_copy(
        update={
            "price_lists": (
                price_list("old", "2025-01-01", "1200", "40.00"),
                price_list("new", "2026-01-15", "2400", "50.00"),
            )
        }
    )


def days(first_14: str, last_17: str) -> tuple[DailyConsumption, ...]:
    return tuple(
        DailyConsumption(
            meter_number="H-1",
            day=JANUARY.start + timedelta(days=i),
            quantity=Decimal(first_14 if i < 14 else last_17),
        )
        for i in range(31)
    )


def test_a_mid_month_price_change_is_prorated_by_consumption_per_day() -> None:
    profile = profile_with_a_change_on_the_15th()
    # Measured: 14 days x 0.1 = 1.4 GJ before the 15th, 17 days x 0.2 = 3.4 GJ after: 4.8 GJ.
    # The register moved 5.0 GJ; the part before the change is 5.0 x 1.4/4.8 = 1.4583 -> 1.458 GJ,
    # the rest 3.542 GJ after it.
    usage = MeterUsage("H-1", MeterKind.HEAT, EnergyUnit.GJ, Decimal("5.0"), days("0.1", "0.2"))
    priced = price_period(profile, PricingInput(JANUARY, (usage,)))
    amounts = [
        (line.component, line.quantity, line.share_numerator, line.share_denominator, line.amount)
        for line in priced.lines
    ]
    assert amounts == [
        # 1200 per year x 14/372 year (14 days of a 31-day month's twelfth) = 45.161 -> 45.16
        ("fixed_fee", Decimal(1), 14, 372, Decimal("45.16")),
        # 1.458 GJ x 40.00 = 58.32
        ("energy", Decimal("1.458"), 1, 1, Decimal("58.32")),
        # 2400 per year x 17/372 year = 109.677 -> 109.68
        ("fixed_fee", Decimal(1), 17, 372, Decimal("109.68")),
        # 3.542 GJ x 50.00 = 177.10
        ("energy", Decimal("3.542"), 1, 1, Decimal("177.10")),
    ]
    # Gross 45.16 + 58.32 + 109.68 + 177.10 = 390.26; VAT 21 % carved out: 390.26 x 21/121 = 67.731 -> 67.73
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("322.53"),
        Decimal("67.73"),
        Decimal("390.26"),
    )
    first, second = priced.lines[0], priced.lines[2]
    assert (first.period_start, first.period_end) == (date(2026, 1, 1), date(2026, 1, 14))
    assert (second.period_start, second.period_end) == (date(2026, 1, 15), date(2026, 1, 31))
    split = priced.lines[3].notes[-1]
    assert split.key == "invoice.note.price_change_split"
    assert split.params == {"date": "date:2026-01-15", "before": "qty:GJ:1.458", "after": "qty:GJ:3.542"}


def test_without_daily_data_the_quantity_is_split_by_heating_degree_days() -> None:
    profile = profile_with_a_change_on_the_15th()
    priced = price_period(
        profile, PricingInput(JANUARY, (MeterUsage("H-1", MeterKind.HEAT, EnergyUnit.GJ, Decimal("3.1")),))
    )
    energy = [line for line in priced.lines if line.component == "energy"]

    def degree_days(first: int, last: int) -> Decimal:
        return sum(
            (heating_degree_days(normal_temperature("de_bilt", date(2026, 1, d))) for d in range(first, last + 1)),
            Decimal(0),
        )

    before = (Decimal("3.1") * degree_days(1, 14) / degree_days(1, 31)).quantize(Decimal("0.001"))
    assert [e.quantity for e in energy] == [before, Decimal("3.1") - before]
    assert energy[1].notes[-1].key == "invoice.note.price_change_split_degree_days"


def test_a_change_on_the_first_of_the_month_does_not_split() -> None:
    profile = profile_with_a_change_on_the_15th()
    february = BillingPeriod(year=2026, month=2)
    priced = price_period(
        profile, PricingInput(february, (MeterUsage("H-1", MeterKind.HEAT, EnergyUnit.GJ, Decimal("2")),))
    )
    assert [(line.component, line.quantity, line.amount) for line in priced.lines] == [
        ("fixed_fee", Decimal(1), Decimal("200.00")),  # 2400 x 1/12
        ("energy", Decimal(2), Decimal("100.00")),
    ]
