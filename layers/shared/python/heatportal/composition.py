"""Composition root helpers: adapters wired to services once per container.

Each function's ``app.py`` calls only the builders it needs, so a function
never creates clients it does not use. Tests build services with fakes
directly and never go through here.
"""

from __future__ import annotations

from functools import cache

from heatportal.adapters.aws import client
from heatportal.adapters.clock import SystemClock
from heatportal.adapters.dynamo import DynamoRepository, DynamoTable
from heatportal.adapters.identity import CognitoIdentity, JwtVerifier
from heatportal.adapters.messaging import SesMailer, SnsSmsSender
from heatportal.adapters.storage import S3DocumentStore
from heatportal.domain.profile import UtilityProfile, load_profile
from heatportal.services.access import AccessService
from heatportal.services.billing import BillingService
from heatportal.services.invoices import InvoiceService
from heatportal.services.readings import ReadingService
from heatportal.settings import Settings, settings


@cache
def config() -> Settings:
    return settings()


@cache
def profile() -> UtilityProfile:
    return load_profile(config().profile_id)


@cache
def clock() -> SystemClock:
    return SystemClock(profile().timezone)


@cache
def repository() -> DynamoRepository:
    return DynamoRepository(DynamoTable(client("dynamodb"), config().table_name))


@cache
def documents() -> S3DocumentStore:
    return S3DocumentStore(client("s3"), config().bucket_name)


@cache
def mailer() -> SesMailer:
    return SesMailer(client("sesv2"), config().sender_email)


@cache
def sms() -> SnsSmsSender:
    return SnsSmsSender(client("sns"))


@cache
def identity() -> CognitoIdentity:
    return CognitoIdentity(client("cognito-idp"), config().user_pool_id, config().user_pool_client_id)


@cache
def jwt_verifier() -> JwtVerifier:
    return JwtVerifier(config().issuer, config().user_pool_client_id, config().cognito_jwks_url)


@cache
def access() -> AccessService:
    return AccessService(repository())


@cache
def reading_service() -> ReadingService:
    return ReadingService(repository(), repository(), access(), clock())


@cache
def invoice_service() -> InvoiceService:
    return InvoiceService(repository(), documents(), access())


@cache
def billing_service() -> BillingService:
    from heatportal.documents.emails import invoice_email
    from heatportal.documents.invoice_pdf import render_invoice_pdf

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
