"""What every area shares: settings, the utility profile, the clock, the AWS
clients and the stores on the single table, access."""

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
    from heatportal.adapters.dynamo_accounts import DynamoAccountStore
    from heatportal.adapters.dynamo_companies import DynamoCompanyStore
    from heatportal.adapters.dynamo_contracts import DynamoContractStore
    from heatportal.adapters.identity import CognitoIdentity, JwtVerifier
    from heatportal.adapters.identity_accounts import CognitoAccounts
    from heatportal.adapters.messaging import SesMailer, SnsSmsSender
    from heatportal.adapters.signouts import DynamoSignOuts
    from heatportal.adapters.storage import S3DocumentStore
    from heatportal.domain.model import Language
    from heatportal.domain.profile import UtilityProfile
    from heatportal.services.access import AccessService
    from heatportal.services.ratelimit import RateLimiter
    from heatportal.services.sessions import Sessions


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
def cognito_accounts() -> CognitoAccounts:
    from heatportal.adapters.identity_accounts import CognitoAccounts

    return CognitoAccounts(
        client("cognito-idp"),
        config().user_pool_id,
        config().user_pool_client_id,
        on_sign_out=lambda user_id: sessions().end_everywhere(user_id),
    )


@cache
def signouts() -> DynamoSignOuts:
    from heatportal.adapters.signouts import DynamoSignOuts

    return DynamoSignOuts(repository().table)


@cache
def sessions() -> Sessions:
    """Sessions that end everywhere: a sign-out refuses every token issued before it."""
    from heatportal.services.sessions import Sessions

    return Sessions(signouts())


@cache
def rate_limiter() -> RateLimiter:
    from heatportal.adapters.dynamo_accounts import DynamoRateLimitStore
    from heatportal.services.ratelimit import RateLimiter

    return RateLimiter(DynamoRateLimitStore(repository().table))


@cache
def account_store() -> DynamoAccountStore:
    from heatportal.adapters.dynamo_accounts import DynamoAccountStore

    return DynamoAccountStore(repository().table)


@cache
def company_store() -> DynamoCompanyStore:
    from heatportal.adapters.dynamo_companies import DynamoCompanyStore

    return DynamoCompanyStore(repository().table)


@cache
def contract_store() -> DynamoContractStore:
    """Contracts, supplies, signing orders and moves on the single table."""
    from heatportal.adapters.dynamo_contracts import DynamoContractStore

    return DynamoContractStore(repository().table)


@cache
def access() -> AccessService:
    from heatportal.adapters.dynamo_customer_record import DynamoCustomerRecords
    from heatportal.services.access import AccessService

    return AccessService(DynamoCustomerRecords(repository().table), companies=company_store())


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
