"""InvoiceRepository, InvoiceStatusWriter and BillingRunRepository: the fake and the adapter agree."""

from __future__ import annotations

import pytest

from heatportal.domain.model import BillingPeriod, InvoiceStatus
from heatportal.ports import NewInvoice, PdfStored, StoredInvoice
from tests.builders import a_customer, a_draft_invoice
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


def test_many_invoices_take_consecutive_numbers_and_an_invoice_billed_before_takes_none(ports: Ports) -> None:
    before = ports.invoices.create_invoice_once(a_draft_invoice("100002", JANUARY), kind_key="invoice", reference=kid)
    stored = ports.invoices.create_invoices_once(
        [
            NewInvoice(a_draft_invoice("100001", JANUARY), "invoice", kid),
            NewInvoice(a_draft_invoice("100002", JANUARY, "999.00"), "invoice", kid),  # billed before
            NewInvoice(a_draft_invoice("100003", JANUARY), "invoice", kid),
        ],
        created_by="run-1",
    )
    assert [(s.created, s.created_by) for s in stored] == [(True, "run-1"), (False, ""), (True, "run-1")]
    assert stored[1].invoice == before.invoice
    first = before.invoice.number
    assert [s.invoice.number for s in stored] == [first + 1, first, first + 2]
    assert [s.invoice.payment_reference for s in stored] == [kid(first + 1), kid(first), kid(first + 2)]
    # Asked again (a retried batch), every invoice is found, created by the run that created it
    again = ports.invoices.create_invoices_once([NewInvoice(a_draft_invoice("100003", JANUARY), "invoice", kid)])
    assert [(a.created, a.created_by, a.invoice) for a in again] == [(False, "run-1", stored[2].invoice)]


def test_more_invoices_than_one_transaction_holds_are_numbered_without_a_gap(ports: Ports) -> None:
    new = [NewInvoice(a_draft_invoice(str(300000 + n), JANUARY), "invoice", kid) for n in range(60)]
    stored = ports.invoices.create_invoices_once(new, created_by="run-1")
    numbers = [s.invoice.number for s in stored]
    assert numbers == list(range(numbers[0], numbers[0] + 60))
    with pytest.raises(ValueError, match="twice"):
        ports.invoices.create_invoices_once([new[0], new[0]])


def test_pdf_keys_are_set_on_many_invoices_at_once(ports: Ports) -> None:
    one = ports.invoices.create_invoice_once(a_draft_invoice("100001"), kind_key="i", reference=kid).invoice
    two = ports.invoices.create_invoice_once(a_draft_invoice("100002"), kind_key="i", reference=kid).invoice
    ports.invoices.set_pdf_keys([PdfStored("100001", one.number, "a.pdf"), PdfStored("100002", two.number, "b.pdf")])
    assert [ports.invoices.get_invoice(c, n).pdf_key for c, n in (("100001", one.number), ("100002", two.number))] == [  # type: ignore[union-attr]
        "a.pdf",
        "b.pdf",
    ]


def test_a_batch_reads_its_customers_and_what_is_billed_for_them(ports: Ports) -> None:
    ports.given.customer(a_customer("100001"))
    ports.given.customer(a_customer("100002"))
    january = ports.invoices.create_invoices_once(
        [NewInvoice(a_draft_invoice("100001", JANUARY), "invoice", kid)], created_by="run-1"
    )[0]
    read = ports.reader.read_accounts(["100001", "100002", "100009"], [("2026-01", "invoice"), ("2026-02", "invoice")])
    assert sorted(read.customers) == ["100001", "100002"]
    assert read.customers["100001"] == a_customer("100001")
    assert dict(read.billed) == {("100001", "2026-01", "invoice"): StoredInvoice(january.invoice, False, "run-1")}
