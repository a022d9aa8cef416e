"""Reads done once for a page rather than per call (services.billing.reads):
a meter's windows, the previous bill from the customer's record, the spot
averages a warm container keeps for a minute."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.model import BillingPeriod, DailyConsumption
from heatportal.services.billing.reads import SPOT_KEPT_FOR, KeptSpotPrices, MeterWindows, RecordBilled
from tests.builders import a_customer, a_draft_invoice, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.invoices import InMemoryInvoiceRepository
from tests.fakes.readings import InMemoryReadingRepository
from tests.fakes.spot_prices import InMemorySpotPriceStore


def test_a_meters_window_is_read_once_and_what_lies_outside_goes_to_the_store() -> None:
    store = InMemoryReadingRepository()
    for day, value in ((date(2025, 6, 1), "100"), (date(2026, 1, 1), "200"), (date(2026, 2, 1), "300")):
        store.add_reading(a_reading("M-1", day, value))
    store.add_daily(DailyConsumption(meter_number="M-1", day=date(2026, 1, 31), quantity=Decimal("3.5")))
    windows = MeterWindows(store, date(2025, 12, 1), date(2026, 3, 31), days_first=date(2026, 1, 15))

    assert [r.value for r in windows.list_readings("M-1", date(2026, 1, 1), date(2026, 3, 1))] == [200, 300]
    assert windows.latest_reading("M-1", before=date(2026, 1, 20)).value == 200  # type: ignore[union-attr]
    assert [r.value for r in windows.list_readings("M-1", date(2026, 2, 1), date(2026, 2, 1))] == [300]
    assert store.queries == 1  # the window, once
    # Nothing in the window on or before the day: the newest one may lie before it, so the store is asked.
    assert windows.latest_reading("M-1", before=date(2025, 12, 15)).value == 100  # type: ignore[union-attr]
    assert windows.list_readings("M-1", date(2025, 1, 1), date(2026, 1, 1))[0].value == 100  # outside
    assert store.queries == 3
    assert [d.quantity for d in windows.daily_consumption("M-1", date(2026, 1, 20), date(2026, 2, 1))] == [
        Decimal("3.5")
    ]
    assert windows.daily_consumption("M-1", date(2026, 2, 1), date(2026, 2, 2)) == []


def test_the_previous_bill_comes_from_the_record_read_with_its_invoices_else_from_the_store() -> None:
    invoices = InMemoryInvoiceRepository()
    january = BillingPeriod(year=2026, month=1)
    stored = invoices.create_invoice_once(
        a_draft_invoice("100001", january), kind_key="invoice", reference=lambda n: f"R{n}"
    ).invoice
    with_invoices = CustomerRecord(
        "100001", a_customer("100001"), invoices=(stored,), billed={(january.key, "invoice"): stored.number}
    )
    # The record says no bill for February: believed without asking the store.
    invoices.billed[("100001", "2026-02", "invoice")] = (stored.number, "")
    billed = RecordBilled(with_invoices, invoices)
    assert billed.find_billed("100001", january, "invoice") == stored
    assert billed.find_billed("100001", january.next(), "invoice") is None
    # A record read without its invoices, or another customer: the store.
    assert RecordBilled(CustomerRecord("100001", None), invoices).find_billed("100001", january.next(), "invoice")
    assert billed.find_billed("100002", january, "invoice") is None


def test_a_warm_container_keeps_the_spot_averages_it_read_for_a_minute() -> None:
    store = InMemorySpotPriceStore({("NO1", "2026-01"): Decimal("0.5")})
    clock = FixedClock(date(2026, 2, 3))
    kept = KeptSpotPrices(store, clock)

    assert kept.prices_of_years("NO1", 2025, 2026) == {"2026-01": Decimal("0.5")}
    store.prices[("NO1", "2026-01")] = Decimal("0.7")  # corrected
    clock.advance(SPOT_KEPT_FOR - timedelta(seconds=1))
    assert kept.prices_of_years("NO1", 2025, 2026) == {"2026-01": Decimal("0.5")}
    assert kept.spot_price("NO1", "2026-01") == Decimal("0.7")  # another read (one year): read now
    assert store.queries == 2
    clock.advance(timedelta(seconds=1))
    assert kept.prices_of_years("NO1", 2025, 2026) == {"2026-01": Decimal("0.7")}
    assert store.queries == 3
