"""Billing throughput of the tariff engine alone: accounts priced per second
on one core, for each demo profile, with a month of daily data per meter.

Run: .venv/bin/python -m bench.engine [accounts]
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from decimal import Decimal

from heatportal.domain.model import BillingPeriod, DailyConsumption, MeterKind
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import PROFILE_IDS, load_profile
from heatportal.domain.tariff import MeterUsage, PricingInput, price_period

UNITS = {"no": EnergyUnit.KWH, "nl": EnergyUnit.GJ, "de": EnergyUnit.MWH, "se": EnergyUnit.MWH}


def usage(profile_id: str, period: BillingPeriod, i: int) -> tuple[MeterUsage, ...]:
    unit = UNITS[profile_id]
    per_day = {EnergyUnit.KWH: Decimal("45.5"), EnergyUnit.GJ: Decimal("0.164"), EnergyUnit.MWH: Decimal("0.0455")}[
        unit
    ]
    days = tuple(
        DailyConsumption(
            meter_number=f"M{i}",
            day=period.start + timedelta(days=d),
            quantity=per_day + Decimal(d % 7) * per_day / 10,
            mean_return_temp=Decimal("38.5") + Decimal(d % 5),
            volume_m3=Decimal("1.2"),
        )
        for d in range(period.days)
    )
    quantity = sum((d.quantity for d in days), Decimal(0))
    heat = MeterUsage(f"M{i}", MeterKind.HEAT, unit, quantity, days)
    water = MeterUsage(f"W{i}", MeterKind.HOT_WATER, EnergyUnit.M3, Decimal("4.215"))
    return (heat, water)


def main(accounts: int = 2000) -> None:
    period = BillingPeriod(year=2026, month=1)
    print(f"tariff engine, one core, {accounts} accounts per profile, period {period}")
    for profile_id in PROFILE_IDS:
        profile = load_profile(profile_id)
        inputs = [PricingInput(period, usage(profile_id, period, i), Decimal("0.9123")) for i in range(accounts)]
        start = time.perf_counter()
        for data in inputs:
            price_period(profile, data)
        elapsed = time.perf_counter() - start
        print(f"  {profile_id}: {accounts / elapsed:8.0f} accounts/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
