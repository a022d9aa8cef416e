"""DynamoDB adapter for spot prices, on the single table: one item per zone
and month, the same item billing reads (keys and access patterns in
docs/data-model.md). A file's changed prices are written with BatchWriteItem,
25 per request.
"""

from __future__ import annotations

from decimal import Decimal

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, spot_prices_of_years
from heatportal.domain.spot_prices import SpotPrice


def spot_price_item(zone: str, month: str, price: Decimal) -> dict[str, object]:
    return {
        **keys.spot_price(zone, month).item(),
        "type": "spot",
        "zone": zone,
        "month": month,
        "price_per_kwh": price,
    }


class DynamoSpotPriceStore:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def spot_price(self, zone: str, month: str) -> Decimal | None:
        item = self.table.get(keys.spot_price(zone, month), consistent=True)
        return Decimal(item["price_per_kwh"]) if item else None

    def prices_of_year(self, zone: str, year: int) -> dict[str, Decimal]:
        return spot_prices_of_years(self.table, zone, year, year)

    def put_spot_price(self, zone: str, month: str, price: Decimal) -> None:
        self.table.put(spot_price_item(zone, month, price))

    def put_spot_prices(self, prices: list[SpotPrice]) -> None:
        self.table.batch_put([spot_price_item(p.zone, p.month, p.price_per_kwh) for p in prices])
