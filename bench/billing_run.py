"""A bill run over N generated accounts through the REAL state machine
(infra/billing.asl.json on moto's Step Functions with the local stack's
Distributed Map, its Lambda tasks dispatched to the billing handler
in-process), then its e-mails drained from the delivery queue by the real
notifications handler, then checked: 0 failures, and exactly
one invoice, one PDF and one sent delivery (one e-mail accepted by SES) per
account.

Printed: wall time of the run, then of draining the deliveries, accounts per second,
AWS requests per billed account (DynamoDB, S3, SQS of the billing steps; the
e-mail's own requests apart), CPU seconds per account, the run's summary.

Run: PYTHONPATH=layers/shared/python:. .venv/bin/python -m bench.billing_run [accounts ...]
(default 1000; one N per process). Everything shares one process and moto on a shared machine:
the figures measure the local stack, where moto's per-request cost and the
PDF drawing dominate, not AWS, where the Distributed Map runs batches in
parallel Lambdas. The check reads moto's own stores directly (one pass over
the table, the bucket and the sent mail), not through the API.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import Counter
from typing import Any

from bench.billing_requests import counted
from bench.billing_seed import seed_accounts
from heatportal.domain.model import BillingPeriod

PERIOD = BillingPeriod(year=2026, month=9)


def _keep_sent_mail_small() -> None:
    """moto keeps every raw e-mail (with its PDF) in memory; the bench needs
    only who got one and its id."""
    from moto.ses.models import SESBackend

    original = SESBackend.send_raw_email

    def send_raw_email(self: Any, source: str, destinations: list[str], raw_data: str) -> Any:
        message = original(self, source, destinations, raw_data)
        message.raw_data = ""
        return message

    SESBackend.send_raw_email = send_raw_email  # type: ignore[method-assign]


def check(stack: Any, numbers: list[str]) -> dict[str, Any]:
    """Per account: invoices of the period, PDF objects, sent deliveries, e-mails SES accepted."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.s3.models import s3_backends
    from moto.ses.models import ses_backends

    from infra.local.resources import ACCOUNT, REGION

    table = dynamodb_backends[ACCOUNT][REGION].get_table(stack.resources.table_name)
    invoices: Counter[str] = Counter()
    deliveries: Counter[str] = Counter()
    for bucket in table.items.values():
        for item in bucket.values():
            attrs = item.to_json()["Attributes"]
            kind = attrs.get("type", {}).get("S")
            if kind == "invoice" and attrs["period"]["S"] == PERIOD.key:
                invoices[attrs["customer_number"]["S"]] += 1
            elif kind == "delivery" and attrs["state"]["S"] == "sent":
                deliveries[attrs["customer_number"]["S"]] += 1
    keys = s3_backends[ACCOUNT]["global"].buckets[stack.resources.bucket_name].keys
    pdfs = Counter(k.split("/")[1] for k in keys if k.startswith("invoices/"))
    # A raw message lists its recipient once per header that names it: once per message here.
    mail = Counter(to for m in ses_backends[ACCOUNT][REGION].sent_messages for to in set(m.destinations))
    wanted = set(numbers)
    return {
        "one invoice each": all(invoices[n] == 1 for n in numbers) and set(invoices) == wanted,
        "one PDF each": all(pdfs[n] == 1 for n in numbers),
        "one sent delivery each": all(deliveries[n] == 1 for n in numbers) and set(deliveries) == wanted,
        "one e-mail each": all(mail[f"bench-{n}@example.com"] == 1 for n in numbers) and len(mail) == len(numbers),
        "invoices": sum(invoices.values()),
        "pdfs": sum(pdfs[n] for n in numbers),
        "sent": sum(deliveries.values()),
        "e-mails": sum(mail.values()),
    }


def main(accounts: int = 1000) -> dict[str, Any]:
    from infra.local.stack import free_port, run_billing, start

    _keep_sent_mail_small()
    stack = start(profile_id="no", port=free_port(), demo=False, deliver_in_background=False)
    try:
        from heatportal import composition

        repo = composition.repository()
        started = time.perf_counter()
        numbers = seed_accounts(repo, composition.profile(), PERIOD, accounts, first=800000)
        print(f"seeded {accounts} accounts ({5 * accounts} items) in {time.perf_counter() - started:.1f} s", flush=True)

        billing: Counter[str] = Counter()
        clients = {
            "DynamoDB": repo.table.client,
            "S3": composition.documents().s3,
            "SQS": composition.delivery_queue().sqs,
        }
        cpu_before = time.process_time()
        started = time.perf_counter()
        with counted(billing, **clients):
            result = run_billing(stack.resources, PERIOD.key, timeout=6 * 3600)
        run_wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        if result["status"] != "SUCCEEDED":
            print(f"run did not succeed: {result}")
            return {}
        summary = result["summary"]
        # Then the delivery queue, drained as its event source mapping would (counted apart: not billing's requests).
        drained_from = time.perf_counter()
        stack.deliveries.drain()
        delivered_wall = time.perf_counter() - drained_from
        verdict = check(stack, numbers)
        requests = sum(billing.values()) / max(summary["billed"], 1)
        figures = {
            "accounts": accounts,
            "run wall s": round(run_wall, 1),
            "accounts/s": round(accounts / run_wall, 1),
            "ms per account": round(1000 * run_wall / accounts, 1),
            "cpu ms per account": round(1000 * cpu / accounts, 1),
            "deliveries drained s": round(delivered_wall, 1),
            "ms per delivery": round(1000 * delivered_wall / accounts, 1),
            "requests per account": round(requests, 2),
            "failed": summary["failed"],
            "max rss MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        }
        print(f"bill run {PERIOD.key}, {accounts} accounts through the state machine:")
        print(
            f"  summary: billed {summary['billed']}, already billed {summary['already_billed']}, skipped {summary['skipped']},"
            f" failed {summary['failed']}, batches {summary['batches']} (retried {summary['retried_batches']}),"
            f" complete {summary['complete']}, progress agrees {summary['progress_agrees']}"
        )
        print(f"  totals {json.dumps(summary['tally'])}")
        for failure in summary.get("failures", [])[:20]:
            print(f"  failed: {json.dumps(failure)}")
        print(
            f"  run wall time {run_wall:.1f} s = {figures['accounts/s']} accounts/s ({figures['ms per account']} ms per account;"
            f" process CPU {figures['cpu ms per account']} ms per account, moto's included);"
            f" then the e-mails drained in {delivered_wall:.1f} s ({figures['ms per delivery']} ms each)"
        )
        per_operation = ", ".join(f"{name} {n / max(summary['billed'], 1):.2f}" for name, n in billing.most_common())
        print(
            f"  requests per billed account {requests:.2f} ({per_operation}; incl. the run's own listing and summary)"
        )
        print(f"  check: {verdict}")
        print(f"  figures: {figures}", flush=True)
        return figures
    finally:
        stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
