"""A bill run: one execution of the billing state machine for a period, its
progress while it runs, what each batch reports and the summary at the end.

Every batch ends each of its accounts in exactly one outcome: ``billed`` (it
got an invoice from this run), ``already_billed`` (every invoice due existed
before this run), ``skipped`` (nothing to bill: no active meter, no advance
agreed) or ``failed`` (with a reason). Totals cover every invoice of the
period the batch's accounts have, per currency and invoice kind, so they can
be compared with the stored invoices.

The models a step returns are bounded (every list and mapping has a maximum
length): the state machine passes them through Step Functions states, which
AWS caps at 256 KiB (tests/contract/test_state_size.py computes the largest).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from heatportal.domain.model import Frozen, InvoiceKind

MAX_BATCH = 100  # accounts a batch may carry (the state machine sends 25)
FAILURES_SHOWN = 100  # failures a summary carries; the rest are stored with the run
REASON_LENGTH = 300
ACCOUNT_LENGTH = 32

Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", min_length=3, max_length=3)]
Amount = Annotated[Decimal, Field(max_digits=16, decimal_places=2)]
CustomerNumber = Annotated[str, Field(min_length=1, max_length=ACCOUNT_LENGTH)]
# A run is its state machine execution: the execution's name (the scheduler's are UUIDs).
RUN_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,80}$"
RunId = Annotated[str, Field(pattern=RUN_ID_PATTERN, max_length=80)]
PeriodKey = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$", max_length=7)]
# Why accounts had nothing to bill (NothingToBill's codes, e.g. zero_bill_skipped): a handful of codes.
ReasonCode = Annotated[str, Field(max_length=40)]
SkippedReasons = Annotated[dict[ReasonCode, int], Field(max_length=8)]


def add_reasons(first: dict[str, int], second: dict[str, int]) -> dict[str, int]:
    return {code: first.get(code, 0) + second.get(code, 0) for code in sorted({*first, *second})}


class RunPointer(Frozen):
    """What ListAccounts returns: where the run's accounts are, not the accounts."""

    period: PeriodKey
    run_id: RunId
    manifest_key: str = Field(max_length=200)
    accounts: int = Field(ge=0)
    max_concurrency: int = Field(ge=1, le=10_000)


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"


class AccountFailure(Frozen):
    customer_number: CustomerNumber
    reason: str = Field(max_length=REASON_LENGTH)


def failure(customer_number: str, reason: str) -> AccountFailure:
    return AccountFailure(customer_number=customer_number, reason=" ".join(reason.split())[:REASON_LENGTH])


class Tally(Frozen):
    """Invoices per kind and their totals per currency and kind."""

    invoices: dict[InvoiceKind, int] = Field(default_factory=dict, max_length=len(InvoiceKind))
    totals: dict[Currency, dict[InvoiceKind, Amount]] = Field(default_factory=dict, max_length=4)

    def add(self, kind: InvoiceKind, currency: str, amount: Decimal) -> Tally:
        invoices = dict(self.invoices)
        invoices[kind] = invoices.get(kind, 0) + 1
        return self._with(invoices, currency, kind, amount)

    def plus(self, other: Tally) -> Tally:
        invoices = {k: self.invoices.get(k, 0) + other.invoices.get(k, 0) for k in {*self.invoices, *other.invoices}}
        merged = self.model_copy(update={"invoices": invoices})
        for currency, kinds in other.totals.items():
            for kind, amount in kinds.items():
                merged = merged._with(merged.invoices, currency, kind, amount)
        return merged

    def _with(self, invoices: dict[InvoiceKind, int], currency: str, kind: InvoiceKind, amount: Decimal) -> Tally:
        totals = {c: dict(k) for c, k in self.totals.items()}
        per_kind = totals.setdefault(currency, {})
        per_kind[kind] = per_kind.get(kind, Decimal(0)) + amount
        return Tally(invoices=invoices, totals=totals)


class Progress(Frozen):
    """Accounts done so far, by outcome (what the batches recorded)."""

    billed: int = 0
    already_billed: int = 0
    skipped: int = 0
    failed: int = 0
    batches: int = 0
    retried_batches: int = 0

    @property
    def done(self) -> int:
        return self.billed + self.already_billed + self.skipped + self.failed


class BatchOutcome(Frozen):
    """What ``bill_batch`` (or ``record_batch_failure``) returns for its accounts."""

    accounts: int = Field(ge=0, le=MAX_BATCH)
    billed: int = 0
    already_billed: int = 0
    skipped: int = 0
    skipped_reasons: SkippedReasons = Field(default_factory=dict)
    # Accounts whose draft the compliance check held for customer service (also among the failures).
    held: int = 0
    failures: list[AccountFailure] = Field(default_factory=list, max_length=MAX_BATCH)
    tally: Tally = Field(default_factory=Tally)
    pdfs_stored: int = 0
    deliveries_queued: int = 0
    # Invoices whose customer has no e-mail address: in the portal only.
    without_address: int = 0
    # 0 on the first attempt; Step Functions' retry count otherwise.
    attempt: int = Field(default=0, ge=0, le=100)
    # True when the batch failed as a whole and its accounts were reported by record_batch_failure.
    batch_failed: bool = False

    def progress(self) -> Progress:
        return Progress(
            billed=self.billed,
            already_billed=self.already_billed,
            skipped=self.skipped,
            failed=len(self.failures),
            batches=1,
            retried_batches=1 if self.attempt or self.batch_failed else 0,
        )


class RunSummary(Frozen):
    """The run's end, read from every batch's result (the state machine's output)."""

    run_id: RunId
    period: PeriodKey
    accounts: int = Field(ge=0)
    billed: int
    already_billed: int
    skipped: int
    failed: int
    tally: Tally
    skipped_reasons: SkippedReasons = Field(default_factory=dict)
    held: int = 0
    pdfs_stored: int
    deliveries_queued: int
    without_address: int
    batches: int
    retried_batches: int
    failed_batches: int
    failures: list[AccountFailure] = Field(max_length=FAILURES_SHOWN)
    # Every account of the manifest has exactly one outcome, and the batches'
    # progress records add up to the same counts.
    complete: bool
    progress_agrees: bool


class BillingRun(Frozen):
    run_id: RunId
    period: PeriodKey
    accounts: int
    manifest_key: str
    started_at: datetime
    redrive_of: str | None = None
    status: RunStatus = RunStatus.RUNNING
    progress: Progress = Field(default_factory=Progress)
    finished_at: datetime | None = None
    summary: RunSummary | None = None

    @property
    def pending(self) -> int:
        return max(self.accounts - self.progress.done, 0)
