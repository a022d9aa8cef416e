"""Monthly billing (heatportal.services.billing) against in-memory fakes.

The Norwegian profile, January 2025 (a consumer price list, incl. VAT):
transfer 0.4890/kWh, 10 % discount, cap 1.5922, fixed fee 1200.00 a year, VAT
25 %. With a spot price of 0.90/kWh ex VAT (1.125 incl.) the energy price is
(1.125 + 0.4890) x 0.90 = 1.4526 per kWh incl. VAT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from heatportal.domain.errors import NotFound, TransientFailure
from heatportal.domain.model import BillingPeriod, Customer, Invoice, InvoiceKind, ReadingSource
from heatportal.domain.payment_reference import payment_reference
from heatportal.domain.profile import UtilityProfile, load_profile
from heatportal.services.billing.corrections import Corrections
from heatportal.services.billing.drafts import InvoiceDrafts
from heatportal.services.billing.issuing import InvoiceIssuer
from heatportal.services.billing.pricing import NothingToBill, PricingService
from heatportal.services.billing.run import BillRun
from heatportal.services.readings import ReadingService
from tests.builders import a_customer, a_meter, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.world import World

JANUARY = BillingPeriod(year=2025, month=1)
FEBRUARY = BillingPeriod(year=2025, month=2)
PORTAL_URL = "https://minside.fjordvarme.example"


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


class Renderers:
    """Simple stand-ins for the reportlab PDF and the Jinja2 email, counting their calls."""

    def __init__(self) -> None:
        self.pdfs = 0
        self.emails = 0
        self.pdf_failures: list[Exception] = []

    def pdf(self, invoice: Invoice, customer: Customer, profile: UtilityProfile) -> bytes:
        self.pdfs += 1
        if self.pdf_failures:
            raise self.pdf_failures.pop(0)
        return f"%PDF invoice {invoice.number} for {customer.number} key {invoice.pdf_key}".encode()

    def email(self, invoice: Invoice, customer: Customer, profile: UtilityProfile, portal_url: str) -> Email:
        self.emails += 1
        return Email(f"Faktura {invoice.number}", f"Se {portal_url}", f"<p>{invoice.total}</p>")


class Billing:
    def __init__(self, profile: UtilityProfile | None = None, today: date = date(2025, 2, 3)) -> None:
        self.world = World(clock=FixedClock(today))
        self.renderers = Renderers()
        w = self.world
        self.readings = ReadingService(w.readings, w.clock)
        profile = profile or load_profile("no")
        self.profile = profile
        self.pricing = PricingService(profile, w.customers, w.readings, self.readings, w.invoices, w.spot_prices)
        self.drafts = InvoiceDrafts(profile, self.pricing, w.invoices, holds=w.holds, clock=w.clock)
        self.issuer = InvoiceIssuer(
            profile, w.invoices, w.documents, w.mailer, self.renderers.pdf, self.renderers.email, PORTAL_URL
        )
        self.corrections = Corrections(
            profile, w.customers, w.invoices, w.corrections, self.drafts, self.issuer, self.readings, w.clock, w.holds
        )
        self.service = BillRun(
            profile, w.customers, w.invoices, w.runs, w.clock, self.pricing, self.drafts, self.issuer, self.corrections
        )

    def customer(self, number: str, *, email: str | None = "kunde@example.no", readings: dict[date, str]) -> None:
        self.world.customers.add_customer(a_customer(number, email=email))
        meter = self.world.customers.add_meter(a_meter(f"M-{number}", number, installed_on=date(2020, 1, 1)))
        for day, value in readings.items():
            self.world.readings.add_reading(a_reading(meter.number, day, value))

    def spot(self, month: str, price: str, zone: str = "NO1") -> None:
        self.world.spot_prices.prices[(zone, month)] = Decimal(price)


@pytest.fixture
def billing() -> Billing:
    """Three customers read on the 1st of January and February 2025, and one without meters."""
    b = Billing()
    b.customer("100001", readings={date(2025, 1, 1): "10000", date(2025, 2, 1): "11500"})  # 1500 kWh
    b.customer("100002", readings={date(2025, 1, 1): "5000", date(2025, 2, 1): "5800"})  # 800 kWh
    b.customer("100003", readings={date(2025, 1, 1): "20000", date(2025, 2, 1): "22000"})  # 2000 kWh
    b.world.customers.add_customer(a_customer("100004"))  # moved out: no meter left
    b.spot("2025-01", "0.90")
    return b


# --- planning ------------------------------------------------------------------------------------------


def test_plan_bills_last_month_in_batches_of_every_account(billing: Billing) -> None:
    plan = billing.service.plan("previous", batch_size=2)
    assert plan == {"period": "2025-01", "batches": [["100001", "100002"], ["100003", "100004"]], "accounts": 4}
    assert billing.service.plan(None, batch_size=3)["batches"] == [["100001", "100002", "100003"], ["100004"]]


def test_plan_for_a_named_month(billing: Billing) -> None:
    assert billing.service.plan("2024-11")["period"] == "2024-11"


def test_previous_month_of_january_is_december_of_last_year() -> None:
    b = Billing(today=date(2025, 1, 2))
    assert b.service.resolve_period("previous") == BillingPeriod(year=2024, month=12)


# --- one account ----------------------------------------------------------------------------------------------


def test_an_account_is_billed_from_its_readings_with_the_price_list_in_force(billing: Billing) -> None:
    invoice, created = billing.service.bill_account("100001", JANUARY)
    assert created
    assert invoice.number == 1
    assert (invoice.kind, invoice.period, invoice.currency, invoice.language) == (
        InvoiceKind.INVOICE,
        JANUARY,
        "NOK",
        "nb",
    )
    # Issued today, due after the profile's 14 days
    assert (invoice.issued_on, invoice.due_on) == (date(2025, 2, 3), date(2025, 2, 17))
    # 1500 kWh x 1.4526 = 2178.90, fixed fee 1200.00 x 1/12 = 100.00; gross 2278.90, VAT 2278.90 / 5 = 455.78
    assert [(ln.component, ln.quantity, ln.amount) for ln in invoice.lines] == [
        ("spot_energy", Decimal("1500"), Decimal("2178.90")),
        ("fixed_fee", Decimal("1"), Decimal("100.00")),
    ]
    assert (invoice.net_total, invoice.vat_total, invoice.total) == (
        Decimal("1823.12"),
        Decimal("455.78"),
        Decimal("2278.90"),
    )
    assert invoice.payment_reference == payment_reference("kid", "100001", 1)
    [values] = invoice.meter_values
    assert (values.meter_number, values.start_value, values.end_value, values.quantity) == (
        "M-100001",
        Decimal("10000"),
        Decimal("11500"),
        Decimal("1500"),
    )
    assert not values.start_estimated and not values.end_estimated
    assert billing.world.invoices.get_invoice("100001", 1) == invoice


def test_billing_an_account_twice_gives_one_invoice_one_pdf_and_one_email(billing: Billing) -> None:
    first, created_first = billing.service.bill_account("100001", JANUARY)
    again, created_again = billing.service.bill_account("100001", JANUARY)
    assert (created_first, created_again) == (True, False)
    assert again == first
    assert billing.world.invoices.all_numbers() == [1]
    assert billing.world.invoices.counter == 1
    assert (billing.renderers.pdfs, billing.world.documents.puts) == (1, 1)
    assert len(billing.world.mailer.sent) == 1


def test_invoice_numbers_are_gapless_across_customers(billing: Billing) -> None:
    numbers = [billing.service.bill_account("100001", JANUARY)[0].number]
    with pytest.raises(NothingToBill):
        billing.service.bill_account("100004", JANUARY)  # no meters: takes no number
    numbers += [billing.service.bill_account(c, JANUARY)[0].number for c in ("100002", "100003")]
    assert numbers == [1, 2, 3]
    assert billing.world.invoices.all_numbers() == [1, 2, 3]
    # The next month continues the same sequence
    billing.world.clock.set_today(date(2025, 3, 3))
    billing.spot("2025-02", "0.90")
    billing.world.readings.add_reading(a_reading("M-100002", date(2025, 3, 1), "6500"))
    assert billing.service.bill_account("100002", FEBRUARY)[0].number == 4


def test_an_account_without_a_meter_in_the_period_has_nothing_to_bill(billing: Billing) -> None:
    with pytest.raises(NothingToBill) as refused:
        billing.service.bill_account("100004", JANUARY)
    assert refused.value.code == "nothing_to_bill"
    assert billing.world.invoices.all_numbers() == []


def test_an_unknown_account_is_not_found(billing: Billing) -> None:
    with pytest.raises(NotFound):
        billing.service.bill_account("999999", JANUARY)


def test_a_late_actual_reading_corrects_the_bill_it_ends_on_before_the_next_one() -> None:
    # Given a customer read on 2024-07-01 (7240) and 2025-01-01 (10000): 15 kWh a day,
    # who did not read the meter on 2025-02-01
    b = Billing()
    b.customer("100001", readings={date(2024, 7, 1): "7240", date(2025, 1, 1): "10000"})
    b.spot("2025-01", "0.90")
    b.spot("2025-02", "0.90")
    # When January is billed, the end value is estimated: 10000 + 31 x 15 = 10465
    january, _ = b.service.bill_account("100001", JANUARY)
    [jan] = january.meter_values
    assert (jan.start_value, jan.end_value, jan.end_estimated) == (Decimal("10000"), Decimal("10465"), True)
    assert january.lines[0].quantity == Decimal("465")
    # And later the actual reading of 2025-02-01 arrives (10500), then the one of 2025-03-01 (11100)
    meter = b.world.customers.find_meter("M-100001")
    assert meter is not None
    b.world.clock.set_today(date(2025, 2, 20))
    b.readings.record(
        meter, Decimal("10500"), date(2025, 2, 1), confirmed=False, source=ReadingSource.SMS, recorded_by=None
    )
    b.world.clock.set_today(date(2025, 3, 2))
    b.readings.record(
        meter, Decimal("11100"), date(2025, 3, 1), confirmed=False, source=ReadingSource.SMS, recorded_by=None
    )
    # When February is billed
    february, _ = b.service.bill_account("100001", FEBRUARY)
    # Then January was corrected first: cancelled by a credit note, billed again to the actual reading
    cancelled = b.world.invoices.get_invoice("100001", january.number)
    assert cancelled is not None and cancelled.credited_by is not None and cancelled.replaced_by is not None
    credit = b.world.invoices.get_invoice("100001", cancelled.credited_by)
    corrected = b.world.invoices.get_invoice("100001", cancelled.replaced_by)
    assert credit is not None and corrected is not None
    assert credit.total == -january.total
    [jan_again] = corrected.meter_values
    assert (jan_again.end_value, jan_again.end_estimated) == (Decimal("10500"), False)
    [record] = b.world.corrections.list_corrections("100001")
    assert (record.trigger, record.original, record.credit_note, record.corrected) == (
        "late_reading",
        january.number,
        credit.number,
        corrected.number,
    )
    # And February starts where the corrected January ends
    [feb] = february.meter_values
    assert (feb.start_value, feb.start_estimated, feb.end_value) == (Decimal("10500"), False, Decimal("11100"))
    # The bills that stand charge exactly what the meter counted: 500 + 600 = 11100 - 10000
    standing = [i for i in b.world.invoices.list_invoices("100001") if i.credited_by is None and i.kind == "invoice"]
    assert sum((i.lines[0].quantity for i in standing), Decimal(0)) == Decimal("1100")
    assert [i.number for i in standing] == [february.number, corrected.number]


def test_the_pdf_is_stored_under_a_key_made_from_customer_and_invoice_number(billing: Billing) -> None:
    invoice, _ = billing.service.bill_account("100002", JANUARY)
    assert invoice.pdf_key == "invoices/100002/1.pdf"
    body, content_type = billing.world.documents.objects["invoices/100002/1.pdf"]
    assert content_type == "application/pdf"
    assert body == b"%PDF invoice 1 for 100002 key invoices/100002/1.pdf"  # the PDF knows its own key
    stored = billing.world.invoices.get_invoice("100002", 1)
    assert stored is not None and stored.pdf_key == "invoices/100002/1.pdf"


def test_a_slash_in_the_customer_number_does_not_make_a_folder() -> None:
    b = Billing()
    b.customer("0012345/1", readings={date(2025, 1, 1): "100", date(2025, 2, 1): "200"})
    b.spot("2025-01", "0.90")
    invoice, _ = b.service.bill_account("0012345/1", JANUARY)
    assert invoice.pdf_key == "invoices/0012345-1/1.pdf"


def test_a_pdf_that_failed_is_made_on_the_next_attempt_under_the_same_key(billing: Billing) -> None:
    billing.renderers.pdf_failures.append(RuntimeError("font missing"))
    with pytest.raises(RuntimeError):
        billing.service.bill_account("100001", JANUARY)
    stored = billing.world.invoices.get_invoice("100001", 1)
    assert stored is not None and stored.pdf_key is None
    assert billing.world.mailer.sent == []
    invoice, created = billing.service.bill_account("100001", JANUARY)
    assert not created
    assert invoice.number == 1
    assert invoice.pdf_key == "invoices/100001/1.pdf"
    assert len(billing.world.mailer.sent) == 1


def test_the_invoice_email_carries_the_pdf(billing: Billing) -> None:
    invoice, _ = billing.service.bill_account("100001", JANUARY)
    [mail] = billing.world.mailer.sent
    assert mail.recipient == "kunde@example.no"
    assert mail.subject == "Faktura 1"
    assert PORTAL_URL in mail.text
    assert mail.attachments == [
        ("invoice-1.pdf", billing.world.documents.get("invoices/100001/1.pdf"), "application/pdf")
    ]
    assert invoice.pdf_key is not None


def test_an_email_that_failed_is_sent_on_the_retry_and_only_once(billing: Billing) -> None:
    # Given the mail service fails once
    billing.world.mailer.fail_next.append(RuntimeError("SES throttled"))
    # When the account is billed, the attempt fails, but the invoice and its PDF exist
    with pytest.raises(RuntimeError, match="SES throttled"):
        billing.service.bill_account("100001", JANUARY)
    assert billing.world.invoices.all_numbers() == [1]
    assert billing.world.mailer.sent == []
    # Then the retry sends the email, and a further run does not send it again
    billing.service.bill_account("100001", JANUARY)
    billing.service.bill_account("100001", JANUARY)
    assert len(billing.world.mailer.sent) == 1
    assert billing.world.invoices.all_numbers() == [1]
    assert billing.renderers.pdfs == 1


def test_a_customer_without_email_gets_no_email(billing: Billing) -> None:
    billing.customer("100005", email=None, readings={date(2025, 1, 1): "1", date(2025, 2, 1): "2"})
    invoice, _ = billing.service.bill_account("100005", JANUARY)
    assert billing.world.mailer.sent == []
    assert invoice.pdf_key is not None


def test_a_missing_spot_price_is_not_billed_as_zero(billing: Billing) -> None:
    billing.world.spot_prices.prices.clear()
    with pytest.raises(LookupError):
        billing.service.bill_account("100001", JANUARY)
    assert billing.world.invoices.all_numbers() == []


def test_the_spot_price_is_the_one_of_the_zone_of_the_price_list_in_force() -> None:
    # Given a utility whose 2025 price list moved from zone NO1 to NO5
    data = load_profile("no").model_dump()
    data["price_lists"][1]["components"][0]["zone"] = "NO5"
    b = Billing(UtilityProfile.model_validate(data))
    b.customer("100001", readings={date(2025, 1, 1): "10000", date(2025, 2, 1): "11500"})
    b.spot("2025-01", "0.90", zone="NO5")
    b.spot("2025-01", "5.00", zone="NO1")
    # When January 2025 is billed
    invoice, _ = b.service.bill_account("100001", JANUARY)
    # Then only NO5's price was needed, and it was used: (0.90 x 1.25 + 0.4890) x 0.90 = 1.4526
    assert invoice.lines[0].unit_price == Decimal("1.4526")
    assert b.world.spot_prices.asked == [("NO5", "2025-01")]


# --- batches and runs -------------------------------------------------------------------------------------------


def test_a_batch_bills_skips_and_records_failures_and_totals(billing: Billing) -> None:
    result = billing.service.bill_batch("run-1", "2025-01", ["100001", "999999", "100004", "100002", "100003"])
    assert result["billed"] == 3
    assert result["already_billed"] == 0
    assert result["skipped"] == 1
    assert result["skipped_reasons"] == {"nothing_to_bill": 1}
    assert result["invoices"] == [1, 2, 3]
    # 2278.90 + (800 x 1.4526 = 1162.08 + 100.00 = 1262.08) + (2000 x 1.4526 = 2905.20 + 100.00 = 3005.20),
    # all incl. VAT: 6546.18
    assert result["totals"] == {"NOK": "6546.18"}
    assert result["failed"] == [{"customer_number": "999999", "reason": "NotFound: customer 999999 not found"}]
    assert billing.world.runs.list_failures("run-1") == result["failed"]


def test_a_missing_price_fails_each_account_and_the_batch_carries_on(billing: Billing) -> None:
    billing.world.clock.set_today(date(2025, 3, 3))
    billing.world.readings.add_reading(a_reading("M-100001", date(2025, 3, 1), "12000"))
    result = billing.service.bill_batch("run-2", "2025-02", ["100001", "100002"])
    assert result["billed"] == 0
    assert [f["customer_number"] for f in result["failed"]] == ["100001", "100002"]  # type: ignore[attr-defined]  # a list of dicts
    assert all(f["reason"].startswith("MissingPrice: ") for f in billing.world.runs.list_failures("run-2"))
    assert billing.world.invoices.all_numbers() == []


def test_a_transient_failure_fails_the_batch_and_the_retry_bills_the_rest(billing: Billing) -> None:
    # Given the customer table throttles while reading customer 100002
    billing.world.customers.failures["100002"] = TransientFailure("DynamoDB get_item throttled")
    # When the batch runs, the failure is raised for the state machine to retry, and not recorded
    with pytest.raises(TransientFailure):
        billing.service.bill_batch("run-3", "2025-01", ["100001", "100002", "100003"])
    assert billing.world.runs.list_failures("run-3") == []
    assert billing.world.invoices.all_numbers() == [1]
    # When the retry runs after the throttling is over
    del billing.world.customers.failures["100002"]
    result = billing.service.bill_batch("run-3", "2025-01", ["100001", "100002", "100003"])
    # Then the first account is not billed again and the others are billed
    assert (result["billed"], result["already_billed"]) == (2, 1)
    assert result["invoices"] == [1, 2, 3]
    assert billing.world.invoices.all_numbers() == [1, 2, 3]
    assert len(billing.world.mailer.sent) == 3


def test_after_retries_only_accounts_without_an_invoice_are_recorded_as_failed(billing: Billing) -> None:
    billing.service.bill_account("100001", JANUARY)
    result = billing.service.record_batch_failure(
        "run-4", "2025-01", ["100001", "100002"], {"Error": "States.Timeout", "Cause": "x" * 1000}
    )
    assert result["already_billed"] == 1
    assert result["invoices"] == [1]
    assert result["totals"] == {"NOK": "2278.90"}
    [failure] = billing.world.runs.list_failures("run-4")
    assert failure["customer_number"] == "100002"
    assert failure["reason"].startswith("batch failed after retries: {'Error': 'States.Timeout'")
    assert len(failure["reason"]) <= len("batch failed after retries: ") + 300
    assert result["failed"] == [failure]


def test_the_run_summary_adds_up_the_batches_per_currency(billing: Billing) -> None:
    batches: list[dict[str, object]] = [
        {"billed": 2, "already_billed": 1, "skipped": 0, "failed": [], "totals": {"NOK": "100.50", "EUR": "10.00"}},
        {
            "billed": 1,
            "already_billed": 0,
            "skipped": 2,
            "failed": [{"customer_number": "100009", "reason": "NotFound: customer 100009 not found"}],
            "totals": {"NOK": "200.25"},
        },
        {"billed": 0, "already_billed": 0, "skipped": 0, "failed": [], "totals": {}},
    ]
    summary = billing.service.summarize("run-5", "2025-01", batches)
    assert summary == {
        "run_id": "run-5",
        "period": "2025-01",
        "billed": 3,
        "already_billed": 1,
        "skipped": 2,
        "held": 0,
        "skipped_reasons": {},
        "failed": 1,
        "failures": [{"customer_number": "100009", "reason": "NotFound: customer 100009 not found"}],
        "totals": {"NOK": "300.75", "EUR": "10.00"},
    }
    assert billing.world.runs.summaries["run-5"] == summary


def test_a_whole_run_bills_every_account_once(billing: Billing) -> None:
    plan = billing.service.plan("previous", batch_size=2)
    results = [billing.service.bill_batch("run-6", str(plan["period"]), batch) for batch in plan["batches"]]  # type: ignore[attr-defined]  # a list of lists
    summary = billing.service.summarize("run-6", str(plan["period"]), results)
    assert (summary["billed"], summary["skipped"], summary["failed"]) == (3, 1, 0)
    assert summary["totals"] == {"NOK": "6546.18"}
    # Running the whole plan again bills nobody twice
    again = [billing.service.bill_batch("run-7", str(plan["period"]), batch) for batch in plan["batches"]]  # type: ignore[attr-defined]  # a list of lists
    assert sum(int(r["already_billed"]) for r in again) == 3  # type: ignore[call-overload]  # ints from as_dict
    assert billing.world.invoices.all_numbers() == [1, 2, 3]
    assert len(billing.world.mailer.sent) == 3
