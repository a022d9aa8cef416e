"""District cooling end to end in the domain: the Swedish cooling price list
(capacity, seasonal energy, flow and a return-temperature component that works
the other way round), cooling degree days for forecasts, estimates and weather
correction, and the interval values a cooling meter's day is made of.

Expected amounts are worked out by hand in the comments from profiles/se.yaml.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from heatportal.domain.climate import (
    cooling_degree_days,
    daily_temperature_series,
    normal_cooling_degree_days,
    normal_degree_days,
    normal_yearly_cooling_degree_days,
)
from heatportal.domain.consumption import MonthlyConsumption, monthly_aggregates, year_view
from heatportal.domain.estimation import degree_days_between, fit, observations_from_daily
from heatportal.domain.model import BillingPeriod, DailyConsumption, MeterKind
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import load_profile
from heatportal.domain.smart_meter import IntervalValue, daily_from_intervals
from heatportal.domain.tariff import MeterUsage, PricedPeriod, PricingInput, price_period
from heatportal.services.forecast import fit_meter
from tests.builders import a_meter

SE = load_profile("se")
JULY = BillingPeriod(year=2025, month=7)
JANUARY = BillingPeriod(year=2025, month=1)


def day(
    meter: str, on: date, mwh: str, *, return_temp: str | None = None, volume: str | None = None
) -> DailyConsumption:
    return DailyConsumption(
        meter_number=meter,
        day=on,
        quantity=Decimal(mwh),
        mean_return_temp=Decimal(return_temp) if return_temp else None,
        volume_m3=Decimal(volume) if volume else None,
    )


def cooling(quantity: str, days: tuple[DailyConsumption, ...] = ()) -> MeterUsage:
    return MeterUsage("C-1", MeterKind.COOLING, EnergyUnit.MWH, Decimal(quantity), days)


def heat(quantity: str, days: tuple[DailyConsumption, ...] = ()) -> MeterUsage:
    return MeterUsage("H-1", MeterKind.HEAT, EnergyUnit.MWH, Decimal(quantity), days)


def amounts(priced: PricedPeriod) -> dict[str, Decimal]:
    return {line.component: line.amount for line in priced.lines}


def july_days(mwh: str, return_temp: str, volume: str) -> tuple[DailyConsumption, ...]:
    return tuple(day("C-1", date(2025, 7, d), mwh, return_temp=return_temp, volume=volume) for d in range(1, 32))


# --- the cooling price list ---------------------------------------------------------------


def test_a_cooling_customer_pays_the_cooling_components_and_none_of_the_heat_ones() -> None:
    # 31 days of 2 MWh (62 MWh), 180 m3 a day (5580 m3), returning at 14 °C.
    days = july_days("2", "14", "180")
    priced = price_period(SE, PricingInput(JULY, (cooling("62", days),)))
    assert amounts(priced) == {
        "fixed_fee": Decimal("517.00"),  # 6204 / 12
        "cooling_capacity": Decimal("2847.11"),  # mean of the three top days 2000/24 = 83.33 kW x 410 / 12
        "cooling_energy": Decimal("24180.00"),  # 62 MWh x 390 (June-August)
        "volume": Decimal("6696.00"),  # 5580 m3 x 1.20
        # Reference 16 °C in July, return 14 °C: two degrees too cold is a fee,
        # 62 MWh x 2 x 8.00 = 992.00.
        "cooling_return_temperature": Decimal("992.00"),
    }
    fee = next(line for line in priced.lines if line.component == "cooling_return_temperature")
    assert fee.text_key == "line.cooling_return_fee"


def test_a_warm_cooling_return_earns_a_bonus_the_other_way_round_from_heat() -> None:
    # Return at 18 °C against the 16 °C reference: a bonus, 62 MWh x -2 x 8.00.
    priced = price_period(SE, PricingInput(JULY, (cooling("62", july_days("2", "18", "180")),)))
    bonus = next(line for line in priced.lines if line.component == "cooling_return_temperature")
    assert (bonus.amount, bonus.text_key) == (Decimal("-992.00"), "line.cooling_return_bonus")
    # District heating with the same sign of difference pays a fee: 18 °C above
    # the 42 °C summer reference is 60 °C, i.e. a return too warm.
    heat_days = tuple(day("H-1", date(2025, 7, d), "1", return_temp="44") for d in range(1, 32))
    heat_fee = next(
        line
        for line in price_period(SE, PricingInput(JULY, (heat("31", heat_days),))).lines
        if line.component == "return_temperature"
    )
    assert (heat_fee.amount, heat_fee.text_key) == (Decimal("186.00"), "invoice.component.return_fee")  # 31 x 2 x 3.00


def test_winter_cooling_is_priced_at_the_winter_price() -> None:
    days = tuple(day("C-1", date(2025, 1, d), "0.5", return_temp="15") for d in range(1, 32))
    priced = price_period(SE, PricingInput(JANUARY, (cooling("15.5", days),)))
    assert amounts(priced)["cooling_energy"] == Decimal("1860.00")  # 15.5 MWh x 120
    assert amounts(priced)["cooling_return_temperature"] == Decimal("0.00")  # at the 15 °C reference


def test_a_heat_only_customer_gets_no_cooling_line_and_the_capacity_charges_stay_apart() -> None:
    heat_days = tuple(day("H-1", date(2025, 1, d), "4.8") for d in range(1, 32))
    only_heat = price_period(SE, PricingInput(JANUARY, (heat("148.8", heat_days),)))
    assert not [c for c in amounts(only_heat) if c.startswith("cooling_")]
    assert "Fast avgift fjärrkyla" not in [line.text_params.get("name") for line in only_heat.lines]
    # Both supplies: each capacity charge counts its own meters' loads only.
    cool_days = tuple(day("C-1", date(2025, 1, d), "0.24") for d in range(1, 32))
    both = price_period(SE, PricingInput(JANUARY, (heat("148.8", heat_days), cooling("7.44", cool_days))))
    capacity = {line.component: line.quantity for line in both.lines if "capacity" in line.component}
    assert capacity == {"capacity": Decimal("200.00"), "cooling_capacity": Decimal("10.00")}  # 4800/24, 240/24


# --- cooling degree days -----------------------------------------------------------------


def test_cooling_degree_days_count_the_warmth_above_the_base() -> None:
    assert cooling_degree_days(Decimal("21.5")) == Decimal("6.5")
    assert cooling_degree_days(Decimal("9")) == Decimal(0)


def test_stockholm_needs_cooling_in_summer_and_heat_in_winter() -> None:
    july, january = normal_cooling_degree_days("stockholm", 7), normal_cooling_degree_days("stockholm", 1)
    assert july > Decimal(80) and january == Decimal(0)
    assert normal_degree_days("stockholm", 7) < july < normal_degree_days("stockholm", 1)
    assert normal_yearly_cooling_degree_days("stockholm") > july


def test_estimates_between_cooling_readings_follow_cooling_degree_days() -> None:
    temps = daily_temperature_series("stockholm", date(2025, 1, 1), date(2026, 1, 1), seed=3)
    summer = degree_days_between("stockholm", date(2025, 7, 1), date(2025, 8, 1), temps, cooling=True)
    winter = degree_days_between("stockholm", date(2025, 1, 1), date(2025, 2, 1), temps, cooling=True)
    assert summer > Decimal(100) > winter


def test_a_cooling_load_fitted_on_cooling_degree_days_has_a_positive_weather_factor() -> None:
    temps = daily_temperature_series("stockholm", date(2024, 1, 1), date(2025, 1, 1), seed=5)
    rows = [
        DailyConsumption(
            meter_number="C-1",
            day=d,
            quantity=Decimal("0.4") + Decimal("0.05") * cooling_degree_days(t),
            mean_outdoor_temp=t,
        )
        for d, t in temps.items()
    ]
    model = fit(observations_from_daily(rows, "stockholm", cooling=True))
    assert model is not None
    assert abs(model.base_per_day - Decimal("0.4")) < Decimal("0.01")
    assert abs(model.per_degree_day - Decimal("0.05")) < Decimal("0.001")


def test_the_forecast_fits_cooling_to_cooling_degree_days() -> None:
    meter = a_meter("C-1", kind=MeterKind.COOLING, unit=EnergyUnit.MWH, decimals=3)
    days = []
    start = date(2024, 1, 1)
    for offset in range(366):
        on = start + timedelta(days=offset)
        normal = normal_cooling_degree_days("stockholm", on.month) / 30
        days.append((on, Decimal("0.5") + Decimal("0.1") * normal))
    model = fit_meter(meter, days, "stockholm")
    assert model is not None and model.per_degree_day > Decimal("0.05")
    assert model.base_per_day < Decimal("0.6")


def test_weather_correction_of_a_cooling_year_uses_cooling_degree_days() -> None:
    # A hot July (twice the normal cooling degree days) is corrected down, a
    # cool one up; January (no cooling degree days) stays the base load.
    normal_july = normal_cooling_degree_days("stockholm", 7)
    months = [
        MonthlyConsumption(
            meter_number="C-1",
            month=f"2025-{m:02d}",
            quantity=Decimal(12) * 31 + Decimal(2) * cdd,
            days=31,
            degree_days=Decimal(0),
            cooling_degree_days=cdd,
        )
        for m, cdd in ((1, Decimal(0)), (3, Decimal(0)), (6, normal_july), (7, normal_july * 2), (8, normal_july / 2))
    ]
    view = year_view(months, 2025, "stockholm", cooling=True)
    by_month = {bar.key: bar for bar in view.bars}
    assert by_month["2025-07"].normalised is not None and by_month["2025-07"].quantity is not None
    assert by_month["2025-07"].normalised < by_month["2025-07"].quantity
    assert by_month["2025-08"].normalised is not None and by_month["2025-08"].quantity is not None
    assert by_month["2025-08"].normalised > by_month["2025-08"].quantity
    assert by_month["2025-07"].degree_days == normal_july * 2


def test_monthly_aggregates_carry_cooling_degree_days() -> None:
    rows = [
        DailyConsumption(meter_number="C-1", day=date(2025, 7, 1), quantity=Decimal(1), mean_outdoor_temp=Decimal(22)),
        DailyConsumption(meter_number="C-1", day=date(2025, 7, 2), quantity=Decimal(1), mean_outdoor_temp=Decimal(10)),
    ]
    (month,) = monthly_aggregates(rows)
    assert (month.cooling_degree_days, month.degree_days) == (Decimal(7), Decimal(7))


# --- a cooling meter's day from its interval values --------------------------------------


def _hour(hour: int, energy: str, *, supply: str, ret: str, flow: str, estimated: bool = False) -> IntervalValue:
    start = datetime(2025, 7, 1, hour, tzinfo=ZoneInfo("Europe/Stockholm"))
    return IntervalValue(
        meter_number="C-1",
        start=start.astimezone(UTC),
        interval="hour",
        day=date(2025, 7, 1),
        energy=Decimal(energy),
        volume_m3=Decimal(flow),
        flow_m3h=Decimal(flow),
        supply_temp=Decimal(supply),
        return_temp=Decimal(ret),
        quality="estimated" if estimated else "measured",
    )


def test_a_cooling_day_keeps_supply_temperature_highest_flow_and_its_quality() -> None:
    meter = a_meter("C-1", kind=MeterKind.COOLING, unit=EnergyUnit.MWH, decimals=3)
    values = [
        _hour(h, "0.100" if h < 12 else "0.300", supply="6" if h < 12 else "7", ret="15", flow="8" if h < 12 else "26")
        for h in range(24)
    ]
    measured = daily_from_intervals(meter, date(2025, 7, 1), values)
    assert measured is not None
    assert (measured.quantity, measured.peak_load_kw) == (Decimal("4.800"), Decimal("300.00"))
    assert (measured.mean_supply_temp, measured.max_flow_m3h, measured.quality) == (
        Decimal("6.8"),  # energy-weighted: (6 × 1.2 + 7 × 3.6) / 4.8
        Decimal("26.000"),
        "measured",
    )
    values[3] = values[3].model_copy(update={"quality": "estimated"})
    assert daily_from_intervals(meter, date(2025, 7, 1), values).quality == "estimated"  # type: ignore[union-attr]
    values[3] = values[3].model_copy(update={"quality": "corrected"})
    assert daily_from_intervals(meter, date(2025, 7, 1), values).quality == "corrected"  # type: ignore[union-attr]
