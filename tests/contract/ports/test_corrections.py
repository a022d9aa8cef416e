"""CorrectionStore and HoldRepository: the fake and the adapter agree.

A correction numbers its credit note and corrected invoice with the next two
numbers of the invoice series, all or nothing; credits an invoice at most
once; moves the period's billed marker to the corrected invoice."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from heatportal.domain.compliance import HoldReason
from heatportal.domain.errors import Conflict
from heatportal.domain.model import BillingPeriod, InvoiceKind, InvoiceStatus
from heatportal.ports import CorrectionRecord, HeldInvoice
from tests.builders import a_draft_invoice
from tests.contract.ports.conftest import Ports

JANUARY, FEBRUARY = BillingPeriod(year=2026, month=1), BillingPeriod(year=2026, month=2)
AT = datetime(2026, 2, 10, 9, 30, tzinfo=UTC)


def ref(number: int) -> str:
    return f"{number:08d}"


def record(original: int, difference: str = "-250.00") -> CorrectionRecord:
    return CorrectionRecord(
        customer_number="100001",
        original=original,
        credit_note=0,
        corrected=0,
        reason="wrong reading",
        trigger="staff",
        by="staff@example.no",
        at=AT,
        difference=Decimal(difference),
        currency="NOK",
    )


def test_a_correction_takes_the_next_two_numbers_and_moves_the_billed_marker(ports: Ports) -> None:
    original = ports.invoices.create_invoice_once(a_draft_invoice(), kind_key="invoice", reference=ref).invoice
    credit = a_draft_invoice(total="-1250.00", kind=InvoiceKind.CREDIT_NOTE)
    corrected = a_draft_invoice(total="1000.00")

    stored = ports.corrections.store_correction(
        original, credit, corrected, kind_key="invoice", reference=ref, record=record(original.number)
    )

    assert stored.credit_note.number == original.number + 1
    assert stored.corrected is not None and stored.corrected.number == original.number + 2
    assert (stored.credit_note.corrects, stored.credit_note.replaced_by) == (original.number, original.number + 2)
    assert (stored.corrected.corrects, stored.corrected.credit_note) == (original.number, original.number + 1)
    assert stored.credit_note.payment_reference == ref(original.number + 1)
    assert ports.invoices.get_invoice("100001", stored.credit_note.number) == stored.credit_note
    cancelled = ports.invoices.get_invoice("100001", original.number)
    assert cancelled is not None
    assert (cancelled.status, cancelled.credited_by, cancelled.replaced_by) == (
        InvoiceStatus.CREDITED,
        stored.credit_note.number,
        stored.corrected.number,
    )
    assert ports.invoices.find_billed("100001", JANUARY, "invoice") == stored.corrected
    assert ports.corrections.list_corrections("100001") == [stored.record]
    assert (stored.record.credit_note, stored.record.corrected) == (original.number + 1, original.number + 2)
    # The series goes on without a gap.
    after = ports.invoices.create_invoice_once(a_draft_invoice(period=FEBRUARY), kind_key="invoice", reference=ref)
    assert after.invoice.number == original.number + 3


def test_an_invoice_is_corrected_once_and_a_refused_correction_takes_no_number(ports: Ports) -> None:
    original = ports.invoices.create_invoice_once(a_draft_invoice(), kind_key="invoice", reference=ref).invoice
    credit = a_draft_invoice(total="-1250.00", kind=InvoiceKind.CREDIT_NOTE)
    ports.corrections.store_correction(
        original,
        credit,
        a_draft_invoice(total="0.00"),
        kind_key="invoice",
        reference=ref,
        record=record(original.number),
    )

    with pytest.raises(Conflict) as twice:
        ports.corrections.store_correction(
            original, credit, a_draft_invoice(), kind_key="invoice", reference=ref, record=record(original.number)
        )
    assert twice.value.code == "invoice_already_corrected"
    after = ports.invoices.create_invoice_once(a_draft_invoice(period=FEBRUARY), kind_key="invoice", reference=ref)
    assert after.invoice.number == original.number + 3  # the refused one took none
    assert len(ports.corrections.list_corrections("100001")) == 1
    assert ports.corrections.list_corrections("100002") == []


def test_a_hold_is_kept_per_period_and_kind_newest_period_first(ports: Ports) -> None:
    def held(period: BillingPeriod, key: str) -> HeldInvoice:
        return HeldInvoice(
            customer_number="100001",
            period=period,
            kind=InvoiceKind.INVOICE,
            reasons=(HoldReason(key, {"price": "price:1.6000", "month": "month:" + period.key}),),
            held_at=AT,
            total=Decimal("1250.00"),
            currency="NOK",
        )

    ports.holds.hold(held(JANUARY, "invoice.hold.first"))
    ports.holds.hold(held(FEBRUARY, "invoice.hold.no_electric_comparison"))
    ports.holds.hold(held(JANUARY, "invoice.hold.no_electric_comparison"))  # held again: replaces
    assert ports.holds.list_holds("100001") == [
        held(FEBRUARY, "invoice.hold.no_electric_comparison"),
        held(JANUARY, "invoice.hold.no_electric_comparison"),
    ]
    assert ports.holds.list_holds("100002") == []
