"""Economy overview and forecast: the degree-day model is fitted by least squares
and the months are priced by the tariff engine."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

import pytest

from heatportal.domain.climate import normal_degree_days
from heatportal.domain.model import BillingPeriod, DailyConsumption, MeterKind, Role
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import load_profile
from heatportal.domain.tariff import MeterUsage, PricingInput, price_period
from heatportal.services.access import AccessService, Principal
from heatportal.services.forecast import YEAR_SWING, ForecastService, fit_meter
from tests.builders import a_customer, a_membership, a_meter
from tests.fakes.clock import FixedClock
from tests.fakes.world import World

STATION = "de_bilt"
BASE, FACTOR = Decimal("0.05"), Decimal("0.012")  # GJ per day, GJ per degree day


def year_of_days(meter_number: str, end: date) -> list[DailyConsumption]:
    """A year ending the day before ``end`` where each month used exactly
    BASE x days + FACTOR x normal degree days, spread evenly over its days."""
    rows = []
    day = end - timedelta(days=365)
    while day < end:
        days = calendar.monthrange(day.year, day.month)[1]
        month_total = BASE * days + FACTOR * normal_degree_days(STATION, day.month)
        rows.append(DailyConsumption(meter_number=meter_number, day=day, quantity=month_total / days))
        day += timedelta(days=1)
    return rows


def test_the_fit_recovers_base_load_and_degree_day_factor():
    meter = a_meter("H-1", "C1", unit=EnergyUnit.GJ)
    rows = year_of_days("H-1", date(2026, 1, 1))
    model = fit_meter(meter, [(r.day, r.quantity) for r in rows], STATION)
    assert model is not None
    assert abs(model.base_per_day - BASE) < Decimal("1e-9")
    assert abs(model.per_degree_day - FACTOR) < Decimal("1e-9")
    january = BillingPeriod(year=2026, month=1)
    assert abs(
        model.quantity(january, normal_degree_days(STATION, 1)) - (BASE * 31 + FACTOR * normal_degree_days(STATION, 1))
    ) < Decimal("1e-9")


def test_hot_water_and_short_histories_use_a_flat_daily_mean():
    water = a_meter("W-1", "C1", kind=MeterKind.HOT_WATER, unit=EnergyUnit.M3)
    days = [(date(2025, 5, 1) + timedelta(days=i), Decimal("0.1") * (i % 3)) for i in range(30)]
    model = fit_meter(water, days, STATION)
    assert model is not None
    assert model.per_degree_day == 0
    assert model.base_per_day == sum((q for _, q in days), Decimal(0)) / 30
    assert fit_meter(water, [], STATION) is None


@pytest.fixture
def world() -> World:
    world = World(clock=FixedClock(date(2026, 3, 15)))
    world.customers.add_customer(a_customer("C1", language="nl"))
    world.customers.add_meter(a_meter("H-1", "C1", unit=EnergyUnit.GJ))
    world.memberships.add(a_membership("u1", "C1", Role.READ))
    for row in year_of_days("H-1", date(2026, 3, 15)):
        world.readings.daily[("H-1", row.day)] = row
    return world


def service(world: World) -> ForecastService:
    return ForecastService(
        load_profile("nl"),
        AccessService(world.memberships),
        world.customers,
        world.readings,
        world.invoices,
        world.spot_prices,
        world.clock,
    )


def test_the_year_is_measured_months_then_a_forecast_with_a_range(world):
    overview = service(world).overview(Principal(user_id="u1", email="a@example.nl"), "C1")
    profile = load_profile("nl")
    sources = [m.source for m in overview.months]
    assert sources == ["estimated", "estimated"] + ["forecast"] * 10
    # A forecast month priced by hand with the same engine: base + factor x normal degree days.
    july = overview.months[6]
    period = BillingPeriod(year=2026, month=7)
    quantity = BASE * 31 + FACTOR * normal_degree_days(STATION, 7)
    meter = world.customers.meters["H-1"]
    by_hand = price_period(
        profile, PricingInput(period, (MeterUsage("H-1", MeterKind.HEAT, EnergyUnit.GJ, quantity),))
    ).total
    assert july.total == by_hand
    cold = BASE * 31 + FACTOR * normal_degree_days(STATION, 7) * (1 + YEAR_SWING)
    assert (
        july.high
        == price_period(profile, PricingInput(period, (MeterUsage(meter.number, meter.kind, meter.unit, cold),))).total
    )
    assert overview.year_total == overview.so_far + overview.forecast_rest
    assert overview.year_low <= overview.year_total <= overview.year_high
    assert overview.year_low < overview.year_high
    assert all(isinstance(m.total, Decimal) for m in overview.months)


def test_expected_yearly_cost_splits_by_supply_type(world):
    total, by_kind = service(world).expected_yearly_cost("C1")
    assert total > 0
    assert set(by_kind) == {"heat"}
    assert by_kind["heat"] == total
