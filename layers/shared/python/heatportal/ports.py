"""Ports: what the services need from the outside world.

Services depend on these protocols only; adapters (DynamoDB, S3, SES, SNS,
Cognito) implement them, and tests pass in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from heatportal.domain.accounts import BankAccount
from heatportal.domain.billing_run import AccountFailure, BillingRun, Progress, RunSummary
from heatportal.domain.compliance import HoldReason
from heatportal.domain.delivery import Delivery, DeliveryCounts
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
    # Who created it: a bill run's id, or "" (customer service, history).
    created_by: str = ""


@dataclass(frozen=True)
class NewInvoice:
    """A draft to number and store at most once per customer, period and kind key."""

    draft: Invoice
    kind_key: str
    reference: Callable[[int], str]  # the payment reference of an invoice number


@dataclass(frozen=True)
class PdfStored:
    customer_number: str
    number: int
    key: str


class BilledInvoices(Protocol):
    """What pricing asks of the invoices: the bill a period had already (its
    register values are where the next period starts)."""

    def find_billed(self, customer_number: str, period: BillingPeriod, kind_key: str) -> Invoice | None: ...


class InvoiceRepository(Protocol):
    def create_invoice_once(self, draft: Invoice, *, kind_key: str, reference: Callable[[int], str]) -> StoredInvoice:
        """Allocate the next gapless invoice number and store the invoice with its
        lines, atomically and at most once per customer, period and ``kind_key``."""
        ...

    def create_invoices_once(self, new: Sequence[NewInvoice], *, created_by: str = "") -> list[StoredInvoice]:
        """Number and store many invoices (one per item, in order): each at most
        once per customer, period and kind key, numbered from the same gapless
        series as ``create_invoice_once``. A number exists only in the write
        that stores its invoice, so a failure before that write takes no number
        and a retry of one after it finds the invoice stored. Returns the stored
        invoice of each item, ``created`` False where it existed already."""
        ...

    def find_billed(self, customer_number: str, period: BillingPeriod, kind_key: str) -> Invoice | None: ...

    def get_invoice(self, customer_number: str, number: int) -> Invoice | None: ...

    def list_invoices(self, customer_number: str) -> list[Invoice]: ...

    def set_pdf_key(self, customer_number: str, number: int, key: str) -> None: ...

    def set_pdf_keys(self, stored: Sequence[PdfStored]) -> None:
        """``set_pdf_key`` for many invoices at once."""
        ...


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

    def prices_of_years(self, zone: str, first: int, last: int) -> dict[str, Decimal]:
        """Month (YYYY-MM) -> the zone's average, of the months known from
        January of ``first`` to December of ``last`` (one Query)."""
        ...


@dataclass(frozen=True)
class AccountsToBill:
    """What a batch of accounts needs read before it is billed: the customers,
    each invoice already stored under a (customer, period, kind key), and (where
    the utility collects by direct debit) each customer's own bank account;
    ``bank_accounts`` is None when they were not read."""

    customers: Mapping[str, Customer]
    billed: Mapping[tuple[str, str, str], StoredInvoice]
    bank_accounts: Mapping[str, BankAccount] | None = None


class BillingReader(Protocol):
    def read_accounts(
        self, customer_numbers: Sequence[str], billed: Sequence[tuple[str, str]], *, bank_accounts: bool = False
    ) -> AccountsToBill:
        """The customers, and for each of them every invoice stored under the
        (period key, kind key) pairs of ``billed`` and (``bank_accounts``) their
        own bank account, in as few requests as the store allows (batched
        reads: a handful per batch of 25 accounts)."""
        ...


class BillingRunRepository(Protocol):
    def start_run(self, run: BillingRun) -> BillingRun:
        """Store a new run; a run with the same id already stored is returned unchanged."""
        ...

    def get_run(self, run_id: str) -> BillingRun | None: ...

    def list_runs(self, limit: int) -> list[BillingRun]:
        """Newest first."""
        ...

    def record_batch(self, run_id: str, batch_key: str, progress: Progress) -> bool:
        """Add a batch's outcome to the run's progress, once per batch key;
        False when that batch was recorded before (a retry)."""
        ...

    def record_failures(self, run_id: str, period: str, failures: Sequence[AccountFailure]) -> None:
        """One failure per run and customer (a later one replaces it)."""
        ...

    def list_failures(self, run_id: str) -> list[AccountFailure]:
        """In customer number order."""
        ...

    def finish_run(self, run_id: str, summary: RunSummary, finished_at: datetime) -> None: ...


class RunManifests(Protocol):
    """The account manifests the Distributed Map reads, and the result files it writes."""

    def write_accounts(self, key: str, customer_numbers: Sequence[str]) -> None: ...

    def read_json(self, bucket: str, key: str) -> object: ...


class RunStarter(Protocol):
    def start(self, name: str, run_input: Mapping[str, str]) -> None:
        """Start an execution of the billing state machine under this name."""
        ...


class DeliveryStore(Protocol):
    """Delivery records (domain.delivery) and the counts of their groups."""

    def add(self, deliveries: Sequence[Delivery]) -> list[Delivery]:
        """Store the deliveries whose id is not stored yet, and count them
        as queued in their group; returns the ones stored now."""
        ...

    def get(self, delivery_id: str) -> Delivery | None: ...

    def get_many(self, delivery_ids: Sequence[str]) -> dict[str, Delivery]: ...

    def claim(self, delivery_id: str, now: datetime, stale_before: datetime) -> tuple[bool, Delivery | None]:
        """Move a queued delivery (or one left ``sending`` since before
        ``stale_before``) to ``sending`` with the next attempt number. Returns
        (claimed, the delivery as it is now): not claimed when it is sent,
        failed, or being sent by another attempt; None when there is no such delivery."""
        ...

    def mark_sent(self, delivery: Delivery, message_id: str, now: datetime) -> None:
        """Record the provider's message id, if the delivery is still on this attempt or already sent."""
        ...

    def mark_failed(self, delivery: Delivery, reason: str, now: datetime) -> None:
        """Record the failure on the delivery and in its group's failures."""
        ...

    def release(self, delivery: Delivery, reason: str, now: datetime) -> None:
        """After a failure a retry may fix: back to queued, the reason kept."""
        ...

    def confirm_sent(self, delivery_id: str, message_id: str, now: datetime) -> None:
        """The provider reported the message accepted (its event): sent, whatever the claim said."""
        ...

    def group_counts(self, group: str) -> DeliveryCounts: ...

    def group_failures(self, group: str, limit: int) -> list[Delivery]: ...


class DeliveryQueue(Protocol):
    def send(self, delivery_ids: Sequence[str]) -> None:
        """Queue the deliveries for the sender (at least once each)."""
        ...


class DocumentStore(Protocol):
    def put(self, key: str, body: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def presigned_url(
        self,
        key: str,
        filename: str,
        expires_seconds: int,
        *,
        media_type: str = "application/pdf",
        download: bool = False,
    ) -> str:
        """A short-lived link to the object, served as ``media_type``: shown in the
        browser, or saved as ``filename`` when ``download``."""
        ...


class Mailer(Protocol):
    def send(
        self,
        recipient: str,
        subject: str,
        text: str,
        html: str,
        attachments: list[tuple[str, bytes, str]] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        """Send one email; returns the provider's message id. ``tags`` come
        back in the provider's events about the message."""
        ...


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str: ...
