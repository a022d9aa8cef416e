"""Reads done once for a batch of accounts or a page rather than per call.

A batch of accounts: pricing and drafting ask the same ports they always ask, and this
answers from what the batch read at its start (the customers and the
invoices already stored, in a few batched requests) or from one window of
readings and one of daily values per meter, read on first use.

A meter's window runs from 92 days before the period to 62 days after its
end: every read pricing makes for the period (the register value at its start
and end, with the readings around them, a rollover in between, the month's
daily values) falls inside it. A read outside it goes to the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.accounts import BankAccount
from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.model import BillingPeriod, Customer, DailyConsumption, Facility, Invoice, Meter, Reading
from heatportal.ports import (
    AccountsToBill,
    BilledInvoices,
    Clock,
    CustomerRepository,
    InvoiceRepository,
    NewInvoice,
    PdfStored,
    ReadingRepository,
    SpotPriceRepository,
    StoredInvoice,
)


class PayingAccountStore(Protocol):
    def get_bank_account(self, customer_number: str) -> BankAccount | None: ...


# Back far enough for the bill's comparison with the same days a year earlier
# (services.billing.comparison reads a year of daily values before the period).
BEFORE = timedelta(days=365 + 31)
AFTER = timedelta(days=62)


class MeterWindows(ReadingRepository):
    """A meter's readings from ``first`` to ``last`` (and its daily values from
    ``days_first``, or ``first``, to ``last``), each read once, on first use;
    what asks outside a window goes to the store."""

    def __init__(self, readings: ReadingRepository, first: date, last: date, *, days_first: date | None = None) -> None:
        self.readings = readings
        self.first = first
        self.last = last
        self.days_first = days_first or first
        self._readings: dict[str, list[Reading]] = {}
        self._days: dict[str, list[DailyConsumption]] = {}

    def _window(self, meter_number: str) -> list[Reading]:
        if meter_number not in self._readings:
            self._readings[meter_number] = self.readings.list_readings(meter_number, self.first, self.last)
        return self._readings[meter_number]

    def list_readings(self, meter_number: str, start: date, end: date) -> list[Reading]:
        if not (self.first <= start and end <= self.last):
            return self.readings.list_readings(meter_number, start, end)
        return [r for r in self._window(meter_number) if start <= r.read_on <= end]

    def latest_reading(self, meter_number: str, before: date | None = None) -> Reading | None:
        if before is not None and self.first <= before <= self.last:
            earlier = [r for r in self._window(meter_number) if r.read_on <= before]
            if earlier:  # the newest one on or before ``before`` is in the window
                return earlier[-1]
        return self.readings.latest_reading(meter_number, before)

    def add_reading(self, reading: Reading) -> Reading:
        return self.readings.add_reading(reading)

    def daily_consumption(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        if not (self.days_first <= start and end <= self.last):
            return self.readings.daily_consumption(meter_number, start, end)
        if meter_number not in self._days:
            self._days[meter_number] = self.readings.daily_consumption(meter_number, self.days_first, self.last)
        return [d for d in self._days[meter_number] if start <= d.day < end]


class BatchReads(CustomerRepository, ReadingRepository, InvoiceRepository):
    def __init__(
        self,
        accounts: AccountsToBill,
        read_pairs: Sequence[tuple[str, str]],
        period: BillingPeriod,
        customers: CustomerRepository,
        readings: ReadingRepository,
        invoices: InvoiceRepository,
    ) -> None:
        self.accounts = accounts
        self.read_pairs = set(read_pairs)  # the (period key, kind key) pairs the batch read
        self.customers = customers
        self.readings = readings
        self.invoices = invoices
        self.windows = MeterWindows(readings, period.start - BEFORE, period.end + AFTER)

    # customers -----------------------------------------------------------------------------------
    def get_customer(self, number: str) -> Customer | None:
        if number in self.accounts.customers:
            return self.accounts.customers[number]
        return self.customers.get_customer(number)

    def list_facilities(self, customer_number: str) -> list[Facility]:
        return self.customers.list_facilities(customer_number)

    def list_meters(self, customer_number: str) -> list[Meter]:
        return self.customers.list_meters(customer_number)

    def find_meter(self, meter_number: str) -> Meter | None:
        return self.customers.find_meter(meter_number)

    def list_account_numbers(self) -> list[str]:
        return self.customers.list_account_numbers()

    # readings ------------------------------------------------------------------------------------
    def list_readings(self, meter_number: str, start: date, end: date) -> list[Reading]:
        return self.windows.list_readings(meter_number, start, end)

    def latest_reading(self, meter_number: str, before: date | None = None) -> Reading | None:
        return self.windows.latest_reading(meter_number, before)

    def add_reading(self, reading: Reading) -> Reading:
        return self.windows.add_reading(reading)

    def daily_consumption(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        return self.windows.daily_consumption(meter_number, start, end)

    # invoices ------------------------------------------------------------------------------------
    def find_billed(self, customer_number: str, period: BillingPeriod, kind_key: str) -> Invoice | None:
        if customer_number in self.accounts.customers and (period.key, kind_key) in self.read_pairs:
            stored = self.accounts.billed.get((customer_number, period.key, kind_key))
            return stored.invoice if stored else None
        return self.invoices.find_billed(customer_number, period, kind_key)

    def create_invoice_once(self, draft: Invoice, *, kind_key: str, reference: Callable[[int], str]) -> StoredInvoice:
        return self.invoices.create_invoice_once(draft, kind_key=kind_key, reference=reference)

    def create_invoices_once(self, new: Sequence[NewInvoice], *, created_by: str = "") -> list[StoredInvoice]:
        return self.invoices.create_invoices_once(new, created_by=created_by)

    def get_invoice(self, customer_number: str, number: int) -> Invoice | None:
        return self.invoices.get_invoice(customer_number, number)

    def list_invoices(self, customer_number: str) -> list[Invoice]:
        return self.invoices.list_invoices(customer_number)

    def set_pdf_key(self, customer_number: str, number: int, key: str) -> None:
        self.invoices.set_pdf_key(customer_number, number, key)

    def set_pdf_keys(self, stored: Sequence[PdfStored]) -> None:
        self.invoices.set_pdf_keys(stored)


class BatchPayingAccounts:
    """The customers' own bank accounts as the batch read them with the
    customers (direct debit on the invoice: no read per account); a customer
    outside the batch, or a batch read without them, is asked of the store."""

    def __init__(self, accounts: AccountsToBill, store: PayingAccountStore) -> None:
        self.accounts = accounts
        self.store = store

    def get_bank_account(self, customer_number: str) -> BankAccount | None:
        read = self.accounts.bank_accounts
        if read is not None and customer_number in self.accounts.customers:
            return read.get(customer_number)
        return self.store.get_bank_account(customer_number)


class RecordBilled(BilledInvoices):
    """The bills a period had already, from the customer's record read with its
    invoices (a page that prices its customer: no GetItem per marker); another
    customer, or a record read without them, is asked of the store."""

    def __init__(self, record: CustomerRecord, invoices: BilledInvoices) -> None:
        self.record = record
        self.invoices = invoices

    def find_billed(self, customer_number: str, period: BillingPeriod, kind_key: str) -> Invoice | None:
        if customer_number == self.record.number and self.record.billed is not None:
            return self.record.billed_invoice(period.key, kind_key)
        return self.invoices.find_billed(customer_number, period, kind_key)


# A spot average changes when the month's prices are imported (or corrected): a
# page of a warm container prices with the averages it read less than this long
# ago (a bill run reads them again for every batch).
SPOT_KEPT_FOR = timedelta(seconds=60)


class KeptSpotPrices(SpotPriceRepository):
    """A zone's spot averages of some years as this warm container read them
    less than SPOT_KEPT_FOR ago (pages that estimate: the trial settlement)."""

    def __init__(self, prices: SpotPriceRepository, clock: Clock) -> None:
        self.prices = prices
        self.clock = clock
        self._read: dict[tuple[str, int, int], tuple[datetime, dict[str, Decimal]]] = {}

    def spot_price(self, zone: str, month: str) -> Decimal | None:
        year = int(month[:4])
        return self.prices_of_years(zone, year, year).get(month)

    def prices_of_years(self, zone: str, first: int, last: int) -> dict[str, Decimal]:
        now = self.clock.now()
        kept = self._read.get((zone, first, last))
        if kept is not None and timedelta(0) <= now - kept[0] < SPOT_KEPT_FOR:
            return dict(kept[1])
        known = self.prices.prices_of_years(zone, first, last)
        self._read[(zone, first, last)] = (now, dict(known))
        return known
