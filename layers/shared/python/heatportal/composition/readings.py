"""Meters and readings: submission (portal, API, SMS, emailed links, smart-meter
files), confirmations, corrections, consumption, reminders, meter settings and
lifecycle."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from heatportal.composition.core import clock, config, mailer, profile, repository, sms, texts

if TYPE_CHECKING:
    from heatportal.adapters.dynamo_readings import DynamoReadingsStore
    from heatportal.domain.model import Customer
    from heatportal.services.consumption import ConsumptionService
    from heatportal.services.meter_lifecycle import MeterLifecycleService
    from heatportal.services.meter_settings import MeterSettingsService
    from heatportal.services.reading_confirmations import ReadingConfirmations
    from heatportal.services.reading_corrections import ReadingCorrectionService
    from heatportal.services.reading_links import ReadingLinkService
    from heatportal.services.readings import ReadingService
    from heatportal.services.reminders import ReminderService
    from heatportal.services.smart_meter_import import SmartMeterImportService
    from heatportal.services.sms import SmsReadingService
    from heatportal.services.sms_agreements import SmsAgreementStarts


@cache
def readings_store() -> DynamoReadingsStore:
    from heatportal.adapters.dynamo_readings import DynamoReadingsStore

    return DynamoReadingsStore(repository().table)


@cache
def reading_service() -> ReadingService:
    from heatportal.services.readings import ReadingService

    return ReadingService(
        repository(),
        clock(),
        climate_station=profile().climate_station,
        confirmations=_confirm_reading,
        on_stored=_note_reading,
    )


def _note_reading(meter: Any, reading: Any) -> None:
    # The portfolio lists each meter's last reading (one UpdateItem).
    from heatportal.composition.portfolio import portfolio_store

    portfolio_store().note_reading(meter.customer_number, reading)


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

    return ReadingCorrectionService(reading_service(), repository(), readings_store(), clock())


@cache
def consumption_service() -> ConsumptionService:
    from heatportal.services.consumption import ConsumptionService

    return ConsumptionService(reading_service(), readings_store(), clock(), profile().climate_station)


@cache
def reading_link_service() -> ReadingLinkService:
    from heatportal.services.reading_links import ReadingLinkService

    return ReadingLinkService(repository(), reading_service(), readings_store(), country=profile().country)


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


@cache
def sms_agreement_starts() -> SmsAgreementStarts:
    """SMS agreements set up only with a code the customer receives at the contact data on record."""
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
def smart_meter_import_service() -> SmartMeterImportService:
    from heatportal.services.smart_meter_import import SmartMeterImportService

    return SmartMeterImportService(
        repository(), readings_store(), clock(), profile().timezone, on_imported=_refresh_portfolio
    )


def _refresh_portfolio(customers: set[str]) -> None:
    # New days move the portfolio's figures of the customers they belong to.
    from heatportal.composition.portfolio import portfolio_projector

    projector = portfolio_projector()
    for number in sorted(customers):
        projector.refresh(number)


@cache
def meter_settings_service() -> MeterSettingsService:
    from heatportal.adapters.dynamo_meter_settings import DynamoMeterSettingsStore
    from heatportal.services.meter_settings import MeterSettingsService

    return MeterSettingsService(repository(), DynamoMeterSettingsStore(repository().table), clock())


@cache
def meter_lifecycle_service() -> MeterLifecycleService:
    from heatportal.adapters.dynamo_meter_lifecycle import DynamoMeterLifecycleStore
    from heatportal.services.meter_lifecycle import MeterLifecycleService

    return MeterLifecycleService(repository(), repository(), DynamoMeterLifecycleStore(repository().table), clock())
