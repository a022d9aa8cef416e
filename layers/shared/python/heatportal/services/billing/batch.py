"""One batch of a bill run: at most a few dozen accounts billed together.

The batch reads what it needs for all its accounts at once (services.billing
.reads), drafts each account's invoices, numbers and stores them in one
transaction per 49 invoices, puts each PDF, records the PDF keys in one
transaction, queues the e-mails in the outbox and adds its outcome to the
run's progress once. Per account that is a handful of requests (the meters,
one window of readings and one of daily values per meter, the PDF) plus a
share of the batch's few.

What can fail, and what happens:

- an account's own problem (no price list, an unreadable register, no such
  customer): that account ends ``failed`` with the reason; the others go on;
- a transient AWS error (throttling, a 5xx, the network) in one account's
  reads or PDF: that account is tried again, ``ACCOUNT_TRIES`` times in all,
  then ``failed`` with the reason; never the batch;
- a transient error in a step of the whole batch (numbering, the PDF keys,
  queuing, progress) is tried again the same way, then raised: the state
  machine retries the batch, and everything done before is found done.

Numbers: a number is taken only by the transaction that stores its invoice,
so a batch that fails before that transaction took none, and one that fails
after it finds its invoices stored (and billed by this run) when retried:
the series stays gapless whatever fails. Accounts billed by another run
(two runs of one period at once) drop out of the transaction and count as
billed before.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Protocol, TypeVar

from heatportal.domain.billing_run import AccountFailure, BatchOutcome, Tally, failure
from heatportal.domain.delivery import Delivery
from heatportal.domain.errors import DomainError, TransientFailure
from heatportal.domain.model import BillingPeriod, Customer, Invoice
from heatportal.domain.tariff import MissingPrice
from heatportal.ports import AccountsToBill, DeliveryStore, InvoiceRepository, NewInvoice, PdfStored, StoredInvoice
from heatportal.services.billing.drafts import DraftOf
from heatportal.services.billing.guards import InvoiceHeld
from heatportal.services.billing.issuing import InvoiceIssuer, invoice_delivery_id
from heatportal.services.billing.pricing import CONSUMPTION_KEY, NothingToBill
from heatportal.services.delivery.outbox import Outbox

logger = logging.getLogger(__name__)

ACCOUNT_TRIES = 3
T = TypeVar("T")
# The errors that are an account's own: recorded as its failure, never retried.
ACCOUNT_ERRORS = (DomainError, MissingPrice, LookupError, ValueError)


@dataclass
class AccountWork:
    number: str
    customer: Customer | None
    invoices: list[StoredInvoice] = field(default_factory=list)
    finals: list[Invoice] = field(default_factory=list)  # final invoices of ended contracts issued now
    failure: AccountFailure | None = None
    skipped_because: str | None = None  # NothingToBill's code
    held: bool = False  # the compliance check held a draft (also its failure)

    def fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = failure(self.number, reason)


class FinalInvoiceSource(Protocol):
    def issue_due(self, customer: Customer, through: BillingPeriod) -> list[Invoice]:
        """Issue the final invoices of the account's ended contracts up to the
        period (each once, with its PDF and its e-mail queued)."""
        ...


class LateReadings(Protocol):
    def before_billing(self, customer: Customer, period_key: str) -> object:
        """Correct last month's bill first when an actual reading replaced the estimate it ended on."""
        ...


@dataclass(frozen=True)
class BatchSteps:
    """The kinds of invoice the batch issues, in order, with the draft of each."""

    kinds: Sequence[tuple[str, DraftOf]]


class Retrier:
    """Tries a step again after a transient failure, with growing, jittered pauses."""

    def __init__(self, sleep: Callable[[float], None], tries: int = ACCOUNT_TRIES) -> None:
        self.sleep = sleep
        self.tries = tries
        self.retried = 0

    def __call__(self, step: Callable[[], T]) -> T:
        for attempt in range(1, self.tries + 1):
            try:
                return step()
            except TransientFailure:
                if attempt == self.tries:
                    raise
                self.retried += 1
                self.sleep(random.uniform(0.5, 1.0) * 0.2 * 2**attempt)  # noqa: S311 - jitter, not a secret
        raise AssertionError("unreachable")  # the loop returns or raises


class BatchBilling:
    def __init__(
        self,
        run_id: str,
        period: BillingPeriod,
        issued: date,
        accounts: AccountsToBill,
        invoices: InvoiceRepository,
        issuer: InvoiceIssuer,
        outbox: Outbox,
        deliveries: DeliveryStore,
        retry: Retrier,
        final_invoices: FinalInvoiceSource | None = None,
        corrections: LateReadings | None = None,
    ) -> None:
        self.run_id = run_id
        self.period = period
        self.issued = issued
        self.accounts = accounts
        self.invoices = invoices
        self.issuer = issuer
        self.outbox = outbox
        self.deliveries = deliveries
        self.retry = retry
        self.final_invoices = final_invoices
        self.corrections = corrections

    def bill(self, numbers: Sequence[str], steps: BatchSteps, attempt: int) -> BatchOutcome:
        work, pdfs = self.issue(numbers, steps)
        queued, without_address = self._queue_deliveries(work)
        return self._outcome(work, attempt, pdfs, queued, without_address)

    def issue(self, numbers: Sequence[str], steps: BatchSteps) -> tuple[list[AccountWork], int]:
        """Steps 0 to 2: each account's invoices issued, numbered and stored
        with their PDFs, nothing sent yet. Returns the accounts' work and how
        many PDFs were stored."""
        work = [AccountWork(n, self.accounts.customers.get(n)) for n in dict.fromkeys(numbers)]
        for account in work:
            if account.customer is None:
                account.fail("NotFound: no such customer")
        self._issue_final_invoices(work)
        self._correct_late_readings(work)
        for kind_key, draft_of in steps.kinds:
            self._issue_kind(work, kind_key, draft_of)
        return work, self._store_pdfs(work)

    # --- 0. the final invoices of ended contracts (moving out), before the period's own bills --------
    def _issue_final_invoices(self, work: list[AccountWork]) -> None:
        """Rare (a customer who moved out), so issued one by one through the
        issuer's own path: numbered once per supply, its PDF, its e-mail."""
        if self.final_invoices is None:
            return
        for account in work:
            customer = account.customer
            if customer is None or account.failure is not None or customer.final_invoice_due is None:
                continue
            try:
                account.finals += self.retry(partial(self.final_invoices.issue_due, customer, self.period))
            except NothingToBill:
                continue
            except TransientFailure as error:
                account.fail(f"final invoice: TransientFailure after {self.retry.tries} tries: {error}")
            except ACCOUNT_ERRORS as error:
                account.fail(f"final invoice: {type(error).__name__}: {error}")

    def _correct_late_readings(self, work: list[AccountWork]) -> None:
        """Last month's bill corrected first when it ended on an estimate (seen
        on the bill the batch read already: no request for the others)."""
        if self.corrections is None:
            return
        previous = self.period.previous().key
        for account in work:
            customer = account.customer
            if customer is None or account.failure is not None:
                continue
            last = self.accounts.billed.get((account.number, previous, CONSUMPTION_KEY))
            if last is None or not any(v.end_estimated for v in last.invoice.meter_values):
                continue
            try:
                self.retry(partial(self.corrections.before_billing, customer, self.period.key))
            except TransientFailure as error:
                account.fail(f"correction: TransientFailure after {self.retry.tries} tries: {error}")
            except ACCOUNT_ERRORS as error:
                account.fail(f"correction: {type(error).__name__}: {error}")

    # --- 1. drafts, numbered in one transaction per kind ------------------------------------------
    def _issue_kind(self, work: list[AccountWork], kind_key: str, draft_of: DraftOf) -> None:
        new: list[tuple[AccountWork, NewInvoice]] = []
        for account in work:
            if account.failure is not None or account.customer is None:
                continue
            existing = self.accounts.billed.get((account.number, self.period.key, kind_key))
            if existing is not None:
                account.invoices.append(existing)
                continue
            customer = account.customer
            try:
                draft = self.retry(partial(draft_of, customer, self.period, self.issued))
            except NothingToBill as nothing:
                account.skipped_because = account.skipped_because or nothing.code
                continue
            except InvoiceHeld as held:
                account.held = True
                account.fail(f"held: {', '.join(r.key for r in held.reasons)}")
                continue
            except TransientFailure as error:
                account.fail(f"TransientFailure after {self.retry.tries} tries: {error}")
                continue
            except ACCOUNT_ERRORS as error:
                logger.warning("billing failed", extra={"customer": account.number, "error": type(error).__name__})
                account.fail(f"{type(error).__name__}: {error}")
                continue
            new.append((account, NewInvoice(draft, kind_key, self.issuer.reference(account.number))))
        if not new:
            return
        numbering = partial(self.invoices.create_invoices_once, [n for _, n in new], created_by=self.run_id)
        stored = self.retry(numbering)
        for (account, _), invoice in zip(new, stored, strict=True):
            account.invoices.append(invoice)

    # --- 2. PDFs, their keys in one transaction -----------------------------------------------------
    def _store_pdfs(self, work: list[AccountWork]) -> int:
        stored: list[PdfStored] = []
        for account in work:
            if account.customer is None:
                continue
            for index, held in enumerate(account.invoices):
                if held.invoice.pdf_key:
                    continue
                invoice = held.invoice
                try:
                    with_key = self.retry(partial(self.issuer.store_pdf, invoice, account.customer))
                except (TransientFailure, *ACCOUNT_ERRORS) as error:
                    account.fail(f"invoice {invoice.number} stored, its PDF not: {type(error).__name__}: {error}")
                    continue
                account.invoices[index] = StoredInvoice(with_key, held.created, held.created_by)
                stored.append(PdfStored(account.number, invoice.number, str(with_key.pdf_key)))
        if stored:
            self.retry(partial(self.invoices.set_pdf_keys, stored))
        return len(stored)

    # --- 3. e-mails into the outbox -------------------------------------------------------------------
    def _queue_deliveries(self, work: list[AccountWork]) -> tuple[int, int]:
        """Returns (deliveries stored now, invoices without an e-mail address)."""
        with_pdf = [(a.customer, h.invoice) for a in work if a.customer for h in a.invoices if h.invoice.pdf_key]
        without_address = sum(1 for customer, _ in with_pdf if not customer.email)
        stored_before = {s.invoice.number for s in self.accounts.billed.values()}
        ids_before = [invoice_delivery_id(i) for _, i in with_pdf if i.number in stored_before]
        known = self.retry(partial(self.deliveries.get_many, ids_before)) if ids_before else {}
        deliveries: list[Delivery] = []
        for customer, invoice in with_pdf:
            queued = known.get(invoice_delivery_id(invoice))
            delivery = queued or self.issuer.delivery_of(invoice, customer, group=self.run_id)
            if delivery is not None:
                deliveries.append(delivery)
        added = self.retry(partial(self.outbox.enqueue, deliveries, known))
        return len(added), without_address

    # --- the outcome ------------------------------------------------------------------------------------
    def _outcome(
        self, work: list[AccountWork], attempt: int, pdfs: int, queued: int, without_address: int
    ) -> BatchOutcome:
        billed = already = skipped = held = 0
        reasons: dict[str, int] = {}
        failures: list[AccountFailure] = []
        tally = Tally()
        for account in work:
            for invoice in [*(h.invoice for h in account.invoices), *account.finals]:
                tally = tally.add(invoice.kind, invoice.currency, invoice.total)
            if account.failure is not None:
                failures.append(account.failure)
            elif account.finals or any(h.created or h.created_by == self.run_id for h in account.invoices):
                billed += 1
            elif account.invoices:
                already += 1
            else:
                skipped += 1
                code = account.skipped_because or "nothing_to_bill"
                reasons[code] = reasons.get(code, 0) + 1
            held += account.held
        return BatchOutcome(
            accounts=len(work),
            billed=billed,
            already_billed=already,
            skipped=skipped,
            skipped_reasons=reasons,
            held=held,
            failures=failures,
            tally=tally,
            pdfs_stored=pdfs,
            deliveries_queued=queued,
            without_address=without_address,
            attempt=attempt,
        )
