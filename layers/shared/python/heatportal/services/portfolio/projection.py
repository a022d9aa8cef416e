"""The portfolio's figures, written when data arrive.

``refresh`` rebuilds what the portfolio shows of one customer from the
authoritative data: its record with its invoices (one Query), each meter's
daily values and last reading (two Queries per meter), the payments (one
Query); it writes each facility's figures per supply and the customer's
directory. The smart-meter import calls it for the customers a file touched,
the nightly job for every customer, the demo loader once. ``project`` does
the same from data already in memory (the demo loader), reading nothing.
A new reading only moves the meter's last reading (``note_reading``: one
UpdateItem).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.model import BillingPeriod, DailyConsumption, Invoice, InvoiceStatus, Meter, Reading
from heatportal.domain.money import round_money
from heatportal.domain.portfolio import (
    DAYS_KEPT,
    ENERGY_KIND,
    PRICED_KINDS,
    SUPPLIES,
    CustomerDirectory,
    FacilityAggregate,
    InvoiceSummary,
    Pricer,
    Supply,
    SupplyStatus,
    directory_of,
    facility_days,
    facility_months,
    supply_status,
)
from heatportal.domain.profile import ReturnTemperature, SpotEnergyPrice, UtilityProfile
from heatportal.domain.tariff import MeterUsage, MissingPrice, PricedPeriod, PricingInput, price_period
from heatportal.ports import Clock, ReadingRepository, SpotPriceRepository
from heatportal.services.access import CustomerRecords
from heatportal.services.invoices import PaidAmounts
from heatportal.services.portfolio.ports import PortfolioStore

HISTORY_MONTHS = 38  # three whole years to compare with, and the current one

# A zone's spot averages by (zone, year), as read during one projection or pass.
SpotYears = dict[tuple[str, int], dict[str, Decimal]]


@dataclass(frozen=True)
class Projected:
    directory: CustomerDirectory
    aggregates: tuple[FacilityAggregate, ...]


def _first_of_history(today: date) -> date:
    index = today.year * 12 + today.month - 1 - HISTORY_MONTHS
    return date(index // 12, index % 12 + 1, 1)


class PortfolioProjector:
    def __init__(
        self,
        profile: UtilityProfile,
        records: CustomerRecords,
        readings: ReadingRepository,
        spot_prices: SpotPriceRepository,
        store: PortfolioStore,
        clock: Clock,
        paid: PaidAmounts | None = None,
    ) -> None:
        self.profile = profile
        self.records = records
        self.readings = readings
        self.spot_prices = spot_prices
        self.store = store
        self.clock = clock
        self.paid = paid

    def refresh(self, customer_number: str, spot_years: SpotYears | None = None) -> CustomerDirectory | None:
        """Rebuild and store one customer's portfolio figures (None: no such
        customer); ``spot_years``: see ``project``."""
        record = self.records.customer_record(customer_number, invoices=True)
        if record.customer is None:
            return None
        today = self.clock.today()
        start = _first_of_history(today)
        days = {m.number: self.readings.daily_consumption(m.number, start, today) for m in record.meters}
        last = {m.number: r for m in record.meters if (r := self.readings.latest_reading(m.number)) is not None}
        paid = self.paid.paid_amounts(customer_number) if self.paid else {}
        projected = self.project(record, days, last, paid, spot_years)
        self.store.put_aggregates(projected.aggregates)
        self.store.put_directory(projected.directory)
        return projected.directory

    def refresh_all(self, customer_numbers: Sequence[str]) -> int:
        """The nightly refresh: every customer's figures; returns how many were
        refreshed. The spot averages are read once per zone and year for the
        whole pass, not once per customer."""
        spot_years: SpotYears = {}
        return sum(1 for number in customer_numbers if self.refresh(number, spot_years) is not None)

    def note_reading(self, meter: Meter, reading: Reading) -> None:
        """A reading was stored: it is the meter's last one unless a newer is known."""
        self.store.note_reading(meter.customer_number, reading)

    def project(
        self,
        record: CustomerRecord,
        days: dict[str, list[DailyConsumption]],
        last_readings: dict[str, Reading],
        paid: dict[int, Decimal],
        spot_years: SpotYears | None = None,
    ) -> Projected:
        """The customer's figures from its record, its meters' daily values and
        last readings and its payments (pure but for the clock and the spot
        prices the price list may need). The spot averages are read once per
        zone and year into ``spot_years``: a pass over many customers passes
        one for them all."""
        now = self.clock.now()
        today = self.clock.today()
        aggregates = []
        spot_years = {} if spot_years is None else spot_years
        status: dict[tuple[str, Supply], SupplyStatus] = {}
        for facility in record.facilities:
            meters = [m for m in record.meters if m.facility_id == facility.id]
            for supply in SUPPLIES:
                if not any(m.kind == ENERGY_KIND[supply] for m in meters):
                    continue
                priced_meters = [m for m in meters if m.kind in PRICED_KINDS[supply]]
                supply_days = facility_days(meters, days, supply)
                months = facility_months(
                    supply_days,
                    supply=supply,
                    meters=priced_meters,
                    rows=days,
                    price=self._pricer(spot_years),
                    reference=partial(self.return_reference, supply),
                )
                aggregates.append(
                    FacilityAggregate(
                        customer_number=record.number,
                        facility_id=facility.id,
                        supply=supply,
                        months=tuple(months),
                        days=tuple(d for d in supply_days if d.day >= today - timedelta(days=DAYS_KEPT)),
                        as_of=now,
                    )
                )
                status[(facility.id, supply)] = supply_status(
                    supply_days, supply, today, partial(self.return_reference, supply)
                )
        invoices = invoice_summary(record.invoices or (), paid, today, self.profile.currency)
        directory = directory_of(record, last_readings=last_readings, status=status, invoices=invoices, as_of=now)
        return Projected(directory, tuple(aggregates))

    def _pricer(self, spot_years: SpotYears) -> Pricer:
        def price(month: str, usages: list[MeterUsage]) -> PricedPeriod | None:
            if not usages:
                return None
            period = BillingPeriod.parse(month)
            try:
                spot = self._spot(period, spot_years)
                return price_period(self.profile, PricingInput(period, tuple(usages), spot))
            except (MissingPrice, LookupError):
                return None

        return price

    def _spot(self, period: BillingPeriod, years: SpotYears) -> Decimal | None:
        """The month's average spot price when the price list is indexed to one:
        one read per zone and year (``years`` keeps them for the customer's
        facilities), not one per month."""
        price_list = self.profile.price_list_on(period.start)
        zone = next((c.zone for c in price_list.components if isinstance(c, SpotEnergyPrice)), None)
        if zone is None:
            return None
        if (zone, period.year) not in years:
            years[(zone, period.year)] = self.spot_prices.prices_of_years(zone, period.year, period.year)
        return years[(zone, period.year)].get(period.key)

    def return_reference(self, supply: Supply, month: str) -> Decimal | None:
        """The price list's reference return temperature of the month (None: no such component)."""
        try:
            price_list = self.profile.price_list_on(BillingPeriod.parse(month).start)
        except LookupError:
            return None
        component = next(
            (
                c
                for c in price_list.components
                if isinstance(c, ReturnTemperature) and c.applies_to == ENERGY_KIND[supply]
            ),
            None,
        )
        if component is None:
            return None
        number = int(month[5:])
        return next((p.price for p in component.reference_c if number in p.months), None)


def invoice_summary(
    invoices: Sequence[Invoice], paid: dict[int, Decimal], today: date, currency: str
) -> InvoiceSummary:
    """The customer's open and overdue invoices (what is left to pay of them)."""
    open_invoices = [i for i in invoices if i.status == InvoiceStatus.OPEN]
    left = {i.number: i.total - paid.get(i.number, Decimal(0)) for i in open_invoices}
    overdue = [i for i in open_invoices if i.due_on < today]
    return InvoiceSummary(
        currency=invoices[0].currency if invoices else currency,
        open_count=len(open_invoices),
        open_total=round_money(sum(left.values(), Decimal(0)), currency),
        overdue_count=len(overdue),
        overdue_total=round_money(sum((left[i.number] for i in overdue), Decimal(0)), currency),
    )
