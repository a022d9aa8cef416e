"""A token presented to the data API, checked before anything is read.

The data API's routes pass API Gateway without its Cognito authorizer
(``Authorizer: NONE``) and the function checks the token itself, on every
request: one consistent GetItem by the token's hash finds it, so a token
revoked a moment ago, or one past its expiry, is refused at once. (A Lambda
REQUEST authorizer would cost a second invocation per request, or, with its
answer cached, keep a revoked token working for the cache's lifetime; see
the README's "Open data".) Each token has its own rate (``DATA_TOKEN_RATE``);
past it the answer is 429 with ``Retry-After``. The time a token was last
used is written at most once a minute.
"""

from __future__ import annotations

from datetime import timedelta

from heatportal.domain.errors import Unauthorized
from heatportal.domain.open_data import DataCredential, PersonalToken, secret_hash, well_formed
from heatportal.ports import Clock
from heatportal.services.open_data.common import OpenDataStore
from heatportal.services.ratelimit import Limit, RateLimiter

# Requests per token and minute: Home Assistant polls a meter every 30 s by
# default, a provider pages through a year of hourly values in a few requests.
DATA_TOKEN_RATE = Limit("data-token", 120, 60)
LAST_USED_EVERY = timedelta(minutes=1)


def _refused(code: str, message: str) -> Unauthorized:
    return Unauthorized(message, code=code)


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _refused("token_missing", "Send your access token as: Authorization: Bearer <token>.")
    return token.strip()


class DataCredentials:
    def __init__(self, store: OpenDataStore, limiter: RateLimiter, clock: Clock) -> None:
        self.store = store
        self.limiter = limiter
        self.clock = clock

    def authenticate(self, authorization: str | None) -> DataCredential:
        """The credential of the request, or Unauthorized (``token_missing``,
        ``token_invalid``, ``token_revoked``, ``token_expired``,
        ``token_not_yet_valid``) or RateLimited."""
        secret = bearer_token(authorization)
        credential = self.store.find(secret_hash(secret)) if well_formed(secret) else None
        if credential is None:
            raise _refused("token_invalid", "This access token is not valid.")
        now = self.clock.now()
        status = (
            credential.status(now) if isinstance(credential, PersonalToken) else credential.status(self.clock.today())
        )
        if status == "revoked":
            raise _refused("token_revoked", "This access token has been revoked.")
        if status == "expired":
            raise _refused("token_expired", "This access token has expired.")
        if status == "upcoming":
            raise _refused("token_not_yet_valid", "This data share starts later.")
        self.limiter.hit(DATA_TOKEN_RATE, credential.id, now)
        if credential.last_used_at is None or now - credential.last_used_at >= LAST_USED_EVERY:
            self.store.touch(credential.token_hash, now)
        return credential
