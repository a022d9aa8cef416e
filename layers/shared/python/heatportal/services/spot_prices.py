"""Loading monthly spot prices per bidding zone: by customer service through the
admin route, or from a CSV file put in S3 under ``spot-prices/``.

A price is written only when it is new or differs from the stored one, so the
same file imported twice (or a retried request) changes nothing; a different
price for a month already stored is a correction and replaces it. Billing reads
the price per zone and month (services.billing.pricing); invoices already issued
are not changed by a correction (a credit note does that).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

from heatportal.domain.errors import Forbidden
from heatportal.domain.spot_prices import SpotPrice, SpotRowProblem, check_year, check_zone, read_spot_file, spot_price
from heatportal.services.access import Principal

Outcome = Literal["created", "corrected", "unchanged"]


class SpotPriceStore(Protocol):
    """Spot prices on designed keys: one item per zone and month."""

    def spot_price(self, zone: str, month: str) -> Decimal | None: ...

    def prices_of_year(self, zone: str, year: int) -> dict[str, Decimal]:
        """Month (YYYY-MM) -> price per kWh of one zone and year (one Query)."""
        ...

    def put_spot_price(self, zone: str, month: str, price: Decimal) -> None: ...

    def put_spot_prices(self, prices: list[SpotPrice]) -> None:
        """Store many prices (batched writes: 25 per request on DynamoDB)."""
        ...


@dataclass
class SpotImportReport:
    key: str
    rows: int = 0
    stored: int = 0
    corrected: int = 0
    unchanged: int = 0
    duplicates: int = 0
    problems: list[SpotRowProblem] = field(default_factory=list)
    error: str | None = None  # the file as a whole could not be read


class SpotPriceService:
    def __init__(self, store: SpotPriceStore) -> None:
        self.store = store

    @staticmethod
    def _require_staff(principal: Principal) -> None:
        if not principal.is_staff:
            raise Forbidden("Only customer service may load spot prices.", code="spot_staff_only")

    def _store(self, price: SpotPrice, current: Decimal | None) -> Outcome:
        # Decimal equality ignores trailing zeros: 0.85 and 0.8500 are the same price.
        if current is not None and current == price.price_per_kwh:
            return "unchanged"
        self.store.put_spot_price(price.zone, price.month, price.price_per_kwh)
        return "created" if current is None else "corrected"

    def set_price(self, principal: Principal, zone: str, month: str, price: str) -> tuple[SpotPrice, Outcome]:
        """Store one month's price (staff); validation errors carry stable codes."""
        self._require_staff(principal)
        checked = spot_price(zone, month, price)
        return checked, self._store(checked, self.store.spot_price(checked.zone, checked.month))

    def year(self, principal: Principal, zone: str, year: int) -> list[SpotPrice]:
        """The stored prices of one zone and year, by month (staff)."""
        self._require_staff(principal)
        zone, year = check_zone(zone), check_year(year)
        prices = self.store.prices_of_year(zone, year)
        return [SpotPrice(zone, month, prices[month]) for month in sorted(prices)]

    def import_file(self, key: str, body: bytes) -> SpotImportReport:
        """Import a spot-price CSV; bad rows are reported with their line, good rows stored."""
        report = SpotImportReport(key=key)
        if not key.lower().endswith(".csv"):
            report.error = "spot_file_format"
            return report
        try:
            parsed = read_spot_file(body)
        except ValueError as error:
            report.error = str(error)
            return report
        report.rows = len(parsed.prices) + len(parsed.problems) + parsed.duplicates
        report.problems = parsed.problems
        report.duplicates = parsed.duplicates
        # One Query per zone and year instead of a GetItem per row; only new or
        # changed prices are written, so a file imported again writes nothing.
        stored: dict[tuple[str, int], dict[str, Decimal]] = {}
        changed: list[SpotPrice] = []
        for _line, price in parsed.prices:
            year_key = (price.zone, int(price.month[:4]))
            if year_key not in stored:
                stored[year_key] = self.store.prices_of_year(*year_key)
            current = stored[year_key].get(price.month)
            if current is not None and current == price.price_per_kwh:
                report.unchanged += 1
                continue
            changed.append(price)
            report.corrected += current is not None
        if changed:
            self.store.put_spot_prices(changed)
        report.stored = len(changed)
        return report
