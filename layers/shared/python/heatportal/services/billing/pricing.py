"""Pricing: what a customer's meters cost in a period by the utility's tariff.

One service prices the monthly bill, the trial settlement and the forecast, so
what a person is shown is what the bill will say. It reads and stores nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain import notes
from heatportal.domain.contracts import ContractVersion, price_list_with
from heatportal.domain.errors import DomainError
from heatportal.domain.estimation import estimate_note
from heatportal.domain.model import (
    BillingPeriod,
    Customer,
    Invoice,
    InvoiceLine,
    LineNote,
    Meter,
    MeterPeriodValue,
    ReadingBasis,
)
from heatportal.domain.profile import PriceList, SpotEnergyPrice, UtilityProfile
from heatportal.domain.tariff import MeterUsage, PricedPeriod, PricingInput, price_period, summarise
from heatportal.ports import BilledInvoices, CustomerRepository, ReadingRepository, SpotPriceRepository
from heatportal.services.readings import ReadingService, RegisterValue, register_range

# What marks an account billed for a period: the monthly consumption invoice,
# the monthly advance invoice (advance billing), the yearly settlement.
CONSUMPTION_KEY = "invoice"
ADVANCE_KEY = "advance"
SETTLEMENT_KEY = "settlement"


class NothingToBill(DomainError):
    code = "nothing_to_bill"


@dataclass(frozen=True)
class PricedBill:
    """A period priced for a customer, with what the bill shows besides its lines."""

    priced: PricedPeriod
    values: tuple[MeterPeriodValue, ...]
    usages: tuple[MeterUsage, ...]
    spot: Decimal | None  # the month's spot price ex VAT, when the list is spot-indexed


class ContractTerms(Protocol):
    def contract_versions(self, customer_number: str) -> list[ContractVersion]:
        """The customer's signed contract versions (any facility), oldest first."""
        ...


class PricingService:
    def __init__(
        self,
        profile: UtilityProfile,
        customers: CustomerRepository,
        readings: ReadingRepository,
        reading_service: ReadingService,
        invoices: BilledInvoices,
        spot_prices: SpotPriceRepository,
        *,
        contracts: ContractTerms | None = None,
    ) -> None:
        self.contracts = contracts
        self.profile = profile
        self.customers = customers
        self.readings = readings
        self.reading_service = reading_service
        self.invoices = invoices
        self.spot_prices = spot_prices
        # Filled only inside ``spot_prices_cached`` (a bill run's batch, a page
        # that prices month by month), per thread (local stacks run batches on
        # threads sharing this service): a zone's spot averages read two years at
        # a time; a later correction is seen by the next batch or page.
        self._cached = threading.local()

    def price(
        self,
        customer: Customer,
        period: BillingPeriod,
        end_values: Mapping[str, RegisterValue] | None = None,
        spot_fallback_months: int = 0,
        *,
        meters: Sequence[Meter] | None = None,
    ) -> tuple[PricedPeriod, tuple[MeterPeriodValue, ...]]:
        """(priced, register values) of ``price_bill``."""
        bill = self.price_bill(customer, period, end_values, spot_fallback_months, meters=meters)
        return bill.priced, bill.values

    def price_bill(
        self,
        customer: Customer,
        period: BillingPeriod,
        end_values: Mapping[str, RegisterValue] | None = None,
        spot_fallback_months: int = 0,
        *,
        meters: Sequence[Meter] | None = None,
    ) -> PricedBill:
        """Price a period for a customer, from the register values at its start
        and end (carried from the previous bill where there is one).

        ``end_values`` replaces a meter's end-of-period register value (the
        reading a person enters for a trial settlement). ``spot_fallback_months``
        lets a period whose average spot price is not known yet (the current
        month) use the newest of that many earlier months; billing passes 0.
        ``meters``: the customer's meters when the caller has them already.
        Raises NothingToBill when no meter was active in the period.
        """
        previous = self.invoices.find_billed(customer.number, period.previous(), CONSUMPTION_KEY)
        usages: list[MeterUsage] = []
        values: list[MeterPeriodValue] = []
        supplied: set[date] = set()
        meters_by_number: dict[str, Meter] = {}
        for meter in meters if meters is not None else self.customers.list_meters(customer.number):
            meters_by_number[meter.number] = meter
            mv = self._meter_values(meter, period, previous, (end_values or {}).get(meter.number))
            if mv is None:
                continue
            values.append(mv)
            first, end = self._billed_days(meter, period)
            supplied.update(first + timedelta(days=n) for n in range((end - first).days))
            days = tuple(self.readings.daily_consumption(meter.number, period.start, period.end))
            usages.append(MeterUsage(meter.number, meter.kind, meter.unit, mv.quantity, days))
        if not usages:
            raise NothingToBill("No active meter in the period.", code="nothing_to_bill")
        spot = self.spot_price(period, fallback_months=spot_fallback_months)
        # Supplied part of the month only (moving in or out): the fixed and
        # capacity charges for the days any meter was billed.
        supplied_days = frozenset(supplied) if len(supplied) < period.days else None
        groups = self._contract_price_lists(customer, period, usages, meters_by_number)
        if groups is None:
            priced = self.price_usages(period, usages, spot, supplied_days=supplied_days)
        else:
            lines: list[InvoiceLine] = []
            for price_list, group in groups:
                lines += self.price_usages(period, group, spot, price_list, supplied_days=supplied_days).lines
            priced = summarise(tuple(lines), self.profile.currency)
        return PricedBill(priced, tuple(values), tuple(usages), spot)

    def _contract_price_lists(
        self,
        customer: Customer,
        period: BillingPeriod,
        usages: list[MeterUsage],
        meters: dict[str, Meter],
    ) -> list[tuple[PriceList | None, list[MeterUsage]]] | None:
        """The usages grouped by the price list of their facility's contract in
        force at the period's start (its options written in); None when every
        meter is on the profile's own list (the contracts are read only for a
        customer that signed other options)."""
        if self.contracts is None or not customer.custom_terms:
            return None
        versions = self.contracts.contract_versions(customer.number)
        base = self.profile.price_list_on(period.start)
        groups: dict[str, tuple[PriceList | None, list[MeterUsage]]] = {}
        for usage in usages:
            facility = meters[usage.meter_number].facility_id
            in_force = [v for v in versions if v.facility_id == facility and v.valid_from <= period.start]
            price_list: PriceList | None = None
            if in_force:
                terms = max(in_force, key=lambda v: v.valid_from).terms
                if not terms.is_default(self.profile.offer):
                    price_list = price_list_with(base, terms, self.profile.offer)
            key = price_list.id if price_list is not None else ""
            groups.setdefault(key, (price_list, []))[1].append(usage)
        if set(groups) == {""}:
            return None
        return list(groups.values())

    def price_usages(
        self,
        period: BillingPeriod,
        usages: Sequence[MeterUsage],
        spot: Decimal | None,
        price_list: PriceList | None = None,
        *,
        supplied_days: frozenset[date] | None = None,
    ) -> PricedPeriod:
        """The tariff applied to quantities already known (measured or forecast);
        ``price_list``: a contract's own list (its options written in) instead of
        the profile's list in force; ``supplied_days``: the days of the period
        supplied, when not all of them (moving in or out)."""
        data = PricingInput(period, tuple(usages), spot, supplied_days=supplied_days)
        return price_period(self.profile, data, price_list)

    def spot_price(
        self, period: BillingPeriod, *, fallback_months: int = 0, known_until: BillingPeriod | None = None
    ) -> Decimal | None:
        """The monthly average spot price the period's price list is indexed to:
        the period's own (or, when ``known_until`` is earlier, that month's),
        else the newest of up to ``fallback_months`` months before it. None when
        the price list has no spot component or no average is known.
        Raises LookupError when no price list covers the period."""
        price_list = self.profile.price_list_on(period.start)
        zone = next((c.zone for c in price_list.components if isinstance(c, SpotEnergyPrice)), None)
        if zone is None:
            return None
        month = period
        if known_until is not None and (known_until.year, known_until.month) < (period.year, period.month):
            month = known_until
        spot = self._spot(zone, month.key)
        for _ in range(fallback_months):
            if spot is not None:
                break
            month = month.previous()
            spot = self._spot(zone, month.key)
        return spot

    @contextmanager
    def spot_prices_cached(self) -> Iterator[None]:
        """While a batch of accounts is billed, or a page prices month after
        month: a zone's spot averages are read two years at a time (one Query),
        not month by month (a GetItem each). Nested uses share the outermost's."""
        outer = getattr(self._cached, "spots", None)
        if outer is None:
            self._cached.spots = {}
        try:
            yield
        finally:
            if outer is None:
                self._cached.spots = None

    def _spot(self, zone: str, month: str) -> Decimal | None:
        cache: dict[tuple[str, str], Decimal | None] | None = getattr(self._cached, "spots", None)
        if cache is None:
            return self.spot_prices.spot_price(zone, month)
        if (zone, month) not in cache:
            # The month's year and the one before (a look-back for a month not yet published, last
            # year's comparison) in one read.
            year = int(month[:4])
            known = self.spot_prices.prices_of_years(zone, year - 1, year)
            for key in (f"{y:04d}-{m:02d}" for y in (year - 1, year) for m in range(1, 13)):
                cache.setdefault((zone, key), known.get(key))
        return cache[(zone, month)]

    @staticmethod
    def _billed_days(meter: Meter, period: BillingPeriod) -> tuple[date, date]:
        """[first, end) of the days of the period the meter is billed for."""
        start_day = max(period.start, meter.installed_on)
        end_day = min(period.end, meter.removed_on) if meter.removed_on else period.end
        if meter.final_invoice_from is not None:
            # Moved out: the final invoice bills the meter from that day on.
            end_day = min(end_day, meter.final_invoice_from)
        return start_day, end_day

    def _meter_values(
        self,
        meter: Meter,
        period: BillingPeriod,
        previous: Invoice | None,
        end_value: RegisterValue | None = None,
    ) -> MeterPeriodValue | None:
        start_day, end_day = self._billed_days(meter, period)
        if end_day <= start_day:
            return None
        carried = next((m for m in previous.meter_values if m.meter_number == meter.number), None) if previous else None
        unit = meter.unit.value
        estimate_notes: list[LineNote] = []
        if carried is not None:
            # The bill starts where the previous one ended, with what it said about that value.
            start = carried.end_value
            start_estimated = carried.end_estimated
            start_source = carried.end_source or (ReadingBasis.ESTIMATED if start_estimated else None)
            if start_estimated:
                estimate_notes.append(
                    LineNote(
                        key="invoice.reading.estimate_carried",
                        params={"date": notes.day(start_day), "value": notes.qty(start, unit)},
                    )
                )
        else:
            value = self.reading_service.value_at(meter, start_day)
            start, start_estimated = value.value, value.estimated
            start_source = ReadingBasis.of(value.source, value.estimated)
            if value.method is not None:
                estimate_notes.append(estimate_note(value.method, unit, start_day))
        end = end_value or self.reading_service.value_at(meter, end_day)
        if end.method is not None:
            estimate_notes.append(estimate_note(end.method, unit, end_day))
        wrap = Decimal(0)
        if end.value < start and self._rolled_over(meter, start_day, end_day, start_estimated):
            wrap = register_range(meter) or Decimal(0)
        return MeterPeriodValue(
            meter_number=meter.number,
            unit=meter.unit,
            start_value=start,
            # Below the start without a rollover: an actual reading under an
            # earlier estimate; it counts nothing rather than a negative amount.
            end_value=end.value if wrap else max(end.value, start),
            start_estimated=start_estimated,
            end_estimated=end.estimated,
            register_wrap=wrap,
            start_on=start_day,
            end_on=end_day,
            start_source=start_source,
            end_source=ReadingBasis.of(end.source, end.estimated),
            estimate_notes=tuple(estimate_notes),
        )

    def _rolled_over(self, meter: Meter, start_day: date, end_day: date, start_estimated: bool) -> bool:
        """Whether a reading in the period records the register wrapping to 0.

        A rollover read on the first day already shows in an actual start value,
        but not in an estimated one (made before the reading arrived)."""
        if meter.register_digits is None:
            return False
        first = start_day if start_estimated else start_day + timedelta(days=1)
        return any(r.rollover and not r.estimated for r in self.readings.list_readings(meter.number, first, end_day))
