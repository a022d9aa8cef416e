"""Monthly billing: plan a run, bill accounts in batches, summarise.

Every step is safe to repeat. The invoice for an account and period is created
at most once (a marker item written in the same transaction as the invoice);
the PDF key is deterministic; the email is claimed before it is sent. A crash
between those steps is healed by running the step again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.errors import DomainError, Forbidden, NotFound, TransientFailure, ValidationFailed
from heatportal.domain.model import (
    BillingPeriod,
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Meter,
    MeterPeriodValue,
)
from heatportal.domain.money import round_money
from heatportal.domain.payment_reference import payment_reference
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import BillingMode, SpotEnergyPrice, UtilityProfile
from heatportal.domain.tariff import MeterUsage, MissingPrice, PricedPeriod, PricingInput, price_period, summarise
from heatportal.ports import (
    BillingRunRepository,
    Clock,
    CustomerRepository,
    DocumentStore,
    InvoiceRepository,
    Mailer,
    ReadingRepository,
    SpotPriceRepository,
)
from heatportal.services.access import Principal
from heatportal.services.readings import ReadingService, RegisterValue, register_range

logger = logging.getLogger(__name__)

BATCH_SIZE = 25
KIND_KEY = "invoice"
ADVANCE_KEY = "advance"
SETTLEMENT_KEY = "settlement"

PdfRenderer = Callable[[Invoice, Customer, UtilityProfile], bytes]


class RenderedEmail(Protocol):
    @property
    def subject(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def html(self) -> str: ...


EmailRenderer = Callable[[Invoice, Customer, UtilityProfile, str], RenderedEmail]


@dataclass
class BatchResult:
    billed: int = 0
    already_billed: int = 0
    skipped: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    totals: dict[str, str] = field(default_factory=dict)
    invoices: list[int] = field(default_factory=list)

    def add_total(self, currency: str, amount: Decimal) -> None:
        self.totals[currency] = str(Decimal(self.totals.get(currency, "0")) + amount)

    def as_dict(self) -> dict[str, object]:
        return {
            "billed": self.billed,
            "already_billed": self.already_billed,
            "skipped": self.skipped,
            "failed": self.failed,
            "totals": self.totals,
            "invoices": self.invoices,
        }


class NothingToBill(DomainError):
    code = "nothing_to_bill"


class AdvanceSource(Protocol):
    def list_advances(self, customer_number: str) -> list[AdvancePayment]: ...


class InvoiceStatusWriter(Protocol):
    def set_status(self, customer_number: str, number: int, status: str) -> None: ...


def _year_values(values: list[MeterPeriodValue]) -> tuple[MeterPeriodValue, ...]:
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
                "register_wrap": sum((v.register_wrap for v in values if v.meter_number == number), Decimal(0)),
            }
        )
        for number in first
    )


class BillingService:
    def __init__(
        self,
        profile: UtilityProfile,
        customers: CustomerRepository,
        readings: ReadingRepository,
        reading_service: ReadingService,
        invoices: InvoiceRepository,
        spot_prices: SpotPriceRepository,
        runs: BillingRunRepository,
        documents: DocumentStore,
        mailer: Mailer,
        clock: Clock,
        render_pdf: PdfRenderer,
        render_email: EmailRenderer,
        portal_url: str,
        advances: AdvanceSource | None = None,
        statuses: InvoiceStatusWriter | None = None,
    ) -> None:
        self.profile = profile
        self.advances = advances
        self.statuses = statuses
        self.customers = customers
        self.readings = readings
        self.reading_service = reading_service
        self.invoices = invoices
        self.spot_prices = spot_prices
        self.runs = runs
        self.documents = documents
        self.mailer = mailer
        self.clock = clock
        self.render_pdf = render_pdf
        self.render_email = render_email
        self.portal_url = portal_url
        # Filled only while a batch runs: one spot-price read per zone and month
        # per batch instead of one per account; a later correction is seen next run.
        self._spot_cache: dict[tuple[str, str], Decimal | None] | None = None

    # --- planning -----------------------------------------------------------
    def resolve_period(self, requested: str | None) -> BillingPeriod:
        """'previous' (the schedule's default) is the month before today."""
        if not requested or requested == "previous":
            today = self.clock.today()
            return BillingPeriod(year=today.year, month=today.month).previous()
        return BillingPeriod.parse(requested)

    def plan(self, requested_period: str | None, batch_size: int = BATCH_SIZE) -> dict[str, object]:
        period = self.resolve_period(requested_period)
        accounts = self.customers.list_account_numbers()
        batches = [accounts[i : i + batch_size] for i in range(0, len(accounts), batch_size)]
        return {"period": period.key, "batches": batches, "accounts": len(accounts)}

    # --- pricing --------------------------------------------------------------
    def _meter_values(
        self,
        meter: Meter,
        period: BillingPeriod,
        previous: Invoice | None,
        end_value: RegisterValue | None = None,
    ) -> MeterPeriodValue | None:
        start_day = max(period.start, meter.installed_on)
        end_day = min(period.end, meter.removed_on) if meter.removed_on else period.end
        if end_day <= start_day:
            return None
        carried = next((m for m in previous.meter_values if m.meter_number == meter.number), None) if previous else None
        if carried is not None:
            start = carried.end_value
            start_estimated = carried.end_estimated
        else:
            value = self.reading_service.value_at(meter, start_day)
            start, start_estimated = value.value, value.estimated
        end = end_value or self.reading_service.value_at(meter, end_day)
        wrap = Decimal(0)
        if end.value < start and self._rolled_over(meter, start_day, end_day, start_estimated):
            wrap = register_range(meter) or Decimal(0)
        return MeterPeriodValue(
            meter_number=meter.number,
            unit=meter.unit,
            start_value=start,
            # Below the start without a rollover: an actual reading under an
            # earlier estimate; it counts nothing rather than a negative amount.
            end_value=end.value if wrap else max(end.value, start),
            start_estimated=start_estimated,
            end_estimated=end.estimated,
            register_wrap=wrap,
        )

    def _rolled_over(self, meter: Meter, start_day: date, end_day: date, start_estimated: bool) -> bool:
        """Whether a reading in the period records the register wrapping to 0.

        A rollover read on the first day already shows in an actual start value,
        but not in an estimated one (made before the reading arrived)."""
        if meter.register_digits is None:
            return False
        first = start_day if start_estimated else start_day + timedelta(days=1)
        return any(r.rollover and not r.estimated for r in self.readings.list_readings(meter.number, first, end_day))

    def price(
        self,
        customer: Customer,
        period: BillingPeriod,
        end_values: Mapping[str, RegisterValue] | None = None,
        spot_fallback_months: int = 0,
    ) -> tuple[PricedPeriod, tuple[MeterPeriodValue, ...]]:
        """Price a period for a customer; shared by billing and trial settlement.

        ``end_values`` replaces a meter's end-of-period register value (the
        reading a person enters for a trial settlement). ``spot_fallback_months``
        lets a period whose average spot price is not known yet (the current
        month) use the newest of that many earlier months; billing passes 0.
        Reads only: nothing is stored.
        """
        previous = self.invoices.find_billed(customer.number, period.previous(), KIND_KEY)
        usages: list[MeterUsage] = []
        values: list[MeterPeriodValue] = []
        for meter in self.customers.list_meters(customer.number):
            mv = self._meter_values(meter, period, previous, (end_values or {}).get(meter.number))
            if mv is None:
                continue
            values.append(mv)
            days = tuple(self.readings.daily_consumption(meter.number, period.start, period.end))
            usages.append(MeterUsage(meter.number, meter.kind, meter.unit, mv.quantity, days))
        if not usages:
            raise NothingToBill("No active meter in the period.", code="nothing_to_bill")
        spot = None
        price_list = self.profile.price_list_on(period.start)
        zone = next((c.zone for c in price_list.components if isinstance(c, SpotEnergyPrice)), None)
        if zone is not None:
            month = period
            spot = self._spot_price(zone, month.key)
            for _ in range(spot_fallback_months):
                if spot is not None:
                    break
                month = month.previous()
                spot = self._spot_price(zone, month.key)
        priced = price_period(self.profile, PricingInput(period, tuple(usages), spot))
        return priced, tuple(values)

    def _spot_price(self, zone: str, month: str) -> Decimal | None:
        cache = self._spot_cache  # local stacks run batches on threads sharing this service
        if cache is None:
            return self.spot_prices.spot_price(zone, month)
        if (zone, month) not in cache:
            cache[(zone, month)] = self.spot_prices.spot_price(zone, month)
        return cache[(zone, month)]

    # --- one account -----------------------------------------------------------
    @property
    def advance_mode(self) -> bool:
        """Seeds 002, 003: monthly advances and a yearly settlement, when the
        profile says so and the advance payments are wired in."""
        return self.profile.billing_mode == BillingMode.ADVANCE_YEARLY and self.advances is not None

    @property
    def kind_key(self) -> str:
        """The kind of the monthly bill: what marks an account billed for a period."""
        return ADVANCE_KEY if self.advance_mode else KIND_KEY

    def bill_account(
        self, customer_number: str, period: BillingPeriod, issued_on: date | None = None
    ) -> tuple[Invoice, bool]:
        """Create (once) the invoice, its PDF and its email. Returns (invoice, created).

        In advance mode the monthly bill is the advance invoice, and December's
        run also creates the year's settlement. ``issued_on`` defaults to today;
        loading history passes the real date.
        """
        customer = self.customers.get_customer(customer_number)
        if customer is None:
            raise NotFound(f"customer {customer_number} not found", code="not_found")
        issued = issued_on or self.clock.today()
        if self.advance_mode:
            invoice, created = self._store_once(customer, period, ADVANCE_KEY, issued, self._advance_draft)
            if period.month == 12:
                self._store_once(customer, period, SETTLEMENT_KEY, issued, self._settlement_draft)
            return invoice, created
        return self._store_once(customer, period, KIND_KEY, issued, self._consumption_draft)

    def _store_once(
        self,
        customer: Customer,
        period: BillingPeriod,
        kind_key: str,
        issued: date,
        draft_of: Callable[[Customer, BillingPeriod, date], Invoice],
    ) -> tuple[Invoice, bool]:
        existing = self.invoices.find_billed(customer.number, period, kind_key)
        if existing is None:
            stored = self.invoices.create_invoice_once(
                draft_of(customer, period, issued),
                kind_key=kind_key,
                reference=lambda number: payment_reference(self.profile.payment_reference, customer.number, number),
            )
            invoice, created = stored.invoice, stored.created
        else:
            invoice, created = existing, False
        invoice, pdf = self._ensure_pdf(invoice, customer)
        self._ensure_email(invoice, customer, pdf)
        return invoice, created

    def _draft(
        self,
        customer: Customer,
        period: BillingPeriod,
        issued: date,
        kind: InvoiceKind,
        priced: PricedPeriod,
        meter_values: tuple[MeterPeriodValue, ...] = (),
    ) -> Invoice:
        return Invoice(
            number=0,
            customer_number=customer.number,
            kind=kind,
            period=period,
            issued_on=issued,
            due_on=issued + timedelta(days=self.profile.payment_terms_days),
            currency=self.profile.currency,
            language=customer.language,
            lines=priced.lines,
            net_total=priced.net_total,
            vat_total=priced.vat_total,
            total=priced.total,
            payment_reference="",
            meter_values=meter_values,
        )

    def _consumption_draft(self, customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
        priced, meter_values = self.price(customer, period)
        return self._draft(customer, period, issued, InvoiceKind.INVOICE, priced, meter_values)

    def _advance_in_force(self, customer_number: str, day: date) -> AdvancePayment | None:
        assert self.advances is not None  # advance_mode checked it
        in_force = [a for a in self.advances.list_advances(customer_number) if a.valid_from <= day]
        return max(in_force, key=lambda a: a.valid_from) if in_force else None

    def _advance_draft(self, customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
        """The month's advance: the agreed amount incl. VAT, as one line ex VAT."""
        advance = self._advance_in_force(customer.number, period.start)
        if advance is None:
            raise NothingToBill("No advance payment is agreed for the period.", code="nothing_to_bill")
        rate = self.profile.vat_on(period.start)
        net = round_money(advance.amount / (1 + rate), self.profile.currency)
        line = InvoiceLine(
            component="advance",
            text_key="line.advance",
            text_params={"month": period.key},
            quantity=Decimal(1),
            unit="month",
            unit_price=net,
            amount=net,
            vat_rate=rate,
            explanation=f"{advance.amount} incl. VAT / (1 + {rate}) = {net}; agreed from {advance.valid_from}",
        )
        return self._draft(customer, period, issued, InvoiceKind.ADVANCE, summarise((line,), self.profile.currency))

    def _settlement_draft(self, customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
        """The yearly settlement: the year's consumption priced month by month by
        the tariff engine, less the advances invoiced for the year."""
        lines: list[InvoiceLine] = []
        values: list[MeterPeriodValue] = []
        for month in range(1, 13):
            month_period = BillingPeriod(year=period.year, month=month)
            try:
                priced, month_values = self.price(customer, month_period)
            except NothingToBill:
                continue
            lines += [
                line.model_copy(update={"explanation": f"{month_period.key}: {line.explanation}"})
                for line in priced.lines
            ]
            values += month_values
        if not lines:
            raise NothingToBill("No consumption in the year.", code="nothing_to_bill")
        advances = [
            i
            for i in self.invoices.list_invoices(customer.number)
            if i.kind == InvoiceKind.ADVANCE and i.period.year == period.year
        ]
        by_rate: dict[Decimal, Decimal] = {}
        for advance in advances:
            for line in advance.lines:
                by_rate[line.vat_rate] = by_rate.get(line.vat_rate, Decimal(0)) + line.amount
        for rate, net in sorted(by_rate.items()):
            lines.append(
                InvoiceLine(
                    component="advances_deducted",
                    text_key="line.advances_deducted",
                    text_params={"count": str(len(advances))},
                    quantity=Decimal(1),
                    unit="year",
                    unit_price=-net,
                    amount=-net,
                    vat_rate=rate,
                    explanation=f"{len(advances)} advance invoices of {period.year}, ex VAT {net}",
                )
            )
        priced = summarise(tuple(lines), self.profile.currency)
        year_values = _year_values(values)
        return self._draft(customer, period, issued, InvoiceKind.SETTLEMENT, priced, year_values)

    # --- corrections -------------------------------------------------------------
    def credit_note(
        self, principal: Principal, customer_number: str, invoice_number: int, reason: str
    ) -> tuple[Invoice, bool]:
        """Customer service credits an invoice in full (a wrong reading, a wrong
        price): a credit note with the invoice's lines negated, created at most once
        per invoice; the invoice is marked credited. A corrected bill then follows
        from the next run, which starts from the corrected register values."""
        if not principal.is_staff:
            raise Forbidden("Only customer service may issue credit notes.", code="staff_only")
        if self.statuses is None:
            raise RuntimeError("credit notes need an invoice status writer")
        reason = " ".join(reason.split())
        if not reason or len(reason) > 300:
            raise ValidationFailed("Give a reason of at most 300 characters.", code="credit_reason_invalid")
        customer = self.customers.get_customer(customer_number)
        invoice = self.invoices.get_invoice(customer_number, invoice_number)
        if customer is None or invoice is None:
            raise NotFound("This invoice does not exist.", code="invoice_not_found")
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            raise ValidationFailed("A credit note cannot be credited.", code="credit_of_credit_note")

        def draft(customer: Customer, period: BillingPeriod, issued: date) -> Invoice:
            lines = tuple(
                line.model_copy(
                    update={
                        "unit_price": -line.unit_price,
                        "amount": -line.amount,
                        "explanation": f"credit of invoice {invoice.number} ({reason}): {line.explanation}",
                    }
                )
                for line in invoice.lines
            )
            priced = summarise(lines, invoice.currency)
            return self._draft(customer, period, issued, InvoiceKind.CREDIT_NOTE, priced, invoice.meter_values)

        credit, created = self._store_once(
            customer, invoice.period, f"credit-{invoice.number}", self.clock.today(), draft
        )
        self.statuses.set_status(customer_number, invoice.number, InvoiceStatus.CREDITED.value)
        return credit, created

    def _ensure_pdf(self, invoice: Invoice, customer: Customer) -> tuple[Invoice, bytes | None]:
        """Render and store the PDF once; returns the bytes when rendered now, so
        the email attaches them without reading the object back from S3."""
        if invoice.pdf_key:
            return invoice, None
        key = f"invoices/{customer.number.replace('/', '-')}/{invoice.number}.pdf"
        with_key = invoice.model_copy(update={"pdf_key": key})
        pdf = self.render_pdf(with_key, customer, self.profile)
        self.documents.put(key, pdf, "application/pdf")
        self.invoices.set_pdf_key(customer.number, invoice.number, key)
        return with_key, pdf

    def _ensure_email(self, invoice: Invoice, customer: Customer, pdf: bytes | None = None) -> None:
        if not customer.email or not invoice.pdf_key:
            return
        if not self.invoices.claim_email(customer.number, invoice.number):
            return
        try:
            email = self.render_email(invoice, customer, self.profile, self.portal_url)
            if pdf is None:  # a retry after a crash between PDF and email
                pdf = self.documents.get(invoice.pdf_key)
            self.mailer.send(
                customer.email,
                email.subject,
                email.text,
                email.html,
                [(f"invoice-{invoice.number}.pdf", pdf, "application/pdf")],
            )
        except Exception:
            # Release so a retry sends it; the error still fails this attempt.
            self.invoices.release_email_claim(customer.number, invoice.number)
            raise

    # --- batches and runs ----------------------------------------------------------
    def bill_batch(self, run_id: str, period_key: str, accounts: list[str]) -> dict[str, object]:
        period = BillingPeriod.parse(period_key)
        result = BatchResult()
        self._spot_cache = {}
        try:
            self._bill_each(run_id, period, accounts, result)
        finally:
            self._spot_cache = None
        return result.as_dict()

    def _bill_each(self, run_id: str, period: BillingPeriod, accounts: list[str], result: BatchResult) -> None:
        for number in accounts:
            try:
                invoice, created = self.bill_account(number, period)
            except TransientFailure:
                raise  # the state machine retries the batch; finished accounts are skipped then
            except NothingToBill:
                result.skipped += 1
                continue
            except (DomainError, MissingPrice, LookupError, ValueError) as error:
                reason = f"{type(error).__name__}: {error}"
                logger.warning("billing failed", extra={"customer": number, "reason": reason})
                self.runs.record_failure(run_id, period.key, number, reason)
                result.failed.append({"customer_number": number, "reason": reason})
                continue
            if created:
                result.billed += 1
            else:
                result.already_billed += 1
            result.invoices.append(invoice.number)
            result.add_total(invoice.currency, invoice.total)

    def record_batch_failure(
        self, run_id: str, period_key: str, accounts: list[str], error: object
    ) -> dict[str, object]:
        """After retries are exhausted: accounts without an invoice are recorded as failed."""
        period = BillingPeriod.parse(period_key)
        result = BatchResult()
        reason = f"batch failed after retries: {str(error)[:300]}"
        for number in accounts:
            invoice = self.invoices.find_billed(number, period, self.kind_key)
            if invoice is not None:
                result.already_billed += 1
                result.invoices.append(invoice.number)
                result.add_total(invoice.currency, invoice.total)
                continue
            self.runs.record_failure(run_id, period.key, number, reason)
            result.failed.append({"customer_number": number, "reason": reason})
        return result.as_dict()

    def summarize(self, run_id: str, period_key: str, results: list[dict[str, object]]) -> dict[str, object]:
        summary: dict[str, object] = {"run_id": run_id, "period": period_key}
        totals: dict[str, Decimal] = {}
        counts = {"billed": 0, "already_billed": 0, "skipped": 0}
        failed: list[dict[str, str]] = []
        for batch in results:
            for key in counts:
                counts[key] += int(batch.get(key, 0))  # type: ignore[call-overload]
            failed.extend(batch.get("failed", []))  # type: ignore[arg-type]
            for currency, amount in dict(batch.get("totals", {})).items():  # type: ignore[call-overload]
                totals[currency] = totals.get(currency, Decimal(0)) + Decimal(amount)
        summary.update(counts)
        summary["failed"] = len(failed)
        summary["failures"] = failed[:100]
        summary["totals"] = {c: str(a) for c, a in totals.items()}
        self.runs.save_summary(run_id, summary)
        return summary
