"""AWS requests made per billed account: DynamoDB, S3 and SES requests of
``bill_batch`` per account (a new invoice with PDF and email), and of billing the same
account again (the idempotent re-run), counted on moto.

Run: cd /work/main && PYTHONPATH=layers/shared/python:. .venv/bin/python -m bench.billing_requests [accounts]
moto answers each request in-process over loopback HTTP, so the wall time is
printed only as moto's per-request cost, not as an AWS figure.
"""

from __future__ import annotations

import sys
import time

from bench.billing_seed import seed_accounts
from heatportal.domain.model import BillingPeriod

PERIOD = BillingPeriod(year=2026, month=9)


def main(accounts: int = 20) -> None:
    from infra.local.stack import free_port, start

    stack = start(profile_id="no", port=free_port(), demo=False)
    try:
        from heatportal import composition

        service = composition.bill_run()
        repo = composition.repository()
        numbers = seed_accounts(repo, composition.profile(), PERIOD, accounts, first=600000)
        table, s3, ses = repo.table, composition.documents(), composition.mailer()

        def counts() -> tuple[int, int, int]:
            return table.requests, s3.requests, ses.requests

        # The first account pays for the cold caches (spot price, profile): bill it apart.
        service.bill_account(numbers[0], PERIOD)
        before = counts()
        started = time.perf_counter()
        service.bill_batch("bench-requests", PERIOD.key, numbers[1:])
        elapsed = time.perf_counter() - started
        after = counts()
        billed = len(numbers) - 1
        ddb, s3_n, ses_n = ((a - b) / billed for a, b in zip(after, before, strict=True))
        print(f"requests per billed account (new invoice, PDF, email), mean over {billed} accounts on moto:")
        print(f"  DynamoDB {ddb:.1f}   S3 {s3_n:.1f}   SES {ses_n:.1f}   total {ddb + s3_n + ses_n:.1f}")
        print(f"  wall time on moto {1000 * elapsed / billed:.1f} ms per account (PDF render included)")

        before = counts()
        service.bill_batch("bench-requests-again", PERIOD.key, numbers[1:])
        after = counts()
        ddb, s3_n, ses_n = ((a - b) / billed for a, b in zip(after, before, strict=True))
        print("requests per account when the period is billed again (nothing created):")
        print(f"  DynamoDB {ddb:.1f}   S3 {s3_n:.1f}   SES {ses_n:.1f}")

        before_get = table.requests
        started = time.perf_counter()
        for _ in range(200):
            repo.get_customer(numbers[0])
        per_request = (time.perf_counter() - started) / (table.requests - before_get)
        print(f"moto's cost of one DynamoDB GetItem over loopback: {1000 * per_request:.2f} ms")
    finally:
        stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
