"""A local billing run over generated accounts through the REAL state machine
(infra/billing.asl.json on moto's Step Functions, its Lambda tasks dispatched to
the billing handler in-process): wall time and accounts per second.

Run: cd /work/main && PYTHONPATH=layers/shared/python:. .venv/bin/python -m bench.billing_run [accounts]
(default 10000). Everything shares one process and moto: the figure measures the
local stack (moto's per-request cost dominates), not AWS, where the Distributed
Map runs batches in parallel Lambdas.
"""

from __future__ import annotations

import sys
import time

from bench.billing_seed import seed_accounts
from heatportal.domain.model import BillingPeriod

PERIOD = BillingPeriod(year=2026, month=9)


def main(accounts: int = 10000) -> None:
    from infra.local.stack import free_port, run_billing, start

    stack = start(profile_id="no", port=free_port(), demo=False)
    try:
        from heatportal import composition

        repo = composition.repository()
        started = time.perf_counter()
        seed_accounts(repo, composition.profile(), PERIOD, accounts, first=800000)
        seeded = time.perf_counter() - started
        print(f"seeded {accounts} accounts ({5 * accounts} items, BatchWriteItem) in {seeded:.1f} s")

        table, s3, ses = repo.table, composition.documents(), composition.mailer()
        before = (table.requests, s3.requests, ses.requests)
        started = time.perf_counter()
        result = run_billing(stack.resources, PERIOD.key, timeout=4 * 3600)
        elapsed = time.perf_counter() - started
        if result["status"] != "SUCCEEDED":
            print(f"run did not succeed: {result}")
            return
        summary = result["summary"]
        print(
            f"billing run {PERIOD.key} through the state machine: billed {summary['billed']},"
            f" already billed {summary['already_billed']}, skipped {summary['skipped']}, failed {summary['failed']}"
        )
        print(f"  wall time {elapsed:.1f} s, {int(summary['billed']) / elapsed:.1f} accounts/s")
        ddb, s3_n, ses_n = (a - b for a, b in zip((table.requests, s3.requests, ses.requests), before, strict=True))
        print(f"  requests: DynamoDB {ddb}, S3 {s3_n}, SES {ses_n} ({(ddb + s3_n + ses_n) / accounts:.1f} per account)")
        print(f"  totals {summary['totals']}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
