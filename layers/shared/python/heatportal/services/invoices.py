"""Invoices as the customer sees them: list with filters, open balance, detail, PDF link."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.model import Facility, Invoice, InvoiceKind, InvoiceStatus, Role
from heatportal.ports import Clock, DocumentStore, InvoiceRepository
from heatportal.services.access import Scope

PDF_LINK_SECONDS = 300
# A person who sees more than this many facilities (a property manager) gets only the last
# three months of invoices unless the search is narrowed.
MANY_FACILITIES = 20
RECENT_MONTHS = 3


class PaidAmounts(Protocol):
    def paid_amounts(self, customer_number: str) -> dict[int, Decimal]:
        """Paid amount per invoice number of a customer."""
        ...


@dataclass(frozen=True)
class InvoiceFilter:
    """What a person may narrow the invoice list by."""

    number: int | None = None
    measuring_point: str | None = None  # a meter number or a facility id
    property_name: str | None = None
    address: str | None = None
    status: Literal["paid", "unpaid"] | None = None
    kind: InvoiceKind | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None

    @property
    def narrowed(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    paid_amount: Decimal
    overdue: bool

    @property
    def open_amount(self) -> Decimal:
        if self.invoice.status != InvoiceStatus.OPEN:
            return Decimal(0)
        return self.invoice.total - self.paid_amount


@dataclass(frozen=True)
class Balance:
    currency: str
    open_total: Decimal
    overdue_total: Decimal
    open_count: int
    overdue_count: int


@dataclass(frozen=True)
class InvoiceList:
    rows: list[InvoiceRow]
    balance: Balance
    facilities: int
    # Set when only recent invoices are shown because the search was not narrowed.
    recent_months_only: int | None


# Aliases: inside InvoiceService the method ``list`` shadows the builtin.
Facilities = list[Facility]
Rows = list[InvoiceRow]


def invoices_of(scope: Scope, invoices: InvoiceRepository) -> list[Invoice]:
    """The customer's invoices, newest first: from the scope's record when the
    edge read them with it (no second read), else one Query."""
    if scope.record.invoices is not None:
        return list(scope.record.invoices)
    return invoices.list_invoices(scope.customer_number)


def _months_back(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return day.replace(year=year, month=month, day=1)


class InvoiceService:
    def __init__(
        self,
        invoices: InvoiceRepository,
        documents: DocumentStore,
        paid: PaidAmounts | None = None,
        clock: Clock | None = None,
        currency: str = "EUR",
    ) -> None:
        self.invoices = invoices
        self.documents = documents
        self.paid = paid
        self.clock = clock
        self.currency = currency

    def list(self, scope: Scope) -> list[Invoice]:
        scope.require(Role.READ, companies="whole")
        return invoices_of(scope, self.invoices)

    def search(self, scope: Scope, wanted: InvoiceFilter) -> InvoiceList:
        """Invoices of a customer matching the filter, newest first, with the
        customer's open balance (over all invoices, not only the shown ones)."""
        scope.require(Role.READ, companies="whole")
        customer_number = scope.customer_number
        if self.clock is None:
            raise RuntimeError("InvoiceService.search needs a clock")
        if wanted.issued_from and wanted.issued_to and wanted.issued_from > wanted.issued_to:
            raise ValidationFailed("The start date is after the end date.", code="invoice_filter_dates")
        if wanted.amount_min is not None and wanted.amount_max is not None and wanted.amount_min > wanted.amount_max:
            raise ValidationFailed("The lowest amount is above the highest.", code="invoice_filter_amounts")
        today = self.clock.today()
        invoices = invoices_of(scope, self.invoices)
        paid = self.paid.paid_amounts(customer_number) if self.paid else {}
        rows = [
            InvoiceRow(i, paid.get(i.number, Decimal(0)), i.status == InvoiceStatus.OPEN and i.due_on < today)
            for i in invoices
        ]
        facilities = list(scope.record.facilities)
        recent = None
        if len(facilities) > MANY_FACILITIES and not wanted.narrowed:
            recent = RECENT_MONTHS
            wanted = InvoiceFilter(issued_from=_months_back(today, RECENT_MONTHS))
        meters = self._meters_matching(scope, facilities, wanted)
        shown = [r for r in rows if self._matches(r, wanted, meters)]
        return InvoiceList(shown, self._balance(rows), len(facilities), recent)

    @staticmethod
    def _meters_matching(scope: Scope, facilities: Facilities, wanted: InvoiceFilter) -> set[str] | None:
        """Meter numbers the place filters (measuring point, property, address) allow; None: no place filter."""
        if wanted.measuring_point is None and wanted.property_name is None and wanted.address is None:
            return None
        chosen = facilities
        if wanted.property_name:
            needle = wanted.property_name.casefold()
            chosen = [f for f in chosen if needle in f.name.casefold()]
        if wanted.address:
            needle = wanted.address.casefold()
            chosen = [
                f for f in chosen if needle in f"{f.address.street} {f.address.postcode} {f.address.city}".casefold()
            ]
        ids = {f.id for f in chosen}
        point = (wanted.measuring_point or "").strip()
        return {
            m.number
            for m in scope.record.meters
            if m.facility_id in ids and (not point or point in (m.number, m.facility_id))
        }

    @staticmethod
    def _matches(row: InvoiceRow, wanted: InvoiceFilter, meters: set[str] | None) -> bool:
        invoice = row.invoice
        checks = (
            wanted.number is None or invoice.number == wanted.number,
            wanted.kind is None or invoice.kind == wanted.kind,
            wanted.status is None or (invoice.status == InvoiceStatus.PAID) == (wanted.status == "paid"),
            wanted.issued_from is None or invoice.issued_on >= wanted.issued_from,
            wanted.issued_to is None or invoice.issued_on <= wanted.issued_to,
            wanted.amount_min is None or invoice.total >= wanted.amount_min,
            wanted.amount_max is None or invoice.total <= wanted.amount_max,
            meters is None or any(v.meter_number in meters for v in invoice.meter_values),
        )
        return all(checks)

    def _balance(self, rows: Rows) -> Balance:
        open_rows = [r for r in rows if r.invoice.status == InvoiceStatus.OPEN]
        overdue = [r for r in open_rows if r.overdue]
        currency = rows[0].invoice.currency if rows else self.currency
        return Balance(
            currency=currency,
            open_total=sum((r.open_amount for r in open_rows), Decimal(0)),
            overdue_total=sum((r.open_amount for r in overdue), Decimal(0)),
            open_count=len(open_rows),
            overdue_count=len(overdue),
        )

    def get(self, scope: Scope, number: int) -> Invoice:
        scope.require(Role.READ, companies="whole")
        if scope.record.invoices is not None:  # read with the record: no second read
            invoice = next((i for i in scope.record.invoices if i.number == number), None)
        else:
            invoice = self.invoices.get_invoice(scope.customer_number, number)
        if invoice is None:
            raise NotFound("This invoice does not exist.", code="invoice_not_found")
        return invoice

    def pdf(self, scope: Scope, number: int) -> tuple[str, bytes]:
        invoice = self.get(scope, number)
        if not invoice.pdf_key:
            raise NotFound("The PDF of this invoice is not ready yet.", code="invoice_not_found")
        return f"invoice-{invoice.number}.pdf", self.documents.get(invoice.pdf_key)

    def pdf_link(self, scope: Scope, number: int) -> str:
        """A short-lived link to the PDF in S3, issued after the access check."""
        invoice = self.get(scope, number)
        if not invoice.pdf_key:
            raise NotFound("The PDF of this invoice is not ready yet.", code="invoice_not_found")
        return self.documents.presigned_url(invoice.pdf_key, f"invoice-{invoice.number}.pdf", PDF_LINK_SECONDS)
