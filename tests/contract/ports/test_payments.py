"""PaymentRepository, PaidAmounts, AdvanceRepository and the spot-price stores:
the fake and the adapter agree."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from heatportal.domain.model import InvoiceStatus
from heatportal.domain.payments import AdvancePayment, Payment
from heatportal.domain.spot_prices import SpotPrice
from tests.builders import a_draft_invoice
from tests.contract.ports.conftest import Ports


def payment(payment_id: str, amount: str) -> Payment:
    return Payment(payment_id, "00000017", Decimal(amount), date(2026, 2, 10), "NOK", "camt054")


def test_payments_are_recorded_once_per_id_and_pay_the_invoice_when_they_reach_its_total(ports: Ports) -> None:
    invoice = ports.invoices.create_invoice_once(
        a_draft_invoice("100001", total="1000.00"), kind_key="i", reference=str
    ).invoice
    assert ports.payments.find_invoice_by_number(invoice.number) == invoice
    assert ports.payments.find_invoice_by_number(invoice.number + 1) is None

    part = ports.payments.record_payment(invoice, payment("p-1", "400.00"))
    assert (part.created, part.paid_amount, part.invoice.status) == (True, Decimal("400.00"), InvoiceStatus.OPEN)
    retry = ports.payments.record_payment(invoice, payment("p-1", "400.00"))
    assert (retry.created, retry.paid_amount) == (False, Decimal("400.00"))
    rest = ports.payments.record_payment(invoice, payment("p-2", "600.00"))
    assert (rest.created, rest.paid_amount, rest.invoice.status) == (True, Decimal("1000.00"), InvoiceStatus.PAID)

    stored = ports.invoices.get_invoice("100001", invoice.number)
    assert stored is not None and stored.status == InvoiceStatus.PAID
    assert ports.paid.paid_amounts("100001") == {invoice.number: Decimal("1000.00")}


def test_a_credited_invoice_stays_credited_when_paid(ports: Ports) -> None:
    invoice = ports.invoices.create_invoice_once(
        a_draft_invoice("100001", total="100.00"), kind_key="i", reference=str
    ).invoice
    ports.statuses.set_status("100001", invoice.number, "credited")
    credited = ports.invoices.get_invoice("100001", invoice.number)
    assert credited is not None
    recorded = ports.payments.record_payment(credited, payment("p-1", "100.00"))
    assert recorded.invoice.status == InvoiceStatus.CREDITED


def test_paid_amounts_list_every_invoice_of_the_customer_paid_or_not(ports: Ports) -> None:
    first = ports.invoices.create_invoice_once(a_draft_invoice("100001"), kind_key="a", reference=str).invoice
    second = ports.invoices.create_invoice_once(a_draft_invoice("100001"), kind_key="b", reference=str).invoice
    ports.invoices.create_invoice_once(a_draft_invoice("100002"), kind_key="a", reference=str)
    ports.payments.record_payment(first, payment("p-1", "10.00"))
    assert ports.paid.paid_amounts("100001") == {first.number: Decimal("10.00"), second.number: Decimal(0)}
    assert ports.paid.paid_amounts("100003") == {}


def advance(valid_from: date, amount: str, customer: str = "100001") -> AdvancePayment:
    return AdvancePayment(customer, valid_from, Decimal(amount), "EUR", comment="Nieuwe ketel", changed_by="klant")


def test_advances_are_listed_oldest_first_one_per_start_date(ports: Ports) -> None:
    for item in (advance(date(2026, 3, 1), "120"), advance(date(2026, 1, 1), "100"), advance(date(2026, 1, 1), "110")):
        ports.advances.put_advance(item)
    ports.advances.put_advance(advance(date(2026, 1, 1), "999", customer="100002"))
    assert ports.advances.list_advances("100001") == [
        advance(date(2026, 1, 1), "110"),
        advance(date(2026, 3, 1), "120"),
    ]
    assert ports.advances.list_advances("100003") == []


def test_spot_prices_are_read_by_zone_and_month_and_listed_per_year(ports: Ports) -> None:
    ports.spot_prices.put_spot_price("NO1", "2026-01", Decimal("0.8512"))
    ports.spot_prices.put_spot_prices(
        [
            SpotPrice("NO1", "2026-02", Decimal("0.7001")),
            SpotPrice("NO1", "2025-12", Decimal("1.1")),
            SpotPrice("NO2", "2026-01", Decimal("0.5")),
        ]
    )
    ports.spot_prices.put_spot_price("NO1", "2026-01", Decimal("0.8513"))  # a correction replaces the price

    assert ports.spot_prices.spot_price("NO1", "2026-01") == Decimal("0.8513")
    assert ports.billing_spot_prices.spot_price("NO1", "2026-01") == Decimal("0.8513")  # what billing reads
    assert ports.spot_prices.spot_price("NO1", "2026-03") is None
    assert ports.spot_prices.prices_of_year("NO1", 2026) == {"2026-01": Decimal("0.8513"), "2026-02": Decimal("0.7001")}
    assert ports.spot_prices.prices_of_year("NO3", 2026) == {}
    # What a batch or a priced page reads at once: two years of a zone in one Query.
    assert ports.billing_spot_prices.prices_of_years("NO1", 2025, 2026) == {
        "2025-12": Decimal("1.1"),
        "2026-01": Decimal("0.8513"),
        "2026-02": Decimal("0.7001"),
    }
