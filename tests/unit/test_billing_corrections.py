"""Corrections (services.billing.corrections): a credit note that names the
invoice it cancels and the corrected invoice, in one action; nothing lost,
nothing doubled, numbers gapless; late readings for billed periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heatportal.domain.errors import Conflict, Forbidden, ValidationFailed
from heatportal.domain.model import BillingPeriod, InvoiceKind, InvoiceStatus, ReadingSource
from heatportal.services.access import Principal
from tests.builders import a_reading
from tests.invoice_samples import STAFF, advance_of, settlement_sample
from tests.unit.test_billing_service import JANUARY, Billing, billing  # noqa: F401 - the fixture

CUSTOMER = Principal(user_id="u1", email="kari@example.no")


def standing(b: Billing, customer: str) -> list:
    """The invoices that stand: not cancelled, credit notes included (they carry the money back)."""
    return [i for i in b.world.invoices.list_invoices(customer) if i.credited_by is None]


def test_a_correction_cancels_the_invoice_and_issues_the_corrected_one_in_one_action(
    billing: Billing,  # noqa: F811 - pytest fixture
) -> None:
    invoice, _ = billing.service.bill_account("100001", JANUARY)
    # The February reading was wrong: customer service corrects it, then the invoice.
    billing.world.readings.readings[("M-100001", date(2025, 2, 1))] = a_reading("M-100001", date(2025, 2, 1), "11200")
    preview = billing.corrections.preview(STAFF, "100001", invoice.number, "wrong reading")
    assert billing.world.invoices.all_numbers() == [1]  # a preview stores nothing and takes no number
    assert preview.corrected is not None
    # 1200 kWh x 1.4526 = 1743.12 + 100.00 = 1843.12 instead of 2278.90: 435.78 back
    assert preview.difference == Decimal("-435.78")

    result = billing.corrections.correct(STAFF, "100001", invoice.number, "  wrong   reading ")
    credit, corrected = result.credit_note, result.corrected
    assert corrected is not None
    assert (credit.number, corrected.number) == (2, 3)  # the next numbers of the one series
    assert credit.kind == InvoiceKind.CREDIT_NOTE and credit.corrects == invoice.number
    assert [line.amount for line in credit.lines] == [-line.amount for line in invoice.lines]
    assert (credit.net_total, credit.vat_total, credit.total) == (
        -invoice.net_total,
        -invoice.vat_total,
        -invoice.total,
    )
    assert credit.notes[0].key == "invoice.note.credit"
    assert credit.notes[0].params["reason"] == "text:wrong reading"
    assert (corrected.corrects, corrected.credit_note, corrected.total) == (invoice.number, 2, Decimal("1843.12"))
    cancelled = billing.world.invoices.get_invoice("100001", invoice.number)
    assert cancelled is not None
    assert (cancelled.status, cancelled.credited_by, cancelled.replaced_by) == (InvoiceStatus.CREDITED, 2, 3)
    # The period's bill is now the corrected one: the next bill starts from its values.
    assert billing.world.invoices.find_billed("100001", JANUARY, "invoice") == corrected
    # Nothing lost, nothing doubled: the money of every invoice issued is the corrected bill's.
    everything = sum((i.total for i in billing.world.invoices.list_invoices("100001")), Decimal(0))
    assert everything == corrected.total
    assert sum((i.total for i in standing(billing, "100001")), Decimal(0)) == corrected.total + credit.total
    # PDFs and e-mails of both
    assert credit.pdf_key and corrected.pdf_key and billing.renderers.emails == 3
    [record] = billing.world.corrections.list_corrections("100001")
    assert (record.original, record.credit_note, record.corrected, record.trigger, record.by, record.reason) == (
        1,
        2,
        3,
        "staff",
        STAFF.email,
        "wrong reading",
    )
    assert record.difference == Decimal("-435.78")


def test_a_repeated_correction_returns_the_first_and_takes_no_number(billing: Billing) -> None:  # noqa: F811
    invoice, _ = billing.service.bill_account("100001", JANUARY)
    billing.world.readings.readings[("M-100001", date(2025, 2, 1))] = a_reading("M-100001", date(2025, 2, 1), "11200")
    first = billing.corrections.correct(STAFF, "100001", invoice.number, "wrong reading")
    again = billing.corrections.correct(STAFF, "100001", invoice.number, "wrong reading")
    assert not again.created
    assert (again.credit_note.number, again.corrected and again.corrected.number) == (
        first.credit_note.number,
        first.corrected and first.corrected.number,
    )
    assert billing.world.invoices.all_numbers() == [1, 2, 3]
    with pytest.raises(Conflict) as refused:
        billing.corrections.preview(STAFF, "100001", invoice.number, "again")
    assert refused.value.code == "invoice_already_corrected"


def test_a_correction_that_changes_nothing_is_refused(billing: Billing) -> None:  # noqa: F811
    invoice, _ = billing.service.bill_account("100001", JANUARY)
    with pytest.raises(Conflict) as refused:
        billing.corrections.correct(STAFF, "100001", invoice.number, "just because")
    assert refused.value.code == "correction_no_change"
    assert billing.world.invoices.all_numbers() == [1]


def test_only_customer_service_corrects_and_a_reason_is_required(billing: Billing) -> None:  # noqa: F811
    invoice, _ = billing.service.bill_account("100001", JANUARY)
    with pytest.raises(Forbidden):
        billing.corrections.correct(CUSTOMER, "100001", invoice.number, "x")
    with pytest.raises(Forbidden):
        billing.corrections.preview(CUSTOMER, "100001", invoice.number, "x")
    with pytest.raises(ValidationFailed) as blank:
        billing.corrections.correct(STAFF, "100001", invoice.number, "   ")
    assert blank.value.code == "credit_reason_invalid"
    billing.world.readings.readings[("M-100001", date(2025, 2, 1))] = a_reading("M-100001", date(2025, 2, 1), "11200")
    credit = billing.corrections.correct(STAFF, "100001", invoice.number, "x").credit_note
    with pytest.raises(ValidationFailed) as twice:
        billing.corrections.correct(STAFF, "100001", credit.number, "x")
    assert twice.value.code == "credit_of_credit_note"


def test_a_credited_month_is_billed_again_so_every_kwh_is_billed_once() -> None:
    # The issue's case: October-December, 1500 kWh a month (4500 kWh); October corrected.
    b = Billing(today=date(2025, 11, 3))
    b.customer(
        "100001",
        readings={date(2025, 10, 1): "10000", date(2025, 11, 1): "11500", date(2025, 12, 1): "13000"},
    )
    for month in ("2025-10", "2025-11", "2025-12"):
        b.spot(month, "0.90")
    october, _ = b.service.bill_account("100001", BillingPeriod(year=2025, month=10))
    # The October reading is corrected (11400, not 11500) and October is corrected.
    b.world.readings.readings[("M-100001", date(2025, 11, 1))] = a_reading("M-100001", date(2025, 11, 1), "11400")
    b.corrections.correct(STAFF, "100001", october.number, "reading corrected")
    b.world.clock.set_today(date(2025, 12, 2))
    b.service.bill_account("100001", BillingPeriod(year=2025, month=11))
    b.world.readings.add_reading(a_reading("M-100001", date(2026, 1, 1), "14500"))
    b.world.clock.set_today(date(2026, 1, 2))
    b.service.bill_account("100001", BillingPeriod(year=2025, month=12))
    billed = [i for i in standing(b, "100001") if i.kind == InvoiceKind.INVOICE]
    assert sum((i.lines[0].quantity for i in billed), Decimal(0)) == Decimal(4500)  # 14500 - 10000
    assert [i.period.key for i in sorted(billed, key=lambda i: i.period.key)] == ["2025-10", "2025-11", "2025-12"]
    assert b.world.invoices.all_numbers() == list(range(1, 6))  # gapless: 3 bills + credit + corrected


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=4000), min_size=3, max_size=3),
    st.integers(min_value=-900, max_value=900),
)
def test_credit_and_rebill_sum_to_the_corrected_consumption(monthly: list[int], change: int) -> None:
    # Given three billed months, then a reading of the first month's end corrected by ``change`` kWh
    b = Billing(today=date(2025, 4, 2))
    values = [10000]
    for kwh in monthly:
        values.append(values[-1] + kwh)
    readings = {date(2025, m + 1, 1): str(v) for m, v in enumerate(values)}
    b.customer("100001", readings=readings)
    for m in (1, 2, 3):
        b.spot(f"2025-{m:02d}", "0.90")
        b.service.bill_account("100001", BillingPeriod(year=2025, month=m), issued_on=date(2025, m + 1, 2))
    corrected_value = max(values[0], min(values[2], values[1] + change))
    b.world.readings.readings[("M-100001", date(2025, 2, 1))] = a_reading(
        "M-100001", date(2025, 2, 1), str(corrected_value)
    )
    customer = b.world.customers.get_customer("100001")
    assert customer is not None
    # When the late reading is corrected on demand
    results = b.corrections.correct_late_readings(customer)
    # Then the bills that stand (credit notes cancel what they replace) charge every kWh exactly once ...
    bills = [i for i in standing(b, "100001") if i.kind == InvoiceKind.INVOICE]
    assert sum((i.meter_values[0].quantity for i in bills), Decimal(0)) == values[3] - values[0]
    # ... and the money that stands is exactly the money of bills priced from the corrected readings.
    money = sum((i.total for i in b.world.invoices.list_invoices("100001")), Decimal(0))
    assert money == sum((i.total for i in bills), Decimal(0))
    numbers = b.world.invoices.all_numbers()
    assert numbers == list(range(1, len(numbers) + 1))
    if corrected_value == values[1]:
        assert results == []
    else:
        assert [r.original.period.key for r in results] == ["2025-01", "2025-02"]


def test_the_settlement_never_deducts_a_credited_advance() -> None:
    # NL sample: March's advance (95.00) corrected to 110.00; the year's settlement deducts
    # January and February at 95.00, March's corrected 110.00 and April-December at 110.00.
    sample, settlement = settlement_sample("nl")
    replacement = advance_of(sample, 3)  # the period's advance is now the corrected one
    assert replacement.corrects is not None and replacement.total == Decimal("110.00")
    march = sample.world.invoices.get_invoice(sample.customer.number, replacement.corrects)
    assert march is not None and march.status == InvoiceStatus.CREDITED and march.total == Decimal("95.00")
    [deducted] = [line for line in settlement.lines if line.component == "advances_deducted"]
    assert deducted.amount == -(2 * Decimal("95.00") + 10 * Decimal("110.00"))
    assert deducted.text_params == {"count": "12"}
    excluded = [n for n in settlement.notes if n.key == "invoice.note.advance_credited_excluded"]
    assert [n.params["invoice_number"] for n in excluded] == [f"text:{march.number}"]
    # Every invoice of the year together (the cancelled advance, its credit note, the corrected
    # advance, the others and the settlement) asks exactly the year's cost.
    asked = sum((i.total for i in sample.world.invoices.list_invoices(sample.customer.number)), Decimal(0))
    priced = sum((line.amount for line in settlement.lines if line.component != "advances_deducted"), Decimal(0))
    assert asked == priced


def test_a_late_reading_found_by_the_run_gives_a_credit_and_rebill_pair() -> None:
    b = Billing(today=date(2025, 2, 3))
    b.customer("100001", readings={date(2024, 7, 1): "7240", date(2025, 1, 1): "10000"})
    b.spot("2025-01", "0.90")
    b.spot("2025-02", "0.90")
    january, _ = b.service.bill_account("100001", JANUARY)
    assert january.meter_values[0].end_estimated
    meter = b.world.customers.find_meter("M-100001")
    assert meter is not None
    b.readings.record(
        meter, Decimal("10400"), date(2025, 2, 1), confirmed=False, source=ReadingSource.SMS, recorded_by=None
    )
    customer = b.world.customers.get_customer("100001")
    assert customer is not None
    [preview] = b.corrections.preview_late_readings(STAFF, "100001")
    assert preview.original.number == january.number and preview.corrected is not None
    assert b.corrections.stale(customer) == [january]
    [result] = b.corrections.correct_late_readings(customer)
    assert result.record.trigger == "late_reading"
    assert b.corrections.stale(customer) == []
    assert b.corrections.correct_late_readings(customer) == []  # nothing left to correct
