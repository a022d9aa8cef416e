"""Composition root helpers: adapters wired to services once per container.

Each function's ``app.py`` calls only the builders it needs, and each builder
imports its adapter only when called, so a function never pays the import of
a client or library it does not use (JOSE, Jinja2, reportlab). Tests build
services with fakes directly and never go through here.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from heatportal.adapters.aws import client
from heatportal.settings import Settings, settings

if TYPE_CHECKING:
    from heatportal.adapters.clock import SystemClock
    from heatportal.adapters.dynamo import DynamoRepository
    from heatportal.adapters.identity import CognitoIdentity, JwtVerifier
    from heatportal.adapters.messaging import SesMailer, SnsSmsSender
    from heatportal.adapters.storage import S3DocumentStore
    from heatportal.domain.profile import UtilityProfile
    from heatportal.services.access import AccessService
    from heatportal.services.billing import BillingService
    from heatportal.services.invoices import InvoiceService
    from heatportal.services.readings import ReadingService


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

    return AccessService(repository())


@cache
def reading_service() -> ReadingService:
    from heatportal.services.readings import ReadingService

    return ReadingService(repository(), repository(), access(), clock())


@cache
def invoice_service() -> InvoiceService:
    from heatportal.services.invoices import InvoiceService

    return InvoiceService(repository(), documents(), access())


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
    )
