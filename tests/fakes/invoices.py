"""Invoices, invoice statuses, bill runs and a batch's reads in memory, with
the semantics of their DynamoDB adapters (held to them by tests/contract/ports):

- an invoice is created at most once per customer, period and kind key, with
  the next gapless number; the number is only taken when the invoice is stored;
  many invoices numbered at once take consecutive numbers in their order;
- a bill run is stored once per id; a batch adds its progress once per batch
  key; a failure is one item per run and customer (a later one replaces it);
- a correction takes the next numbers of the same series for its credit note
  and corrected invoice, all or nothing, and credits an invoice at most once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from heatportal.domain.billing_run import AccountFailure, BillingRun, Progress, RunStatus, RunSummary, failure
from heatportal.domain.errors import Conflict
from heatportal.domain.model import BillingPeriod, Customer, Invoice, InvoiceStatus
from heatportal.ports import (
    AccountsToBill,
    BillingReader,
    BillingRunRepository,
    CorrectionRecord,
    CorrectionStore,
    CustomerRepository,
    HeldInvoice,
    HoldRepository,
    InvoiceRepository,
    InvoiceStatusWriter,
    NewInvoice,
    PdfStored,
    RunManifests,
    RunStarter,
    StoredCorrection,
    StoredInvoice,
)


class InMemoryInvoiceRepository(InvoiceRepository):
    def __init__(self) -> None:
        self.invoices: dict[tuple[str, int], Invoice] = {}
        # (customer, period key, kind key) -> (invoice number, created by)
        self.billed: dict[tuple[str, str, str], tuple[int, str]] = {}
        self.counter = 0
        # Errors raised by the next numbering calls, in order (a throttled table, say).
        self.fail_next: list[Exception] = []

    def create_invoice_once(self, draft: Invoice, *, kind_key: str, reference: Callable[[int], str]) -> StoredInvoice:
        return self.create_invoices_once([NewInvoice(draft, kind_key, reference)])[0]

    def create_invoices_once(self, new: Sequence[NewInvoice], *, created_by: str = "") -> list[StoredInvoice]:
        if self.fail_next:
            raise self.fail_next.pop(0)
        markers = [(n.draft.customer_number, n.draft.period.key, n.kind_key) for n in new]
        if len(set(markers)) != len(markers):
            raise ValueError("the same customer, period and kind key twice in one call")
        stored: list[StoredInvoice] = []
        for marker, item in zip(markers, new, strict=True):
            if marker in self.billed:
                number, by = self.billed[marker]
                stored.append(StoredInvoice(self.invoices[(marker[0], number)], created=False, created_by=by))
                continue
            number = self.counter + 1
            invoice = item.draft.model_copy(update={"number": number, "payment_reference": item.reference(number)})
            # Counter, marker and invoice change together, like the DynamoDB transaction.
            self.counter = number
            self.billed[marker] = (number, created_by)
            self.invoices[(invoice.customer_number, number)] = invoice
            stored.append(StoredInvoice(invoice, created=True, created_by=created_by))
        return stored

    def find_billed(self, customer_number: str, period: BillingPeriod, kind_key: str) -> Invoice | None:
        found = self.billed.get((customer_number, period.key, kind_key))
        return None if found is None else self.invoices.get((customer_number, found[0]))

    def get_invoice(self, customer_number: str, number: int) -> Invoice | None:
        return self.invoices.get((customer_number, number))

    def list_invoices(self, customer_number: str) -> list[Invoice]:
        return sorted(
            (i for (c, _), i in self.invoices.items() if c == customer_number), key=lambda i: i.number, reverse=True
        )

    def all_numbers(self) -> list[int]:
        return sorted(number for (_, number) in self.invoices)

    def set_pdf_key(self, customer_number: str, number: int, key: str) -> None:
        invoice = self.invoices[(customer_number, number)]  # KeyError ~ attribute_exists(PK) failing
        self.invoices[(customer_number, number)] = invoice.model_copy(update={"pdf_key": key})

    def set_pdf_keys(self, stored: Sequence[PdfStored]) -> None:
        for pdf in stored:
            self.invoices[(pdf.customer_number, pdf.number)]
        for pdf in stored:
            self.set_pdf_key(pdf.customer_number, pdf.number, pdf.key)


class InMemoryInvoiceStatusWriter(InvoiceStatusWriter):
    """Sets an invoice's status in the in-memory invoice repository (DynamoRepository.set_status)."""

    def __init__(self, invoices: InMemoryInvoiceRepository) -> None:
        self.invoices = invoices

    def set_status(self, customer_number: str, number: int, status: str) -> None:
        invoice = self.invoices.invoices[(customer_number, number)]
        self.invoices.invoices[(customer_number, number)] = invoice.model_copy(update={"status": InvoiceStatus(status)})


class InMemoryBillingReader(BillingReader):
    """The batch's reads from the customer and invoice fakes (DynamoBillingReader)."""

    def __init__(self, customers: CustomerRepository, invoices: InMemoryInvoiceRepository) -> None:
        self.customers = customers
        self.invoices = invoices
        self.reads = 0

    def read_accounts(
        self, customer_numbers: Sequence[str], billed: Sequence[tuple[str, str]], *, bank_accounts: bool = False
    ) -> AccountsToBill:
        """Bank accounts are not among the fakes: None, and drafting asks its own store."""
        self.reads += 1
        customers: dict[str, Customer] = {}
        for number in customer_numbers:
            customer = self.customers.get_customer(number)
            if customer is not None:
                customers[number] = customer
        stored: dict[tuple[str, str, str], StoredInvoice] = {}
        for number in customer_numbers:
            for period, kind in billed:
                found = self.invoices.billed.get((number, period, kind))
                if found is not None:
                    invoice = self.invoices.invoices[(number, found[0])]
                    stored[(number, period, kind)] = StoredInvoice(invoice, False, found[1])
        return AccountsToBill(customers=customers, billed=stored)


class InMemoryBillingRunRepository(BillingRunRepository):
    def __init__(self) -> None:
        self.runs: dict[str, BillingRun] = {}
        self.batches: set[tuple[str, str]] = set()
        self.failures: dict[str, dict[str, AccountFailure]] = {}

    def start_run(self, run: BillingRun) -> BillingRun:
        return self.runs.setdefault(run.run_id, run)

    def get_run(self, run_id: str) -> BillingRun | None:
        return self.runs.get(run_id)

    def list_runs(self, limit: int) -> list[BillingRun]:
        return sorted(self.runs.values(), key=lambda r: (r.started_at, r.run_id), reverse=True)[:limit]

    def record_batch(self, run_id: str, batch_key: str, progress: Progress) -> bool:
        if (run_id, batch_key) in self.batches or run_id not in self.runs:
            return False
        self.batches.add((run_id, batch_key))
        run = self.runs[run_id]
        added = {k: getattr(run.progress, k) + getattr(progress, k) for k in Progress.model_fields}
        self.runs[run_id] = run.model_copy(update={"progress": Progress(**added)})
        return True

    def record_failures(self, run_id: str, period: str, failures: Sequence[AccountFailure]) -> None:
        for f in failures:
            self.failures.setdefault(run_id, {})[f.customer_number] = failure(f.customer_number, f.reason)

    def list_failures(self, run_id: str) -> list[AccountFailure]:
        return [f for _, f in sorted(self.failures.get(run_id, {}).items())]

    def finish_run(self, run_id: str, summary: RunSummary, finished_at: datetime) -> None:
        run = self.runs[run_id]
        self.runs[run_id] = run.model_copy(
            update={"status": RunStatus.FINISHED, "summary": summary, "finished_at": finished_at}
        )


class InMemoryRunManifests(RunManifests):
    """Manifests and result files (S3RunManifests) as JSON values, by bucket and key."""

    def __init__(self, bucket: str = "documents") -> None:
        self.bucket = bucket
        self.objects: dict[tuple[str, str], object] = {}

    def write_accounts(self, key: str, customer_numbers: Sequence[str]) -> None:
        self.objects[(self.bucket, key)] = list(customer_numbers)

    def read_json(self, bucket: str, key: str) -> object:
        return self.objects[(bucket, key)]


class RecordingRunStarter(RunStarter):
    """Starts nothing: records each execution asked for (StepFunctionsRunStarter)."""

    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, str]]] = []

    def start(self, name: str, run_input: Mapping[str, str]) -> None:
        self.started.append((name, dict(run_input)))


class InMemoryCorrectionStore(CorrectionStore):
    """Corrections on the in-memory invoice repository, all or nothing, like the
    DynamoDB transaction (adapters.dynamo_corrections.DynamoCorrectionStore)."""

    def __init__(self, invoices: InMemoryInvoiceRepository) -> None:
        self.invoices = invoices
        self.records: dict[tuple[str, int], CorrectionRecord] = {}

    def store_correction(
        self,
        original: Invoice,
        credit_note: Invoice,
        corrected: Invoice,
        *,
        kind_key: str,
        reference: Callable[[int], str],
        record: CorrectionRecord,
    ) -> StoredCorrection:
        repo = self.invoices
        current = repo.invoices.get((original.customer_number, original.number))
        if current is None or current.credited_by is not None or current.status == InvoiceStatus.CREDITED:
            raise Conflict("This invoice has already been corrected.", code="invoice_already_corrected")
        first = repo.counter + 1
        replacement = corrected.model_copy(
            update={
                "number": first + 1,
                "payment_reference": reference(first + 1),
                "corrects": original.number,
                "credit_note": first,
            }
        )
        credit = credit_note.model_copy(
            update={
                "number": first,
                "payment_reference": reference(first),
                "corrects": original.number,
                "replaced_by": replacement.number,
            }
        )
        stored = replace(record, credit_note=credit.number, corrected=replacement.number)
        repo.counter = replacement.number
        repo.invoices[(credit.customer_number, credit.number)] = credit
        repo.invoices[(replacement.customer_number, replacement.number)] = replacement
        repo.invoices[(original.customer_number, original.number)] = current.model_copy(
            update={"status": InvoiceStatus.CREDITED, "credited_by": credit.number, "replaced_by": replacement.number}
        )
        marker = (original.customer_number, original.period.key, kind_key)
        billed = repo.billed.get(marker)
        if billed is not None and billed[0] == original.number:
            repo.billed[marker] = (replacement.number, billed[1])
        self.records[(original.customer_number, original.number)] = stored
        return StoredCorrection(credit, replacement, stored)

    def list_corrections(self, customer_number: str) -> list[CorrectionRecord]:
        return [r for (c, _), r in sorted(self.records.items()) if c == customer_number]


class InMemoryHoldStore(HoldRepository):
    def __init__(self) -> None:
        self.holds: dict[tuple[str, str, str], HeldInvoice] = {}

    def hold(self, held: HeldInvoice) -> None:
        self.holds[(held.customer_number, held.period.key, held.kind.value)] = held

    def list_holds(self, customer_number: str) -> list[HeldInvoice]:
        return sorted(
            (h for (c, _, _), h in self.holds.items() if c == customer_number),
            key=lambda h: (h.period.key, h.kind.value),
            reverse=True,
        )
