"""Billing mode advance_yearly (seeds 002, 003) with the Dutch profile of 2025
(nl-2025 price list, incl. VAT: Vastrecht 570.00, afleverset 145.20, meettarief
31.20 a year, 43.50 per GJ; VAT 21 %): a monthly advance invoice of exactly the
agreed amount, and in December the yearly settlement that trues the advances
up against the consumption."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from heatportal.domain.model import BillingPeriod, InvoiceKind
from heatportal.domain.money import EnergyUnit
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import load_profile
from tests.builders import a_customer, a_meter, a_reading
from tests.fakes.payments import InMemoryAdvanceRepository
from tests.unit.test_billing_service import Billing

NL = load_profile("nl")
CUSTOMER = "12345678901"


@pytest.fixture
def billing() -> Billing:
    b = Billing(profile=NL, today=date(2026, 1, 5))
    b.drafts.advances = advances = InMemoryAdvanceRepository()
    advances.put_advance(AdvancePayment(CUSTOMER, date(2025, 1, 1), Decimal("121.00"), "EUR"))
    b.world.customers.add_customer(a_customer(CUSTOMER, language="nl"))
    meter = b.world.customers.add_meter(a_meter("G-1", CUSTOMER, unit=EnergyUnit.GJ, decimals=3))
    # 2.000 GJ a month through 2025: readings on every 1st from 100.000 to 124.000.
    for month in range(13):
        day = date(2025 + month // 12, month % 12 + 1, 1)
        b.world.readings.add_reading(a_reading(meter.number, day, str(Decimal(100) + 2 * month)))
    return b


def test_each_month_gets_one_advance_invoice_of_the_agreed_amount(billing):
    invoice, created = billing.service.bill_account(CUSTOMER, BillingPeriod(year=2025, month=3))
    assert created
    assert invoice.kind == InvoiceKind.ADVANCE
    # One line of the agreed 121.00 incl. VAT; VAT carved out once: 121.00 x 21 / 121 = 21.00.
    assert [(line.component, line.amount, line.includes_vat) for line in invoice.lines] == [
        ("advance", Decimal("121.00"), True)
    ]
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (
        Decimal("100.00"),
        Decimal("21.00"),
        Decimal("121.00"),
    )
    again, created_again = billing.service.bill_account(CUSTOMER, BillingPeriod(year=2025, month=3))
    assert (again.number, created_again) == (invoice.number, False)


def test_december_also_settles_the_year_against_the_advances(billing):
    for month in range(1, 13):
        billing.service.bill_account(CUSTOMER, BillingPeriod(year=2025, month=month))
    invoices = billing.world.invoices.list_invoices(CUSTOMER)
    kinds = sorted(i.kind.value for i in invoices)
    assert kinds == ["advance"] * 12 + ["settlement"]
    [settlement] = [i for i in invoices if i.kind == InvoiceKind.SETTLEMENT]
    # The year, each price joined over the months it held (incl. VAT): Vastrecht 570.00 x 12/12,
    # afleverset 145.20 x 12/12, meettarief 31.20 x 12/12, energy 24.000 GJ x 43.50 = 1044.00: 1790.40.
    assert [(line.component, line.amount) for line in settlement.lines[:4]] == [
        ("fixed_fee", Decimal("570.00")),
        ("fixed_fee", Decimal("145.20")),
        ("fixed_fee", Decimal("31.20")),
        ("energy", Decimal("1044.00")),
    ]
    # Less the 12 advances as invoiced: 1452.00 incl. 12 x 21.00 = 252.00 VAT.
    deducted = [line for line in settlement.lines if line.component == "advances_deducted"]
    assert [(line.amount, line.vat_amount, line.text_params) for line in deducted] == [
        (Decimal("-1452.00"), Decimal("-252.00"), {"count": "12"})
    ]
    # VAT: 1790.40 x 21 / 121 = 310.7299 -> 310.73, less 252.00 = 58.73; to pay 1790.40 - 1452.00 = 338.40.
    assert (settlement.net_total, settlement.vat_total, settlement.total) == (
        Decimal("279.67"),
        Decimal("58.73"),
        Decimal("338.40"),
    )
    assert (settlement.supply_first_day, settlement.supply_last_day) == (date(2025, 1, 1), date(2025, 12, 31))
    [meter_year] = settlement.meter_values
    assert (meter_year.start_value, meter_year.end_value) == (Decimal(100), Decimal(124))
    # Running December again creates nothing new.
    billing.service.bill_account(CUSTOMER, BillingPeriod(year=2025, month=12))
    assert len(billing.world.invoices.list_invoices(CUSTOMER)) == 13
    assert billing.world.invoices.all_numbers() == list(range(1, 14))  # gapless


def test_without_an_agreed_advance_the_account_is_skipped(billing):
    billing.drafts.advances = InMemoryAdvanceRepository()
    outcome = billing.service.bill_batch("run-1", "2025-03", [CUSTOMER])
    assert (outcome.billed, outcome.skipped, outcome.failures) == (0, 1, [])


def test_a_december_batch_bills_advance_then_settlement_and_totals_both_kinds(billing):
    for month in range(1, 12):
        billing.service.bill_account(CUSTOMER, BillingPeriod(year=2025, month=month))
    outcome = billing.service.bill_batch("run-12", "2025-12", [CUSTOMER])
    assert (outcome.billed, outcome.skipped, outcome.failures) == (1, 0, [])
    # The settlement deducted all twelve advances, December's included (numbered first, in the same batch)
    assert outcome.tally.invoices == {InvoiceKind.ADVANCE: 1, InvoiceKind.SETTLEMENT: 1}
    assert outcome.tally.totals == {
        "EUR": {InvoiceKind.ADVANCE: Decimal("121.00"), InvoiceKind.SETTLEMENT: Decimal("338.40")}
    }
    assert billing.world.invoices.all_numbers() == list(range(1, 14))
