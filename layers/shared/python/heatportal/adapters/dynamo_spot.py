"""DynamoDB adapter for spot prices, on the single table (key design in
``adapters/dynamo.py``): one item per zone and month,
PK ``SPOT#<zone>``, SK ``MONTH#<yyyy-mm>``, the same item billing reads.

Access patterns: a month's price = GetItem (SPOT#<zone>, MONTH#<yyyy-mm>);
a year's prices = Query PK=SPOT#<zone> SK BETWEEN MONTH#<yyyy>-01 AND
MONTH#<yyyy>-12; store a price = PutItem; a file's changed prices =
BatchWriteItem, 25 per request.
"""

from __future__ import annotations

from decimal import Decimal

from heatportal.adapters.dynamo import DynamoTable
from heatportal.domain.spot_prices import SpotPrice


def spot_price_item(zone: str, month: str, price: Decimal) -> dict[str, object]:
    return {
        "PK": f"SPOT#{zone}",
        "SK": f"MONTH#{month}",
        "type": "spot",
        "zone": zone,
        "month": month,
        "price_per_kwh": price,
    }


class DynamoSpotPriceStore:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def spot_price(self, zone: str, month: str) -> Decimal | None:
        item = self.table.get(f"SPOT#{zone}", f"MONTH#{month}", consistent=True)
        return Decimal(item["price_per_kwh"]) if item else None

    def prices_of_year(self, zone: str, year: int) -> dict[str, Decimal]:
        items = self.table.query(f"SPOT#{zone}", sk_between=(f"MONTH#{year:04d}-01", f"MONTH#{year:04d}-12"))
        return {str(i["SK"]).removeprefix("MONTH#"): Decimal(i["price_per_kwh"]) for i in items}

    def put_spot_price(self, zone: str, month: str, price: Decimal) -> None:
        self.table.put(spot_price_item(zone, month, price))

    def put_spot_prices(self, prices: list[SpotPrice]) -> None:
        self.table.batch_put([spot_price_item(p.zone, p.month, p.price_per_kwh) for p in prices])
