"""Settings from the environment, validated once at cold start.

A missing variable stops the function with a clear error; nothing silently
defaults to an empty string.
"""

from __future__ import annotations

from functools import cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    table_name: str = Field(min_length=1)
    idempotency_table_name: str = Field(min_length=1)
    bucket_name: str = Field(min_length=1)
    user_pool_id: str = Field(min_length=1)
    user_pool_client_id: str = Field(min_length=1)
    profile_id: str = Field(pattern=r"^(no|nl|de|se)$")
    sender_email: str = Field(min_length=3)
    alerts_topic_arn: str = Field(min_length=1)
    aws_region: str = Field(default="eu-north-1", validation_alias="AWS_DEFAULT_REGION")
    # The issuer's JWKS URL; locally the embedded moto server, on AWS derived from the region.
    cognito_issuer: str | None = None
    # Where the pool's keys are published; locally the embedded moto server.
    cognito_jwks_url: str | None = None
    portal_base_url: str = "http://127.0.0.1:3000"
    # The delivery outbox (only the functions that queue or send have them).
    delivery_queue_url: str | None = None
    delivery_configuration_set: str | None = None
    ses_send_rate: float = Field(default=14, gt=0)
    delivery_pollers: int = Field(default=2, ge=1)
    # The functions that start bill runs (a redrive).
    billing_state_machine_arn: str | None = None
    # Batches of a bill run billed at once (the Distributed Map's MaxConcurrency;
    # the README's capacity model: 120 bill 1,000,000 accounts in about 12 minutes).
    billing_max_concurrency: int = Field(default=120, ge=1, le=1000)
    # The BankID relying-party API (v6) the signing port talks to: BankID's own
    # on AWS (with the relying party's client certificate), the local stack's
    # signing service locally. Only functions that sign contracts need it.
    signing_api_url: str = "https://appapi2.bankid.com/rp/v6.0"
    signing_cert_file: str | None = None
    signing_key_file: str | None = None

    @property
    def issuer(self) -> str:
        return self.cognito_issuer or f"https://cognito-idp.{self.aws_region}.amazonaws.com/{self.user_pool_id}"


@cache
def settings() -> Settings:
    return Settings()
