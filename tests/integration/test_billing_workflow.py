"""The billing state machine on moto, its Lambda tasks running the real billing
handler: one invoice per account and period, whatever fails or is retried.

A run bills every account in the table, so each test has a table of its own
and knows exactly which accounts a run bills: the ones it seeded."""

from __future__ import annotations

import email
import email.policy
from decimal import Decimal
from types import SimpleNamespace

import pytest

from heatportal import composition
from heatportal.adapters.dynamo import DynamoRepository
from heatportal.domain.errors import TransientFailure
from heatportal.domain.model import BillingPeriod
from infra.local.stack import outbox_messages, run_billing
from tests.dates import local_today


@pytest.fixture
def repo(repo_of_its_own: DynamoRepository) -> DynamoRepository:
    return repo_of_its_own


@pytest.fixture
def retry_waits(monkeypatch) -> list[float]:
    """The waits of the state machine's Retry policies, in order. moto's
    retrier is given a clock that records a wait instead of sleeping it: the
    retries happen as on AWS, only without the seconds between them."""
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    waits: list[float] = []
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=waits.append))
    return waits


@pytest.fixture
def period(repo) -> BillingPeriod:
    today = local_today()
    period = BillingPeriod(year=today.year, month=today.month).previous()
    repo.put_spot_price("NO1", period.key, Decimal("0.8512"))
    return period


def invoices_for(repo, customer_number: str, period: BillingPeriod) -> list:
    return [i for i in repo.list_invoices(customer_number) if i.period == period]


def test_billing_run_creates_one_invoice_pdf_and_email_per_account(stack, repo, seed, period):
    alice = seed()
    result = run_billing(stack.resources, period.key)
    assert result["status"] == "SUCCEEDED", result
    summary = result["summary"]
    assert summary["period"] == period.key
    assert (summary["billed"], summary["already_billed"], summary["failures"]) == (1, 0, [])

    [invoice] = invoices_for(repo, alice.customer.number, period)
    assert invoice.total == invoice.net_total + invoice.vat_total
    assert invoice.total > 0
    assert invoice.payment_reference.isdigit()  # Norwegian KID
    pdf = stack_s3_object(stack, invoice.pdf_key)
    assert pdf.startswith(b"%PDF")

    mails = [m for m in outbox_messages("email") if m["to"] == alice.email]
    assert len(mails) == 1
    assert mails[0]["attachments"] == [f"invoice-{invoice.number}.pdf"]
    assert str(invoice.number) in mails[0]["subject"]

    again = run_billing(stack.resources, period.key)
    assert again["status"] == "SUCCEEDED"
    assert (again["summary"]["billed"], again["summary"]["already_billed"]) == (0, 1)
    assert len(invoices_for(repo, alice.customer.number, period)) == 1
    assert len([m for m in outbox_messages() if m["to"] == alice.email]) == 1


def test_failures_are_recorded_and_retries_never_double_bill(stack, repo, seed, period, monkeypatch, retry_waits):
    crashing = seed()  # its batch crashes once with a transient error, then succeeds on retry
    broken = seed()  # always fails: recorded with its reason, the others go on
    mail_fails = seed()  # the email fails once after the invoice exists: resent once on retry
    service = composition.billing_service()
    original_bill = service.bill_account
    original_send = service.mailer.send
    crashed: set[str] = set()
    mail_failed: set[str] = set()

    def flaky_bill(number, billing_period):
        if number == broken.customer.number:
            raise ValueError("meter register unreadable")
        if number == crashing.customer.number and number not in crashed:
            crashed.add(number)
            raise TransientFailure("DynamoDB throttled")
        return original_bill(number, billing_period)

    def flaky_send(recipient, *args, **kwargs):
        if recipient == mail_fails.email and recipient not in mail_failed:
            mail_failed.add(recipient)
            raise TransientFailure("SES throttled")
        return original_send(recipient, *args, **kwargs)

    monkeypatch.setattr(service, "bill_account", flaky_bill)
    monkeypatch.setattr(service.mailer, "send", flaky_send)

    result = run_billing(stack.resources, period.key)
    assert result["status"] == "SUCCEEDED", result
    summary = result["summary"]
    # The two billable accounts are counted once each; invoices an earlier attempt of the batch made count as billed already.
    assert summary["billed"] + summary["already_billed"] == 2
    failed_numbers = {f["customer_number"] for f in summary["failures"]}
    assert failed_numbers == {broken.customer.number}
    assert "meter register unreadable" in summary["failures"][0]["reason"]

    # The batch was retried twice (the throttled account, then the failed email), backing off as the ASL says.
    assert retry_waits == [1, 2]

    run_id = result["execution"]
    assert [f["customer_number"] for f in repo.list_failures(run_id)] == [broken.customer.number]
    for seeded in (crashing, mail_fails):
        assert len(invoices_for(repo, seeded.customer.number, period)) == 1
        assert len([m for m in outbox_messages() if m["to"] == seeded.email]) == 1
    assert invoices_for(repo, broken.customer.number, period) == []

    # Every account ends with exactly one invoice or one recorded failure.
    assert sorted(repo.list_account_numbers()) == sorted(s.customer.number for s in (crashing, broken, mail_fails))
    for number in repo.list_account_numbers():
        has_invoice = len(invoices_for(repo, number, period)) == 1
        assert has_invoice != (number in failed_numbers), number


def test_invoice_numbers_are_unique_and_gapless(repo, stack, seed, period):
    seed()
    seed()
    assert run_billing(stack.resources, period.key)["status"] == "SUCCEEDED"
    numbers = sorted(i.number for n in repo.list_account_numbers() for i in repo.list_invoices(n))
    assert numbers == [1, 2]  # the table's first numbers, without a gap


def stack_s3_object(stack, key: str) -> bytes:
    from infra.local.resources import clients

    return (
        clients(stack.resources.endpoint)["s3"].get_object(Bucket=stack.resources.bucket_name, Key=key)["Body"].read()
    )


def parse(raw: str):
    return email.message_from_string(raw, policy=email.policy.default)
