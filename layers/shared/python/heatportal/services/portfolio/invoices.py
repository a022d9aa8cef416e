"""The invoices of a portfolio, across every customer the person manages,
with seed 004's filter (invoice number, measuring point, property name,
address, status, issue dates, amount; "Change facility" picks one facility)
and its rule: when the filter finds more than 20 facilities, only the past
three months are shown; fewer facilities show the invoices further back.

A person who sees the whole customer sees its invoices whole. A person
granted only some of a customer's facilities (a management company) sees
each invoice that has meters on those facilities split per facility
(``domain.invoice_split``): their facilities' shares of every line, never
the invoice total, its PDF or another facility's meter values. Reads one
Query of invoices per customer the filter finds facilities of.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal
from typing import Literal

from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.invoice_split import FacilityShare, MeterPlace, split_invoice
from heatportal.domain.model import Invoice, InvoiceStatus
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.tariff import MeterUsage, MissingPrice, PricedPeriod, PricingInput, price_period
from heatportal.ports import Clock, DocumentStore, InvoiceRepository
from heatportal.services.invoices import MANY_FACILITIES, PDF_LINK_SECONDS, RECENT_MONTHS
from heatportal.services.portfolio.scope import CustomerAccess, Portfolio, PortfolioFacility


@dataclass(frozen=True)
class PortfolioInvoiceFilter:
    number: int | None = None
    measuring_point: str | None = None  # a facility id or a meter number
    property_name: str | None = None
    address: str | None = None
    status: Literal["paid", "unpaid"] | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    facility: str | None = None  # "Change facility"

    @property
    def narrowed(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))


@dataclass(frozen=True)
class PortfolioInvoice:
    customer_number: str
    customer_name: str
    invoice: Invoice
    facilities: tuple[PortfolioFacility, ...]  # the person's facilities with meters on it
    shares: tuple[FacilityShare, ...] = ()  # set when the person sees only some of the customer's facilities
    overdue: bool = False

    @property
    def whole(self) -> bool:
        return not self.shares

    @property
    def amount(self) -> Decimal:
        """What the person is shown: the invoice's total, or the sum of their facilities' shares."""
        return self.invoice.total if self.whole else sum((s.total for s in self.shares), Decimal(0))


@dataclass(frozen=True)
class PortfolioInvoices:
    rows: tuple[PortfolioInvoice, ...]
    facilities_found: int
    recent_months_only: int | None
    currency: str


def _months_back(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


class PortfolioInvoiceService:
    def __init__(
        self, invoices: InvoiceRepository, documents: DocumentStore, profile: UtilityProfile, clock: Clock
    ) -> None:
        self.invoices = invoices
        self.documents = documents
        self.profile = profile
        self.clock = clock

    def search(self, portfolio: Portfolio, wanted: PortfolioInvoiceFilter) -> PortfolioInvoices:
        if wanted.issued_from and wanted.issued_to and wanted.issued_from > wanted.issued_to:
            raise ValidationFailed("The start date is after the end date.", code="invoice_filter_dates")
        if wanted.amount_min is not None and wanted.amount_max is not None and wanted.amount_min > wanted.amount_max:
            raise ValidationFailed("The lowest amount is above the highest.", code="invoice_filter_amounts")
        today = self.clock.today()
        found = _facilities_found(portfolio, wanted)
        recent = None
        if len(found) > MANY_FACILITIES and wanted.number is None:
            recent = RECENT_MONTHS
            cutoff = _months_back(today, RECENT_MONTHS)
            wanted = replace(wanted, issued_from=max(wanted.issued_from or cutoff, cutoff))
        place_filter = any(
            v is not None for v in (wanted.facility, wanted.measuring_point, wanted.property_name, wanted.address)
        )
        found_ids = {f.id for f in found}
        rows = []
        for number in dict.fromkeys(f.customer_number for f in found):
            access = portfolio.customers[number]
            name = portfolio.directories[number].name if number in portfolio.directories else number
            for invoice in self.invoices.list_invoices(number):
                row = self._row(portfolio, access, name, invoice, found_ids, place_filter, today)
                if row is not None and _matches(row, wanted):
                    rows.append(row)
        rows.sort(key=lambda r: (r.invoice.issued_on, r.invoice.number), reverse=True)
        return PortfolioInvoices(tuple(rows), len(found), recent, self.profile.currency)

    def invoice(self, portfolio: Portfolio, customer_number: str, number: int) -> PortfolioInvoice:
        """One invoice as the person may see it (whole, or their facilities' shares);
        NotFound for one of a customer or facilities the person does not see."""
        access = portfolio.customers.get(customer_number)
        invoice = self.invoices.get_invoice(customer_number, number) if access is not None else None
        if access is None or invoice is None:
            raise NotFound("This invoice does not exist.", code="invoice_not_found")
        ids = {f.id for f in portfolio.facilities if f.customer_number == customer_number}
        name = portfolio.directories[customer_number].name if customer_number in portfolio.directories else ""
        row = self._row(portfolio, access, name, invoice, ids, False, self.clock.today())
        if row is None:
            raise NotFound("This invoice does not exist.", code="invoice_not_found")
        return row

    def pdf_link(self, portfolio: Portfolio, customer_number: str, number: int) -> str:
        """A short-lived link to the invoice's PDF: only for a person who sees the whole customer."""
        row = self.invoice(portfolio, customer_number, number)
        if not row.whole or not row.invoice.pdf_key:
            raise NotFound("The PDF of this invoice is not ready yet.", code="invoice_not_found")
        return self.documents.presigned_url(row.invoice.pdf_key, f"invoice-{number}.pdf", PDF_LINK_SECONDS)

    def _row(
        self,
        portfolio: Portfolio,
        access: CustomerAccess,
        name: str,
        invoice: Invoice,
        found: set[str],
        place_filter: bool,
        today: date,
    ) -> PortfolioInvoice | None:
        places = _places(portfolio, access.number)
        on_invoice = {places[v.meter_number].facility_id for v in invoice.meter_values if v.meter_number in places}
        facilities = tuple(f for f in portfolio.facilities if f.customer_number == access.number and f.id in on_invoice)
        mine = tuple(f for f in facilities if f.id in found)
        if (place_filter or not access.whole) and not mine:
            return None
        overdue = invoice.status == InvoiceStatus.OPEN and invoice.due_on < today
        if access.whole:
            return PortfolioInvoice(access.number, name, invoice, mine or facilities, overdue=overdue)
        shares = split_invoice(invoice, places, self._pricer(invoice))
        granted = tuple(shares[f.id] for f in mine if f.id in shares)
        return PortfolioInvoice(access.number, name, invoice, mine, granted, overdue)

    def _pricer(self, invoice: Invoice) -> Callable[[tuple[MeterUsage, ...]], PricedPeriod | None]:
        def price(usages: tuple[MeterUsage, ...]) -> PricedPeriod | None:
            # Only the proportions of the facilities' own prices matter: a spot
            # price of zero keeps a spot-indexed energy line proportional to energy.
            try:
                return price_period(self.profile, PricingInput(invoice.period, usages, Decimal(0)))
            except (MissingPrice, LookupError):
                return None

        return price


def _places(portfolio: Portfolio, customer_number: str) -> dict[str, MeterPlace]:
    """Every meter of the customer (from its directory): its facility and kind."""
    directory = portfolio.directories.get(customer_number)
    if directory is None:
        return {}
    return {m.number: MeterPlace(f.id, m.kind) for f in directory.facilities for m in f.meters}


def _facilities_found(portfolio: Portfolio, wanted: PortfolioInvoiceFilter) -> list[PortfolioFacility]:
    found = list(portfolio.facilities)
    if wanted.facility:
        found = [f for f in found if f.id == wanted.facility]
    if wanted.measuring_point:
        point = wanted.measuring_point.strip()
        found = [f for f in found if point == f.id or any(m.number == point for m in f.facility.meters)]
    if wanted.property_name:
        needle = wanted.property_name.casefold()
        found = [f for f in found if needle in f.facility.name.casefold()]
    if wanted.address:
        needle = wanted.address.casefold()
        found = [
            f
            for f in found
            if needle
            in f"{f.facility.address.street} {f.facility.address.postcode} {f.facility.address.city}".casefold()
        ]
    return found


def _matches(row: PortfolioInvoice, wanted: PortfolioInvoiceFilter) -> bool:
    invoice = row.invoice
    amount = row.amount
    return all(
        (
            wanted.number is None or invoice.number == wanted.number,
            wanted.status is None or (invoice.status == InvoiceStatus.PAID) == (wanted.status == "paid"),
            wanted.issued_from is None or invoice.issued_on >= wanted.issued_from,
            wanted.issued_to is None or invoice.issued_on <= wanted.issued_to,
            wanted.amount_min is None or amount >= wanted.amount_min,
            wanted.amount_max is None or amount <= wanted.amount_max,
        )
    )
