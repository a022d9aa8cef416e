"""Management companies: an organisation, identified by its
organisation number, with its own administrators and managers, that a
customer's administrator grants selected facilities to, or that registers the
customers it manages itself with customer number + the customer's
organisation number.

What a company's people may see is exactly what was granted: a set of
facilities of one customer (or all of them, including facilities added
later), with a role (read only or full access, never administrator).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import Language, Role


class OrgRole(StrEnum):
    """A person's role in a management company."""

    ADMIN = "admin"  # invites managers, accepts and registers customers
    MANAGER = "manager"  # sees the customers the company was granted


GrantStatus = Literal["pending", "requested", "active"]
"""pending: the customer invited the company, which has not accepted yet;
requested: the company registered the customer itself and waits for the
customer's administrators to approve; active: the grant gives access."""


@dataclass(frozen=True)
class Organisation:
    number: str  # compact national form, e.g. 923609016 or 5560360793
    name: str
    created_at: datetime
    created_by: str
    # Customer service checked the registration against the business register
    # (who may act for the organisation number); customers see it.
    verified_at: datetime | None = None
    verified_by: str | None = None


@dataclass(frozen=True)
class OrgMember:
    org_number: str
    user_id: str
    email: str
    role: OrgRole
    # The customers a manager works on, as the company's administrator chose;
    # None: every customer of the company. Administrators see all.
    customers: frozenset[str] | None = None

    def manages(self, customer_number: str) -> bool:
        return self.role == OrgRole.ADMIN or self.customers is None or customer_number in self.customers


@dataclass(frozen=True)
class CompanyGrant:
    """A customer's grant to a management company.

    ``facilities`` None means every facility of the customer, also those added
    later (what a company gets when it registers a customer itself).
    A pending grant (invited, not yet accepted by the company) gives no access.
    """

    customer_number: str
    org_number: str
    role: Role
    facilities: frozenset[str] | None
    status: GrantStatus
    granted_by: str
    granted_at: datetime
    contact_email: str | None = None

    @property
    def active(self) -> bool:
        return self.status == "active"

    def covers(self, facility_id: str) -> bool:
        return self.active and (self.facilities is None or facility_id in self.facilities)

    def covers_all(self, facility_ids: list[str]) -> bool:
        return self.active and (self.facilities is None or set(facility_ids) <= self.facilities)


@dataclass(frozen=True)
class OrgInvitation:
    """An invitation by e-mail with a one-time code (only its hash is kept):
    to join a company, a customer's invitation of a company whose contact
    person accepts it (``customer_number``), or a company's own sign-up
    (``company_name``)."""

    id: str
    org_number: str
    email: str
    role: OrgRole
    code_hash: str
    expires_at: int
    language: Language
    invited_by: str
    attempts: int = 0
    customer_number: str | None = None
    # Set for a company's own sign-up: the company registered on acceptance.
    company_name: str | None = None


@dataclass(frozen=True)
class OrgAuditEntry:
    """Who changed the company's people, when."""

    org_number: str
    at: datetime
    actor: str
    action: str
    subject: str
    role: str | None = None


def _org_invalid() -> ValidationFailed:
    return ValidationFailed(
        "Check the organisation number.",
        code="org_number_invalid",
        fields=[{"field": "org_number", "code": "org_number_invalid"}],
    )


def normalize_org_number(text: str, country: str) -> str:
    """The compact form of a valid organisation number of ``country``:
    NO organisasjonsnummer (mod 11), SE organisationsnummer (Luhn), DE USt-IdNr
    (ISO 7064), NL KvK-nummer (8 digits, no check digit). Raises
    ValidationFailed(org_number_invalid) otherwise."""
    from stdnum.exceptions import ValidationError

    raw = text.strip()
    if not raw or len(raw) > 20:
        raise _org_invalid()
    try:
        if country == "NO":
            from stdnum.no import orgnr

            return str(orgnr.validate(raw))
        if country == "SE":
            from stdnum.se import orgnr as se_orgnr

            return str(se_orgnr.validate(raw))
        if country == "DE":
            from stdnum.de import vat

            compact = raw.upper().replace(" ", "")
            return "DE" + str(vat.validate(compact if compact.startswith("DE") else "DE" + compact))
    except ValidationError as error:
        raise _org_invalid() from error
    compact = raw.replace(" ", "").replace(".", "")
    if len(compact) != 8 or not compact.isdigit():
        raise _org_invalid()
    return compact


def format_org_number(number: str, country: str) -> str:
    """The written form people know (SE 556036-0793, NO 923 609 016)."""
    if country == "SE" and len(number) == 10:
        return f"{number[:6]}-{number[6:]}"
    if country == "NO" and len(number) == 9:
        return f"{number[:3]} {number[3:6]} {number[6:]}"
    return number


def same_org_number(stored: str | None, given: str, country: str) -> bool:
    """Whether a customer's organisation number on record is ``given`` (both
    compared in compact form; an invalid record never matches)."""
    if not stored:
        return False
    try:
        return normalize_org_number(stored, country) == normalize_org_number(given, country)
    except ValidationFailed:
        return False
