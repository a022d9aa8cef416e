"""Ports: what the services need from the outside world.

Services depend on these protocols only; adapters (DynamoDB, S3, SES, SNS,
Cognito) implement them, and tests pass in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from heatportal.domain.compliance import HoldReason
from heatportal.domain.model import (
    BillingPeriod,
    Customer,
    DailyConsumption,
    Facility,
    Invoice,
    InvoiceKind,
    Membership,
    Meter,
    Reading,
)


class Clock(Protocol):
    def now(self) -> datetime: ...

    def today(self) -> date: ...


class CustomerRepository(Protocol):
    def get_customer(self, number: str) -> Customer | None: ...

    def list_facilities(self, customer_number: str) -> list[Facility]: ...

    def list_meters(self, customer_number: str) -> list[Meter]: ...

    def find_meter(self, meter_number: str) -> Meter | None: ...

    def list_account_numbers(self) -> list[str]: ...


class MembershipRepository(Protocol):
    def get_membership(self, user_id: str, customer_number: str) -> Membership | None: ...

    def list_memberships(self, user_id: str) -> list[Membership]: ...


class ReadingRepository(Protocol):
    def list_readings(self, meter_number: str, start: date, end: date) -> list[Reading]:
        """Readings with start <= read_on <= end, oldest first."""
        ...

    def latest_reading(self, meter_number: str, before: date | None = None) -> Reading | None:
        """The newest reading on or before ``before`` (or at all)."""
        ...

    def add_reading(self, reading: Reading) -> Reading:
        """Store once per meter and date; returns the stored reading.

        Raises Conflict when a different value is already stored for that date.
        """
        ...

    def daily_consumption(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        """Daily values with start <= day < end, oldest first."""
        ...


@dataclass(frozen=True)
class StoredInvoice:
    invoice: Invoice
    created: bool  # False when the account and period were billed before


class InvoiceRepository(Protocol):
    def create_invoice_once(self, draft: Invoice, *, kind_key: str, reference: Callable[[int], str]) -> StoredInvoice:
        """Allocate the next gapless invoice number and store the invoice with its
        lines, atomically and at most once per customer, period and ``kind_key``."""
        ...

    def find_billed(self, customer_number: str, period: BillingPeriod, kind_key: str) -> Invoice | None: ...

    def get_invoice(self, customer_number: str, number: int) -> Invoice | None: ...

    def list_invoices(self, customer_number: str) -> list[Invoice]: ...

    def set_pdf_key(self, customer_number: str, number: int, key: str) -> None: ...

    def claim_email(self, customer_number: str, number: int) -> bool:
        """True exactly once per invoice: the caller then sends its email."""
        ...

    def release_email_claim(self, customer_number: str, number: int) -> None: ...


class InvoiceStatusWriter(Protocol):
    def set_status(self, customer_number: str, number: int, status: str) -> None: ...


@dataclass(frozen=True)
class CorrectionRecord:
    """The audit trail of one correction: which invoice was cancelled by which
    credit note and replaced by which corrected invoice, why, by whom, when."""

    customer_number: str
    original: int
    credit_note: int
    corrected: int
    reason: str
    trigger: str  # "staff" (customer service) or "late_reading" (a reading for a billed period)
    by: str
    at: datetime
    difference: Decimal  # corrected total - original total
    currency: str


@dataclass(frozen=True)
class StoredCorrection:
    credit_note: Invoice
    corrected: Invoice
    record: CorrectionRecord


class CorrectionStore(Protocol):
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
        """Store a correction in one transaction: the next numbers of the invoice
        series for the credit note and then the corrected invoice (so no number
        is taken unless both are stored: the series stays gapless), both
        invoices, the original marked credited (``credited_by``, ``replaced_by``)
        on condition it was not credited before, the period's billed marker
        (``kind_key``) moved from the original to the corrected invoice, and the
        audit record with the numbers filled in.
        Raises Conflict(invoice_already_corrected) when the original was credited
        meanwhile; nothing is stored then."""
        ...

    def list_corrections(self, customer_number: str) -> list[CorrectionRecord]:
        """The customer's corrections, oldest original first."""
        ...


@dataclass(frozen=True)
class HeldInvoice:
    """A draft that failed the compliance check, with why, for customer service."""

    customer_number: str
    period: BillingPeriod
    kind: InvoiceKind
    reasons: tuple[HoldReason, ...]
    held_at: datetime
    total: Decimal
    currency: str


class HoldRepository(Protocol):
    def hold(self, held: HeldInvoice) -> None:
        """Record the hold of a customer's draft for a period and kind (a later one replaces it)."""
        ...

    def list_holds(self, customer_number: str) -> list[HeldInvoice]:
        """The customer's held drafts, newest period first."""
        ...


class SpotPriceRepository(Protocol):
    def spot_price(self, zone: str, month: str) -> Decimal | None: ...


class BillingRunRepository(Protocol):
    def record_failure(self, run_id: str, period: str, customer_number: str, reason: str) -> None: ...

    def list_failures(self, run_id: str) -> list[dict[str, str]]: ...

    def save_summary(self, run_id: str, summary: dict[str, object]) -> None: ...


class DocumentStore(Protocol):
    def put(self, key: str, body: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def presigned_url(self, key: str, filename: str, expires_seconds: int) -> str: ...


class Mailer(Protocol):
    def send(
        self,
        recipient: str,
        subject: str,
        text: str,
        html: str,
        attachments: list[tuple[str, bytes, str]] | None = None,
    ) -> str:
        """Send one email; returns the provider's message id."""
        ...


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str: ...
