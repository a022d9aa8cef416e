"""The monthly bill run (the billing state machine's steps): plan the
accounts in batches, bill each account once for the period, record what
failed, summarise. Every step is safe to repeat: an account billed before is
counted as such and not billed again."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol

from heatportal.domain.errors import DomainError, NotFound, TransientFailure
from heatportal.domain.model import BillingPeriod, Customer, Invoice
from heatportal.domain.profile import BillingMode, UtilityProfile
from heatportal.domain.tariff import MissingPrice
from heatportal.ports import BillingRunRepository, Clock, CustomerRepository, InvoiceRepository
from heatportal.services.billing.corrections import Corrections
from heatportal.services.billing.drafts import InvoiceDrafts
from heatportal.services.billing.guards import InvoiceHeld
from heatportal.services.billing.issuing import InvoiceIssuer
from heatportal.services.billing.pricing import (
    ADVANCE_KEY,
    CONSUMPTION_KEY,
    SETTLEMENT_KEY,
    NothingToBill,
    PricingService,
)

logger = logging.getLogger(__name__)


class FinalInvoiceSource(Protocol):
    def issue_due(self, customer: Customer, through: BillingPeriod) -> list[Invoice]:
        """Issue the final invoices of the account's ended contracts up to the period."""
        ...


BATCH_SIZE = 25


@dataclass
class BatchResult:
    billed: int = 0
    already_billed: int = 0
    skipped: int = 0
    # Why accounts were skipped, by reason code (zero_bill_skipped: no consumption
    # and no fixed charge), and drafts held by the compliance check.
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    held: int = 0
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
            "skipped_reasons": self.skipped_reasons,
            "held": self.held,
            "failed": self.failed,
            "totals": self.totals,
            "invoices": self.invoices,
        }


class BillRun:
    def __init__(
        self,
        profile: UtilityProfile,
        customers: CustomerRepository,
        invoices: InvoiceRepository,
        runs: BillingRunRepository,
        clock: Clock,
        pricing: PricingService,
        drafts: InvoiceDrafts,
        issuer: InvoiceIssuer,
        corrections: Corrections | None = None,
        *,
        final_invoices: FinalInvoiceSource | None = None,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.invoices = invoices
        self.runs = runs
        self.clock = clock
        self.pricing = pricing
        self.drafts = drafts
        self.issuer = issuer
        self.corrections = corrections
        self.final_invoices = final_invoices

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

    # --- one account -----------------------------------------------------------
    @property
    def advance_mode(self) -> bool:
        """Monthly advances and a yearly settlement, when the profile says so
        and the advance payments are wired in."""
        return self.profile.billing_mode == BillingMode.ADVANCE_YEARLY and self.drafts.advances is not None

    @property
    def kind_key(self) -> str:
        """The kind of the monthly bill: what marks an account billed for a period."""
        return ADVANCE_KEY if self.advance_mode else CONSUMPTION_KEY

    def bill_account(
        self, customer_number: str, period: BillingPeriod, issued_on: date | None = None
    ) -> tuple[Invoice, bool]:
        """Issue (once) the account's bill for the period. Returns (invoice, created).

        In advance mode the monthly bill is the advance invoice, and December's
        run also issues the year's settlement. ``issued_on`` defaults to today;
        loading history passes the real date.
        """
        customer = self.customers.get_customer(customer_number)
        if customer is None:
            raise NotFound(f"customer {customer_number} not found", code="not_found")
        issued = issued_on or self.clock.today()
        if self.final_invoices is not None and customer.final_invoice_due is not None:
            # A contract that ended (moving out): its final invoice first, so the
            # period's own bill is what remains.
            self.final_invoices.issue_due(customer, period)
        if self.advance_mode:
            invoice, created = self.issuer.issue(customer, period, ADVANCE_KEY, issued, self.drafts.advance)
            if period.month == 12:
                self.issuer.issue(customer, period, SETTLEMENT_KEY, issued, self.drafts.settlement)
            return invoice, created
        if self.corrections is not None and issued_on is None:
            # A late reading for last month's bill: its correction comes first.
            self.corrections.before_billing(customer, period.key)
        return self.issuer.issue(customer, period, CONSUMPTION_KEY, issued, self.drafts.consumption)

    # --- batches and runs ----------------------------------------------------------
    def bill_batch(self, run_id: str, period_key: str, accounts: list[str]) -> dict[str, object]:
        period = BillingPeriod.parse(period_key)
        result = BatchResult()
        with self.pricing.spot_prices_cached():
            self._bill_each(run_id, period, accounts, result)
        return result.as_dict()

    def _bill_each(self, run_id: str, period: BillingPeriod, accounts: list[str], result: BatchResult) -> None:
        for number in accounts:
            try:
                invoice, created = self.bill_account(number, period)
            except TransientFailure:
                raise  # the state machine retries the batch; finished accounts are skipped then
            except NothingToBill as nothing:
                result.skipped += 1
                result.skipped_reasons[nothing.code] = result.skipped_reasons.get(nothing.code, 0) + 1
                continue
            except InvoiceHeld as held:
                reason = f"held: {', '.join(r.key for r in held.reasons)}"
                self.runs.record_failure(run_id, period.key, number, reason)
                result.held += 1
                result.failed.append({"customer_number": number, "reason": reason})
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
        counts = {"billed": 0, "already_billed": 0, "skipped": 0, "held": 0}
        failed: list[dict[str, str]] = []
        skipped_reasons: dict[str, int] = {}
        for batch in results:
            for key in counts:
                counts[key] += int(batch.get(key, 0))  # type: ignore[call-overload]
            for code, count in dict(batch.get("skipped_reasons", {})).items():  # type: ignore[call-overload]
                skipped_reasons[code] = skipped_reasons.get(code, 0) + int(count)
            failed.extend(batch.get("failed", []))  # type: ignore[arg-type]
            for currency, amount in dict(batch.get("totals", {})).items():  # type: ignore[call-overload]
                totals[currency] = totals.get(currency, Decimal(0)) + Decimal(amount)
        summary.update(counts)
        summary["skipped_reasons"] = skipped_reasons
        summary["failed"] = len(failed)
        summary["failures"] = failed[:100]
        summary["totals"] = {c: str(a) for c, a in totals.items()}
        self.runs.save_summary(run_id, summary)
        return summary
