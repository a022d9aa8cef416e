"""Monthly billing: plan a run, bill accounts in batches, summarise.

Every step is safe to repeat. The invoice for an account and period is created
at most once (a marker item written in the same transaction as the invoice);
the PDF key is deterministic; the email is claimed before it is sent. A crash
between those steps is healed by running the step again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.errors import DomainError, NotFound, TransientFailure
from heatportal.domain.model import (
    BillingPeriod,
    Customer,
    Invoice,
    InvoiceKind,
    Meter,
    MeterPeriodValue,
)
from heatportal.domain.payment_reference import payment_reference
from heatportal.domain.profile import SpotEnergyPrice, UtilityProfile
from heatportal.domain.tariff import MeterUsage, MissingPrice, PricedPeriod, PricingInput, price_period
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
from heatportal.services.readings import ReadingService

logger = logging.getLogger(__name__)

BATCH_SIZE = 25
KIND_KEY = "invoice"

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
    ) -> None:
        self.profile = profile
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
    def _meter_values(self, meter: Meter, period: BillingPeriod, previous: Invoice | None) -> MeterPeriodValue | None:
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
        end = self.reading_service.value_at(meter, end_day)
        return MeterPeriodValue(
            meter_number=meter.number,
            unit=meter.unit,
            start_value=start,
            end_value=max(end.value, start),
            start_estimated=start_estimated,
            end_estimated=end.estimated,
        )

    def price(self, customer: Customer, period: BillingPeriod) -> tuple[PricedPeriod, tuple[MeterPeriodValue, ...]]:
        """Price a period for a customer; shared by billing and trial settlement."""
        previous = self.invoices.find_billed(customer.number, period.previous(), KIND_KEY)
        usages: list[MeterUsage] = []
        values: list[MeterPeriodValue] = []
        for meter in self.customers.list_meters(customer.number):
            mv = self._meter_values(meter, period, previous)
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
            spot = self.spot_prices.spot_price(zone, period.key)
        priced = price_period(self.profile, PricingInput(period, tuple(usages), spot))
        return priced, tuple(values)

    # --- one account -----------------------------------------------------------
    def bill_account(
        self, customer_number: str, period: BillingPeriod, issued_on: date | None = None
    ) -> tuple[Invoice, bool]:
        """Create (once) the invoice, its PDF and its email. Returns (invoice, created).

        ``issued_on`` defaults to today; loading history passes the real date.
        """
        customer = self.customers.get_customer(customer_number)
        if customer is None:
            raise NotFound(f"customer {customer_number} not found", code="not_found")
        existing = self.invoices.find_billed(customer_number, period, KIND_KEY)
        if existing is None:
            priced, meter_values = self.price(customer, period)
            issued = issued_on or self.clock.today()
            draft = Invoice(
                number=0,
                customer_number=customer_number,
                kind=InvoiceKind.INVOICE,
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
            stored = self.invoices.create_invoice_once(
                draft,
                kind_key=KIND_KEY,
                reference=lambda number: payment_reference(self.profile.payment_reference, customer_number, number),
            )
            invoice, created = stored.invoice, stored.created
        else:
            invoice, created = existing, False
        invoice = self._ensure_pdf(invoice, customer)
        self._ensure_email(invoice, customer)
        return invoice, created

    def _ensure_pdf(self, invoice: Invoice, customer: Customer) -> Invoice:
        if invoice.pdf_key:
            return invoice
        key = f"invoices/{customer.number.replace('/', '-')}/{invoice.number}.pdf"
        with_key = invoice.model_copy(update={"pdf_key": key})
        self.documents.put(key, self.render_pdf(with_key, customer, self.profile), "application/pdf")
        self.invoices.set_pdf_key(customer.number, invoice.number, key)
        return with_key

    def _ensure_email(self, invoice: Invoice, customer: Customer) -> None:
        if not customer.email or not invoice.pdf_key:
            return
        if not self.invoices.claim_email(customer.number, invoice.number):
            return
        try:
            email = self.render_email(invoice, customer, self.profile, self.portal_url)
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
        return result.as_dict()

    def record_batch_failure(
        self, run_id: str, period_key: str, accounts: list[str], error: object
    ) -> dict[str, object]:
        """After retries are exhausted: accounts without an invoice are recorded as failed."""
        period = BillingPeriod.parse(period_key)
        result = BatchResult()
        reason = f"batch failed after retries: {str(error)[:300]}"
        for number in accounts:
            invoice = self.invoices.find_billed(number, period, KIND_KEY)
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
