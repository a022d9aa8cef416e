"""The final invoice of an ended contract (NL eindafrekening): the ended
meters' consumption from the day the monthly bills stopped to the moving day,
priced month by month by the pricing service the bills use, less the advances
invoiced for those months when no other contract of the customer goes on.

It is issued through the normal issuing path (numbered once per supply,
PDF, delivery): by the next monthly bill run, or at once when the profile
says so or the next run would come after the country's deadline.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Protocol

from heatportal.domain.contracts import Supply
from heatportal.domain.errors import Conflict, Forbidden, NotFound
from heatportal.domain.model import (
    BillingPeriod,
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    LineNote,
    Meter,
    MeterPeriodValue,
    Role,
)
from heatportal.domain.profile import BillingMode, UtilityProfile
from heatportal.domain.tariff import MissingPrice, merge_months, summarise
from heatportal.ports import Clock, CustomerRepository, InvoiceRepository
from heatportal.services.access import Scope
from heatportal.services.billing.drafts import InvoiceDrafts, advances_deducted, year_values
from heatportal.services.billing.issuing import InvoiceIssuer
from heatportal.services.billing.pricing import NothingToBill, PricingService

logger = logging.getLogger(__name__)


class FinalInvoiceStore(Protocol):
    def set_final_invoice(self, supply: Supply, invoice_number: int, still_due: date | None) -> None:
        """The supply's final invoice issued, and the customer's next deadline (None: none left)."""
        ...


class SupplySource(Protocol):
    def supplies_of_customer(self, customer_number: str) -> list[Supply]: ...


def last_supplied_day(supply: Supply) -> date:
    assert supply.ended_on is not None  # only an ended supply has a final invoice
    return supply.ended_on - timedelta(days=1)


def final_kind_key(supply: Supply) -> str:
    """What marks the supply's final invoice issued (once per supply)."""
    return f"final#{supply.facility_id}#{supply.started_on.isoformat()}"


def periods_between(first: date, last: date) -> list[BillingPeriod]:
    period = BillingPeriod(year=first.year, month=first.month)
    end = BillingPeriod(year=last.year, month=last.month)
    periods = []
    while (period.year, period.month) <= (end.year, end.month):
        periods.append(period)
        period = period.next()
    return periods


class FinalInvoices:
    def __init__(
        self,
        profile: UtilityProfile,
        customers: CustomerRepository,
        invoices: InvoiceRepository,
        pricing: PricingService,
        drafts: InvoiceDrafts,
        issuer: InvoiceIssuer,
        store: FinalInvoiceStore,
        supplies: SupplySource,
        clock: Clock,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.invoices = invoices
        self.pricing = pricing
        self.drafts = drafts
        self.issuer = issuer
        self.store = store
        self.supplies = supplies
        self.clock = clock

    @property
    def advance_mode(self) -> bool:
        return self.profile.billing_mode == BillingMode.ADVANCE_YEARLY

    # --- when ----------------------------------------------------------------------------
    def coverage_start(self, customer_number: str, meters: Sequence[Meter], last_day: date) -> date:
        """The first day the final invoice bills: the day after what the bills
        issued so far cover (monthly bills: the month after the last one that
        counted these meters; advances: the first year not yet settled), never
        before a meter's installation."""
        invoices = self.invoices.list_invoices(customer_number)
        if self.advance_mode:
            settled = [i.period.year for i in invoices if i.kind == InvoiceKind.SETTLEMENT]
            unsettled_advances = [
                i.period.year
                for i in invoices
                if i.kind == InvoiceKind.ADVANCE and i.period.year not in settled and i.period.year >= last_day.year - 1
            ]
            year = min(unsettled_advances, default=last_day.year)
            if settled:
                year = max(year, max(settled) + 1)
            start = date(year, 1, 1)
        else:
            # The bills that counted these meters (a final invoice of another facility did not).
            numbers = {m.number for m in meters}
            billed = [
                i.period
                for i in invoices
                if i.kind in (InvoiceKind.INVOICE, InvoiceKind.FINAL)
                and any(v.meter_number in numbers for v in i.meter_values)
            ]
            start = (
                max(billed, key=lambda p: (p.year, p.month)).end if billed else date(last_day.year, last_day.month, 1)
            )
        installed = min((m.installed_on for m in meters), default=start)
        return max(start, installed)

    def next_run_on(self, last_day: date) -> date:
        """The day of the first bill run after today that bills the month of
        ``last_day`` or a later one."""
        period = BillingPeriod(year=last_day.year, month=last_day.month)
        run = period.end.replace(day=self.profile.moving.bill_run_day)
        today = self.clock.today()
        while run <= today:
            run = BillingPeriod(year=run.year, month=run.month).end.replace(day=self.profile.moving.bill_run_day)
        return run

    def due_by(self, moving_on: date) -> date:
        return moving_on + timedelta(days=self.profile.moving.final_invoice_deadline_days)

    def bill_at_once(self, supply: Supply) -> bool:
        """At once when the profile says so, or when the next run would come after the deadline."""
        if self.profile.moving.final_invoice == "at_once":
            return True
        assert supply.final_invoice_due_by is not None
        return self.next_run_on(last_supplied_day(supply)) > supply.final_invoice_due_by

    # --- what --------------------------------------------------------------------------------
    def draft(
        self, customer: Customer, supply: Supply, meters: Sequence[Meter], issued: date, others_go_on: bool
    ) -> Invoice:
        """The final invoice's draft: each month from the coverage start to the
        last supplied day priced by the tariff (the ended meters only), less the
        advances invoiced for those months when the customer has no other supply."""
        assert supply.final_invoice_from is not None  # an ended supply has its coverage start
        last_day = last_supplied_day(supply)
        billable = [m.model_copy(update={"final_invoice_from": None}) for m in meters]
        lines: list[InvoiceLine] = []
        values: list[MeterPeriodValue] = []
        start = supply.final_invoice_from
        for period in periods_between(start, last_day):
            try:
                priced, month_values = self.pricing.price(customer, period, meters=billable)
            except NothingToBill:
                continue
            lines += priced.lines  # each line names its own days
            values += month_values
        if not lines:
            raise NothingToBill("Nothing to bill for the ended contract.", code="nothing_to_bill")
        lines = list(merge_months(tuple(lines)))
        invoice_notes: list[LineNote] = []
        if self.advance_mode and not others_go_on:
            first = BillingPeriod(year=start.year, month=start.month)
            advances = [
                i
                for i in self.invoices.list_invoices(customer.number)
                if i.kind == InvoiceKind.ADVANCE and (i.period.year, i.period.month) >= (first.year, first.month)
            ]
            deducted, invoice_notes = advances_deducted(advances)
            lines += deducted
        priced_all = summarise(tuple(lines), self.profile.currency)
        period = BillingPeriod(year=last_day.year, month=last_day.month)
        return self.drafts.draft(
            customer,
            period,
            issued,
            InvoiceKind.FINAL,
            priced_all,
            year_values(values),
            supply_start=start,
            supply_end=last_day,
            notes=tuple(invoice_notes),
        )

    # --- issuing ---------------------------------------------------------------------------------
    def issue(self, customer: Customer, supply: Supply, meters: Sequence[Meter], others_go_on: bool) -> Invoice:
        """Issue the supply's final invoice (once) through the normal issuing
        path, and record it on the supply. Raises MissingPrice while a price
        it needs (a month's spot price) is not published yet."""
        last_day = last_supplied_day(supply)
        period = BillingPeriod(year=last_day.year, month=last_day.month)

        def draft_of(who: Customer, _period: BillingPeriod, issued: date) -> Invoice:
            return self.draft(who, supply, meters, issued, others_go_on)

        invoice, _created = self.issuer.issue(customer, period, final_kind_key(supply), self.clock.today(), draft_of)
        pending = [
            other.final_invoice_due_by
            for other in self.supplies.supplies_of_customer(customer.number)
            if other.awaiting_final_invoice
            and other.final_invoice_due_by is not None
            and (other.facility_id, other.started_on) != (supply.facility_id, supply.started_on)
        ]
        self.store.set_final_invoice(supply, invoice.number, min(pending) if pending else None)
        return invoice

    def issue_due(self, customer: Customer, through: BillingPeriod) -> list[Invoice]:
        """The bill run's call for one account: issue the final invoices of its
        ended contracts whose last month is ``through`` or earlier."""
        if customer.final_invoice_due is None:
            return []
        supplies = self.supplies.supplies_of_customer(customer.number)
        meters = self.customers.list_meters(customer.number)
        issued = []
        for supply in supplies:
            if not supply.awaiting_final_invoice:
                continue
            last = last_supplied_day(supply)
            if (last.year, last.month) > (through.year, through.month):
                continue
            ended = [m for m in meters if m.facility_id == supply.facility_id and m.removed_on == supply.ended_on]
            others = any(s.ended_on is None for s in supplies) or any(
                m.removed_on is None and m.facility_id != supply.facility_id for m in meters
            )
            issued.append(self.issue(customer, supply, ended, others))
        return issued

    def bill_now(self, scope: Scope, facility_id: str) -> Invoice:
        """Customer service bills an ended contract's final invoice now."""
        if not scope.principal.is_staff:
            raise Forbidden("Only customer service bills a final invoice at once.", code="forbidden")
        grant = scope.require(Role.READ)
        supply = next(
            (s for s in grant.record.supplies if s.facility_id == facility_id and s.awaiting_final_invoice), None
        )
        if supply is None:
            raise NotFound(
                "No ended contract of this facility waits for its final invoice.", code="final_invoice_not_due"
            )
        customer = grant.record.customer
        assert customer is not None  # the access check read it
        meters = [m for m in grant.record.meters if m.facility_id == facility_id and m.removed_on == supply.ended_on]
        others = any(m.removed_on is None for m in grant.record.meters)
        try:
            return self.issue(customer, supply, meters, others)
        except MissingPrice as error:
            raise Conflict(
                "A price the final invoice needs is not published yet.", code="final_invoice_price_missing"
            ) from error

    def try_at_once(
        self, customer: Customer, supply: Supply, meters: Sequence[Meter], others_go_on: bool
    ) -> Invoice | None:
        """Issue now; None when a price it needs is not published yet (the next run issues it)."""
        try:
            return self.issue(customer, supply, meters, others_go_on)
        except MissingPrice:
            logger.info("final invoice waits for a price", extra={"customer": customer.number})
            return None
