"""Composition root: adapters wired to services once per container, by area.

Each function's ``app.py`` calls only the builders it needs, and each builder
imports its adapter only when called, so a function never pays the import of
a client or library it does not use (JOSE, Jinja2, reportlab). Tests build
services with fakes directly and never go through here.

| area | module |
| --- | --- |
| settings, profile, clock, AWS clients, access | ``core`` |
| meters and readings | ``readings`` |
| pricing, bill run, invoices, payments, advances, economy | ``billing`` |
| profile, documents, interruptions | ``customers`` |
| registration, sign-in, users, customer search | ``accounts`` |
| management companies | ``companies`` |
| alerts, notifications, monthly consumption information | ``alerts`` |
"""

from heatportal.composition.accounts import (
    credential_service,
    customer_search,
    customer_user_service,
    forgotten_number_service,
    joining,
    link_service,
    name_index,
    one_time_codes,
    registration_service,
    sign_in,
)
from heatportal.composition.alerts import (
    alert_delivery,
    alert_evaluation,
    alert_settings_service,
    alert_store,
    consumption_info_service,
    deliveries,
    notification_service,
    release_held_messages,
)
from heatportal.composition.billing import (
    advance_repository,
    advance_service,
    bill_run,
    credit_notes,
    estimate_pdf_service,
    forecast_service,
    invoice_drafts,
    invoice_issuer,
    invoice_service,
    payment_repository,
    payment_service,
    pricing_service,
    spot_price_service,
    trial_settlement_service,
)
from heatportal.composition.companies import company_signup, grant_service, organisation_service
from heatportal.composition.core import (
    access,
    account_store,
    clock,
    cognito_accounts,
    company_store,
    config,
    documents,
    identity,
    jwt_verifier,
    mailer,
    profile,
    rate_limiter,
    repository,
    sessions,
    signouts,
    sms,
    texts,
)
from heatportal.composition.customers import document_service, interruption_service, profile_service
from heatportal.composition.readings import (
    consumption_service,
    meter_lifecycle_service,
    meter_settings_service,
    reading_confirmations,
    reading_correction_service,
    reading_link_service,
    reading_service,
    readings_store,
    reminder_service,
    smart_meter_import_service,
    sms_agreement_starts,
    sms_reading_service,
)

__all__ = [
    "access",
    "account_store",
    "advance_repository",
    "advance_service",
    "alert_delivery",
    "alert_evaluation",
    "alert_settings_service",
    "alert_store",
    "bill_run",
    "clock",
    "cognito_accounts",
    "company_signup",
    "company_store",
    "config",
    "consumption_info_service",
    "consumption_service",
    "credential_service",
    "credit_notes",
    "customer_search",
    "customer_user_service",
    "deliveries",
    "document_service",
    "documents",
    "estimate_pdf_service",
    "forecast_service",
    "forgotten_number_service",
    "grant_service",
    "identity",
    "interruption_service",
    "invoice_drafts",
    "invoice_issuer",
    "invoice_service",
    "joining",
    "jwt_verifier",
    "link_service",
    "mailer",
    "meter_lifecycle_service",
    "meter_settings_service",
    "name_index",
    "notification_service",
    "one_time_codes",
    "organisation_service",
    "payment_repository",
    "payment_service",
    "pricing_service",
    "profile",
    "profile_service",
    "rate_limiter",
    "reading_confirmations",
    "reading_correction_service",
    "reading_link_service",
    "reading_service",
    "readings_store",
    "registration_service",
    "release_held_messages",
    "reminder_service",
    "repository",
    "sessions",
    "sign_in",
    "signouts",
    "smart_meter_import_service",
    "sms",
    "sms_agreement_starts",
    "sms_reading_service",
    "spot_price_service",
    "texts",
    "trial_settlement_service",
]
