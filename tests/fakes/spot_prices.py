"""Spot prices in memory (``services.spot_prices.SpotPriceStore``, which also
serves billing's ``ports.SpotPriceRepository``), counting reads and writes as
DynamoDB would bill them."""

from __future__ import annotations

from decimal import Decimal

from heatportal.domain.spot_prices import SpotPrice
from heatportal.ports import SpotPriceRepository
from heatportal.services.spot_prices import SpotPriceStore


class InMemorySpotPriceStore(SpotPriceStore, SpotPriceRepository):
    def __init__(self, prices: dict[tuple[str, str], Decimal] | None = None) -> None:
        self.prices: dict[tuple[str, str], Decimal] = dict(prices or {})
        self.asked: list[tuple[str, str]] = []  # (zone, month) of every price read
        self.gets = 0
        self.queries = 0
        self.puts = 0  # prices written
        self.batches = 0

    def spot_price(self, zone: str, month: str) -> Decimal | None:
        self.gets += 1
        self.asked.append((zone, month))
        return self.prices.get((zone, month))

    def prices_of_year(self, zone: str, year: int) -> dict[str, Decimal]:
        return self.prices_of_years(zone, year, year)

    def prices_of_years(self, zone: str, first: int, last: int) -> dict[str, Decimal]:
        self.queries += 1
        return {
            m: p
            for (z, m), p in sorted(self.prices.items())
            if z == zone and f"{first:04d}-01" <= m <= f"{last:04d}-12"
        }

    def put_spot_price(self, zone: str, month: str, price: Decimal) -> None:
        self.puts += 1
        self.prices[(zone, month)] = price

    def put_spot_prices(self, prices: list[SpotPrice]) -> None:
        self.batches += 1
        for price in prices:
            self.put_spot_price(price.zone, price.month, price.price_per_kwh)
