"""A price list that changes inside a billing period: the period is split at
the change, energy by the consumption measured per day, fixed charges by days.
Every amount is worked out by hand in the comments."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from heatportal.domain.model import BillingPeriod, DailyConsumption, MeterKind
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import PriceList, load_profile
from heatportal.domain.tariff import MeterUsage, PricingInput, price_period

JANUARY = BillingPeriod(year=2026, month=1)


def profile_with_a_change_on_the_15th():
    nl = load_profile("nl")
    before = PriceList.model_validate(
        {
            "id": "old",
            "valid_from": "2025-01-01",
            "components": [
                {"type": "fixed_fee", "name": "Vastrecht", "amount_per_year": "1200"},
                {"type": "energy_price", "unit": "GJ", "prices": [{"months": list(range(1, 13)), "price": "40.00"}]},
            ],
        }
    )
    after = PriceList.model_validate(
        {
            "id": "new",
            "valid_from": "2026-01-15",
            "components": [
                {"type": "fixed_fee", "name": "Vastrecht", "amount_per_year": "2400"},
                {"type": "energy_price", "unit": "GJ", "prices": [{"months": list(range(1, 13)), "price": "50.00"}]},
            ],
        }
    )
    return nl.model_copy(update={"price_lists": (before, after)})


def days(first_14: str, last_17: str) -> tuple[DailyConsumption, ...]:
    return tuple(
        DailyConsumption(
            meter_number="H-1",
            day=JANUARY.start + timedelta(days=i),
            quantity=Decimal(first_14 if i < 14 else last_17),
        )
        for i in range(31)
    )


def test_a_mid_month_price_change_is_prorated_by_consumption_per_day():
    profile = profile_with_a_change_on_the_15th()
    # Measured: 14 days x 0.1 = 1.4 GJ before the 15th, 17 days x 0.2 = 3.4 GJ after: 4.8 GJ.
    # The register moved 5.0 GJ; the part before the change is 5.0 x 1.4/4.8 = 1.4583 -> 1.458 GJ,
    # the rest 3.542 GJ after it.
    usage = MeterUsage("H-1", MeterKind.HEAT, EnergyUnit.GJ, Decimal("5.0"), days("0.1", "0.2"))
    priced = price_period(profile, PricingInput(JANUARY, (usage,)))
    amounts = [(line.component, line.quantity, line.amount) for line in priced.lines]
    assert amounts == [
        # 14/31 = 0.4516 of a month at 1200/12 = 100.00 -> 45.16
        ("fixed_fee", Decimal("0.4516"), Decimal("45.16")),
        # 1.458 GJ x 40.00 = 58.32
        ("energy", Decimal("1.458"), Decimal("58.32")),
        # the rest of the month, 1 - 0.4516 = 0.5484, at 2400/12 = 200.00 -> 109.68
        ("fixed_fee", Decimal("0.5484"), Decimal("109.68")),
        # 3.542 GJ x 50.00 = 177.10
        ("energy", Decimal("3.542"), Decimal("177.10")),
    ]
    # Net 45.16 + 58.32 + 109.68 + 177.10 = 390.26; VAT 21 % = 81.9546 -> 81.95; total 472.21.
    assert (priced.net_total, priced.vat_total, priced.total) == (
        Decimal("390.26"),
        Decimal("81.95"),
        Decimal("472.21"),
    )
    assert priced.lines[0].explanation.startswith("2026-01-01 - 2026-01-14: ")
    assert priced.lines[2].explanation.startswith("2026-01-15 - 2026-01-31: ")


def test_without_daily_data_the_quantity_is_split_by_days():
    profile = profile_with_a_change_on_the_15th()
    # 3.1 GJ over 31 days: 3.1 x 14/31 = 1.4 GJ before, 1.7 GJ after.
    priced = price_period(
        profile, PricingInput(JANUARY, (MeterUsage("H-1", MeterKind.HEAT, EnergyUnit.GJ, Decimal("3.1")),))
    )
    energy = [line for line in priced.lines if line.component == "energy"]
    assert [(e.quantity, e.amount) for e in energy] == [
        (Decimal("1.400"), Decimal("56.00")),
        (Decimal("1.700"), Decimal("85.00")),
    ]


def test_a_change_on_the_first_of_the_month_does_not_split():
    profile = profile_with_a_change_on_the_15th()
    february = BillingPeriod(year=2026, month=2)
    priced = price_period(
        profile, PricingInput(february, (MeterUsage("H-1", MeterKind.HEAT, EnergyUnit.GJ, Decimal("2")),))
    )
    assert [(line.component, line.quantity, line.amount) for line in priced.lines] == [
        ("fixed_fee", Decimal(1), Decimal("200.00")),
        ("energy", Decimal(2), Decimal("100.00")),
    ]
    assert date(2026, 1, 15) < february.start
