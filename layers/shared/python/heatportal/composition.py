"""Composition root helpers: adapters wired to services once per container.

Each function's ``app.py`` calls only the builders it needs, and each builder
imports its adapter only when called, so a function never pays the import of
a client or library it does not use (JOSE, Jinja2, reportlab). Tests build
services with fakes directly and never go through here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from heatportal.adapters.aws import client
from heatportal.settings import Settings, settings

if TYPE_CHECKING:
    from heatportal.adapters.clock import SystemClock
    from heatportal.adapters.dynamo import DynamoRepository
    from heatportal.adapters.dynamo_billing import DynamoAdvanceRepository, DynamoPaymentRepository
    from heatportal.adapters.dynamo_companies import DynamoCompanyStore
    from heatportal.adapters.dynamo_readings import DynamoReadingsStore
    from heatportal.adapters.identity import CognitoIdentity, JwtVerifier, Tokens
    from heatportal.adapters.identity_accounts import CognitoAccounts
    from heatportal.adapters.messaging import SesMailer, SnsSmsSender
    from heatportal.adapters.signouts import DynamoSignOuts
    from heatportal.adapters.storage import S3DocumentStore
    from heatportal.domain.model import Customer, Language
    from heatportal.domain.profile import UtilityProfile
    from heatportal.services.access import AccessService
    from heatportal.services.account_links import AccountLinkService
    from heatportal.services.accounts import AccountService
    from heatportal.services.advance import AdvanceService
    from heatportal.services.billing import BillingService
    from heatportal.services.companies import CompanyService
    from heatportal.services.consumption import ConsumptionService
    from heatportal.services.documents import DocumentService
    from heatportal.services.forecast import ForecastService
    from heatportal.services.interruptions import InterruptionService
    from heatportal.services.invoices import InvoiceService
    from heatportal.services.meter_lifecycle import MeterLifecycleService
    from heatportal.services.meter_settings import MeterSettingsService
    from heatportal.services.payments import PaymentService
    from heatportal.services.profile import ProfileService
    from heatportal.services.ratelimit import RateLimiter
    from heatportal.services.reading_confirmations import ReadingConfirmations
    from heatportal.services.reading_corrections import ReadingCorrectionService
    from heatportal.services.reading_links import ReadingLinkService
    from heatportal.services.readings import ReadingService
    from heatportal.services.reminders import ReminderService
    from heatportal.services.sessions import Sessions
    from heatportal.services.settlement import TrialSettlementService
    from heatportal.services.smart_meter_import import SmartMeterImportService
    from heatportal.services.sms import SmsReadingService
    from heatportal.services.sms_agreements import SmsAgreementStarts
    from heatportal.services.spot_prices import SpotPriceService


@cache
def config() -> Settings:
    return settings()


@cache
def profile() -> UtilityProfile:
    from heatportal.domain.profile import load_profile

    return load_profile(config().profile_id)


@cache
def clock() -> SystemClock:
    from heatportal.adapters.clock import SystemClock

    return SystemClock(profile().timezone)


@cache
def repository() -> DynamoRepository:
    from heatportal.adapters.dynamo import DynamoRepository, DynamoTable

    return DynamoRepository(DynamoTable(client("dynamodb"), config().table_name))


@cache
def documents() -> S3DocumentStore:
    from heatportal.adapters.storage import S3DocumentStore

    return S3DocumentStore(client("s3"), config().bucket_name)


@cache
def mailer() -> SesMailer:
    from heatportal.adapters.messaging import SesMailer

    return SesMailer(client("sesv2"), config().sender_email)


@cache
def sms() -> SnsSmsSender:
    from heatportal.adapters.messaging import SnsSmsSender

    return SnsSmsSender(client("sns"))


@cache
def identity() -> CognitoIdentity:
    from heatportal.adapters.identity import CognitoIdentity

    return CognitoIdentity(client("cognito-idp"), config().user_pool_id, config().user_pool_client_id)


@cache
def jwt_verifier() -> JwtVerifier:
    from heatportal.adapters.identity import JwtVerifier

    return JwtVerifier(config().issuer, config().user_pool_client_id, config().cognito_jwks_url)


@cache
def access() -> AccessService:
    from heatportal.services.access import AccessService

    return AccessService(repository(), companies=company_store())


@cache
def company_store() -> DynamoCompanyStore:
    from heatportal.adapters.dynamo_companies import DynamoCompanyStore

    return DynamoCompanyStore(repository().table)


@cache
def reading_service() -> ReadingService:
    from heatportal.services.readings import ReadingService

    return ReadingService(
        repository(),
        repository(),
        access(),
        clock(),
        climate_station=profile().climate_station,
        confirmations=_confirm_reading,
    )


@cache
def invoice_service() -> InvoiceService:
    from heatportal.services.invoices import InvoiceService

    return InvoiceService(
        repository(),
        documents(),
        access(),
        customers=repository(),
        paid=payment_repository(),
        clock=clock(),
        currency=profile().currency,
    )


@cache
def billing_service() -> BillingService:
    from heatportal.documents.emails import invoice_email
    from heatportal.documents.invoice_pdf import render_invoice_pdf
    from heatportal.services.billing import BillingService

    return BillingService(
        profile=profile(),
        customers=repository(),
        readings=repository(),
        reading_service=reading_service(),
        invoices=repository(),
        spot_prices=repository(),
        runs=repository(),
        documents=documents(),
        mailer=mailer(),
        clock=clock(),
        render_pdf=render_invoice_pdf,
        render_email=invoice_email,
        portal_url=config().portal_base_url,
        advances=advance_repository(),
        statuses=repository(),
    )


# --- readings area (issue 4) ----------------------------------------------------


@cache
def readings_store() -> DynamoReadingsStore:
    from heatportal.adapters.dynamo_readings import DynamoReadingsStore

    return DynamoReadingsStore(repository().table)


@cache
def consumption_service() -> ConsumptionService:
    from heatportal.services.consumption import ConsumptionService

    return ConsumptionService(reading_service(), readings_store(), access(), clock(), profile().climate_station)


# --- issue 5: payments, trial settlement, advance payments, forecast ----------------


@cache
def payment_repository() -> DynamoPaymentRepository:
    from heatportal.adapters.dynamo_billing import DynamoPaymentRepository

    return DynamoPaymentRepository(repository().table)


@cache
def payment_service() -> PaymentService:
    from heatportal.services.payments import PaymentService

    return PaymentService(payment_repository(), profile().payment_reference, profile().currency)


# --- accounts area (issue 3) ----------------------------------------------------


@cache
def cognito_accounts() -> CognitoAccounts:
    from heatportal.adapters.identity_accounts import CognitoAccounts

    return CognitoAccounts(
        client("cognito-idp"),
        config().user_pool_id,
        config().user_pool_client_id,
        on_sign_out=lambda user_id: sessions().end_everywhere(user_id),
    )


@cache
def rate_limiter() -> RateLimiter:
    from heatportal.adapters.dynamo_accounts import DynamoRateLimitStore
    from heatportal.services.ratelimit import RateLimiter

    return RateLimiter(DynamoRateLimitStore(repository().table))


@cache
def account_service() -> AccountService:
    from functools import partial

    from heatportal.adapters.dynamo_accounts import DynamoAccountStore
    from heatportal.adapters.dynamo_names import DynamoNameIndex
    from heatportal.adapters.pacing import MinimumDuration
    from heatportal.documents.account_emails import account_code_email, pin_sms
    from heatportal.services.accounts import AccountService

    table = repository().table
    return AccountService(
        profile=profile(),
        customers=repository(),
        store=DynamoAccountStore(table),
        identity=cognito_accounts(),
        access=access(),
        limiter=rate_limiter(),
        mailer=mailer(),
        render_code=partial(account_code_email, profile=profile()),
        clock=clock(),
        portal_url=config().portal_base_url,
        sms=sms(),
        render_pin_sms=partial(pin_sms, profile=profile()),
        on_email_changed=lambda user_id, email: company_service().follow_email(user_id, email),
        names=DynamoNameIndex(table),
        pacer=MinimumDuration(),
    )


@cache
def interruption_service() -> InterruptionService:
    from heatportal.adapters.interruptions import DynamoInterruptions
    from heatportal.services.interruptions import InterruptionService

    return InterruptionService(DynamoInterruptions(repository().table), repository(), access(), clock())


def texts(key: str, lang: Language, params: dict[str, Any]) -> str:
    """Translated text with numbers and dates in the language's notation (SMS, reminders)."""
    from heatportal.i18n import format_date, format_number, translate

    formatted = {
        name: format_number(value, lang)
        if isinstance(value, Decimal | int) and not isinstance(value, bool)
        else format_date(value, lang)
        if isinstance(value, date)
        else value
        for name, value in params.items()
    }
    return translate(key, lang, **formatted)


@cache
def sms_reading_service() -> SmsReadingService:
    from heatportal.services.sms import SmsReadingService

    p = profile()
    return SmsReadingService(
        repository(),
        reading_service(),
        readings_store(),
        sms(),
        texts,
        keyword=p.sms_keyword,
        country=p.country,
        default_language=p.default_language,
        starts=sms_agreement_starts(),
    )


def _sms_agreement_notice(customer: Customer, phone: str, meter_number: str) -> None:
    """A phone set itself up for SMS readings (KLEM START): the customer is
    told at its e-mail on record, so a stranger's agreement does not go unseen."""
    from heatportal.documents.account_emails import profile_notice_email

    if not customer.email:
        return
    facts = [("phone", phone), ("meter", meter_number)]
    subject, text, html = profile_notice_email("sms_agreement", customer.language, customer.name, facts, profile())
    mailer().send(customer.email, subject, text, html)


@cache
def reminder_service() -> ReminderService:
    from heatportal.services.reminders import ReminderService

    return ReminderService(
        repository(),
        repository(),
        readings_store(),
        sms(),
        mailer(),
        clock(),
        texts,
        keyword=profile().sms_keyword,
        portal_url=config().portal_base_url,
        links=reading_link_service().issue,
    )


@cache
def reading_link_service() -> ReadingLinkService:
    from heatportal.services.reading_links import ReadingLinkService

    return ReadingLinkService(repository(), reading_service(), readings_store(), access(), country=profile().country)


def _render_invoice_pdf(*args: Any) -> bytes:
    from heatportal.documents.invoice_pdf import render_invoice_pdf

    return render_invoice_pdf(*args)


def _render_invoice_email(*args: Any) -> Any:
    from heatportal.documents.emails import invoice_email

    return invoice_email(*args)


@cache
def pricing_service() -> BillingService:
    """The billing service for pricing only (trial settlement, forecast): the PDF
    and email renderers are imported only if something renders, which pricing never does."""
    from heatportal.services.billing import BillingService

    return BillingService(
        profile=profile(),
        customers=repository(),
        readings=repository(),
        reading_service=reading_service(),
        invoices=repository(),
        spot_prices=repository(),
        runs=repository(),
        documents=documents(),
        mailer=mailer(),
        clock=clock(),
        render_pdf=_render_invoice_pdf,
        render_email=_render_invoice_email,
        portal_url=config().portal_base_url,
    )


@cache
def trial_settlement_service() -> TrialSettlementService:
    from heatportal.services.settlement import TrialSettlementService

    return TrialSettlementService(access(), repository(), repository(), reading_service(), pricing_service(), clock())


@cache
def forecast_service() -> ForecastService:
    from heatportal.services.forecast import ForecastService

    return ForecastService(profile(), access(), repository(), repository(), repository(), repository(), clock())


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
        access=access(),
        customers=repository(),
        advances=advance_repository(),
        costs=forecast_service(),
        mailer=mailer(),
        clock=clock(),
        render_email=advance_confirmation_email,
        portal_url=config().portal_base_url,
    )


@cache
def document_service() -> DocumentService:
    from heatportal.documents.price_sheet import render_price_sheet_pdf
    from heatportal.services.documents import DocumentService

    return DocumentService(profile(), repository(), access(), documents(), clock(), render_price_sheet_pdf)


@cache
def signouts() -> DynamoSignOuts:
    from heatportal.adapters.signouts import DynamoSignOuts

    return DynamoSignOuts(repository().table)


@cache
def smart_meter_import_service() -> SmartMeterImportService:
    from heatportal.services.smart_meter_import import SmartMeterImportService

    return SmartMeterImportService(repository(), readings_store(), clock(), profile().timezone)


@cache
def profile_service() -> ProfileService:
    from functools import partial

    from heatportal.adapters.dynamo_accounts import DynamoProfileStore
    from heatportal.documents.account_emails import profile_notice_email
    from heatportal.services.profile import ProfileService

    table = repository().table
    return ProfileService(
        profile=profile(),
        customers=repository(),
        store=DynamoProfileStore(table),
        identity=cognito_accounts(),
        access=access(),
        limiter=rate_limiter(),
        mailer=mailer(),
        render_notice=partial(profile_notice_email, profile=profile()),
        clock=clock(),
    )


@cache
def spot_price_service() -> SpotPriceService:
    from heatportal.adapters.dynamo_spot import DynamoSpotPriceStore
    from heatportal.services.spot_prices import SpotPriceService

    return SpotPriceService(DynamoSpotPriceStore(repository().table))


# --- readings area: confirmation emails and staff corrections (issue 4) ---------


@cache
def reading_confirmations() -> ReadingConfirmations:
    from heatportal.documents.emails import reading_confirmation_email
    from heatportal.services.reading_confirmations import ReadingConfirmations

    def render(customer: Any, meter: Any, reading: Any) -> Any:
        return reading_confirmation_email(
            customer,
            meter.number,
            reading.read_on,
            reading.value,
            meter.unit.value,
            profile(),
            portal_url=config().portal_base_url,
        )

    return ReadingConfirmations(repository(), readings_store(), mailer(), render)


def _confirm_reading(*args: Any, **kwargs: Any) -> bool:
    # Built on the first submission only: functions that never submit (billing)
    # do not pay for Jinja2 and the SES client.
    return reading_confirmations()(*args, **kwargs)


@cache
def reading_correction_service() -> ReadingCorrectionService:
    from heatportal.services.reading_corrections import ReadingCorrectionService

    return ReadingCorrectionService(reading_service(), repository(), readings_store(), access(), clock())


@cache
def company_service() -> CompanyService:
    from functools import partial

    from heatportal.adapters.dynamo_accounts import DynamoAccountStore
    from heatportal.documents.company_emails import company_code_email, company_notice_email
    from heatportal.services.companies import CompanyService

    return CompanyService(
        profile=profile(),
        customers=repository(),
        store=company_store(),
        accounts=DynamoAccountStore(repository().table),
        identity=cognito_accounts(),
        access=access(),
        limiter=rate_limiter(),
        mailer=mailer(),
        render_code=partial(company_code_email, profile=profile()),
        render_notice=partial(company_notice_email, profile=profile()),
        clock=clock(),
        portal_url=config().portal_base_url,
    )


@cache
def meter_settings_service() -> MeterSettingsService:
    from heatportal.adapters.dynamo_meter_settings import DynamoMeterSettingsStore
    from heatportal.services.meter_settings import MeterSettingsService

    return MeterSettingsService(
        reading_service(), repository(), DynamoMeterSettingsStore(repository().table), access(), clock()
    )


@cache
def meter_lifecycle_service() -> MeterLifecycleService:
    from heatportal.adapters.dynamo_meter_lifecycle import DynamoMeterLifecycleStore
    from heatportal.services.meter_lifecycle import MeterLifecycleService

    return MeterLifecycleService(
        repository(), repository(), DynamoMeterLifecycleStore(repository().table), access(), clock()
    )


# --- sessions that end everywhere (issue 10) ------------------------------------


@cache
def sessions() -> Sessions:
    from heatportal.services.sessions import Sessions

    return Sessions(signouts())


def sign_in(username: str, password: str) -> Tokens:
    """Cognito's sign-in, never handing out tokens refused on arrival (right after a sign-out)."""
    from heatportal.adapters.identity import unverified_claims

    return sessions().fresh(lambda: identity().login(username, password), lambda t: unverified_claims(t.id_token))


# --- linked customer numbers: the registration proof or an administrator (issue 10) --------


@cache
def account_link_service() -> AccountLinkService:
    from heatportal.adapters.dynamo_accounts import DynamoAccountStore
    from heatportal.services.account_links import AccountLinkService

    return AccountLinkService(
        profile=profile(),
        customers=repository(),
        store=DynamoAccountStore(repository().table),
        identity=cognito_accounts(),
        access=access(),
        limiter=rate_limiter(),
        clock=clock(),
        notify=_link_notice,
    )


def _link_notice(customer: Customer, linked_by: str) -> None:
    """A login was linked to the customer: the customer is told at its e-mail
    on record, or by SMS where it has only a phone, so a wrong link is seen."""
    from heatportal.documents.account_emails import profile_notice_email

    if customer.email:
        facts = [("customer_number", customer.number), ("linked_user", linked_by)]
        subject, text, html = profile_notice_email("account_linked", customer.language, customer.name, facts, profile())
        mailer().send(customer.email, subject, text, html)
    elif customer.phone:
        from heatportal.domain.sms import normalise_phone
        from heatportal.i18n import translate

        phone = normalise_phone(customer.phone, profile().country)
        if phone is not None:
            text = translate(
                "sms.account.linked",
                customer.language,
                utility=profile().name,
                customer_number=customer.number,
                email=linked_by,
            )
            sms().send(phone, text)


# --- SMS agreements confirmed by the customer (issue 10) ----------------------------


@cache
def sms_agreement_starts() -> SmsAgreementStarts:
    from heatportal.adapters.dynamo_sms_starts import DynamoSmsStarts
    from heatportal.services.sms_agreements import SmsAgreementStarts

    p = profile()
    return SmsAgreementStarts(
        repository(),
        readings_store(),
        DynamoSmsStarts(repository().table),
        clock(),
        sms(),
        texts,
        keyword=p.sms_keyword,
        country=p.country,
        mail_code=_sms_start_code_mail,
        notify_start=_sms_agreement_notice,
    )


def _sms_start_code_mail(customer: Customer, phone: str, meter_number: str, code: str) -> None:
    """A phone asked by SMS to send this meter's readings: the code that allows
    it goes to the customer's e-mail on record, with what to send from the phone."""
    from heatportal.documents.account_emails import profile_notice_email

    assert customer.email is not None
    confirm = f"{profile().sms_keyword.upper()} START {code}"
    facts = [("phone", phone), ("meter", meter_number), ("sms_confirm", confirm)]
    subject, text, html = profile_notice_email("sms_start_code", customer.language, customer.name, facts, profile())
    mailer().send(customer.email, subject, text, html)
