"""The monthly bill run: the billing state machine's steps (infra/billing.asl.json).

- ``plan``: write the run's account manifest (every account to bill, or the
  failed accounts of a run being redriven) and record the run; returns a
  pointer of constant size, whatever the number of accounts;
- ``bill_batch``: one batch of the manifest (services.billing.batch);
- ``record_batch_failure``: a batch that failed after its retries: each
  account is reported by what is stored for it;
- ``summarize``: read every batch's result from the result files the
  Distributed Map wrote, record the accounts of batches that reported
  nothing as failed, compare with the progress the batches recorded, and
  store the summary on the run.

Every step is safe to repeat. Outside a run, ``bill_history`` bills a batch
of accounts for a past period as a batch does (loading history: the demo) and
``bill_account`` one account at a time (tests).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from heatportal.domain.billing_run import (
    FAILURES_SHOWN,
    MAX_BATCH,
    RUN_ID_PATTERN,
    AccountFailure,
    BatchOutcome,
    BillingRun,
    Progress,
    RunPointer,
    RunSummary,
    Tally,
    add_reasons,
    failure,
)
from heatportal.domain.errors import DomainError, NotFound, ValidationFailed
from heatportal.domain.model import BillingPeriod, Invoice
from heatportal.domain.profile import BillingMode, UtilityProfile
from heatportal.ports import (
    BillingReader,
    BillingRunRepository,
    Clock,
    CustomerRepository,
    DeliveryStore,
    InvoiceRepository,
    ReadingRepository,
    RunManifests,
)
from heatportal.services.billing.batch import BatchBilling, BatchSteps, FinalInvoiceSource, LateReadings, Retrier
from heatportal.services.billing.drafts import InvoiceDrafts
from heatportal.services.billing.issuing import InvoiceIssuer, invoice_delivery_id
from heatportal.services.billing.pricing import ADVANCE_KEY, CONSUMPTION_KEY, SETTLEMENT_KEY
from heatportal.services.billing.reads import BatchReads
from heatportal.services.delivery.outbox import Outbox

logger = logging.getLogger(__name__)


BATCH_SIZE = 25
HISTORY = "history"  # what marks the invoices ``bill_history`` stored (a run's id marks a run's)
MAX_CONCURRENCY = 120
MANIFESTS = "billing-runs"

# Pricing and drafting on one batch's reads (the composition root builds them).
BatchDrafts = Callable[[BatchReads], InvoiceDrafts]


class RunRequest(BaseModel):
    """The execution's input: the schedule's, or a redrive's."""

    model_config = ConfigDict(extra="ignore")

    period: str | None = Field(default=None, pattern=r"^(previous|\d{4}-\d{2})$")
    redrive_of: str | None = Field(default=None, pattern=RUN_ID_PATTERN)


@dataclass(frozen=True)
class ChildResult:
    """One child of the Distributed Map, from the ResultWriter's files."""

    status: Literal["SUCCEEDED", "FAILED", "PENDING"]
    accounts: list[str]
    outcome: BatchOutcome | None
    error: str


def batch_pairs(period: BillingPeriod, kinds: Sequence[str]) -> list[tuple[str, str]]:
    """The (period key, kind key) pairs a batch reads before billing: what the
    period's steps may have stored already, last month's consumption invoice
    (a correction's base), and the same period a year earlier (the bill's
    comparison with last year when daily values do not reach back)."""
    year_earlier = BillingPeriod(year=period.year - 1, month=period.month).key
    pairs = [(period.key, kind) for kind in kinds] + [(period.previous().key, CONSUMPTION_KEY)]
    pairs += [(year_earlier, kind) for kind in kinds if kind in (CONSUMPTION_KEY, SETTLEMENT_KEY)]
    return list(dict.fromkeys(pairs))


class BillRun:
    def __init__(
        self,
        *,
        profile: UtilityProfile,
        customers: CustomerRepository,
        readings: ReadingRepository,
        invoices: InvoiceRepository,
        runs: BillingRunRepository,
        reader: BillingReader,
        manifests: RunManifests,
        deliveries: DeliveryStore,
        outbox: Outbox,
        clock: Clock,
        drafts: InvoiceDrafts,
        batch_drafts: BatchDrafts,
        issuer: InvoiceIssuer,
        sleep: Callable[[float], None] = time.sleep,
        max_concurrency: int = MAX_CONCURRENCY,
        corrections: LateReadings | None = None,
        final_invoices: FinalInvoiceSource | None = None,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.readings = readings
        self.invoices = invoices
        self.runs = runs
        self.reader = reader
        self.manifests = manifests
        self.deliveries = deliveries
        self.outbox = outbox
        self.clock = clock
        self.drafts = drafts
        self.batch_drafts = batch_drafts
        self.issuer = issuer
        self.sleep = sleep
        self.max_concurrency = max_concurrency
        self.corrections = corrections if self.profile.billing_mode != BillingMode.ADVANCE_YEARLY else None
        self.final_invoices = final_invoices

    # --- which bills -----------------------------------------------------------------------------------
    @property
    def advance_mode(self) -> bool:
        """Monthly advances and a yearly settlement, when the profile says so
        and the advance payments are wired in."""
        return self.profile.billing_mode == BillingMode.ADVANCE_YEARLY and self.drafts.advances is not None

    @property
    def kind_key(self) -> str:
        """The kind of the monthly bill: what marks an account billed for a period."""
        return ADVANCE_KEY if self.advance_mode else CONSUMPTION_KEY

    def steps(self, period: BillingPeriod, drafts: InvoiceDrafts) -> BatchSteps:
        """The bills of the period, in order: December's settlement deducts the
        advances, December's among them, so it comes after."""
        if not self.advance_mode:
            return BatchSteps(((CONSUMPTION_KEY, drafts.consumption),))
        if period.month == 12:
            return BatchSteps(((ADVANCE_KEY, drafts.advance), (SETTLEMENT_KEY, drafts.settlement)))
        return BatchSteps(((ADVANCE_KEY, drafts.advance),))

    def resolve_period(self, requested: str | None) -> BillingPeriod:
        """'previous' (the schedule's default) is the month before today."""
        if not requested or requested == "previous":
            today = self.clock.today()
            return BillingPeriod(year=today.year, month=today.month).previous()
        return BillingPeriod.parse(requested)

    # --- ListAccounts --------------------------------------------------------------------------------
    def plan(self, request: RunRequest, run_id: str) -> RunPointer:
        """The run's manifest in S3 and the run recorded; a retry writes the same."""
        if request.redrive_of:
            redriven = self.runs.get_run(request.redrive_of)
            if redriven is None:
                raise NotFound(f"run {request.redrive_of} not found", code="run_not_found")
            period = BillingPeriod.parse(redriven.period)
            accounts = sorted({f.customer_number for f in self.runs.list_failures(redriven.run_id)})
        else:
            period = self.resolve_period(request.period)
            accounts = self.customers.list_account_numbers()
        key = f"{MANIFESTS}/{run_id}/accounts.json"
        self.manifests.write_accounts(key, accounts)
        run = self.runs.start_run(
            BillingRun(
                run_id=run_id,
                period=period.key,
                accounts=len(accounts),
                manifest_key=key,
                started_at=self.clock.now(),
                redrive_of=request.redrive_of,
            )
        )
        return RunPointer(
            period=run.period,
            run_id=run.run_id,
            manifest_key=run.manifest_key,
            accounts=run.accounts,
            max_concurrency=self.max_concurrency,
        )

    # --- BillBatch -------------------------------------------------------------------------------------
    def bill_batch(self, run_id: str, period_key: str, accounts: Sequence[str], attempt: int = 0) -> BatchOutcome:
        if not accounts or len(accounts) > MAX_BATCH:
            raise ValidationFailed(f"a batch has 1 to {MAX_BATCH} accounts", code="batch_invalid")
        period = BillingPeriod.parse(period_key)
        retry = Retrier(self.sleep)
        with self._batch(run_id, period, accounts, self.clock.today(), retry, self.corrections) as (batch, steps):
            outcome = batch.bill(accounts, steps, attempt)
        self._record(run_id, period, accounts, outcome, retry)
        return outcome

    def bill_history(self, period: BillingPeriod, accounts: Sequence[str], issued_on: date) -> dict[str, list[Invoice]]:
        """A past period's bills of a batch of accounts, read, drafted, numbered
        and stored as a run's batch does it, but issued on ``issued_on``, never
        sent (delivered long ago), recorded in no run and with no late reading
        corrected (loading history: the demo). Returns each billed account's
        invoices in the order of the period's kinds (an account with nothing
        to bill has none); raises a DomainError (history_not_billed) naming
        each account that failed and why."""
        if not accounts or len(accounts) > MAX_BATCH:
            raise ValidationFailed(f"a batch has 1 to {MAX_BATCH} accounts", code="batch_invalid")
        with self._batch(HISTORY, period, accounts, issued_on, Retrier(self.sleep), None) as (batch, steps):
            work, _pdfs = batch.issue(accounts, steps)
        failed = [w.failure for w in work if w.failure is not None]
        if failed:
            reason = "; ".join(f"{f.customer_number}: {f.reason}" for f in failed)
            raise DomainError(reason, code="history_not_billed", params={"reason": reason})
        return {w.number: [h.invoice for h in w.invoices] for w in work if w.invoices}

    @contextmanager
    def _batch(
        self,
        run_id: str,
        period: BillingPeriod,
        accounts: Sequence[str],
        issued: date,
        retry: Retrier,
        corrections: LateReadings | None,
    ) -> Iterator[tuple[BatchBilling, BatchSteps]]:
        """A batch's billing on what it read for all its accounts at once, and
        the period's kinds drafted on those reads."""
        kinds = [kind for kind, _ in self.steps(period, self.drafts).kinds]
        pairs = batch_pairs(period, kinds)
        debit = self.profile.payment.direct_debit is not None
        snapshot = retry(lambda: self.reader.read_accounts(list(accounts), pairs, bank_accounts=debit))
        reads = BatchReads(snapshot, pairs, period, self.customers, self.readings, self.invoices)
        drafts = self.batch_drafts(reads)
        with drafts.pricing.spot_prices_cached():
            yield (
                BatchBilling(
                    run_id,
                    period,
                    issued,
                    snapshot,
                    self.invoices,
                    self.issuer,
                    self.outbox,
                    self.deliveries,
                    retry,
                    self.final_invoices,
                    corrections,
                ),
                self.steps(period, drafts),
            )

    def _record(
        self, run_id: str, period: BillingPeriod, accounts: Sequence[str], outcome: BatchOutcome, retry: Retrier
    ) -> None:
        if outcome.failures:
            retry(lambda: self.runs.record_failures(run_id, period.key, outcome.failures))
        # A batch is known by its first account (the manifest lists each account once).
        retry(lambda: self.runs.record_batch(run_id, accounts[0], outcome.progress()))

    # --- RecordBatchFailure ----------------------------------------------------------------------------
    def record_batch_failure(
        self, run_id: str, period_key: str, accounts: Sequence[str], error: object
    ) -> BatchOutcome:
        """After the batch's retries: each account by what is stored for it. An
        account with every invoice due stored, its PDF too and its e-mail
        queued (or no address) is counted; any other is failed with the error."""
        period = BillingPeriod.parse(period_key)
        retry = Retrier(self.sleep)
        kinds = [kind for kind, _ in self.steps(period, self.drafts).kinds]
        snapshot = retry(lambda: self.reader.read_accounts(list(accounts), [(period.key, k) for k in kinds]))
        stored = [s for key, s in snapshot.billed.items() if key[1] == period.key]
        ids = [invoice_delivery_id(s.invoice) for s in stored]
        queued = retry(lambda: self.deliveries.get_many(ids)) if ids else {}
        reason = f"batch failed after retries: {_error_text(error)}"
        outcome = BatchOutcome(accounts=len(accounts), batch_failed=True)
        tally, failures = Tally(), []
        billed = already = 0
        for number in accounts:
            invoices = [s for s in stored if s.invoice.customer_number == number]
            for held in invoices:
                tally = tally.add(held.invoice.kind, held.invoice.currency, held.invoice.total)
            customer = snapshot.customers.get(number)
            complete = bool(invoices) and all(
                h.invoice.pdf_key and (invoice_delivery_id(h.invoice) in queued or not (customer and customer.email))
                for h in invoices
            )
            if not complete:
                failures.append(failure(number, reason))
            elif any(h.created_by == run_id for h in invoices):
                billed += 1
            else:
                already += 1
        outcome = outcome.model_copy(
            update={"billed": billed, "already_billed": already, "failures": failures, "tally": tally}
        )
        self._record(run_id, period, accounts, outcome, retry)
        return outcome

    # --- Summarize ------------------------------------------------------------------------------------------
    def summarize(self, run_id: str, period_key: str, result_writer: dict[str, str]) -> RunSummary:
        run = self.runs.get_run(run_id)
        if run is None:
            raise NotFound(f"run {run_id} not found", code="run_not_found")
        total = Progress()
        tally = Tally()
        pdfs = queued = without_address = failed_batches = accounts = held = 0
        reasons: dict[str, int] = {}
        shown: list[AccountFailure] = []
        for child in self.map_results(result_writer):
            accounts += len(child.accounts)
            outcome = child.outcome
            if outcome is None:
                # Neither the batch nor its failure step reported: every account failed.
                failed_batches += 1
                outcome = BatchOutcome(
                    accounts=len(child.accounts),
                    failures=[failure(n, f"batch reported nothing: {child.error}") for n in child.accounts],
                    batch_failed=True,
                )
                self.runs.record_failures(run_id, period_key, outcome.failures)
            elif outcome.batch_failed:
                failed_batches += 1
            progress = outcome.progress()
            total = Progress(**{k: getattr(total, k) + getattr(progress, k) for k in Progress.model_fields})
            tally = tally.plus(outcome.tally)
            pdfs += outcome.pdfs_stored
            queued += outcome.deliveries_queued
            without_address += outcome.without_address
            held += outcome.held
            reasons = add_reasons(reasons, outcome.skipped_reasons)
            shown += outcome.failures[: FAILURES_SHOWN - len(shown)]
        recorded = self.runs.get_run(run_id) or run
        summary = RunSummary(
            run_id=run_id,
            period=period_key,
            accounts=run.accounts,
            billed=total.billed,
            already_billed=total.already_billed,
            skipped=total.skipped,
            failed=total.failed,
            tally=tally,
            skipped_reasons=reasons,
            held=held,
            pdfs_stored=pdfs,
            deliveries_queued=queued,
            without_address=without_address,
            batches=total.batches,
            retried_batches=total.retried_batches,
            failed_batches=failed_batches,
            failures=shown,
            complete=accounts == run.accounts and total.done == run.accounts,
            progress_agrees=_agrees(recorded.progress, total),
        )
        if not summary.progress_agrees:
            logger.warning("progress records and result files disagree", extra={"run_id": run_id})
        self.runs.finish_run(run_id, summary, self.clock.now())
        return summary

    def map_results(self, where: dict[str, str]) -> Iterator[ChildResult]:
        """Every child of the Distributed Map, from the ResultWriter's manifest
        (AWS's shape: the children's Input and Output are JSON text)."""
        manifest: Any = self.manifests.read_json(where["Bucket"], where["Key"])
        for status in ("SUCCEEDED", "FAILED", "PENDING"):
            for part in manifest["ResultFiles"].get(status, []):
                children: Any = self.manifests.read_json(manifest["DestinationBucket"], part["Key"])
                for child in children:
                    accounts = [str(a) for a in json.loads(child["Input"])["Items"]]
                    output = child.get("Output")
                    outcome = BatchOutcome.model_validate_json(output) if status == "SUCCEEDED" and output else None
                    error = f"{child.get('Error', status)}: {str(child.get('Cause', ''))[:200]}"
                    yield ChildResult(status, accounts, outcome, error)

    # --- one account, outside a run ---------------------------------------------------------------------
    def bill_account(
        self, customer_number: str, period: BillingPeriod, issued_on: date | None = None, *, deliver: bool = True
    ) -> tuple[Invoice, bool]:
        """Issue (once) the account's bills for the period. Returns (the
        monthly invoice, created). ``issued_on`` defaults to today; loading
        history passes the real date and ``deliver`` False (``bill_history``
        does that for a batch of accounts on the batch's reads)."""
        customer = self.customers.get_customer(customer_number)
        if customer is None:
            raise NotFound(f"customer {customer_number} not found", code="not_found")
        issued = issued_on or self.clock.today()
        if self.final_invoices is not None and customer.final_invoice_due is not None:
            # A contract that ended (moving out): its final invoice first, so the
            # period's own bill is what remains.
            self.final_invoices.issue_due(customer, period)
        if self.corrections is not None and issued_on is None:
            # A late reading for last month's bill: its correction comes first.
            self.corrections.before_billing(customer, period.key)
        first: tuple[Invoice, bool] | None = None
        for kind, draft_of in self.steps(period, self.drafts).kinds:
            issued_now = self.issuer.issue(customer, period, kind, issued, draft_of, deliver=deliver)
            first = first or issued_now
        assert first is not None  # every period has a monthly bill
        return first


def _agrees(recorded: Progress, counted: Progress) -> bool:
    return all(getattr(recorded, k) == getattr(counted, k) for k in ("billed", "already_billed", "skipped", "failed"))


def _error_text(error: object) -> str:
    """Step Functions' caught error ({"Error": ..., "Cause": ...}) in one short line."""
    if isinstance(error, dict):
        cause = str(error.get("Cause", ""))
        try:
            parsed = json.loads(cause)
            cause = str(parsed.get("errorMessage", cause)) if isinstance(parsed, dict) else cause
        except ValueError:
            pass
        return f"{error.get('Error', 'Error')}: {cause}"[:250]
    return str(error)[:250]
