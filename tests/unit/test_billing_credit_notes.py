"""Credit notes for corrections: the invoice's lines negated, once per invoice,
the invoice marked credited; only customer service may issue them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from heatportal.domain.errors import Forbidden, ValidationFailed
from heatportal.domain.model import InvoiceKind, InvoiceStatus
from heatportal.services.access import Principal
from tests.fakes.invoices import InMemoryInvoiceStatusWriter
from tests.unit.test_billing_service import JANUARY, Billing, billing  # noqa: F401 - the fixture

STAFF = Principal(user_id="s1", email="kundeservice@example.no", groups=frozenset({"staff"}))


def test_a_credit_note_negates_every_line_once(billing: Billing) -> None:  # noqa: F811 - pytest fixture
    billing.service.statuses = InMemoryInvoiceStatusWriter(billing.world.invoices)
    invoice, _ = billing.service.bill_account("100001", JANUARY)
    note, created = billing.service.credit_note(STAFF, "100001", invoice.number, "  feil   avlesning ")
    assert created and note.kind == InvoiceKind.CREDIT_NOTE
    assert [line.amount for line in note.lines] == [-line.amount for line in invoice.lines]
    assert (note.net_total, note.vat_total, note.total) == (-invoice.net_total, -invoice.vat_total, -invoice.total)
    assert note.lines[0].explanation.startswith(f"credit of invoice {invoice.number} (feil avlesning)")
    credited = billing.world.invoices.get_invoice("100001", invoice.number)
    assert credited is not None and credited.status == InvoiceStatus.CREDITED
    again, created_again = billing.service.credit_note(STAFF, "100001", invoice.number, "feil avlesning")
    assert (again.number, created_again) == (note.number, False)
    assert note.pdf_key and billing.renderers.emails == 2  # the invoice's email and the credit note's
    with pytest.raises(ValidationFailed) as twice:
        billing.service.credit_note(STAFF, "100001", note.number, "x")
    assert twice.value.code == "credit_of_credit_note"
    assert sum((i.total for i in billing.world.invoices.list_invoices("100001")), Decimal(0)) == 0


def test_only_customer_service_credits(billing: Billing) -> None:  # noqa: F811 - pytest fixture
    billing.service.statuses = InMemoryInvoiceStatusWriter(billing.world.invoices)
    invoice, _ = billing.service.bill_account("100001", JANUARY)
    with pytest.raises(Forbidden):
        billing.service.credit_note(Principal(user_id="u1", email="kari@example.no"), "100001", invoice.number, "x")
    with pytest.raises(ValidationFailed):
        billing.service.credit_note(STAFF, "100001", invoice.number, "   ")
