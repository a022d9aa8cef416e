"""The billing state machine on moto, its Lambda tasks running the real billing
handler, its e-mails drained from the delivery queue by the real notifications
handler: one invoice, one PDF and one successful delivery per account,
whatever fails, and a summary that says so.

A run bills every account in the table, so each test has a table of its own
and knows exactly which accounts a run bills: the ones it seeded. Faults are
injected after the side effect they follow (the invoice written, the PDF put,
the e-mail accepted, the reply lost), then the period is run again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from heatportal import composition
from heatportal.adapters.dynamo import DynamoRepository, customer_item
from heatportal.domain.delivery import DeliveryState
from heatportal.domain.model import BillingPeriod, Invoice, InvoiceKind
from heatportal.services.billing.issuing import invoice_delivery_id
from infra.local.lambdas import LambdaTimeout
from infra.local.resources import clients
from infra.local.stack import RunningStack, outbox_messages, run_billing, start_billing, wait_for_run
from tests.contract.state_size import measure
from tests.integration.conftest import Seeded


@pytest.fixture
def repo(repo_of_its_own: DynamoRepository) -> DynamoRepository:
    return repo_of_its_own


@pytest.fixture(autouse=True)
def empty_delivery_queue(stack: RunningStack) -> None:
    """The worker's stack is shared: e-mails another module's runs left queued
    are sent before this test counts its own."""
    stack.deliveries.drain()


@pytest.fixture
def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits of the state machine's Retry policies and of the batch's own
    retries of one account, in order: recorded instead of slept, so the
    retries happen as on AWS, only without the seconds between them."""
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    waits: list[float] = []
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=waits.append))
    monkeypatch.setattr(composition.bill_run(), "sleep", waits.append)
    return waits


def invoices_for(repo: DynamoRepository, customer_number: str, period: BillingPeriod) -> list[Invoice]:
    return [i for i in repo.list_invoices(customer_number) if i.period == period]


def pdf_keys(stack: RunningStack, customer_number: str) -> list[str]:
    s3 = clients(stack.resources.endpoint)["s3"]
    listed = s3.list_objects_v2(Bucket=stack.resources.bucket_name, Prefix=f"invoices/{customer_number}/")
    return [o["Key"] for o in listed.get("Contents", [])]


def emails_to(address: str) -> list[dict[str, Any]]:
    return [m for m in outbox_messages("email") if m["to"] == address]


def assert_one_of_each(stack: RunningStack, repo: DynamoRepository, period: BillingPeriod, *accounts: Seeded) -> None:
    """Exactly one invoice, one PDF and one successful delivery per account."""
    for seeded in accounts:
        number = seeded.customer.number
        [invoice] = invoices_for(repo, number, period)
        assert pdf_keys(stack, number) == [invoice.pdf_key], number
        delivery = composition.delivery_store().get(invoice_delivery_id(invoice))
        assert delivery is not None and delivery.state == DeliveryState.SENT, (number, delivery)
        [mail] = emails_to(seeded.email)
        assert mail["id"] == delivery.message_id
        assert mail["attachments"] == [f"invoice-{invoice.number}.pdf"]


def numbers_of(repo: DynamoRepository) -> list[int]:
    return sorted(i.number for n in repo.list_account_numbers() for i in repo.list_invoices(n))


@contextmanager
def lose_replies(client: Any, operation: str, times: int = 1) -> Iterator[list[str]]:
    """The service does the request, and its reply is lost on the way back
    (a read timeout): the SDK retries the same request, as on a real network."""
    lost: list[str] = []
    event = f"before-send.{client.meta.service_model.service_id.hyphenize()}.{operation}"

    def send_then_lose(request: Any, **_: Any) -> None:
        if len(lost) >= times:
            return
        client._endpoint._send(request)  # done on the server
        lost.append(operation)
        raise ReadTimeoutError(endpoint_url=request.url)

    client.meta.events.register(event, send_then_lose)
    try:
        yield lost
    finally:
        client.meta.events.unregister(event, send_then_lose)


def unreadable_meters(monkeypatch: pytest.MonkeyPatch, *customer_numbers: str) -> Callable[..., Any]:
    """The customers' meters cannot be read (an account's own problem, not a
    transient one) until the monkeypatch is undone; returns the real reader."""
    customers = composition.bill_run().customers
    list_meters = customers.list_meters

    def unreadable(number: str) -> Any:
        if number in customer_numbers:
            raise ValueError("meter register unreadable")
        return list_meters(number)

    monkeypatch.setattr(customers, "list_meters", unreadable)
    return list_meters


def after_first(original: Callable[..., Any], fault: Exception, calls: list[int]) -> Callable[..., Any]:
    """``original`` done, then ``fault`` raised the first time only: a crash after the side effect."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            raise fault
        return result

    return wrapped


# --- a run, and the period run again -------------------------------------------------------------


def test_a_run_bills_each_account_once_with_its_pdf_and_e_mail_and_a_rerun_changes_nothing(
    stack: RunningStack, repo: DynamoRepository, seed: Callable[..., Seeded], period: BillingPeriod
) -> None:
    alice, bob = seed(), seed()
    result = run_billing(stack.resources, period.key)
    assert result["status"] == "SUCCEEDED", result
    summary = result["summary"]
    assert (summary["period"], summary["accounts"], summary["billed"], summary["failed"]) == (period.key, 2, 2, 0)
    assert (summary["pdfs_stored"], summary["deliveries_queued"], summary["complete"]) == (2, 2, True)
    assert summary["progress_agrees"]
    # Nothing is sent by the run itself: the e-mails wait in the outbox until the queue is drained
    assert emails_to(alice.email) == []
    drained = stack.deliveries.drain()
    assert drained.acknowledged == 2 and drained.failed == 0
    assert_one_of_each(stack, repo, period, alice, bob)
    # The totals are those of the stored invoices, per currency and kind
    stored = [i for s in (alice, bob) for i in invoices_for(repo, s.customer.number, period)]
    assert summary["tally"]["totals"] == {"NOK": {"invoice": str(sum((i.total for i in stored), Decimal(0)))}}
    assert numbers_of(repo) == [1, 2]  # the table's first numbers, without a gap

    again = run_billing(stack.resources, period.key)
    assert again["status"] == "SUCCEEDED"
    assert (again["summary"]["billed"], again["summary"]["already_billed"]) == (0, 2)
    assert (again["summary"]["pdfs_stored"], again["summary"]["deliveries_queued"]) == (0, 0)
    assert again["summary"]["tally"] == summary["tally"]
    stack.deliveries.drain()
    assert_one_of_each(stack, repo, period, alice, bob)
    # The run's delivery counts: two queued, two sent
    counts = composition.delivery_store().group_counts(result["execution"])
    assert (counts.queued, counts.sent, counts.failed) == (2, 2, 0)


def test_no_state_of_a_run_is_larger_than_the_definition_computes(
    stack: RunningStack, repo: DynamoRepository, seed: Callable[..., Seeded], period: BillingPeriod
) -> None:
    """The contract test's computation, held to a real execution's history."""
    seed()
    result = run_billing(stack.resources, period.key)
    sfn = clients(stack.resources.endpoint)["stepfunctions"]
    arn = stack.resources.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{result['execution']}"
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    observed = max(
        len(details.get(field, "").encode())
        for event in events
        for key, details in event.items()
        if key.endswith("EventDetails") and isinstance(details, dict)
        for field in ("input", "output")
    )
    predicted = max(m.bytes for m in measure(1))
    assert 0 < observed <= predicted


# --- faults after the side effect --------------------------------------------------------------------------


def test_a_crash_after_the_invoices_are_written_is_healed_by_the_rerun(
    stack: RunningStack,
    repo: DynamoRepository,
    seed: Callable[..., Seeded],
    period: BillingPeriod,
    monkeypatch: pytest.MonkeyPatch,
    retry_waits: list[float],
) -> None:
    alice, bob = seed(), seed()
    invoices = composition.bill_run().invoices
    calls: list[int] = []
    killed = RuntimeError("the function's process was killed")  # not retried: caught, the batch reported failed
    monkeypatch.setattr(invoices, "create_invoices_once", after_first(invoices.create_invoices_once, killed, calls))

    first = run_billing(stack.resources, period.key)["summary"]
    # The invoices exist, their PDFs and e-mails do not: the accounts are failed, with the reason
    assert (first["failed"], first["failed_batches"], first["complete"]) == (2, 1, True)
    assert "RuntimeError" in first["failures"][0]["reason"]
    assert [len(invoices_for(repo, s.customer.number, period)) for s in (alice, bob)] == [1, 1]

    rerun = run_billing(stack.resources, period.key)["summary"]
    assert (rerun["already_billed"], rerun["failed"], rerun["pdfs_stored"], rerun["deliveries_queued"]) == (2, 0, 2, 2)
    stack.deliveries.drain()
    assert_one_of_each(stack, repo, period, alice, bob)
    assert numbers_of(repo) == [1, 2]


def test_a_crash_after_the_pdf_is_put_is_healed_by_the_rerun(
    stack: RunningStack,
    repo: DynamoRepository,
    seed: Callable[..., Seeded],
    period: BillingPeriod,
    monkeypatch: pytest.MonkeyPatch,
    retry_waits: list[float],
) -> None:
    alice = seed()
    documents = composition.invoice_issuer().documents
    calls: list[int] = []
    monkeypatch.setattr(documents, "put", after_first(documents.put, RuntimeError("killed after the put"), calls))

    first = run_billing(stack.resources, period.key)["summary"]
    assert first["failed"] == 1
    [invoice] = invoices_for(repo, alice.customer.number, period)
    assert invoice.pdf_key is None and pdf_keys(stack, alice.customer.number) != []  # put, not recorded

    rerun = run_billing(stack.resources, period.key)["summary"]
    assert (rerun["already_billed"], rerun["failed"], rerun["pdfs_stored"]) == (1, 0, 1)
    stack.deliveries.drain()
    assert_one_of_each(stack, repo, period, alice)  # the same key put again: still one PDF


def test_a_crash_after_the_send_does_not_send_again(
    stack: RunningStack,
    repo: DynamoRepository,
    seed: Callable[..., Seeded],
    period: BillingPeriod,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, bob = seed(), seed()
    run_billing(stack.resources, period.key)
    mailer = composition.delivery_mailer()
    calls: list[int] = []
    # SES accepts the first e-mail, then the function dies before it records the message id
    monkeypatch.setattr(mailer, "send", after_first(mailer.send, RuntimeError("killed after the send"), calls))

    drained = stack.deliveries.drain(retry_delay=0)
    # The message came back (the function failed) and found its delivery sent: SES's event had recorded it
    assert drained.ses_events >= 2 and drained.failed == 1
    assert len(calls) == 2
    rerun = run_billing(stack.resources, period.key)["summary"]
    assert (rerun["already_billed"], rerun["deliveries_queued"]) == (2, 0)
    stack.deliveries.drain()
    assert_one_of_each(stack, repo, period, alice, bob)


def test_lost_replies_are_asked_again_and_change_nothing_twice(
    stack: RunningStack, repo: DynamoRepository, seed: Callable[..., Seeded], period: BillingPeriod
) -> None:
    alice, bob = seed(), seed()
    dynamodb = composition.repository().table.client
    sqs = composition.delivery_queue().sqs
    # The numbering transaction and the run's progress are done, their replies lost; the SDK asks again
    with (
        lose_replies(dynamodb, "TransactWriteItems", times=2) as lost_writes,
        lose_replies(sqs, "SendMessageBatch") as lost_queue,
    ):
        result = run_billing(stack.resources, period.key)
    assert (lost_writes, lost_queue) == (["TransactWriteItems"] * 2, ["SendMessageBatch"])
    summary = result["summary"]
    assert (summary["billed"], summary["failed"], summary["progress_agrees"]) == (2, 0, True)
    # The e-mails were queued twice (the lost reply): each is sent once
    drained = stack.deliveries.drain()
    assert drained.acknowledged == 4
    # SES's reply to a send is lost: the SDK does not ask again (a send is not idempotent); its event says "sent"
    assert_one_of_each(stack, repo, period, alice, bob)
    assert numbers_of(repo) == [1, 2]


def test_a_lost_reply_from_ses_is_never_sent_twice(
    stack: RunningStack, repo: DynamoRepository, seed: Callable[..., Seeded], period: BillingPeriod
) -> None:
    alice = seed()
    run_billing(stack.resources, period.key)
    with lose_replies(composition.delivery_mailer().sesv2, "SendEmail") as lost:
        drained = stack.deliveries.drain(retry_delay=0)
    assert lost == ["SendEmail"] and drained.failed == 1  # the outcome was unknown: the message came back
    assert_one_of_each(stack, repo, period, alice)


def test_throttling_by_s3_retries_that_account_only_and_never_fails_the_batch(
    stack: RunningStack,
    repo: DynamoRepository,
    seed: Callable[..., Seeded],
    period: BillingPeriod,
    monkeypatch: pytest.MonkeyPatch,
    retry_waits: list[float],
) -> None:
    alice, bob = seed(), seed()
    s3 = composition.documents().s3
    put_object = s3.put_object
    throttled: list[str] = []

    def slow_down(**kwargs: Any) -> Any:
        if kwargs["Key"].startswith(f"invoices/{alice.customer.number}/") and len(throttled) < 2:
            throttled.append(kwargs["Key"])
            raise ClientError(
                {
                    "Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."},
                    "ResponseMetadata": {"HTTPStatusCode": 503},  # type: ignore[typeddict-item]  # as S3 answers
                },
                "PutObject",
            )
        return put_object(**kwargs)

    monkeypatch.setattr(s3, "put_object", slow_down)
    summary = run_billing(stack.resources, period.key)["summary"]
    assert len(throttled) == 2
    assert (summary["billed"], summary["failed"], summary["retried_batches"]) == (2, 0, 0)  # the batch was not retried
    assert len(retry_waits) == 2  # the account was
    stack.deliveries.drain()
    assert_one_of_each(stack, repo, period, alice, bob)


def test_throttling_by_ses_brings_the_message_back_and_sends_it_once(
    stack: RunningStack,
    repo: DynamoRepository,
    seed: Callable[..., Seeded],
    period: BillingPeriod,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = seed()
    run_billing(stack.resources, period.key)
    sesv2 = composition.delivery_mailer().sesv2
    send_email = sesv2.send_email
    throttled: list[int] = []

    def maximum_rate(**kwargs: Any) -> Any:
        if not throttled:
            throttled.append(1)
            raise ClientError(
                {"Error": {"Code": "TooManyRequestsException", "Message": "Maximum sending rate exceeded."}},
                "SendEmail",
            )
        return send_email(**kwargs)

    monkeypatch.setattr(sesv2, "send_email", maximum_rate)
    drained = stack.deliveries.drain(retry_delay=0)
    assert (drained.failed, drained.acknowledged) == (1, 1)
    assert_one_of_each(stack, repo, period, alice)


def test_two_runs_of_one_period_at_once_bill_each_account_once(
    stack: RunningStack, repo: DynamoRepository, seed: Callable[..., Seeded], period: BillingPeriod
) -> None:
    accounts = [seed() for _ in range(4)]
    first = start_billing(stack.resources, {"period": period.key})
    second = start_billing(stack.resources, {"period": period.key})
    one, two = wait_for_run(stack.resources, first), wait_for_run(stack.resources, second)
    assert one["status"] == two["status"] == "SUCCEEDED"
    # Every account billed by one run or the other, and counted billed before by the other
    assert one["summary"]["billed"] + two["summary"]["billed"] == 4
    assert one["summary"]["failed"] == two["summary"]["failed"] == 0
    stack.deliveries.drain()
    assert_one_of_each(stack, repo, period, *accounts)
    assert numbers_of(repo) == [1, 2, 3, 4]


def test_a_lambda_timeout_mid_batch_is_retried_and_the_summary_says_so(
    stack: RunningStack,
    repo: DynamoRepository,
    seed: Callable[..., Seeded],
    period: BillingPeriod,
    monkeypatch: pytest.MonkeyPatch,
    retry_waits: list[float],
) -> None:
    alice, bob = seed(), seed()
    invoices = composition.bill_run().invoices
    calls: list[int] = []
    # The batch numbered and stored its invoices, then ran out of time
    monkeypatch.setattr(
        invoices,
        "set_pdf_keys",
        after_first(invoices.set_pdf_keys, LambdaTimeout("Task timed out after 300.00 seconds"), calls),
    )
    summary = run_billing(stack.resources, period.key)["summary"]
    # Retried by the state machine (not failed): the invoices of its first attempt count as billed by this run
    assert (summary["billed"], summary["already_billed"], summary["failed"]) == (2, 0, 0)
    assert (summary["retried_batches"], summary["failed_batches"], summary["progress_agrees"]) == (1, 0, True)
    assert retry_waits[:1] == [1]  # the Retry's first interval
    stack.deliveries.drain()
    assert_one_of_each(stack, repo, period, alice, bob)


def test_an_undeliverable_address_fails_that_invoice_only_and_staff_see_why(
    stack: RunningStack, repo: DynamoRepository, seed: Callable[..., Seeded], period: BillingPeriod
) -> None:
    good = seed()
    bounced = seed(email="bounce@simulator.amazonses.com")  # SES's mailbox simulator: a hard bounce
    result = run_billing(stack.resources, period.key)
    stack.deliveries.drain()
    assert_one_of_each(stack, repo, period, good)
    [invoice] = invoices_for(repo, bounced.customer.number, period)
    assert invoice.pdf_key  # still in the portal
    delivery = composition.delivery_store().get(invoice_delivery_id(invoice))
    assert delivery is not None and delivery.state == DeliveryState.FAILED
    assert delivery.reason == "bounced: the address does not accept mail: General"
    counts = composition.delivery_store().group_counts(result["execution"])
    assert (counts.queued, counts.sent, counts.failed) == (2, 1, 1)
    [failed] = composition.delivery_store().group_failures(result["execution"], 10)
    assert failed.customer_number == bounced.customer.number
    assert stack.deliveries.dead_letters() == 0  # acknowledged, not retried into the dead-letter queue


def test_a_bad_address_on_record_fails_its_delivery_without_asking_ses(
    stack: RunningStack, repo: DynamoRepository, seed: Callable[..., Seeded], period: BillingPeriod
) -> None:
    broken = seed()
    # An address that came in from the customer system without the portal's checks
    repo.table.put(customer_item(broken.customer.model_copy(update={"email": "kari@@example.com"})))
    run_billing(stack.resources, period.key)
    stack.deliveries.drain()
    [invoice] = invoices_for(repo, broken.customer.number, period)
    delivery = composition.delivery_store().get(invoice_delivery_id(invoice))
    assert delivery is not None and (delivery.state, delivery.reason) == (
        DeliveryState.FAILED,
        "The e-mail address is not valid.",
    )
    assert emails_to("kari@@example.com") == []


def test_an_account_that_cannot_be_billed_is_failed_alone_and_a_redrive_bills_it(
    stack: RunningStack,
    repo: DynamoRepository,
    seed: Callable[..., Seeded],
    period: BillingPeriod,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice, broken = seed(), seed()
    list_meters = unreadable_meters(monkeypatch, broken.customer.number)
    result = run_billing(stack.resources, period.key)
    summary = result["summary"]
    assert (summary["billed"], summary["failed"]) == (1, 1)
    assert summary["failures"] == [
        {"customer_number": broken.customer.number, "reason": "ValueError: meter register unreadable"}
    ]
    assert invoices_for(repo, broken.customer.number, period) == []

    monkeypatch.setattr(composition.bill_run().customers, "list_meters", list_meters)
    redrive = run_billing(stack.resources, period.key, run_input={"redrive_of": result["execution"]})
    assert (redrive["summary"]["accounts"], redrive["summary"]["billed"], redrive["summary"]["failed"]) == (1, 1, 0)
    stack.deliveries.drain()
    assert_one_of_each(stack, repo, period, alice, broken)
    runs = composition.billing_runs().list_runs(10)
    assert [r.redrive_of for r in runs] == [result["execution"], None]
    assert runs[1].summary is not None and runs[1].summary.tally.invoices == {InvoiceKind.INVOICE: 1}
