"""Invoices, invoice statuses and billing runs in memory, with the semantics of
``adapters.dynamo.DynamoRepository`` (held to it by tests/contract/ports):

- an invoice is created at most once per customer, period and kind key, with
  the next gapless number; the number is only taken when the invoice is stored;
- the email of an invoice is claimed once until the claim is released; an
  invoice that does not exist cannot be claimed;
- a billing failure is one item per run and customer (a later one overwrites);
- a correction takes the next numbers of the same series for its credit note
  and corrected invoice, all or nothing, and credits an invoice at most once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from heatportal.domain.errors import Conflict
from heatportal.domain.model import BillingPeriod, Invoice, InvoiceStatus
from heatportal.ports import (
    BillingRunRepository,
    CorrectionRecord,
    CorrectionStore,
    HeldInvoice,
    HoldRepository,
    InvoiceRepository,
    InvoiceStatusWriter,
    StoredCorrection,
    StoredInvoice,
)


class InMemoryInvoiceRepository(InvoiceRepository):
    def __init__(self) -> None:
        self.invoices: dict[tuple[str, int], Invoice] = {}
        self.billed: dict[tuple[str, str, str], int] = {}
        self.counter = 0
        self.emailed: set[tuple[str, int]] = set()

    def create_invoice_once(self, draft: Invoice, *, kind_key: str, reference: Callable[[int], str]) -> StoredInvoice:
        marker = (draft.customer_number, draft.period.key, kind_key)
        if marker in self.billed:
            return StoredInvoice(self.invoices[(draft.customer_number, self.billed[marker])], created=False)
        number = self.counter + 1
        invoice = draft.model_copy(update={"number": number, "payment_reference": reference(number)})
        # Counter, marker and invoice change together, like the DynamoDB transaction.
        self.counter = number
        self.billed[marker] = number
        self.invoices[(invoice.customer_number, number)] = invoice
        return StoredInvoice(invoice, created=True)

    def find_billed(self, customer_number: str, period: BillingPeriod, kind_key: str) -> Invoice | None:
        number = self.billed.get((customer_number, period.key, kind_key))
        return None if number is None else self.invoices.get((customer_number, number))

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

    def claim_email(self, customer_number: str, number: int) -> bool:
        if (customer_number, number) not in self.invoices or (customer_number, number) in self.emailed:
            return False
        self.emailed.add((customer_number, number))
        return True

    def release_email_claim(self, customer_number: str, number: int) -> None:
        self.emailed.discard((customer_number, number))


class InMemoryInvoiceStatusWriter(InvoiceStatusWriter):
    """Sets an invoice's status in the in-memory invoice repository (DynamoRepository.set_status)."""

    def __init__(self, invoices: InMemoryInvoiceRepository) -> None:
        self.invoices = invoices

    def set_status(self, customer_number: str, number: int, status: str) -> None:
        invoice = self.invoices.invoices[(customer_number, number)]
        self.invoices.invoices[(customer_number, number)] = invoice.model_copy(update={"status": InvoiceStatus(status)})


class InMemoryBillingRunRepository(BillingRunRepository):
    def __init__(self) -> None:
        self.failures: dict[str, dict[str, dict[str, str]]] = {}
        self.summaries: dict[str, dict[str, object]] = {}

    def record_failure(self, run_id: str, period: str, customer_number: str, reason: str) -> None:
        self.failures.setdefault(run_id, {})[customer_number] = {
            "customer_number": customer_number,
            "period": period,
            "reason": reason[:500],
        }

    def list_failures(self, run_id: str) -> list[dict[str, str]]:
        return [
            {"customer_number": f["customer_number"], "reason": f["reason"]}
            for _, f in sorted(self.failures.get(run_id, {}).items())
        ]

    def save_summary(self, run_id: str, summary: dict[str, object]) -> None:
        self.summaries[run_id] = summary


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
        if repo.billed.get(marker) == original.number:
            repo.billed[marker] = replacement.number
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
