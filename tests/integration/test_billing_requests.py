"""AWS requests per billed account (issue 18: at most 5), counted on moto for
two batches of 25 accounts: the batch's reads are batched (customers, the
invoices already stored, last year's invoices and the customers' own bank
accounts in BatchGetItems), so nothing is read per account but each meter's
readings, daily values and the meter list. Customers who pay by direct debit
still get the collection on their invoice from the batched read."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

from bench.billing_requests import counted
from bench.billing_seed import seed_accounts
from heatportal import composition
from heatportal.adapters.dynamo_accounts import DynamoProfileStore
from heatportal.domain.accounts import BankAccount
from heatportal.domain.model import BillingPeriod
from heatportal.services.billing.run import RunRequest

PERIOD = BillingPeriod(year=2026, month=9)
BATCH = 25


def test_a_billed_account_costs_at_most_five_requests_and_direct_debit_is_read_with_the_batch(
    repo_of_its_own,
) -> None:
    service = composition.bill_run()
    numbers = seed_accounts(composition.repository(), composition.profile(), PERIOD, 2 * BATCH, first=710000)
    paying = numbers[::10]  # five customers pay by direct debit
    store = DynamoProfileStore(composition.repository().table)
    for number in paying:
        store.put_bank_account(
            BankAccount(
                customer_number=number,
                iban="NO9386011117947",
                holder="Bench Holder",
                valid_from=date(2020, 1, 1),
                sepa_mandate=False,
                changed_by="test",
                changed_at=datetime(2020, 1, 1, tzinfo=UTC),
            )
        )
    run = service.plan(RunRequest(period=PERIOD.key), "requests-counted")
    clients = {
        "DynamoDB": composition.repository().table.client,
        "S3": composition.documents().s3,
        "SQS": composition.delivery_queue().sqs,
    }
    counts: Counter[str] = Counter()
    with counted(counts, **clients):
        billed = sum(
            service.bill_batch(run.run_id, PERIOD.key, numbers[i : i + BATCH]).billed
            for i in range(0, len(numbers), BATCH)
        )

    assert billed == len(numbers)
    assert sum(counts.values()) <= 5 * billed, counts
    # Per account: one Query each for the meter list, the readings' window and the daily values
    # (one meter each), one PDF put; nothing else grows with the accounts. Per batch: the zone's spot
    # averages of two years in one Query (before: a GetItem per month asked).
    batches = len(numbers) // BATCH
    assert counts["DynamoDB Query"] == 3 * billed + batches, counts
    assert counts["S3 PutObject"] == billed, counts
    assert counts["DynamoDB GetItem"] <= batches, counts  # profile-wide, once per batch
    for number in numbers:
        [invoice] = [i for i in composition.repository().list_invoices(number) if i.period == PERIOD]
        if number in paying:
            assert invoice.direct_debit is not None and invoice.direct_debit.account_masked.endswith("7947")
        else:
            assert invoice.direct_debit is None
