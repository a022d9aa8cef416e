"""Payments: registered by staff or imported from the bank's ISO 20022 camt.054
notification, matched to invoices by the payment reference (KID, OCR or the
plain reference) and marking invoices paid once fully paid.

Every payment carries an id (the bank's entry reference, or one derived from
the staff entry); recording it twice is a no-op, so a bank file imported again
changes nothing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal, Protocol

from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Invoice
from heatportal.domain.payment_reference import invoice_number_of, matches
from heatportal.domain.payments import Payment, RecordedPayment
from heatportal.domain.seller import ReferenceKind
from heatportal.services.access import Principal

MAX_BANK_FILE_BYTES = 5_000_000
MAX_TRANSACTIONS = 10_000


class PaymentRepository(Protocol):
    def find_invoice_by_number(self, number: int) -> Invoice | None:
        """The invoice with this number, whichever customer it belongs to."""
        ...

    def record_payment(self, invoice: Invoice, payment: Payment) -> RecordedPayment:
        """Store the payment once per (invoice, payment id) and, in the same
        transaction, add it to the invoice's paid amount and mark the invoice
        paid when the paid amount reaches its total."""
        ...


@dataclass
class ImportResult:
    transactions: int = 0
    recorded: int = 0
    already_recorded: int = 0
    unmatched: list[dict[str, str]] = field(default_factory=list)
    paid_invoices: list[int] = field(default_factory=list)


# --- camt.054 ------------------------------------------------------------------------


@dataclass(frozen=True)
class BankCredit:
    """One credited transaction of a camt.054 notification."""

    entry_id: str
    reference: str
    amount: Decimal
    currency: str
    booked_on: date


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, *path: str) -> ET.Element | None:
    current: ET.Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c.tag) == name), None)
    return current


def _text(element: ET.Element, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if _local(c.tag) == name]


def _bank_file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="bank_file_invalid", params={"detail": message})


def parse_camt054(data: bytes) -> list[BankCredit]:
    """Credits (CdtDbtInd CRDT) with a reference, from any camt.054 version
    (namespaces are ignored): the structured creditor reference, else the
    unstructured remittance text (where some banks put a structured reference,
    and German payers the Verwendungszweck). Debits and entries without either
    are left out; a malformed file is refused as a whole."""
    if len(data) > MAX_BANK_FILE_BYTES:
        raise _bank_file_error("file too large")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise _bank_file_error("DTDs are not accepted")
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DTD (checked above), so no entity expansion
    except ET.ParseError as error:
        raise _bank_file_error(f"not well-formed XML ({error})") from error
    notification = _child(root, "BkToCstmrDbtCdtNtfctn")
    if _local(root.tag) != "Document" or notification is None:
        raise _bank_file_error("not a camt.054 document")
    credits: list[BankCredit] = []
    for ntfctn in _children(notification, "Ntfctn"):
        for entry in _children(ntfctn, "Ntry"):
            if _text(entry, "CdtDbtInd") != "CRDT" or _text(entry, "Sts") in {"PDNG", "INFO"}:
                continue
            booked = _text(entry, "BookgDt", "Dt") or _text(entry, "ValDt", "Dt") or _text(entry, "BookgDt", "DtTm")
            entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
            for details in _children(entry, "NtryDtls"):
                for tx in _children(details, "TxDtls"):
                    credits.append(_credit(entry, tx, booked, entry_ref))
                    if len(credits) > MAX_TRANSACTIONS:
                        raise _bank_file_error("too many transactions")
    return [c for c in credits if c.reference]


def _credit(entry: ET.Element, tx: ET.Element, booked: str, entry_ref: str) -> BankCredit:
    indicator = _text(tx, "CdtDbtInd")
    # Elements without children are falsy: pick the first that is not None.
    amount_el = next(
        (a for a in (_child(tx, "Amt"), _child(tx, "AmtDtls", "TxAmt", "Amt"), _child(entry, "Amt")) if a is not None),
        None,
    )
    if indicator and indicator != "CRDT":
        amount_el = None
    reference = ""
    remittance = _child(tx, "RmtInf")
    for strd in _children(remittance, "Strd") if remittance is not None else []:
        reference = _text(strd, "CdtrRefInf", "Ref")
        if reference:
            break
    if not reference and remittance is not None:
        # Some banks put a structured reference (or a German Verwendungszweck) in the unstructured field.
        reference = " ".join(_text(u) for u in _children(remittance, "Ustrd")).strip()
    tx_ref = _text(tx, "Refs", "AcctSvcrRef") or _text(tx, "Refs", "EndToEndId") or _text(tx, "Refs", "TxId")
    if not tx_ref or tx_ref == "NOTPROVIDED":
        tx_ref = ""
    entry_id = tx_ref or entry_ref
    if amount_el is None:
        return BankCredit(entry_id=entry_id, reference="", amount=Decimal(0), currency="", booked_on=date.min)
    try:
        amount = Decimal((amount_el.text or "").strip())
        booked_on = date.fromisoformat(booked[:10])
    except (InvalidOperation, ValueError) as error:
        raise _bank_file_error(f"bad amount or date in entry {entry_id or '?'}") from error
    if not entry_id:
        raise _bank_file_error("an entry has no bank reference (AcctSvcrRef, NtryRef or EndToEndId)")
    if amount <= 0:
        raise _bank_file_error(f"non-positive amount in entry {entry_id}")
    return BankCredit(
        entry_id=f"{entry_id}#{reference}" if reference else entry_id,
        reference=" ".join(reference.split()),
        amount=amount,
        currency=amount_el.get("Ccy", ""),
        booked_on=booked_on,
    )


# --- service --------------------------------------------------------------------------


class PaymentService:
    def __init__(
        self,
        payments: PaymentRepository,
        reference_kind: ReferenceKind,
        currency: str,
        *,
        kid_algorithm: Literal["mod10", "mod11"] = "mod10",
    ):
        self.payments = payments
        self.reference_kind = reference_kind
        self.currency = currency
        self.kid_algorithm: Literal["mod10", "mod11"] = kid_algorithm

    def _require_staff(self, principal: Principal) -> None:
        if not principal.is_staff:
            raise Forbidden("Only customer service may register payments.", code="staff_only")

    def _invoice_for(self, reference: str) -> Invoice | None:
        number = invoice_number_of(self.reference_kind, reference, kid_algorithm=self.kid_algorithm)
        if number is None:
            return None
        invoice = self.payments.find_invoice_by_number(number)
        # The whole reference must match, not only the number inside it.
        if invoice is None or not matches(self.reference_kind, invoice.payment_reference, reference):
            return None
        return invoice

    def customer_of_invoice(self, principal: Principal, number: int) -> str:
        """Customer service finds an invoice by its number alone (credit notes)."""
        self._require_staff(principal)
        invoice = self.payments.find_invoice_by_number(number)
        if invoice is None:
            raise NotFound("This invoice does not exist.", code="invoice_not_found")
        return invoice.customer_number

    def register(
        self,
        principal: Principal,
        reference: str,
        amount: Decimal,
        paid_on: date,
        payment_id: str | None = None,
    ) -> RecordedPayment:
        """A payment entered by customer service. Without a payment id, the same
        reference, amount and date count as the same payment (a double submit)."""
        self._require_staff(principal)
        if amount <= 0:
            raise ValidationFailed("The amount must be positive.", code="payment_amount_invalid")
        invoice = self._invoice_for(reference)
        if invoice is None:
            raise NotFound("No invoice has this payment reference.", code="payment_reference_unknown")
        payment = Payment(
            payment_id=f"staff:{payment_id}" if payment_id else f"staff:{reference}:{paid_on}:{amount}",
            reference=invoice.payment_reference,
            amount=amount,
            paid_on=paid_on,
            currency=self.currency,
            source="staff",
        )
        return self.payments.record_payment(invoice, payment)

    def import_camt054(self, principal: Principal, data: bytes) -> ImportResult:
        self._require_staff(principal)
        credits = parse_camt054(data)
        result = ImportResult(transactions=len(credits))
        for credit in credits:
            invoice = self._invoice_for(credit.reference)
            if invoice is None or (credit.currency and credit.currency != invoice.currency):
                reason = "reference_unknown" if invoice is None else "currency_mismatch"
                result.unmatched.append(
                    {
                        "entry_id": credit.entry_id,
                        "reference": credit.reference,
                        "amount": str(credit.amount),
                        "reason": reason,
                    }
                )
                continue
            recorded = self.payments.record_payment(
                invoice,
                Payment(
                    payment_id=f"camt054:{credit.entry_id}",
                    reference=credit.reference,
                    amount=credit.amount,
                    paid_on=credit.booked_on,
                    currency=credit.currency or invoice.currency,
                    source="camt054",
                ),
            )
            if recorded.created:
                result.recorded += 1
            else:
                result.already_recorded += 1
            if recorded.invoice.status.value == "paid" and recorded.invoice.number not in result.paid_invoices:
                result.paid_invoices.append(recorded.invoice.number)
        return result
