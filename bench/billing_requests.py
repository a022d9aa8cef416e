"""AWS requests per billed account, counted on moto.

Billing: every request the billing handler makes for a batch of 25 accounts
(a new invoice each, its PDF, its e-mail queued), divided by the accounts
billed, by service and operation: the batch's reads, the numbering
transaction, the PDF put, the PDF keys, the delivery records, the queue, the
run's progress. Per-run requests (the manifest, the summary) are left out.
The e-mail itself is counted apart: the requests the notifications function
makes per delivery (claim, attachment, SES, record). Then the period billed
again (nothing created). The goal is at most 5 per billed account.

Run: PYTHONPATH=layers/shared/python:. .venv/bin/python -m bench.billing_requests [accounts]
(default 100: four batches of 25).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.billing_seed import seed_accounts
from heatportal.domain.model import BillingPeriod

PERIOD = BillingPeriod(year=2026, month=9)
BATCH = 25


@contextmanager
def counted(counts: Counter[str], **clients: Any) -> Iterator[None]:
    """Every API call of these boto3 clients, by "service operation", while the block runs."""

    def count(service: str) -> Any:
        def before_call(model: Any, **_: Any) -> None:
            counts[f"{service} {model.name}"] += 1

        return before_call

    handlers = []
    for service, client in clients.items():
        handler = count(service)
        client.meta.events.register("before-call.*.*", handler)
        handlers.append((client, handler))
    try:
        yield
    finally:
        for client, handler in handlers:
            client.meta.events.unregister("before-call.*.*", handler)


def report(title: str, counts: Counter[str], per: int) -> float:
    total = sum(counts.values()) / per
    print(f"{title}: {total:.2f} requests per account ({sum(counts.values())} for {per})")
    for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {n / per:6.2f}  {name}")
    return total


def main(accounts: int = 100) -> None:
    from infra.local.stack import free_port, start

    stack = start(profile_id="no", port=free_port(), demo=False, deliver_in_background=False)
    try:
        from heatportal import composition
        from heatportal.services.billing.run import RunRequest

        service = composition.bill_run()
        numbers = seed_accounts(composition.repository(), composition.profile(), PERIOD, accounts, first=600000)
        run = service.plan(RunRequest(period=PERIOD.key), "bench-requests")
        clients = {
            "DynamoDB": composition.repository().table.client,
            "S3": composition.documents().s3,
            "SQS": composition.delivery_queue().sqs,
            "SES": composition.delivery_mailer().sesv2,
        }
        billing: Counter[str] = Counter()
        started, cpu = time.perf_counter(), time.thread_time()
        with counted(billing, **clients):
            billed = sum(
                service.bill_batch(run.run_id, PERIOD.key, numbers[i : i + BATCH]).billed
                for i in range(0, len(numbers), BATCH)
            )
        elapsed, cpu = time.perf_counter() - started, time.thread_time() - cpu
        total = report("billing (bill_batch, batches of 25, new invoice + PDF + e-mail queued)", billing, billed)
        print(f"  goal <= 5: {'met' if total <= 5 else 'NOT met'}")
        # The handler's own CPU (this thread: pricing, drafts, the PDF, the e-mail, boto3), moto's apart:
        # the figure the capacity model in the README starts from.
        print(
            f"  handler CPU {1000 * cpu / billed:.1f} ms per account; wall time on moto {1000 * elapsed / billed:.1f} ms"
        )

        delivering: Counter[str] = Counter()
        with counted(delivering, **clients):
            drained = stack.deliveries.drain()
        report("delivery (notifications function per e-mail; counted apart)", delivering, drained.acknowledged)

        again: Counter[str] = Counter()
        with counted(again, **clients):
            for i in range(0, len(numbers), BATCH):
                service.bill_batch("bench-requests-again", PERIOD.key, numbers[i : i + BATCH])
        report("the period billed again (nothing created, nothing queued)", again, len(numbers))
    finally:
        stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
