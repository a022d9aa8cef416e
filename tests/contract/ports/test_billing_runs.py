"""BillingRunRepository: the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from heatportal.domain.billing_run import AccountFailure, BillingRun, Progress, RunStatus, RunSummary, Tally
from heatportal.domain.model import InvoiceKind
from tests.contract.ports.conftest import Ports

STARTED = datetime(2026, 10, 2, 6, tzinfo=UTC)


def a_run(run_id: str = "run-1", started: datetime = STARTED) -> BillingRun:
    return BillingRun(
        run_id=run_id,
        period="2026-09",
        accounts=60,
        manifest_key=f"billing-runs/{run_id}/accounts.json",
        started_at=started,
    )


def test_a_run_is_stored_once_and_listed_newest_first(ports: Ports) -> None:
    first = ports.runs.start_run(a_run())
    assert first == a_run()
    assert ports.runs.start_run(a_run().model_copy(update={"accounts": 99})) == a_run()  # a retry keeps the first
    ports.runs.start_run(a_run("run-2", STARTED + timedelta(days=31)))
    assert [r.run_id for r in ports.runs.list_runs(10)] == ["run-2", "run-1"]
    assert ports.runs.get_run("run-1") == a_run()
    assert ports.runs.get_run("run-9") is None


def test_each_batch_adds_its_progress_once(ports: Ports) -> None:
    ports.runs.start_run(a_run())
    progress = Progress(billed=20, already_billed=3, skipped=1, failed=1, batches=1, retried_batches=1)
    assert ports.runs.record_batch("run-1", "100001", progress)
    assert not ports.runs.record_batch("run-1", "100001", progress)  # the same batch again: a retry
    assert ports.runs.record_batch("run-1", "100026", Progress(billed=25, batches=1))
    run = ports.runs.get_run("run-1")
    assert run is not None
    assert run.progress == Progress(billed=45, already_billed=3, skipped=1, failed=1, batches=2, retried_batches=1)
    assert (run.progress.done, run.pending) == (50, 10)


def test_a_run_keeps_one_failure_per_customer_the_latest(ports: Ports) -> None:
    ports.runs.record_failures("run-1", "2026-09", [AccountFailure(customer_number="100002", reason="unreadable")])
    ports.runs.record_failures(
        "run-1",
        "2026-09",
        [
            AccountFailure(customer_number="100001", reason="first"),
            AccountFailure(customer_number="100001", reason="second"),
        ],
    )
    ports.runs.record_failures("run-2", "2026-09", [AccountFailure(customer_number="100003", reason="another run")])
    assert ports.runs.list_failures("run-1") == [
        AccountFailure(customer_number="100001", reason="second"),
        AccountFailure(customer_number="100002", reason="unreadable"),
    ]
    assert ports.runs.list_failures("run-9") == []


def test_a_finished_run_carries_its_summary(ports: Ports) -> None:
    ports.runs.start_run(a_run())
    summary = RunSummary(
        run_id="run-1",
        period="2026-09",
        accounts=60,
        billed=59,
        already_billed=0,
        skipped=0,
        failed=1,
        tally=Tally().add(InvoiceKind.INVOICE, "NOK", Decimal("123.45")),
        pdfs_stored=59,
        deliveries_queued=58,
        without_address=1,
        batches=3,
        retried_batches=1,
        failed_batches=0,
        failures=[AccountFailure(customer_number="100002", reason="unreadable")],
        complete=True,
        progress_agrees=True,
    )
    ports.runs.finish_run("run-1", summary, STARTED + timedelta(minutes=3))
    run = ports.runs.get_run("run-1")
    assert run is not None
    assert (run.status, run.summary, run.finished_at) == (RunStatus.FINISHED, summary, STARTED + timedelta(minutes=3))
