"""What an invoice says: the month's consumption priced by the tariff, the
month's advance payment, the yearly settlement less the year's advances, and
the credit note of an invoice. A draft has no number yet: issuing gives it one
(services.billing.issuing).

Every consumption draft passes the guard rails first (``guards``): its period
has ended, it is not a zero bill, and it passes the profile's compliance check
(else it is held and never numbered). The draft carries what the bill prints
besides its lines: the readings with their sources, the supply period, the
VAT per rate, the direct-debit notice and the consumption comparison.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain import notes
from heatportal.domain.accounts import BankAccount
from heatportal.domain.model import (
    BillingPeriod,
    ConsumptionComparison,
    Customer,
    DirectDebitNotice,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineNote,
    MeterPeriodValue,
)
from heatportal.domain.money import EnergyUnit, convert
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.tariff import MeterUsage, PricedPeriod, merge_months, summarise
from heatportal.ports import Clock, HoldRepository, InvoiceRepository
from heatportal.services.billing.comparison import ConsumptionComparisons
from heatportal.services.billing.guards import ZeroBill, require_compliant, require_ended
from heatportal.services.billing.pricing import NothingToBill, PricingService

DraftOf = Callable[[Customer, BillingPeriod, date], Invoice]
"""Makes the draft of one invoice of a customer for a period, issued on a date."""


class AdvanceSource(Protocol):
    def list_advances(self, customer_number: str) -> list[AdvancePayment]: ...


class PayingAccounts(Protocol):
    def get_bank_account(self, customer_number: str) -> BankAccount | None:
        """The customer's own account (it pays by direct debit), with the one it replaces."""
        ...


def year_values(values: list[MeterPeriodValue]) -> tuple[MeterPeriodValue, ...]:
    """Per meter: the first month's start and the last month's end."""
    first: dict[str, MeterPeriodValue] = {}
    last: dict[str, MeterPeriodValue] = {}
    for value in values:
        first.setdefault(value.meter_number, value)
        last[value.meter_number] = value
    return tuple(
        first[number].model_copy(
            update={
                "end_value": last[number].end_value,
                "end_estimated": last[number].end_estimated,
                "end_on": last[number].end_on,
                "end_source": last[number].end_source,
                "register_wrap": sum((v.register_wrap for v in values if v.meter_number == number), Decimal(0)),
                "estimate_notes": tuple(n for v in values if v.meter_number == number for n in v.estimate_notes),
            }
        )
        for number in first
    )


def mask_account(iban: str) -> str:
    """The last four characters, as the bill prints the payer's account."""
    return "…" + iban.replace(" ", "")[-4:]


def negated(line: InvoiceLine) -> InvoiceLine:
    """The line with the opposite sign; half-up rounding is symmetric, so the
    credit's VAT per rate is exactly the invoice's, negated."""
    return line.model_copy(
        update={
            "unit_price": -line.unit_price,
            "amount": -line.amount,
            "vat_amount": -line.vat_amount if line.vat_amount is not None else None,
        }
    )


def advances_deducted(advances: list[Invoice]) -> tuple[list[InvoiceLine], list[LineNote]]:
    """One line per VAT rate: the advances invoiced, gross and VAT as they were
    invoiced (a settlement or a final invoice settles them), and a note for each
    advance left out because a credit note cancelled it."""
    kept = [a for a in advances if a.status != InvoiceStatus.CREDITED and a.credited_by is None]
    excluded = [
        LineNote(
            key="invoice.note.advance_credited_excluded",
            params={
                "invoice_number": notes.text(str(a.number)),
                "credit_number": notes.text(str(a.credited_by or "")),
            },
        )
        for a in sorted(advances, key=lambda a: a.number)
        if a not in kept
    ]
    gross: dict[Decimal, Decimal] = {}
    vat: dict[Decimal, Decimal] = {}
    months: dict[Decimal, list[str]] = {}
    for advance in kept:
        for row in advance.vat_breakdown or summarise(advance.lines, advance.currency).vat_breakdown:
            gross[row.rate] = gross.get(row.rate, Decimal(0)) + row.gross
            vat[row.rate] = vat.get(row.rate, Decimal(0)) + row.vat
            months.setdefault(row.rate, []).append(advance.period.key)
    lines = []
    for rate in sorted(gross):
        count = len(months[rate])
        first, last = min(months[rate]), max(months[rate])
        lines.append(
            InvoiceLine(
                component="advances_deducted",
                text_key="line.advances_deducted",
                text_params={"count": str(count)},
                quantity=Decimal(1),
                unit="year",
                unit_price=-gross[rate],
                amount=-gross[rate],
                vat_rate=rate,
                includes_vat=True,
                vat_amount=-vat[rate],
                notes=(
                    LineNote(
                        key=f"invoice.note.advances_deducted.{'one' if count == 1 else 'other'}",
                        params={
                            "count": notes.num(Decimal(count)),
                            "months": notes.months(first, last),
                            "amount": notes.money(-gross[rate]),
                            "vat": notes.money(-vat[rate]),
                        },
                    ),
                ),
            )
        )
    return lines, excluded


class InvoiceDrafts:
    def __init__(
        self,
        profile: UtilityProfile,
        pricing: PricingService,
        invoices: InvoiceRepository,
        advances: AdvanceSource | None = None,
        *,
        accounts: PayingAccounts | None = None,
        comparisons: ConsumptionComparisons | None = None,
        holds: HoldRepository | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.profile = profile
        self.pricing = pricing
        self.invoices = invoices
        self.advances = advances
        self.accounts = accounts
        self.comparisons = comparisons
        self.holds = holds
        self.clock = clock

    def draft(
        self,
        customer: Customer,
        period: BillingPeriod,
        issued: date,
        kind: InvoiceKind,
        priced: PricedPeriod,
        meter_values: tuple[MeterPeriodValue, ...] = (),
        **extra: object,
    ) -> Invoice:
        due = issued + timedelta(days=self.profile.payment_terms_days)
        invoice = Invoice(
            number=0,
            customer_number=customer.number,
            kind=kind,
            period=period,
            issued_on=issued,
            due_on=due,
            currency=self.profile.currency,
            language=customer.language,
            lines=priced.lines,
            net_total=priced.net_total,
            vat_total=priced.vat_total,
            total=priced.total,
            payment_reference="",
            meter_values=meter_values,
            vat_breakdown=priced.vat_breakdown,
            **extra,  # the optional Invoice fields, checked by pydantic
        )
        notice = self._direct_debit(customer, invoice)
        return invoice.model_copy(update={"direct_debit": notice}) if notice else invoice

    def _direct_debit(self, customer: Customer, invoice: Invoice) -> DirectDebitNotice | None:
        """The collection of a customer who pays by direct debit: on the due date,
        and no earlier than the scheme's notice after the invoice date."""
        scheme = self.profile.payment.direct_debit
        if scheme is None or self.accounts is None or invoice.total <= 0 or invoice.kind == InvoiceKind.CREDIT_NOTE:
            return None
        account = self.accounts.get_bank_account(customer.number)
        collection = max(invoice.due_on, invoice.issued_on + timedelta(days=scheme.notice))
        paying = account.in_force(collection) if account is not None else None
        if paying is None or (scheme.scheme == "sepa_core" and not paying.sepa_mandate):
            return None
        return DirectDebitNotice(
            scheme=scheme.scheme,
            account_masked=mask_account(paying.iban),
            collection_on=collection,
            mandate_reference=customer.number if scheme.scheme == "sepa_core" else "",
            creditor_id=scheme.creditor_id or "",
        )

    def _held_at(self, issued: date) -> datetime:
        return self.clock.now() if self.clock is not None else datetime.combine(issued, time(), UTC)

    def consumption(
        self, customer: Customer, period: BillingPeriod, issued: date, *, allow_zero: bool = False
    ) -> Invoice:
        """The month's consumption, priced from the register values at its start and end.
        A zero bill (no consumption, no fixed charge) is skipped unless ``allow_zero``."""
        require_ended(self.profile, period, issued)
        bill = self.pricing.price_bill(customer, period)
        if not allow_zero and bill.priced.total == 0 and all(v.quantity == 0 for v in bill.values):
            raise ZeroBill("No consumption and no fixed charge in the period.")
        comparison = self._compare(customer, bill.usages, period.start, period.end)
        draft = self.draft(
            customer,
            period,
            issued,
            InvoiceKind.INVOICE,
            bill.priced,
            bill.values,
            supply_start=period.start,
            supply_end=period.end - timedelta(days=1),
            comparison=comparison,
        )
        return require_compliant(
            self.profile,
            draft,
            self.holds,
            self._held_at(issued),
            spot_by_month={period.key: bill.spot} if bill.spot is not None else None,
        )

    def _compare(
        self, customer: Customer, usages: tuple[MeterUsage, ...], start: date, end: date, kind_key: str = "invoice"
    ) -> ConsumptionComparison | None:
        if self.comparisons is None:
            return None
        return self.comparisons.compare(customer, usages, start, end, last_year_kind_key=kind_key)

    def advance(self, customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
        """The month's advance: exactly the agreed amount incl. VAT, one gross line
        whose VAT is carved out once (R(A x r / (1 + r)))."""
        advance = self._advance_in_force(customer.number, period.start)
        if advance is None or advance.amount == 0:  # none agreed, or stopped (moved out)
            raise NothingToBill("No advance payment is agreed for the period.", code="nothing_to_bill")
        rate = self.profile.vat_on(period.start)
        line = InvoiceLine(
            component="advance",
            text_key="line.advance",
            text_params={"month": period.key},
            quantity=Decimal(1),
            unit="month",
            unit_price=advance.amount,
            amount=advance.amount,
            vat_rate=rate,
            includes_vat=True,
            period_start=period.start,
            period_end=period.end - timedelta(days=1),
            notes=(
                LineNote(
                    key="invoice.note.advance",
                    params={
                        "month": notes.month(period.key),
                        "valid_from": notes.day(advance.valid_from),
                        "amount": notes.money(advance.amount),
                    },
                ),
            ),
        )
        priced = summarise((line,), self.profile.currency)
        return self.draft(
            customer,
            period,
            issued,
            InvoiceKind.ADVANCE,
            priced,
            supply_start=period.start,
            supply_end=period.end - timedelta(days=1),
        )

    def settlement(self, customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
        """The yearly settlement: the year's consumption priced month by month by
        the tariff engine (lines joined over the months a price held), less the
        advances invoiced for the year with their VAT as invoiced; an advance
        cancelled by a credit note is not deducted (its replacement is)."""
        year_end = date(period.year, 12, 31)
        require_ended(self.profile, period, issued, through=year_end)
        lines: list[InvoiceLine] = []
        values: list[MeterPeriodValue] = []
        usages: dict[str, MeterUsage] = {}
        spot: dict[str, Decimal] = {}
        for month in range(1, 13):
            month_period = BillingPeriod(year=period.year, month=month)
            try:
                bill = self.pricing.price_bill(customer, month_period)
            except NothingToBill:
                continue
            lines += bill.priced.lines
            values += bill.values
            if bill.spot is not None:
                spot[month_period.key] = bill.spot
            for usage in bill.usages:
                known = usages.get(usage.meter_number)
                usages[usage.meter_number] = (
                    usage
                    if known is None
                    else MeterUsage(known.meter_number, known.kind, known.unit, known.quantity + usage.quantity)
                )
        if not lines:
            raise NothingToBill("No consumption in the year.", code="nothing_to_bill")
        lines = list(merge_months(tuple(lines)))
        first = min(line.period_start for line in lines if line.period_start is not None)
        last = max(line.period_end for line in lines if line.period_end is not None)
        deductions, invoice_notes = self._advances_deducted(customer.number, period.year)
        priced = summarise((*lines, *deductions), self.profile.currency)
        annual_gj = sum(
            (convert(u.quantity, u.unit, EnergyUnit.GJ) for u in usages.values() if u.unit != EnergyUnit.M3),
            Decimal(0),
        )
        settlement_note = LineNote(
            key="invoice.note.settlement", params={"start": notes.day(first), "end": notes.day(last)}
        )
        draft = self.draft(
            customer,
            period,
            issued,
            InvoiceKind.SETTLEMENT,
            priced,
            year_values(values),
            supply_start=first,
            supply_end=last,
            notes=(settlement_note, *invoice_notes),
            comparison=self._compare(customer, tuple(usages.values()), first, last + timedelta(days=1), "settlement"),
        )
        return require_compliant(
            self.profile,
            draft,
            self.holds,
            self._held_at(issued),
            spot_by_month=spot or None,
            annual_gj=annual_gj,
        )

    def _advances_deducted(self, customer_number: str, year: int) -> tuple[list[InvoiceLine], list[LineNote]]:
        """The advances invoiced for the year, deducted (``advances_deducted``)."""
        advances = [
            i
            for i in self.invoices.list_invoices(customer_number)
            if i.kind == InvoiceKind.ADVANCE and i.period.year == year
        ]
        return advances_deducted(advances)

    def credit_note_of(self, invoice: Invoice, reason: str) -> DraftOf:
        """The credit note of an invoice: its lines negated, its meter values kept,
        naming the invoice it cancels."""

        def draft(customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
            lines = tuple(negated(line) for line in invoice.lines)
            priced = summarise(lines, invoice.currency)
            note = LineNote(
                key="invoice.note.credit",
                params={
                    "invoice_number": notes.text(str(invoice.number)),
                    "invoice_date": notes.day(invoice.issued_on),
                    "reason": notes.text(reason),
                },
            )
            return self.draft(
                customer,
                period,
                issued,
                InvoiceKind.CREDIT_NOTE,
                priced,
                invoice.meter_values,
                supply_start=invoice.supply_start,
                supply_end=invoice.supply_end,
                corrects=invoice.number,
                notes=(note,),
            )

        return draft

    def _advance_in_force(self, customer_number: str, day: date) -> AdvancePayment | None:
        assert self.advances is not None  # advance billing checked it
        in_force = [a for a in self.advances.list_advances(customer_number) if a.valid_from <= day]
        return max(in_force, key=lambda a: a.valid_from) if in_force else None
