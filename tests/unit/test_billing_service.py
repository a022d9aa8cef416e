"""Monthly billing (heatportal.services.billing) against in-memory fakes.

The Norwegian profile, January 2025 (a consumer price list, incl. VAT):
transfer 0.4890/kWh, 10 % discount, cap 1.5922, fixed fee 1200.00 a year, VAT
25 %. With a spot price of 0.90/kWh ex VAT (1.125 incl.) the energy price is
(1.125 + 0.4890) x 0.90 = 1.4526 per kWh incl. VAT.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from heatportal.domain.billing_run import AccountFailure, BatchOutcome, RunSummary
from heatportal.domain.delivery import DeliveryState
from heatportal.domain.errors import DomainError, NotFound, TransientFailure
from heatportal.domain.model import BillingPeriod, Customer, Invoice, InvoiceKind, Meter, ReadingSource
from heatportal.domain.payment_reference import payment_reference
from heatportal.domain.profile import UtilityProfile, load_profile
from heatportal.services.billing.corrections import Corrections
from heatportal.services.billing.drafts import InvoiceDrafts
from heatportal.services.billing.issuing import InvoiceIssuer
from heatportal.services.billing.pricing import NothingToBill, PricingService
from heatportal.services.billing.reads import BatchReads
from heatportal.services.billing.run import BillRun, RunRequest
from heatportal.services.delivery.outbox import Outbox
from heatportal.services.delivery.sender import DeliverySender, RetryLater
from heatportal.services.readings import ReadingService
from tests.builders import a_customer, a_meter, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.invoices import InMemoryBillingReader
from tests.fakes.messaging import InMemorySmsSender
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
    """The bill run on fakes, wired as the composition root wires it; ``run``
    plays the state machine (plan, batches, result files, summary) and
    ``deliver`` the delivery queue's consumer."""

    def __init__(self, profile: UtilityProfile | None = None, today: date = date(2025, 2, 3)) -> None:
        self.world = World(clock=FixedClock(today))
        self.renderers = Renderers()
        w = self.world
        self.profile = profile = profile or load_profile("no")
        self.readings = ReadingService(w.readings, w.clock)
        self.pricing = PricingService(profile, w.customers, w.readings, self.readings, w.invoices, w.spot_prices)
        self.drafts = InvoiceDrafts(profile, self.pricing, w.invoices, holds=w.holds, clock=w.clock)
        self.outbox = Outbox(w.deliveries, w.queue)
        self.issuer = InvoiceIssuer(
            profile, w.invoices, w.documents, self.outbox, self.renderers.pdf, self.renderers.email, PORTAL_URL, w.clock
        )
        self.corrections = Corrections(
            profile, w.customers, w.invoices, w.corrections, self.drafts, self.issuer, self.readings, w.clock, w.holds
        )
        self.reader = InMemoryBillingReader(w.customers, w.invoices)
        self.waits: list[float] = []
        self.service = BillRun(
            profile=profile,
            customers=w.customers,
            readings=w.readings,
            invoices=w.invoices,
            runs=w.runs,
            reader=self.reader,
            manifests=w.manifests,
            deliveries=w.deliveries,
            outbox=self.outbox,
            clock=w.clock,
            drafts=self.drafts,
            batch_drafts=self.batch_drafts,
            issuer=self.issuer,
            sleep=self.waits.append,
            corrections=self.corrections,
        )
        self.sms = InMemorySmsSender()
        self.sender = DeliverySender(w.deliveries, w.mailer, self.sms, w.documents, w.clock, lambda: None)

    def batch_drafts(self, reads: BatchReads) -> InvoiceDrafts:
        readings = ReadingService(reads, self.world.clock)
        pricing = PricingService(self.profile, reads, reads, readings, reads, self.world.spot_prices)
        return InvoiceDrafts(
            self.profile, pricing, reads, self.drafts.advances, holds=self.world.holds, clock=self.world.clock
        )

    def run(self, run_id: str, period: str | None = "previous", batch_size: int = 25) -> RunSummary:
        """A whole run as the state machine runs it: the manifest, its batches, the result files, the summary."""
        plan = self.service.plan(RunRequest(period=period), run_id)
        accounts = self.world.manifests.read_json("documents", plan.manifest_key)
        assert isinstance(accounts, list)
        children = []
        for start in range(0, len(accounts), batch_size):
            batch = accounts[start : start + batch_size]
            outcome = self.service.bill_batch(run_id, plan.period, batch)
            children.append({"Input": json.dumps({"Items": batch}), "Output": outcome.model_dump_json()})
        return self.service.summarize(run_id, plan.period, self.result_files(run_id, succeeded=children))

    def result_files(
        self, run_id: str, succeeded: list[dict[str, str]], failed: list[dict[str, str]] | None = None
    ) -> dict[str, str]:
        """The ResultWriter's manifest and files (AWS's shape) in the fake S3; returns the pointer to the manifest."""
        files: dict[str, list[dict[str, object]]] = {"SUCCEEDED": [], "FAILED": [], "PENDING": []}
        for status, children in (("SUCCEEDED", succeeded), ("FAILED", failed or [])):
            if children:
                key = f"billing-runs/results/{run_id}/{status}_0.json"
                self.world.manifests.objects[("documents", key)] = [{**c, "Status": status} for c in children]
                files[status].append({"Key": key, "Size": 1})
        key = f"billing-runs/results/{run_id}/manifest.json"
        self.world.manifests.objects[("documents", key)] = {"DestinationBucket": "documents", "ResultFiles": files}
        return {"Bucket": "documents", "Key": key}

    def deliver(self) -> list[str]:
        """Every queued delivery sent, as the queue's consumer sends them; the outcome of each message."""
        outcomes: list[str] = []
        for delivery_id in self.world.queue.take():
            try:
                outcomes.append(self.sender.deliver(delivery_id))
            except RetryLater:
                outcomes.append("retry_later")
        return outcomes

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


def test_plan_writes_every_account_to_the_manifest_and_returns_a_pointer(billing: Billing) -> None:
    plan = billing.service.plan(RunRequest(period="previous"), "run-0")
    assert (plan.period, plan.run_id, plan.accounts) == ("2025-01", "run-0", 4)
    assert plan.manifest_key == "billing-runs/run-0/accounts.json"
    assert billing.world.manifests.read_json("documents", plan.manifest_key) == ["100001", "100002", "100003", "100004"]
    run = billing.world.runs.get_run("run-0")
    assert run is not None and (run.period, run.accounts, run.pending) == ("2025-01", 4, 4)
    # The step retried writes the same and keeps the run as it was
    assert billing.service.plan(RunRequest(period="previous"), "run-0") == plan


def test_plan_for_a_named_month(billing: Billing) -> None:
    assert billing.service.plan(RunRequest(period="2024-11"), "run-0").period == "2024-11"


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
    # The e-mail is queued (twice: the second time in case its message was lost), and sent once.
    assert billing.deliver() == ["sent", "finished_before"]
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
    assert billing.world.deliveries.deliveries == {}
    invoice, created = billing.service.bill_account("100001", JANUARY)
    assert not created
    assert invoice.number == 1
    assert invoice.pdf_key == "invoices/100001/1.pdf"
    assert billing.deliver() == ["sent"]


def test_the_invoice_email_is_queued_with_the_pdf_and_sent_with_its_delivery_tag(billing: Billing) -> None:
    invoice, _ = billing.service.bill_account("100001", JANUARY)
    assert billing.world.mailer.sent == []  # queued, never sent while billing
    [delivery] = billing.world.deliveries.deliveries.values()
    assert (delivery.id, delivery.state, delivery.recipient) == (
        "invoice-1-email",
        DeliveryState.QUEUED,
        "kunde@example.no",
    )
    assert billing.deliver() == ["sent"]
    [mail] = billing.world.mailer.sent
    assert mail.recipient == "kunde@example.no"
    assert mail.subject == "Faktura 1"
    assert PORTAL_URL in mail.text
    assert mail.attachments == [
        ("invoice-1.pdf", billing.world.documents.get("invoices/100001/1.pdf"), "application/pdf")
    ]
    assert mail.tags == {"delivery": "invoice-1-email"}
    sent = billing.world.deliveries.get("invoice-1-email")
    assert sent is not None and (sent.state, sent.message_id) == (DeliveryState.SENT, "message-1")
    assert invoice.pdf_key is not None


def test_an_email_that_failed_transiently_is_sent_on_the_retry_and_only_once(billing: Billing) -> None:
    # Given the mail service throttles once
    billing.world.mailer.fail_next.append(TransientFailure("SES throttled"))
    billing.service.bill_account("100001", JANUARY)
    # When the queue's consumer sends, the delivery goes back to the queue with the reason
    assert billing.deliver() == ["retry_later"]
    waiting = billing.world.deliveries.get("invoice-1-email")
    assert waiting is not None and (waiting.state, waiting.reason) == (DeliveryState.QUEUED, "SES throttled")
    # Then the retry sends it, and billing again does not send it again
    billing.world.queue.send(["invoice-1-email"])  # SQS brings the message back
    assert billing.deliver() == ["sent"]
    billing.service.bill_account("100001", JANUARY)
    assert billing.deliver() == []
    assert len(billing.world.mailer.sent) == 1
    assert billing.world.invoices.all_numbers() == [1]
    assert billing.renderers.pdfs == 1


def test_a_customer_without_email_gets_no_email(billing: Billing) -> None:
    billing.customer("100005", email=None, readings={date(2025, 1, 1): "1", date(2025, 2, 1): "2"})
    invoice, _ = billing.service.bill_account("100005", JANUARY)
    assert billing.deliver() == []
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

# 2278.90 + (800 x 1.4526 = 1162.08 + 100.00 = 1262.08) + (2000 x 1.4526 = 2905.20 + 100.00 = 3005.20),
# all incl. VAT: 6546.18
ALL_THREE = Decimal("6546.18")


def test_a_batch_bills_skips_and_records_failures_and_totals(billing: Billing) -> None:
    billing.service.plan(RunRequest(period="2025-01"), "run-1")
    outcome = billing.service.bill_batch("run-1", "2025-01", ["100001", "999999", "100004", "100002", "100003"])
    assert (outcome.accounts, outcome.billed, outcome.already_billed, outcome.skipped) == (5, 3, 0, 1)
    assert outcome.tally.invoices == {InvoiceKind.INVOICE: 3}
    assert outcome.tally.totals == {"NOK": {InvoiceKind.INVOICE: ALL_THREE}}
    assert outcome.failures == [AccountFailure(customer_number="999999", reason="NotFound: no such customer")]
    assert billing.world.runs.list_failures("run-1") == outcome.failures
    assert (outcome.pdfs_stored, outcome.deliveries_queued) == (3, 3)
    assert billing.world.invoices.all_numbers() == [1, 2, 3]
    # One read of the batch's customers and invoices, not one per account
    assert billing.reader.reads == 1
    # The run's progress holds the batch once, even when its outcome is recorded again
    run = billing.world.runs.get_run("run-1")
    assert run is not None and (run.progress.billed, run.progress.failed, run.progress.batches) == (3, 1, 1)


def test_history_is_billed_as_a_batch_bills_it_on_its_own_date_unsent_and_in_no_run(billing: Billing) -> None:
    """Loading history (the demo): the same invoices a run's batch makes, on
    the batch's reads, but issued on the day given, with no e-mail queued and
    no run's progress recorded; the same bills again are found, not doubled."""
    twin = Billing()  # the same accounts billed by a run's batch, to compare with
    for number, readings in (("100001", ("10000", "11500")), ("100002", ("5000", "5800"))):
        twin.customer(number, readings={date(2025, 1, 1): readings[0], date(2025, 2, 1): readings[1]})
    twin.spot("2025-01", "0.90")
    twin.service.plan(RunRequest(period="2025-01"), "run-1")
    twin.service.bill_batch("run-1", "2025-01", ["100001", "100002"])

    issued = billing.service.bill_history(JANUARY, ["100001", "100004", "100002"], date(2025, 2, 2))
    assert list(issued) == ["100001", "100002"]  # 100004 has no meter: nothing to bill
    for number, invoices in issued.items():
        (invoice,) = invoices
        (same,) = twin.world.invoices.list_invoices(number)
        assert invoice.number == same.number and invoice.total == same.total and invoice.lines == same.lines
        assert invoice.issued_on == date(2025, 2, 2) and invoice.pdf_key
        assert billing.world.invoices.billed[(number, "2025-01", "invoice")][1] == "history"
    assert billing.world.deliveries.deliveries == {} and billing.world.runs.runs == {}
    assert billing.reader.reads == 1 and billing.renderers.pdfs == 2
    again = billing.service.bill_history(JANUARY, ["100001", "100002"], date(2025, 2, 2))
    assert again == issued and billing.world.invoices.all_numbers() == [1, 2] and billing.renderers.pdfs == 2


def test_history_that_cannot_be_billed_says_which_account_and_why(billing: Billing) -> None:
    billing.world.clock.set_today(date(2025, 3, 3))
    billing.world.readings.add_reading(a_reading("M-100001", date(2025, 3, 1), "12000"))
    with pytest.raises(DomainError) as raised:
        billing.service.bill_history(FEBRUARY, ["100001", "999999"], date(2025, 3, 3))
    assert raised.value.code == "history_not_billed"
    assert "100001: MissingPrice" in raised.value.message and "999999: NotFound" in raised.value.message


def test_a_missing_price_fails_each_account_and_the_batch_carries_on(billing: Billing) -> None:
    billing.world.clock.set_today(date(2025, 3, 3))
    billing.world.readings.add_reading(a_reading("M-100001", date(2025, 3, 1), "12000"))
    outcome = billing.service.bill_batch("run-2", "2025-02", ["100001", "100002"])
    assert outcome.billed == 0
    assert [f.customer_number for f in outcome.failures] == ["100001", "100002"]
    assert all(f.reason.startswith("MissingPrice: ") for f in billing.world.runs.list_failures("run-2"))
    assert billing.world.invoices.all_numbers() == []


def test_a_transient_failure_retries_that_account_only_and_never_fails_the_batch(billing: Billing) -> None:
    # Given the customer's meters cannot be read twice (throttling), then can
    failures = iter([TransientFailure("DynamoDB query throttled")] * 2)
    list_meters = billing.world.customers.list_meters

    def throttled(number: str) -> list:
        if number == "100002":
            error = next(failures, None)
            if error is not None:
                raise error
        return list_meters(number)

    billing.world.customers.list_meters = throttled  # type: ignore[method-assign,assignment]
    # When the batch runs
    outcome = billing.service.bill_batch("run-3", "2025-01", ["100001", "100002", "100003"])
    # Then that account was tried again (after two pauses) and every account billed
    assert (outcome.billed, outcome.failures) == (3, [])
    assert len(billing.waits) == 2
    assert billing.world.invoices.all_numbers() == [1, 2, 3]


def test_an_account_that_stays_throttled_fails_alone_with_the_reason(billing: Billing) -> None:
    def throttled(number: str) -> list[Meter]:
        raise TransientFailure("DynamoDB query throttled")

    billing.world.customers.list_meters = throttled  # type: ignore[method-assign,assignment]
    outcome = billing.service.bill_batch("run-3", "2025-01", ["100002"])
    [failed] = outcome.failures
    assert failed.reason.startswith("TransientFailure after 3 tries: DynamoDB query throttled")


def test_a_numbering_conflict_is_retried_and_takes_no_number(billing: Billing) -> None:
    billing.world.invoices.fail_next.append(TransientFailure("invoice numbering kept conflicting"))
    outcome = billing.service.bill_batch("run-3", "2025-01", ["100001", "100002", "100003"])
    assert outcome.billed == 3
    assert billing.world.invoices.all_numbers() == [1, 2, 3]


def test_a_batch_that_crashed_after_its_invoices_finds_them_billed_by_this_run(billing: Billing) -> None:
    # Given the batch's first attempt stored its invoices, then crashed drawing the first PDF
    billing.renderers.pdf_failures.append(RuntimeError("killed"))
    with pytest.raises(RuntimeError):
        billing.service.bill_batch("run-4", "2025-01", ["100001", "100002"])
    assert billing.world.invoices.all_numbers() == [1, 2]
    # When the batch runs again
    again = billing.service.bill_batch("run-4", "2025-01", ["100001", "100002"], attempt=1)
    # Then its invoices count as billed by this run (not "already billed"), with their PDFs and e-mails now
    assert (again.billed, again.already_billed, again.failures) == (2, 0, [])
    assert (again.pdfs_stored, again.deliveries_queued, again.attempt) == (2, 2, 1)
    assert billing.world.invoices.all_numbers() == [1, 2]


def test_after_retries_accounts_with_everything_stored_are_counted_and_the_rest_failed(billing: Billing) -> None:
    billing.service.plan(RunRequest(period="2025-01"), "run-4")
    billing.service.bill_account("100001", JANUARY)
    outcome = billing.service.record_batch_failure(
        "run-4",
        "2025-01",
        ["100001", "100002"],
        {"Error": "Sandbox.Timedout", "Cause": json.dumps({"errorMessage": "Task timed out after 300.00 seconds"})},
    )
    assert (outcome.already_billed, outcome.billed, outcome.batch_failed) == (1, 0, True)
    assert outcome.tally.totals == {"NOK": {InvoiceKind.INVOICE: Decimal("2278.90")}}
    [failure] = billing.world.runs.list_failures("run-4")
    assert failure.customer_number == "100002"
    assert failure.reason == "batch failed after retries: Sandbox.Timedout: Task timed out after 300.00 seconds"
    assert outcome.failures == [failure]


def test_a_whole_run_bills_every_account_once_and_its_summary_says_so(billing: Billing) -> None:
    summary = billing.run("run-6", batch_size=2)
    assert (summary.accounts, summary.billed, summary.skipped, summary.failed) == (4, 3, 1, 0)
    assert summary.tally.totals == {"NOK": {InvoiceKind.INVOICE: ALL_THREE}}
    assert (summary.batches, summary.complete, summary.progress_agrees) == (2, True, True)
    assert (summary.pdfs_stored, summary.deliveries_queued) == (3, 3)
    run = billing.world.runs.get_run("run-6")
    assert run is not None and run.summary == summary
    # Running the whole period again bills nobody twice and sends nothing twice
    billing.deliver()
    again = billing.run("run-7", batch_size=2)
    assert (again.billed, again.already_billed, again.skipped) == (0, 3, 1)
    assert again.tally == summary.tally
    assert billing.world.invoices.all_numbers() == [1, 2, 3]
    assert billing.deliver() == []
    assert len(billing.world.mailer.sent) == 3


def test_a_batch_that_reported_nothing_fails_its_accounts_in_the_summary(billing: Billing) -> None:
    plan = billing.service.plan(RunRequest(period="2025-01"), "run-8")
    done = billing.service.bill_batch("run-8", plan.period, ["100001", "100002"])
    pointer = billing.result_files(
        "run-8",
        succeeded=[{"Input": json.dumps({"Items": ["100001", "100002"]}), "Output": done.model_dump_json()}],
        failed=[
            {"Input": json.dumps({"Items": ["100003", "100004"]}), "Error": "Lambda.Unknown", "Cause": "out of memory"}
        ],
    )
    summary = billing.service.summarize("run-8", plan.period, pointer)
    assert (summary.billed, summary.failed, summary.failed_batches, summary.complete) == (2, 2, 1, True)
    assert not summary.progress_agrees  # the failed batch never recorded its progress
    assert [f.customer_number for f in billing.world.runs.list_failures("run-8")] == ["100003", "100004"]
    assert summary.failures[0].reason == "batch reported nothing: Lambda.Unknown: out of memory"


def test_a_redrive_bills_only_the_failed_accounts_of_a_run(billing: Billing) -> None:
    billing.world.spot_prices.prices.clear()
    first = billing.run("run-9", period="2025-01")
    assert first.failed == 3
    billing.spot("2025-01", "0.90")
    plan = billing.service.plan(RunRequest(redrive_of="run-9"), "run-10")
    assert (plan.period, plan.accounts) == ("2025-01", 3)
    assert billing.world.manifests.read_json("documents", plan.manifest_key) == ["100001", "100002", "100003"]


def test_the_summary_of_a_run_is_a_bounded_state() -> None:
    # The largest summary a run can return stays far below Step Functions' 256 KiB (see tests/contract).
    failures = [AccountFailure(customer_number="9" * 32, reason="x" * 300)] * 100
    outcome = BatchOutcome(accounts=100, failures=failures)
    assert len(outcome.model_dump_json()) < 64 * 1024
