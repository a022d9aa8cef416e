"""Open data: the credentials a customer's data is read with through the data
API (``/api/v1/data``) and the rules they follow. Pure.

Two kinds of credential, both a bearer token:

- a **personal access token** (``hp_pat_…``) a person creates for themself
  (Home Assistant, a spreadsheet, a script): read only, limited to chosen
  customers (all their facilities, or chosen ones) and data kinds, with an
  expiry. It reads what its person may read in the portal at the moment of
  the request, narrowed to the token's customers, facilities and kinds, so a
  person who loses access loses it for their tokens too.
- a **provider share** (``hp_shr_…``, German FFVAV §5(4)): a customer's
  administrator grants a named energy-service provider read access to chosen
  facilities for a period; the token goes to the provider's e-mail only, and
  every access by it is written to the customer's audit trail.

A token is 32 random bytes (256 bits) after a recognisable prefix, so a
leaked one is easy to find in logs and code and none can be guessed. Only its
SHA-256 is stored: for a secret of that entropy a fast hash is right (a salt
or a slow hash protect low-entropy secrets like passwords and PINs), and it
lets a request find its token with one read by key. The person sees the token
once, when it is made; afterwards only its name and its last four characters.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

DataKind = Literal["consumption", "readings", "invoices"]
DATA_KINDS: tuple[DataKind, ...] = ("consumption", "readings", "invoices")
"""What a credential may read: interval consumption (with temperatures, flow
and cost), register readings (cumulative values, the Home Assistant sensor),
invoices (which cover the whole customer)."""

Quality = Literal["measured", "estimated", "corrected"]
"""How a value came to be: read from the meter, estimated (a gap filled, a
reading computed), or corrected after it was first delivered."""

PERSONAL_PREFIX = "hp_pat_"
SHARE_PREFIX = "hp_shr_"
SECRET_BYTES = 32
_SECRET = re.compile(r"^hp_(pat|shr)_[A-Za-z0-9_-]{43}$")

TOKEN_NAME_MAX = 60
MAX_ACTIVE_TOKENS = 20  # per person
MAX_TOKEN_CUSTOMERS = 20  # customers one token may cover
MAX_TOKEN_DAYS = 366
MAX_SHARE_DAYS = 3 * 366  # a provider share's period, at most about three years


def new_secret(prefix: str) -> str:
    """A fresh token: the prefix and 32 random bytes, URL-safe base64 (43 characters)."""
    return prefix + secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    """What is stored of a token: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def well_formed(secret: str) -> bool:
    """True for text shaped like a token (checked before anything is read)."""
    return bool(_SECRET.fullmatch(secret))


def new_id() -> str:
    """A credential's public id (in URLs to revoke it): no secret."""
    return secrets.token_hex(8)


def hint_of(secret: str) -> str:
    """The last four characters, to tell tokens apart in a list."""
    return secret[-4:]


@dataclass(frozen=True)
class TokenGrant:
    """One customer a personal token covers: all its facilities (None) or chosen ones."""

    customer_number: str
    facilities: frozenset[str] | None = None


TokenStatus = Literal["active", "expired", "revoked"]


@dataclass(frozen=True)
class PersonalToken:
    id: str
    token_hash: str
    user_id: str
    email: str
    name: str
    grants: tuple[TokenGrant, ...]
    kinds: frozenset[DataKind]
    created_at: datetime
    expires_at: datetime
    hint: str
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def status(self, now: datetime) -> TokenStatus:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if now < self.expires_at else "expired"

    def grant(self, customer_number: str) -> TokenGrant | None:
        return next((g for g in self.grants if g.customer_number == customer_number), None)


ShareStatus = Literal["upcoming", "active", "expired", "revoked"]


@dataclass(frozen=True)
class ProviderShare:
    """A customer's grant to an energy-service provider (FFVAV §5(4))."""

    id: str
    token_hash: str
    customer_number: str
    provider_name: str
    provider_email: str
    facilities: frozenset[str]
    kinds: frozenset[DataKind]
    valid_from: date
    valid_until: date  # the last day it works (local)
    created_by: str
    created_at: datetime
    hint: str
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def status(self, today: date) -> ShareStatus:
        if self.revoked_at is not None:
            return "revoked"
        if today < self.valid_from:
            return "upcoming"
        return "active" if today <= self.valid_until else "expired"

    def grant(self, customer_number: str) -> TokenGrant | None:
        return TokenGrant(customer_number, self.facilities) if customer_number == self.customer_number else None

    @property
    def grants(self) -> tuple[TokenGrant, ...]:
        return (TokenGrant(self.customer_number, self.facilities),)


DataCredential = PersonalToken | ProviderShare
"""A token presented to the data API, found by its hash."""


def narrowed(visible: frozenset[str] | None, granted: frozenset[str] | None) -> frozenset[str] | None:
    """The facilities both the person's access (None: all) and the token's grant
    (None: all) cover."""
    if visible is None:
        return granted
    if granted is None:
        return visible
    return visible & granted


def covers_all(facilities: frozenset[str] | None, every: frozenset[str]) -> bool:
    """True when ``facilities`` (None: all) covers each of ``every``: what a
    read that covers the whole customer (invoices) needs."""
    return facilities is None or every <= facilities
