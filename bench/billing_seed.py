"""Generated billable accounts for the billing benchmarks (not demo data).

Each account is a customer with one facility and one heat meter in kWh and
actual readings on the 1st of the billed month and of the next, written with
BatchWriteItem (25 items per request) from a few threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from heatportal.adapters.dynamo import (
    DynamoRepository,
    customer_item,
    facility_item,
    meter_item,
    reading_item,
)
from heatportal.domain.model import (
    Address,
    BillingPeriod,
    Customer,
    Facility,
    Meter,
    MeterKind,
    Reading,
    ReadingSource,
)
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import SpotEnergyPrice, UtilityProfile

SPOT_PRICE = Decimal("0.8512")


def account_items(number: str, period: BillingPeriod, language: str, country: str) -> list[dict[str, Any]]:
    address = Address(street=f"Bench Street {int(number) % 200 + 1}", postcode="0155", city="Oslo", country=country)
    customer = Customer(
        number=number,
        name=f"Bench Customer {number}",
        email=f"bench-{number}@example.com",
        language=language,
        address=address,
    )
    facility = Facility(id=f"F{number}", customer_number=number, name=address.street, address=address)
    meter = Meter(
        number=f"M{number}",
        customer_number=number,
        facility_id=facility.id,
        kind=MeterKind.HEAT,
        unit=EnergyUnit.KWH,
        decimals=0,
        installed_on=datetime(2020, 1, 1, tzinfo=UTC).date(),
        start_value=Decimal(10000),
    )
    used = Decimal(900 + int(number) % 1200)
    readings = [
        Reading(
            meter_number=meter.number,
            read_on=day,
            value=value,
            source=ReadingSource.IMPORT,
            recorded_at=datetime(day.year, day.month, day.day, 6, tzinfo=UTC),
        )
        for day, value in ((period.start, Decimal(20000)), (period.end, Decimal(20000) + used))
    ]
    return [
        customer_item(customer),
        facility_item(facility),
        meter_item(meter),
        *[reading_item(r) for r in readings],
    ]


def seed_accounts(
    repo: DynamoRepository, profile: UtilityProfile, period: BillingPeriod, count: int, first: int = 700000
) -> list[str]:
    """Write ``count`` billable accounts; returns their customer numbers."""
    numbers = [str(first + i) for i in range(count)]
    items: list[dict[str, Any]] = []
    for number in numbers:
        items += account_items(number, period, profile.default_language, profile.country)
    chunks = [items[i : i + 500] for i in range(0, len(items), 500)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(repo.table.batch_put, chunks))
    price_list = profile.price_list_on(period.start)
    for component in price_list.components:
        if isinstance(component, SpotEnergyPrice):
            repo.put_spot_price(component.zone, period.key, SPOT_PRICE)
    return numbers
