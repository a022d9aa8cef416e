"""Bill runs as customer service sees them (the staff page and API): every
run with its progress, each failed account with its reason, what became of
the run's e-mails, and a redrive: a new run over the failed accounts only.

The progress is what the batches recorded so far (an exact count: each batch
adds its outcome once); the totals per currency and invoice kind come from
the summary, which is read from every batch's result at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from heatportal.domain.billing_run import RUN_ID_PATTERN, AccountFailure, BillingRun, RunStatus
from heatportal.domain.delivery import Delivery, DeliveryCounts
from heatportal.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from heatportal.ports import BillingRunRepository, Clock, DeliveryStore, RunStarter
from heatportal.services.access import Principal

FAILURES_LISTED = 500
RUNS_LISTED = 24


@dataclass(frozen=True)
class RunView:
    run: BillingRun
    failures: list[AccountFailure]
    deliveries: DeliveryCounts
    delivery_failures: list[Delivery]


class BillRuns:
    def __init__(
        self, runs: BillingRunRepository, deliveries: DeliveryStore, starter: RunStarter, clock: Clock
    ) -> None:
        self.runs = runs
        self.deliveries = deliveries
        self.starter = starter
        self.clock = clock

    @staticmethod
    def _staff(principal: Principal) -> None:
        if not principal.is_staff:
            raise Forbidden("Only customer service may see bill runs.", code="staff_only")

    def list_runs(self, principal: Principal) -> list[BillingRun]:
        self._staff(principal)
        return self.runs.list_runs(RUNS_LISTED)

    def run(self, principal: Principal, run_id: str) -> RunView:
        self._staff(principal)
        run = self._get(run_id)
        return RunView(
            run=run,
            failures=self.runs.list_failures(run_id)[:FAILURES_LISTED],
            deliveries=self.deliveries.group_counts(run_id),
            delivery_failures=self.deliveries.group_failures(run_id, FAILURES_LISTED),
        )

    def redrive(self, principal: Principal, run_id: str) -> str:
        """Start a new run over this run's failed accounts; returns its id."""
        self._staff(principal)
        run = self._get(run_id)
        if run.status != RunStatus.FINISHED:
            raise Conflict("The run is still running: redrive it when it has finished.", code="run_running")
        if not run.summary or not run.summary.failed:
            raise Conflict("The run has no failed accounts to bill again.", code="run_nothing_to_redrive")
        name = f"redrive-{run.period}-{self.clock.now().strftime('%Y%m%dT%H%M%S%f')}"
        self.starter.start(name, {"redrive_of": run.run_id})
        return name

    def _get(self, run_id: str) -> BillingRun:
        if not re.fullmatch(RUN_ID_PATTERN, run_id):
            raise ValidationFailed("Not a run id.", code="run_id_invalid", fields=[{"field": "run"}])
        run = self.runs.get_run(run_id)
        if run is None:
            raise NotFound("No such bill run.", code="run_not_found")
        return run
