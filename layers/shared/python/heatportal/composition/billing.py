"""Billing and what the customer sees of it: pricing (one service for the bill,
the trial settlement and the forecast), the monthly bill run, invoices,
payments, advance payments, the economy overview and its PDF, spot prices."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from heatportal.adapters.aws import client
from heatportal.composition.core import clock, config, contract_store, documents, mailer, profile, repository
from heatportal.composition.delivery import delivery_store, outbox
from heatportal.composition.readings import reading_service

if TYPE_CHECKING:
    from heatportal.adapters.dynamo_billing import DynamoAdvanceRepository, DynamoPaymentRepository
    from heatportal.adapters.dynamo_corrections import DynamoCorrectionStore, DynamoHoldStore
    from heatportal.adapters.dynamo_runs import DynamoBillingReader, DynamoBillingRuns
    from heatportal.adapters.storage import S3RunManifests
    from heatportal.ports import BilledInvoices, ReadingRepository
    from heatportal.services.advance import AdvanceService
    from heatportal.services.advance_year import AdvanceYearService
    from heatportal.services.billing.corrections import Corrections
    from heatportal.services.billing.drafts import InvoiceDrafts
    from heatportal.services.billing.explain import BillExplainer
    from heatportal.services.billing.issuing import InvoiceIssuer
    from heatportal.services.billing.pricing import PricingService
    from heatportal.services.billing.reads import BatchReads, KeptSpotPrices
    from heatportal.services.billing.run import BillRun
    from heatportal.services.billing.runs import BillRuns
    from heatportal.services.estimate_pdf import EstimatePdfService
    from heatportal.services.forecast import ForecastService
    from heatportal.services.invoices import InvoiceService
    from heatportal.services.moving.final_invoice import FinalInvoices
    from heatportal.services.payments import PaymentService
    from heatportal.services.readings import ReadingService
    from heatportal.services.settlement import TrialSettlementService
    from heatportal.services.spot_prices import SpotPriceService


@cache
def pricing_service() -> PricingService:
    from heatportal.services.billing.pricing import PricingService

    return PricingService(
        profile(), repository(), repository(), reading_service(), repository(), repository(), contracts=contract_store()
    )


@cache
def invoice_drafts() -> InvoiceDrafts:
    from heatportal.adapters.dynamo_accounts import DynamoProfileStore
    from heatportal.services.billing.comparison import ConsumptionComparisons
    from heatportal.services.billing.drafts import InvoiceDrafts

    return InvoiceDrafts(
        profile(),
        pricing_service(),
        repository(),
        advance_repository(),
        accounts=DynamoProfileStore(repository().table),
        comparisons=ConsumptionComparisons(profile(), repository(), repository()),
        holds=hold_store(),
        clock=clock(),
    )


@cache
def hold_store() -> DynamoHoldStore:
    from heatportal.adapters.dynamo_corrections import DynamoHoldStore

    return DynamoHoldStore(repository().table)


@cache
def correction_store() -> DynamoCorrectionStore:
    from heatportal.adapters.dynamo_corrections import DynamoCorrectionStore

    return DynamoCorrectionStore(repository().table)


def _render_invoice_pdf(*args: Any) -> bytes:
    # reportlab is imported only when an invoice is drawn.
    from heatportal.documents.invoice_pdf import render_invoice_pdf

    return render_invoice_pdf(*args)


def _render_invoice_email(*args: Any) -> Any:
    from heatportal.documents.emails import invoice_email

    return invoice_email(*args)


@cache
def invoice_issuer() -> InvoiceIssuer:
    from heatportal.services.billing.issuing import InvoiceIssuer

    return InvoiceIssuer(
        profile(),
        repository(),
        documents(),
        outbox(),
        _render_invoice_pdf,
        _render_invoice_email,
        config().portal_base_url,
        clock(),
    )


def _batch_drafts(reads: BatchReads) -> InvoiceDrafts:
    """Pricing and drafting for one batch of a bill run, on the batch's reads."""
    from heatportal.adapters.dynamo_accounts import DynamoProfileStore
    from heatportal.services.billing.comparison import ConsumptionComparisons
    from heatportal.services.billing.drafts import InvoiceDrafts
    from heatportal.services.billing.pricing import PricingService
    from heatportal.services.billing.reads import BatchPayingAccounts
    from heatportal.services.readings import ReadingService

    readings = ReadingService(reads, clock(), climate_station=profile().climate_station)
    pricing = PricingService(profile(), reads, reads, readings, reads, repository(), contracts=contract_store())
    return InvoiceDrafts(
        profile(),
        pricing,
        reads,
        advance_repository(),
        accounts=BatchPayingAccounts(reads.accounts, DynamoProfileStore(repository().table)),
        comparisons=ConsumptionComparisons(profile(), reads, reads),
        holds=hold_store(),
        clock=clock(),
    )


@cache
def billing_runs() -> DynamoBillingRuns:
    from heatportal.adapters.dynamo_runs import DynamoBillingRuns

    return DynamoBillingRuns(repository().table)


@cache
def billing_reader() -> DynamoBillingReader:
    from heatportal.adapters.dynamo_runs import DynamoBillingReader

    return DynamoBillingReader(repository().table)


@cache
def run_manifests() -> S3RunManifests:
    from heatportal.adapters.storage import S3RunManifests

    return S3RunManifests(client("s3"), config().bucket_name)


@cache
def bill_run() -> BillRun:
    from heatportal.services.billing.run import BillRun

    return BillRun(
        profile=profile(),
        customers=repository(),
        readings=repository(),
        invoices=repository(),
        runs=billing_runs(),
        reader=billing_reader(),
        manifests=run_manifests(),
        deliveries=delivery_store(),
        outbox=outbox(),
        clock=clock(),
        drafts=invoice_drafts(),
        batch_drafts=_batch_drafts,
        issuer=invoice_issuer(),
        max_concurrency=config().billing_max_concurrency,
        corrections=corrections(),
        final_invoices=final_invoices(),
    )


@cache
def final_invoices() -> FinalInvoices:
    """The final invoice of an ended contract, issued through the normal issuing path."""
    from heatportal.services.moving.final_invoice import FinalInvoices

    return FinalInvoices(
        profile(),
        repository(),
        repository(),
        pricing_service(),
        invoice_drafts(),
        invoice_issuer(),
        contract_store(),
        contract_store(),
        clock(),
    )


@cache
def bill_runs() -> BillRuns:
    """Bill runs for customer service: progress, failures, deliveries, redrive."""
    from heatportal.adapters.stepfunctions import StepFunctionsRunStarter
    from heatportal.services.billing.runs import BillRuns

    arn = config().billing_state_machine_arn
    if not arn:
        raise RuntimeError("BILLING_STATE_MACHINE_ARN is not set for this function")
    starter = StepFunctionsRunStarter(client("stepfunctions"), arn)
    return BillRuns(billing_runs(), delivery_store(), starter, clock())


@cache
def corrections() -> Corrections:
    from heatportal.services.billing.corrections import Corrections

    return Corrections(
        profile(),
        repository(),
        repository(),
        correction_store(),
        invoice_drafts(),
        invoice_issuer(),
        reading_service(),
        clock(),
        holds=hold_store(),
    )


@cache
def invoice_service() -> InvoiceService:
    from heatportal.services.invoices import InvoiceService

    return InvoiceService(
        repository(),
        documents(),
        paid=payment_repository(),
        clock=clock(),
        currency=profile().currency,
    )


@cache
def payment_repository() -> DynamoPaymentRepository:
    from heatportal.adapters.dynamo_billing import DynamoPaymentRepository

    return DynamoPaymentRepository(repository().table)


@cache
def payment_service() -> PaymentService:
    from heatportal.services.payments import PaymentService

    payment = profile().payment
    return PaymentService(
        payment_repository(),
        payment.reference,
        profile().currency,
        kid_algorithm=payment.kid.algorithm if payment.kid else "mod10",
    )


@cache
def trial_settlement_service() -> TrialSettlementService:
    from heatportal.services.settlement import TrialSettlementService

    return TrialSettlementService(repository(), repository(), _trial_pricing, clock())


def _trial_pricing(readings: ReadingRepository, billed: BilledInvoices) -> tuple[ReadingService, PricingService]:
    """The bill's pricing on one trial's reads, with the spot averages a warm
    container read less than a minute ago."""
    from heatportal.services.billing.pricing import PricingService
    from heatportal.services.readings import ReadingService

    values = ReadingService(readings, clock(), climate_station=profile().climate_station)
    pricing = PricingService(
        profile(), repository(), readings, values, billed, kept_spot_prices(), contracts=contract_store()
    )
    return values, pricing


@cache
def kept_spot_prices() -> KeptSpotPrices:
    from heatportal.services.billing.reads import KeptSpotPrices

    return KeptSpotPrices(repository(), clock())


@cache
def forecast_service() -> ForecastService:
    from heatportal.services.forecast import ForecastService

    return ForecastService(profile(), repository(), repository(), pricing_service(), clock())


def _render_estimate_pdf(*args: Any) -> bytes:
    from heatportal.documents.estimate_pdf import render_estimate_pdf

    return render_estimate_pdf(*args)


@cache
def estimate_pdf_service() -> EstimatePdfService:
    from heatportal.services.estimate_pdf import EstimatePdfService

    return EstimatePdfService(profile(), forecast_service(), _render_estimate_pdf)


@cache
def advance_repository() -> DynamoAdvanceRepository:
    from heatportal.adapters.dynamo_billing import DynamoAdvanceRepository

    return DynamoAdvanceRepository(repository().table)


@cache
def advance_service() -> AdvanceService:
    from heatportal.documents.advance_email import advance_confirmation_email
    from heatportal.services.advance import AdvanceService

    return AdvanceService(
        profile=profile(),
        advances=advance_repository(),
        costs=forecast_service(),
        mailer=mailer(),
        clock=clock(),
        render_email=advance_confirmation_email,
        portal_url=config().portal_base_url,
    )


@cache
def spot_price_service() -> SpotPriceService:
    from heatportal.adapters.dynamo_spot import DynamoSpotPriceStore
    from heatportal.services.spot_prices import SpotPriceService

    return SpotPriceService(DynamoSpotPriceStore(repository().table))


@cache
def bill_explainer() -> BillExplainer:
    from heatportal.services.billing.explain import BillExplainer

    return BillExplainer(repository())


@cache
def advance_year_service() -> AdvanceYearService:
    from heatportal.services.advance_year import AdvanceYearService

    return AdvanceYearService(
        profile(), forecast_service(), repository(), advance_repository(), payment_repository(), clock()
    )
