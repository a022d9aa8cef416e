"""Open data: personal access tokens, provider shares, the data API's reads
and the Home Assistant sensor."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from heatportal.composition.core import access, clock, config, mailer, profile, rate_limiter, repository
from heatportal.composition.readings import readings_store

if TYPE_CHECKING:
    from heatportal.adapters.dynamo_open_data import DynamoOpenDataStore
    from heatportal.services.open_data.credentials import DataCredentials
    from heatportal.services.open_data.home_assistant import HomeAssistantSensors
    from heatportal.services.open_data.scopes import DataScopes
    from heatportal.services.open_data.series import DataSeries
    from heatportal.services.open_data.shares import ProviderShares, ShareNotice
    from heatportal.services.open_data.tokens import PersonalTokens


@cache
def open_data_store() -> DynamoOpenDataStore:
    from heatportal.adapters.dynamo_open_data import DynamoOpenDataStore

    return DynamoOpenDataStore(repository().table)


@cache
def personal_tokens() -> PersonalTokens:
    from heatportal.services.open_data.tokens import PersonalTokens

    return PersonalTokens(open_data_store(), access(), clock())


def _send_share(notice: ShareNotice) -> None:
    from heatportal.documents.open_data_emails import share_email

    email = share_email(notice, profile(), config().portal_base_url)
    mailer().send(notice.share.provider_email, email.subject, email.text, email.html)


@cache
def provider_shares() -> ProviderShares:
    from heatportal.services.open_data.shares import ProviderShares

    return ProviderShares(open_data_store(), _send_share, clock())


@cache
def data_credentials() -> DataCredentials:
    from heatportal.services.open_data.credentials import DataCredentials

    return DataCredentials(open_data_store(), rate_limiter(), clock())


@cache
def data_scopes() -> DataScopes:
    from heatportal.services.open_data.scopes import DataScopes

    return DataScopes(access(), access().records, open_data_store(), clock())


@cache
def data_series() -> DataSeries:
    from heatportal.composition.billing import pricing_service
    from heatportal.services.open_data.series import DataSeries

    return DataSeries(
        readings=repository(),
        consumption=readings_store(),
        intervals=readings_store(),
        history=readings_store(),
        pricing=pricing_service(),
        clock=clock(),
        timezone=profile().timezone,
        currency=profile().currency,
    )


@cache
def home_assistant_sensors() -> HomeAssistantSensors:
    from heatportal.services.open_data.home_assistant import HomeAssistantSensors

    return HomeAssistantSensors(repository(), readings_store(), clock())
