"""InvoiceRepository, InvoiceStatusWriter and BillingRunRepository: the fake and the adapter agree."""

from __future__ import annotations

from heatportal.domain.model import BillingPeriod, InvoiceStatus
from tests.builders import a_draft_invoice
from tests.contract.ports.conftest import Ports

JANUARY, FEBRUARY = BillingPeriod(year=2026, month=1), BillingPeriod(year=2026, month=2)


def kid(number: int) -> str:
    return f"{number:08d}"


def test_an_invoice_is_created_once_per_customer_period_and_kind_key(ports: Ports) -> None:
    first = ports.invoices.create_invoice_once(a_draft_invoice("100001", JANUARY), kind_key="invoice", reference=kid)
    assert first.created
    assert first.invoice == a_draft_invoice("100001", JANUARY).model_copy(
        update={"number": first.invoice.number, "payment_reference": kid(first.invoice.number)}
    )

    again = ports.invoices.create_invoice_once(
        a_draft_invoice("100001", JANUARY, "999.00"), kind_key="invoice", reference=kid
    )
    assert not again.created
    assert again.invoice == first.invoice  # the stored one, not the second draft
    assert ports.invoices.find_billed("100001", JANUARY, "invoice") == first.invoice
    assert ports.invoices.list_invoices("100001") == [first.invoice]


def test_invoice_numbers_are_gapless_across_customers_and_kinds(ports: Ports) -> None:
    created = [
        ports.invoices.create_invoice_once(a_draft_invoice(customer, period), kind_key=kind, reference=kid)
        for customer, period, kind in (
            ("100001", JANUARY, "invoice"),
            ("100002", JANUARY, "invoice"),
            ("100001", JANUARY, "invoice"),  # billed already: takes no number
            ("100001", JANUARY, "settlement"),
            ("100001", FEBRUARY, "invoice"),
        )
    ]
    numbers = [c.invoice.number for c in created if c.created]
    assert numbers == list(range(numbers[0], numbers[0] + 4))
    assert [c.invoice.payment_reference for c in created if c.created] == [kid(n) for n in numbers]


def test_find_billed_answers_only_for_the_customer_period_and_kind_key_billed(ports: Ports) -> None:
    stored = ports.invoices.create_invoice_once(a_draft_invoice("100001", JANUARY), kind_key="invoice", reference=kid)
    assert ports.invoices.find_billed("100001", JANUARY, "invoice") == stored.invoice
    assert ports.invoices.find_billed("100001", FEBRUARY, "invoice") is None
    assert ports.invoices.find_billed("100001", JANUARY, "settlement") is None
    assert ports.invoices.find_billed("100002", JANUARY, "invoice") is None


def test_invoices_are_read_by_customer_and_number_and_listed_newest_first(ports: Ports) -> None:
    january = ports.invoices.create_invoice_once(
        a_draft_invoice("100001", JANUARY), kind_key="i", reference=kid
    ).invoice
    other = ports.invoices.create_invoice_once(a_draft_invoice("100002", JANUARY), kind_key="i", reference=kid).invoice
    february = ports.invoices.create_invoice_once(
        a_draft_invoice("100001", FEBRUARY), kind_key="i", reference=kid
    ).invoice

    assert ports.invoices.list_invoices("100001") == [february, january]
    assert ports.invoices.get_invoice("100001", january.number) == january
    assert ports.invoices.get_invoice("100001", other.number) is None  # another customer's number
    assert ports.invoices.list_invoices("100003") == []


def test_the_pdf_key_and_the_status_are_set_on_the_stored_invoice(ports: Ports) -> None:
    invoice = ports.invoices.create_invoice_once(a_draft_invoice("100001"), kind_key="i", reference=kid).invoice
    ports.invoices.set_pdf_key("100001", invoice.number, f"invoices/100001/{invoice.number}.pdf")
    ports.statuses.set_status("100001", invoice.number, "paid")
    stored = ports.invoices.get_invoice("100001", invoice.number)
    assert stored == invoice.model_copy(
        update={"pdf_key": f"invoices/100001/{invoice.number}.pdf", "status": InvoiceStatus.PAID}
    )


def test_an_invoice_email_is_claimed_once_until_the_claim_is_released(ports: Ports) -> None:
    invoice = ports.invoices.create_invoice_once(a_draft_invoice("100001"), kind_key="i", reference=kid).invoice
    assert ports.invoices.claim_email("100001", invoice.number)
    assert not ports.invoices.claim_email("100001", invoice.number)
    ports.invoices.release_email_claim("100001", invoice.number)
    assert ports.invoices.claim_email("100001", invoice.number)
    assert not ports.invoices.claim_email("100001", invoice.number + 1)  # no such invoice


def test_a_billing_run_keeps_one_failure_per_customer_the_latest(ports: Ports) -> None:
    ports.runs.record_failure("run-1", "2026-01", "100002", "meter register unreadable")
    ports.runs.record_failure("run-1", "2026-01", "100001", "first reason")
    ports.runs.record_failure("run-1", "2026-01", "100001", "x" * 600)
    ports.runs.record_failure("run-2", "2026-01", "100003", "another run")
    ports.runs.save_summary("run-1", {"billed": 3})

    assert ports.runs.list_failures("run-1") == [
        {"customer_number": "100001", "reason": "x" * 500},  # kept short
        {"customer_number": "100002", "reason": "meter register unreadable"},
    ]
    assert ports.runs.list_failures("run-9") == []
