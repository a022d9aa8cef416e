"""What the company use cases share: the stores (organisations, grants), the
views, and the helpers that write a change under its version."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.companies import (
    CompanyGrant,
    Organisation,
    OrgAuditEntry,
    OrgInvitation,
    OrgMember,
    OrgRole,
    format_org_number,
    normalize_org_number,
)
from heatportal.domain.contact import hidden_character
from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Customer, Language, Membership, Role
from heatportal.domain.profile import UtilityProfile
from heatportal.ports import Clock, CustomerRepository, Mailer
from heatportal.services.access import Principal
from heatportal.services.accounts.common import IdentityAdmin
from heatportal.services.ratelimit import RateLimiter
from heatportal.services.versioned import RETRY, Retry, concurrent_change, write_versioned

INVITATION_TTL_SECONDS = 14 * 24 * 3600
SIGNUP_TTL_SECONDS = 30 * 60
CODE_MAX_ATTEMPTS = 5
NAME_MAX = 120

GrantExpectation = Literal["absent", "pending", "requested", "active"] | None


class OrganisationStore(Protocol):
    """Organisations, their members, audit trails and invitations (adapters.dynamo_companies)."""

    def organisations_of(self, user_id: str) -> list[OrgMember]: ...

    def get_organisation(self, org_number: str) -> Organisation | None: ...

    def set_verified(self, org: Organisation, audit: OrgAuditEntry) -> None: ...

    def list_org_members(self, org_number: str) -> list[OrgMember]: ...

    def org_version(self, org_number: str) -> int: ...

    def list_org_audit(self, org_number: str, limit: int = 200) -> list[OrgAuditEntry]: ...

    def create_organisation(self, org: Organisation, admin: OrgMember, audit: OrgAuditEntry) -> bool: ...

    def write_org_change(
        self,
        org_number: str,
        version: int,
        audit: OrgAuditEntry,
        *,
        put: OrgMember | None = None,
        delete_user: str | None = None,
        put_invitation: OrgInvitation | None = None,
        delete_invitation: str | None = None,
    ) -> bool: ...

    def get_invitation(self, invitation_id: str) -> OrgInvitation | None: ...

    def list_org_invitations(self, org_number: str) -> list[OrgInvitation]: ...

    def count_invitation_attempt(self, invitation_id: str, max_attempts: int) -> None: ...

    def put_invitation(self, invitation: OrgInvitation) -> None: ...

    def delete_invitation(self, invitation_id: str) -> None: ...


class GrantStore(Protocol):
    """What customers grant companies, on the customer's access list (adapters.dynamo_companies)."""

    def get_grant(self, customer_number: str, org_number: str) -> CompanyGrant | None: ...

    def grants_of_org(self, org_number: str) -> list[CompanyGrant]: ...

    def write_grant_change(
        self,
        customer_number: str,
        version: int,
        audit: AuditEntry,
        *,
        put: CompanyGrant | None = None,
        expect: GrantExpectation = None,
        delete_org: str | None = None,
        block: bool | None = None,
        delete_invitations: tuple[str, ...] = (),
    ) -> bool: ...

    def is_blocked(self, customer_number: str, org_number: str) -> bool:
        """Whether the customer revoked this company (no self-registration)."""
        ...


class CompanyStore(OrganisationStore, GrantStore, Protocol):
    """Both stores in one (the DynamoDB adapter serves both)."""


class AccessVersions(Protocol):
    def access_version(self, customer_number: str) -> int: ...

    def list_members(self, customer_number: str) -> list[Membership]: ...


RenderCode = Callable[[str, Language, str, dict[str, str], str | None], tuple[str, str, str]]
"""(kind, language, code, params, link) -> (subject, text, html) of a code e-mail."""
RenderNotice = Callable[[str, Language, dict[str, str]], tuple[str, str, str]]
"""(kind, language, params) -> (subject, text, html) of a notice e-mail."""


@dataclass(frozen=True)
class CompanyView:
    """A company as the customer's administrator sees it."""

    grant: CompanyGrant
    organisation: Organisation | None
    administrators: list[str]


@dataclass(frozen=True)
class OrganisationView:
    organisation: Organisation
    me: OrgMember | None
    members: list[OrgMember]
    invitations: list[OrgInvitation]
    customers: list[tuple[CompanyGrant, Customer | None]]
    audit: list[OrgAuditEntry]


def check_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > NAME_MAX or hidden_character(clean) is not None:
        raise ValidationFailed(
            "Enter the company's name.",
            code="org_name_invalid",
            fields=[{"field": "name", "code": "org_name_invalid"}],
        )
    return clean


def check_customer_number(profile: UtilityProfile, text: str) -> str:
    number = text.strip()
    if not re.fullmatch(profile.customer_number_pattern, number):
        raise ValidationFailed(
            "Check the customer number.",
            code="customer_number_invalid",
            fields=[{"field": "customer_number", "code": "customer_number_invalid"}],
        )
    return number


class CompanyServiceBase:
    """The dependencies and helpers every company service shares."""

    def __init__(
        self,
        *,
        profile: UtilityProfile,
        customers: CustomerRepository,
        store: CompanyStore,
        accounts: AccessVersions,
        identity: IdentityAdmin,
        limiter: RateLimiter,
        mailer: Mailer,
        render_code: RenderCode,
        render_notice: RenderNotice,
        clock: Clock,
        portal_url: str,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.store = store
        self.accounts = accounts
        self.identity = identity
        self.limiter = limiter
        self.mailer = mailer
        self.render_code = render_code
        self.render_notice = render_notice
        self.clock = clock
        self.portal_url = portal_url

    def epoch(self) -> int:
        return int(self.clock.now().timestamp())

    def org_number(self, text: str) -> str:
        return normalize_org_number(text, self.profile.country)

    def written(self, org_number: str) -> str:
        return format_org_number(org_number, self.profile.country)

    def audit(self, org_number: str, actor: str, action: str, subject: str, role: str | None = None) -> OrgAuditEntry:
        return OrgAuditEntry(
            org_number=org_number, at=self.clock.now(), actor=actor, action=action, subject=subject, role=role
        )

    def member(self, principal: Principal, org_number: str) -> OrgMember | None:
        return next((m for m in self.store.organisations_of(principal.user_id) if m.org_number == org_number), None)

    def require_member(self, principal: Principal, org_number: str, admin: bool = False) -> OrgMember:
        """The person's membership of the company. Unknown and foreign companies
        get the same answer."""
        member = self.member(principal, org_number)
        if member is None or (admin and member.role != OrgRole.ADMIN):
            raise Forbidden("You do not have access to this company.", code="forbidden")
        return member

    def send(self, recipient: str, rendered: tuple[str, str, str]) -> None:
        subject, text, html = rendered
        self.mailer.send(recipient, subject, text, html)

    def customer_admins(self, customer_number: str) -> list[str]:
        members = self.accounts.list_members(customer_number)
        return [m.email for m in members if m.role == Role.ADMIN]

    @staticmethod
    def facilities(record: CustomerRecord, wanted: list[str] | None) -> frozenset[str] | None:
        if wanted is None:
            return None
        known = set(record.facility_ids)
        chosen = frozenset(f.strip() for f in wanted if f.strip())
        if not chosen or not chosen <= known:
            raise ValidationFailed(
                "Choose one or more of the customer's facilities.",
                code="facilities_invalid",
                fields=[{"field": "facilities", "code": "facilities_invalid"}],
            )
        return chosen

    @staticmethod
    def company_role(role: Role) -> Role:
        if role == Role.ADMIN:
            raise ValidationFailed(
                "A management company gets read only or full access.",
                code="company_role_invalid",
                fields=[{"field": "role", "code": "company_role_invalid"}],
            )
        return role

    def write_org(
        self,
        org_number: str,
        audit: OrgAuditEntry,
        *,
        put: OrgMember | None = None,
        put_invitation: OrgInvitation | None = None,
        delete_invitation: str | None = None,
    ) -> None:
        """A change that does not depend on the member list (an invitation, an
        e-mail address): written under the company's version, retried when
        another change moved it meanwhile."""

        def attempt() -> None | Retry:
            version = self.store.org_version(org_number)
            done = self.store.write_org_change(
                org_number,
                version,
                audit,
                put=put,
                put_invitation=put_invitation,
                delete_invitation=delete_invitation,
            )
            return None if done else RETRY

        write_versioned(attempt)

    def write_grant(
        self,
        customer_number: str,
        audit: AuditEntry,
        *,
        put: CompanyGrant | None = None,
        expect: GrantExpectation = None,
        delete_org: str | None = None,
        block: bool | None = None,
        delete_invitations: tuple[str, ...] = (),
    ) -> None:
        """One change of the customer's company grants. ``expect`` is the status
        the grant must still have ("absent" for a new one), so a change based on
        a stale read (a revoke in between) fails instead of undoing it."""

        def attempt() -> None | Retry:
            version = self.accounts.access_version(customer_number)
            done = self.store.write_grant_change(
                customer_number,
                version,
                audit,
                put=put,
                expect=expect,
                delete_org=delete_org,
                block=block,
                delete_invitations=delete_invitations,
            )
            if done:
                return None
            if expect is not None:
                raise concurrent_change()  # the grant itself changed: re-reading is the caller's decision
            return RETRY

        write_versioned(attempt)

    def live_grant(self, customer_number: str, org_number: str) -> CompanyGrant | None:
        """The grant, or None when there is none or it is an invitation that expired."""
        grant = self.store.get_grant(customer_number, org_number)
        if grant is not None and grant.status == "pending":
            age = (self.clock.now() - grant.granted_at).total_seconds()
            if age > INVITATION_TTL_SECONDS:
                return None
        return grant

    def activate(self, customer_number: str, org_number: str, actor: str) -> CompanyGrant:
        """Accept the customer's invitation (pending, not expired)."""
        current = self.live_grant(customer_number, org_number)
        if current is None or current.status == "requested":
            raise NotFound("There is no invitation from this customer.", code="company_not_found")
        if current.active:
            return current
        active = replace(current, status="active")
        audit = AuditEntry(
            customer_number, self.clock.now(), actor, "company_accepted", self.written(org_number), role=current.role
        )
        self.write_grant(customer_number, audit, put=active, expect="pending")
        return active
