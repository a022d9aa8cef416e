"""Management companies (seed 004 "Permissions").

A customer's administrator invites a company by its organisation number and
grants it selected facilities (or all) with a role, read only or full access.
The company accepts: an administrator of a registered company accepts in the
portal; the contact person of a company that is not registered yet accepts
with the code from the e-mail, registers the company and becomes its first
administrator. A company's administrator can also register a customer it
manages by customer number + the customer's organisation number (proof like
a PIN, behind the same rate limits); the customer's administrators are told
by e-mail and can revoke it. A company's administrators invite managers and
other administrators; the last administrator cannot leave.

Every change is written with its audit entry in one transaction under an
optimistic version check, on the customer's trail (who granted what to whom)
or the company's.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from heatportal.domain.accounts import AuditAction, AuditEntry
from heatportal.domain.companies import (
    CompanyGrant,
    Organisation,
    OrgAuditEntry,
    OrgInvitation,
    OrgMember,
    OrgRole,
    format_org_number,
    normalize_org_number,
    same_org_number,
)
from heatportal.domain.contact import hidden_character
from heatportal.domain.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from heatportal.domain.model import Customer, Language, Membership, Role
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.secrets import hash_secret, verify_secret
from heatportal.ports import Clock, CustomerRepository, Mailer
from heatportal.services import ratelimit
from heatportal.services.access import AccessService, Principal
from heatportal.services.accounts import IdentityAdmin, Pending, check_new_password, normalize_email
from heatportal.services.ratelimit import RateLimiter

INVITATION_TTL_SECONDS = 14 * 24 * 3600
SIGNUP_TTL_SECONDS = 30 * 60
CODE_MAX_ATTEMPTS = 5
NAME_MAX = 120

GrantExpectation = Literal["absent", "pending", "requested", "active"] | None


class CompanyStore(Protocol):
    def get_grant(self, customer_number: str, org_number: str) -> CompanyGrant | None: ...

    def grants_of_org(self, org_number: str) -> list[CompanyGrant]: ...

    def grants_of_customer(self, customer_number: str) -> list[CompanyGrant]: ...

    def facility_ids(self, customer_number: str) -> list[str]: ...

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


class AccessVersions(Protocol):
    def access_version(self, customer_number: str) -> int: ...

    def list_members(self, customer_number: str) -> list[Membership]: ...


RenderCode = Callable[[str, Language, str, dict[str, str], str | None], tuple[str, str, str]]
"""(kind, language, code, params, link) -> (subject, text, html) of a code e-mail."""
RenderNotice = Callable[[str, Language, dict[str, str]], tuple[str, str, str]]
"""(kind, language, params) -> (subject, text, html) of a notice e-mail."""
MakeAudit = Callable[..., OrgAuditEntry]


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


def _address_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _code_invalid() -> ValidationFailed:
    return ValidationFailed(
        "The code is wrong or has expired. Request a new code.",
        code="code_invalid",
        fields=[{"field": "code", "code": "code_invalid"}],
    )


def _new_code() -> str:
    """A six-digit one-time code (only its hash is stored)."""
    return f"{secrets.randbelow(10**6):06d}"


def _conflict() -> Conflict:
    return Conflict("The access list changed at the same time. Try again.", code="conflict")


def _check_name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > NAME_MAX or hidden_character(clean) is not None:
        raise ValidationFailed(
            "Enter the company's name.",
            code="org_name_invalid",
            fields=[{"field": "name", "code": "org_name_invalid"}],
        )
    return clean


class CompanyService:
    def __init__(
        self,
        *,
        profile: UtilityProfile,
        customers: CustomerRepository,
        store: CompanyStore,
        accounts: AccessVersions,
        identity: IdentityAdmin,
        access: AccessService,
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
        self.access = access
        self.limiter = limiter
        self.mailer = mailer
        self.render_code = render_code
        self.render_notice = render_notice
        self.clock = clock
        self.portal_url = portal_url

    # --- helpers ------------------------------------------------------------------------
    def _epoch(self) -> int:
        return int(self.clock.now().timestamp())

    def org_number(self, text: str) -> str:
        return normalize_org_number(text, self.profile.country)

    def written(self, org_number: str) -> str:
        return format_org_number(org_number, self.profile.country)

    def _audit(self, org_number: str, actor: str, action: str, subject: str, role: str | None = None) -> OrgAuditEntry:
        return OrgAuditEntry(
            org_number=org_number, at=self.clock.now(), actor=actor, action=action, subject=subject, role=role
        )

    def _member(self, principal: Principal, org_number: str) -> OrgMember | None:
        return next((m for m in self.store.organisations_of(principal.user_id) if m.org_number == org_number), None)

    def _require_member(self, principal: Principal, org_number: str, admin: bool = False) -> OrgMember:
        """The person's membership of the company; staff may look (never change).
        Unknown and foreign companies get the same answer."""
        member = self._member(principal, org_number)
        if member is None or (admin and member.role != OrgRole.ADMIN):
            raise Forbidden("You do not have access to this company.", code="forbidden")
        return member

    def _send(self, recipient: str, rendered: tuple[str, str, str]) -> None:
        subject, text, html = rendered
        self.mailer.send(recipient, subject, text, html)

    def _customer_admins(self, customer_number: str) -> list[str]:
        members = self.accounts.list_members(customer_number)
        return [m.email for m in members if m.role == Role.ADMIN]

    def _facilities(self, customer_number: str, wanted: list[str] | None) -> frozenset[str] | None:
        if wanted is None:
            return None
        known = set(self.store.facility_ids(customer_number))
        chosen = frozenset(f.strip() for f in wanted if f.strip())
        if not chosen or not chosen <= known:
            raise ValidationFailed(
                "Choose one or more of the customer's facilities.",
                code="facilities_invalid",
                fields=[{"field": "facilities", "code": "facilities_invalid"}],
            )
        return chosen

    @staticmethod
    def _company_role(role: Role) -> Role:
        if role == Role.ADMIN:
            raise ValidationFailed(
                "A management company gets read only or full access.",
                code="company_role_invalid",
                fields=[{"field": "role", "code": "company_role_invalid"}],
            )
        return role

    def _write_org(
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
        for _attempt in range(5):
            version = self.store.org_version(org_number)
            if self.store.write_org_change(
                org_number,
                version,
                audit,
                put=put,
                put_invitation=put_invitation,
                delete_invitation=delete_invitation,
            ):
                return
        raise _conflict()

    def _write_grant(
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
        for _attempt in range(5):
            version = self.accounts.access_version(customer_number)
            if self.store.write_grant_change(
                customer_number,
                version,
                audit,
                put=put,
                expect=expect,
                delete_org=delete_org,
                block=block,
                delete_invitations=delete_invitations,
            ):
                return
            if expect is not None:
                break  # the grant itself changed: re-reading is the caller's decision
        raise _conflict()

    def _live_grant(self, customer_number: str, org_number: str) -> CompanyGrant | None:
        """The grant, or None when there is none or it is an invitation that expired."""
        grant = self.store.get_grant(customer_number, org_number)
        if grant is not None and grant.status == "pending":
            age = (self.clock.now() - grant.granted_at).total_seconds()
            if age > INVITATION_TTL_SECONDS:
                return None
        return grant

    # --- organisations ------------------------------------------------------------------
    def register_organisation(self, principal: Principal, org_number: str, name: str) -> Organisation:
        """Register a company; the person becomes its first administrator.
        Registering the same company again (a retry by its administrator) is fine."""
        number = self.org_number(org_number)
        clean = _check_name(name)
        existing = self.store.get_organisation(number)
        if existing is not None:
            if self._member(principal, number) is not None:
                return existing
            raise Conflict(
                "This organisation is already registered. Ask its administrator to invite you.",
                code="org_registered",
            )
        org = Organisation(number=number, name=clean, created_at=self.clock.now(), created_by=principal.email)
        admin = OrgMember(org_number=number, user_id=principal.user_id, email=principal.email, role=OrgRole.ADMIN)
        if not self.store.create_organisation(org, admin, self._audit(number, principal.email, "registered", clean)):
            raise Conflict(
                "This organisation is already registered. Ask its administrator to invite you.",
                code="org_registered",
            )
        return org

    def my_organisations(self, principal: Principal) -> list[tuple[Organisation, OrgMember]]:
        found = []
        for member in self.store.organisations_of(principal.user_id):
            org = self.store.get_organisation(member.org_number)
            if org is not None:
                found.append((org, member))
        return found

    def organisation(self, principal: Principal, org_number: str) -> OrganisationView:
        member = self._member(principal, org_number)
        if member is None and not principal.is_staff:
            raise Forbidden("You do not have access to this company.", code="forbidden")
        org = self.store.get_organisation(org_number)
        if org is None:
            raise Forbidden("You do not have access to this company.", code="forbidden")
        admin = principal.is_staff or (member is not None and member.role == OrgRole.ADMIN)
        grants = self.store.grants_of_org(org_number)
        return OrganisationView(
            organisation=org,
            me=member,
            members=self.store.list_org_members(org_number),
            invitations=[
                i
                for i in self.store.list_org_invitations(org_number)
                if i.customer_number is None and i.company_name is None
            ]
            if admin
            else [],
            customers=[
                (g, self.customers.get_customer(g.customer_number))
                for g in grants
                if principal.is_staff or member is None or member.manages(g.customer_number)
            ],
            audit=self.store.list_org_audit(org_number) if admin else [],
        )

    def start_signup(self, org_number: str, name: str, email: str, language: Language, client: str) -> Pending:
        """A management company signs up without being a customer (seed 004: it
        then registers the customers it manages). A code goes to ``email``;
        accepting it (``accept_invitation``) creates the user, registers the
        company and makes the person its administrator. For a company that is
        already registered the e-mail says so and carries no code; the answer
        is the same either way."""
        number = self.org_number(org_number)
        clean = _check_name(name)
        address = normalize_email(email)
        now = self.clock.now()
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_CLIENT, client, now)
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, _address_key(address), now)
        params = {"company": clean, "org_number": self.written(number), "utility": self.profile.name}
        invitation = OrgInvitation(
            id=secrets.token_urlsafe(18),
            org_number=number,
            email=address,
            role=OrgRole.ADMIN,
            code_hash="",
            expires_at=self._epoch() + SIGNUP_TTL_SECONDS,
            language=language,
            invited_by=address,
            company_name=clean,
        )
        if self.store.get_organisation(number) is not None:
            self._send(address, self.render_notice("signup_exists", language, params))
            return Pending(invitation.id, invitation.expires_at)
        code = _new_code()
        invitation = replace(invitation, code_hash=hash_secret(code))
        self.store.put_invitation(invitation)
        link = f"{self.portal_url}/organisation/invitation?id={invitation.id}"
        self._send(address, self.render_code("signup", language, code, params, link))
        return Pending(invitation.id, invitation.expires_at)

    # --- members of a company -----------------------------------------------------------
    def invite_member(self, principal: Principal, org_number: str, email: str, role: OrgRole) -> Pending:
        self._require_member(principal, org_number, admin=True)
        address = normalize_email(email)
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, _address_key(address), self.clock.now())
        if any(m.email.lower() == address for m in self.store.list_org_members(org_number)):
            raise Conflict("This person already has access.", code="user_exists")
        org = self.store.get_organisation(org_number)
        assert org is not None
        code = _new_code()
        invitation = OrgInvitation(
            id=secrets.token_urlsafe(18),
            org_number=org_number,
            email=address,
            role=role,
            code_hash=hash_secret(code),
            expires_at=self._epoch() + INVITATION_TTL_SECONDS,
            language=self.profile.default_language,
            invited_by=principal.email,
        )
        audit = self._audit(org_number, principal.email, "invited", address, role.value)
        self._write_org(org_number, audit, put_invitation=invitation)
        link = f"{self.portal_url}/organisation/invitation?id={invitation.id}"
        params = {"company": org.name, "org_number": self.written(org_number), "utility": self.profile.name}
        self._send(address, self.render_code("member", invitation.language, code, params, link))
        return Pending(invitation.id, invitation.expires_at)

    def _check_invitation(self, invitation_id: str, code: str) -> OrgInvitation:
        invitation = self.store.get_invitation(invitation_id)
        if invitation is not None:
            self.limiter.hit(ratelimit.CODE_CHECKS_PER_ADDRESS, _address_key(invitation.email), self.clock.now())
        if invitation is None or invitation.expires_at <= self._epoch() or invitation.attempts >= CODE_MAX_ATTEMPTS:
            raise _code_invalid()
        if not verify_secret(code.strip(), invitation.code_hash):
            self.store.count_invitation_attempt(invitation.id, CODE_MAX_ATTEMPTS)
            raise _code_invalid()
        return invitation

    def _user_for(self, email: str, password: str, confirmation: str | None, language: Language) -> str:
        """The invitee's user: an existing one proves it with the password, a new
        one is created with the password chosen twice."""
        existing = self.identity.find_user(email)
        if existing is not None:
            if not self.identity.password_matches(email, password):
                raise Unauthorized("E-mail or password is wrong.", code="login_failed")
            return existing
        check_new_password(password, confirmation if confirmation is not None else "")
        user_id = self.identity.create_user(email, language)
        self.identity.set_password(email, password)
        return user_id

    def accept_invitation(
        self,
        invitation_id: str,
        code: str,
        password: str,
        confirmation: str | None,
        company_name: str | None = None,
    ) -> OrgMember:
        """The invitee's step, without being signed in: the code from the
        e-mail, then the password. A member invitation adds the person to the
        company; a customer's invitation of a company that is not registered yet
        registers it (``company_name`` needed) with the person as its first
        administrator and makes the grant active. Safe to retry."""
        invitation = self._check_invitation(invitation_id, code)
        org = self.store.get_organisation(invitation.org_number)
        if invitation.company_name is not None:
            return self._complete_signup(invitation, org, password, confirmation)
        if invitation.customer_number is not None:
            grant = self._live_grant(invitation.customer_number, invitation.org_number)
            if grant is None or grant.status != "pending":
                raise _code_invalid()  # revoked or expired meanwhile: nothing is created
        if invitation.customer_number is not None and org is None:
            name = _check_name(company_name or "")
        if (
            invitation.customer_number is not None
            and org is not None
            and self.identity.find_user(invitation.email) is None
        ):
            # Only an administrator of the registered company accepts: no new user for somebody else.
            raise Forbidden(
                "The company is registered: one of its administrators accepts the invitation.",
                code="org_admin_required",
            )
        user_id = self._user_for(invitation.email, password, confirmation, invitation.language)
        member = OrgMember(
            org_number=invitation.org_number, user_id=user_id, email=invitation.email, role=invitation.role
        )
        if invitation.customer_number is not None:
            if org is None:
                org = Organisation(
                    number=invitation.org_number, name=name, created_at=self.clock.now(), created_by=invitation.email
                )
                audit = self._audit(org.number, invitation.email, "registered", org.name)
                if not self.store.create_organisation(org, replace(member, role=OrgRole.ADMIN), audit):
                    raise _conflict()
            else:
                current = next((m for m in self.store.list_org_members(org.number) if m.user_id == user_id), None)
                if current is None or current.role != OrgRole.ADMIN:
                    raise Forbidden(
                        "The company is registered: one of its administrators accepts the invitation.",
                        code="org_admin_required",
                    )
                member = current
            self._activate(invitation.customer_number, org.number, invitation.email)
            self._retire_invitation(invitation, invitation.email)
            return member
        if org is None:
            raise _code_invalid()
        for _attempt in range(5):
            version = self.store.org_version(org.number)
            if any(m.user_id == user_id for m in self.store.list_org_members(org.number)):
                self._retire_invitation(invitation, invitation.email)
                return member
            audit = self._audit(org.number, invitation.email, "joined", invitation.email, invitation.role.value)
            if self.store.write_org_change(org.number, version, audit, put=member, delete_invitation=invitation.id):
                return member
        raise _conflict()

    def _complete_signup(
        self, invitation: OrgInvitation, org: Organisation | None, password: str, confirmation: str | None
    ) -> OrgMember:
        user_id = self.identity.find_user(invitation.email)
        if org is not None:
            mine = next((m for m in self.store.list_org_members(org.number) if m.user_id == user_id), None)
            if user_id is not None and mine is not None and self.identity.password_matches(invitation.email, password):
                return mine  # a retry of this very sign-up
            # Somebody else registered the company meanwhile: they invite this person.
            raise Conflict(
                "This organisation is already registered. Ask its administrator to invite you.",
                code="org_registered",
            )
        user_id = self._user_for(invitation.email, password, confirmation, invitation.language)
        member = OrgMember(
            org_number=invitation.org_number, user_id=user_id, email=invitation.email, role=OrgRole.ADMIN
        )
        name = invitation.company_name or invitation.org_number
        created = Organisation(
            number=invitation.org_number, name=name, created_at=self.clock.now(), created_by=invitation.email
        )
        audit = self._audit(created.number, invitation.email, "registered", name)
        if not self.store.create_organisation(created, member, audit):
            raise Conflict(
                "This organisation is already registered. Ask its administrator to invite you.",
                code="org_registered",
            )
        self.store.delete_invitation(invitation.id)
        return member

    def _retire_invitation(self, invitation: OrgInvitation, actor: str) -> None:
        if self.store.get_invitation(invitation.id) is None:
            return
        audit = self._audit(invitation.org_number, actor, "invitation_used", invitation.email)
        self._write_org(invitation.org_number, audit, delete_invitation=invitation.id)

    def change_member(self, principal: Principal, org_number: str, user_id: str, role: OrgRole | None) -> None:
        """Change a member's role, or remove the member (``role`` None). The
        company always keeps an administrator."""
        self._require_member(principal, org_number, admin=True)
        for _attempt in range(5):
            version = self.store.org_version(org_number)
            members = self.store.list_org_members(org_number)
            target = next((m for m in members if m.user_id == user_id), None)
            if target is None:
                raise NotFound("This user has no access to the company.", code="user_not_found")
            admins = [m for m in members if m.role == OrgRole.ADMIN]
            if target.role == OrgRole.ADMIN and role != OrgRole.ADMIN and len(admins) <= 1:
                raise Conflict(
                    "The last administrator cannot be removed or lose the administrator role.",
                    code="last_admin",
                )
            if role == target.role:
                return
            if role is None:
                audit = self._audit(org_number, principal.email, "removed", target.email, target.role.value)
                done = self.store.write_org_change(org_number, version, audit, delete_user=user_id)
            else:
                audit = self._audit(org_number, principal.email, "role_changed", target.email, role.value)
                done = self.store.write_org_change(org_number, version, audit, put=replace(target, role=role))
            if done:
                return
        raise _conflict()

    def set_member_customers(
        self, principal: Principal, org_number: str, user_id: str, customers: list[str] | None
    ) -> OrgMember:
        """Which of the company's customers a manager works on (None: all of
        them, also later ones). Only customers the company was granted."""
        self._require_member(principal, org_number, admin=True)
        chosen: frozenset[str] | None = None
        if customers is not None:
            known = {g.customer_number for g in self.store.grants_of_org(org_number)}
            chosen = frozenset(c.strip() for c in customers if c.strip())
            if not chosen <= known:
                raise ValidationFailed(
                    "Choose among the company's customers.",
                    code="customers_invalid",
                    fields=[{"field": "customers", "code": "customers_invalid"}],
                )
        for _attempt in range(5):
            version = self.store.org_version(org_number)
            target = next((m for m in self.store.list_org_members(org_number) if m.user_id == user_id), None)
            if target is None:
                raise NotFound("This user has no access to the company.", code="user_not_found")
            if target.customers == chosen:
                return target
            changed = replace(target, customers=chosen)
            subject = target.email
            detail = ", ".join(sorted(chosen)) if chosen is not None else "*"
            audit = self._audit(org_number, principal.email, "customers_changed", f"{subject}: {detail}")
            if self.store.write_org_change(org_number, version, audit, put=changed):
                return changed
        raise _conflict()

    def verify_organisation(self, principal: Principal, org_number: str, verified: bool) -> Organisation:
        """Customer service records that it checked the organisation against
        the business register (who may act for the number), or withdraws it.
        Customers see whether a company is verified before granting access."""
        if not principal.is_staff:
            raise Forbidden("Only customer service verifies a company.", code="forbidden")
        org = self.store.get_organisation(org_number)
        if org is None:
            raise NotFound("No such company.", code="company_not_found")
        if (org.verified_at is not None) == verified:
            return org  # a retry
        changed = replace(
            org,
            verified_at=self.clock.now() if verified else None,
            verified_by=principal.email if verified else None,
        )
        action = "verified" if verified else "verification_withdrawn"
        self.store.set_verified(changed, self._audit(org_number, principal.email, action, org.name))
        return changed

    def follow_email(self, user_id: str, email: str) -> None:
        """A member changed the e-mail (sign-in name): the companies' lists follow."""
        for member in self.store.organisations_of(user_id):
            if member.email == email:
                continue
            audit = self._audit(member.org_number, member.email, "email_changed", email)
            self._write_org(member.org_number, audit, put=replace(member, email=email))

    # --- the customer's side: grants -----------------------------------------------------
    def _require_customer_admin(self, principal: Principal, customer_number: str) -> None:
        grant = self.access.require(principal, customer_number, Role.ADMIN)
        if grant.membership is None or grant.membership.role != Role.ADMIN:
            raise Forbidden("Only the customer's administrators manage access.", code="forbidden")

    def companies(self, principal: Principal, customer_number: str) -> list[CompanyView]:
        """The companies that may see the customer or are invited, each with
        its registered administrators: nothing proves who registered an
        organisation number, so the customer sees whom it grants access to."""
        self.access.require(principal, customer_number, Role.ADMIN)
        found = []
        for grant in self.store.grants_of_customer(customer_number):
            org = self.store.get_organisation(grant.org_number)
            admins = [m.email for m in self.store.list_org_members(grant.org_number) if m.role == OrgRole.ADMIN]
            found.append(CompanyView(grant, org, sorted(admins) if org else []))
        return found

    def invite_company(
        self,
        principal: Principal,
        customer_number: str,
        org_number: str,
        facilities: list[str] | None,
        role: Role,
        contact_email: str | None,
    ) -> CompanyGrant:
        """Grant a company (by organisation number) selected facilities. The
        grant waits for the company to accept; its administrators (registered
        company) or the contact person (with a code) are told by e-mail."""
        self._require_customer_admin(principal, customer_number)
        number = self.org_number(org_number)
        chosen = self._facilities(customer_number, facilities)
        role = self._company_role(role)
        contact = normalize_email(contact_email) if contact_email else None
        org = self.store.get_organisation(number)
        if org is None and contact is None:
            raise ValidationFailed(
                "The company is not registered yet: give the e-mail address of a contact person there.",
                code="contact_email_required",
                fields=[{"field": "contact_email", "code": "contact_email_required"}],
            )
        existing = self.store.get_grant(customer_number, number)
        if self._live_grant(customer_number, number) is not None:
            raise Conflict("This company already has access or an invitation.", code="company_exists")
        now = self.clock.now()
        if contact is not None:
            self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, _address_key(contact), now)
        grant = CompanyGrant(
            customer_number=customer_number,
            org_number=number,
            role=role,
            facilities=chosen,
            status="pending",
            granted_by=principal.email,
            granted_at=now,
            contact_email=contact,
        )
        audit = AuditEntry(customer_number, now, principal.email, "company_invited", self.written(number), role=role)
        # Inviting the company again lifts the block a revoke left.
        self._write_grant(
            customer_number,
            audit,
            put=grant,
            expect="absent" if existing is None else existing.status,
            block=False,
        )
        customer = self.customers.get_customer(customer_number)
        params = {
            "customer": customer.name if customer else customer_number,
            "customer_number": customer_number,
            "org_number": self.written(number),
            "company": org.name if org else self.written(number),
            "utility": self.profile.name,
        }
        lang = customer.language if customer else self.profile.default_language
        if contact is not None:
            code = _new_code()
            invitation = OrgInvitation(
                id=secrets.token_urlsafe(18),
                org_number=number,
                email=contact,
                role=OrgRole.ADMIN,
                code_hash=hash_secret(code),
                expires_at=self._epoch() + INVITATION_TTL_SECONDS,
                language=lang,
                invited_by=principal.email,
                customer_number=customer_number,
            )
            audit_org = self._audit(number, principal.email, "invited_by_customer", customer_number)
            self._write_org(number, audit_org, put_invitation=invitation)
            link = f"{self.portal_url}/organisation/invitation?id={invitation.id}"
            self._send(contact, self.render_code("company", lang, code, params, link))
        if org is not None:
            for admin in self.store.list_org_members(number):
                if admin.role == OrgRole.ADMIN and admin.email != contact:
                    self._send(admin.email, self.render_notice("company_invited", lang, params))
        return grant

    def change_company(
        self, principal: Principal, customer_number: str, org_number: str, facilities: list[str] | None, role: Role
    ) -> CompanyGrant:
        self._require_customer_admin(principal, customer_number)
        current = self.store.get_grant(customer_number, org_number)
        if current is None:
            raise NotFound("This company has no access to the customer.", code="company_not_found")
        changed = replace(
            current, facilities=self._facilities(customer_number, facilities), role=self._company_role(role)
        )
        if changed == current:
            return current
        audit = AuditEntry(
            customer_number,
            self.clock.now(),
            principal.email,
            "company_changed",
            self.written(org_number),
            role=changed.role,
            previous_role=current.role,
        )
        self._write_grant(customer_number, audit, put=changed, expect=current.status)
        return changed

    def revoke_company(self, principal: Principal, customer_number: str, org_number: str) -> None:
        """Remove a company's access or invitation. Its emailed invitation code
        dies with it, and the company cannot register the customer itself
        again until the customer invites it anew."""
        self._require_customer_admin(principal, customer_number)
        current = self.store.get_grant(customer_number, org_number)
        if current is None:
            return  # already gone: a retry
        audit = AuditEntry(
            customer_number,
            self.clock.now(),
            principal.email,
            "company_removed",
            self.written(org_number),
            previous_role=current.role,
        )
        codes = tuple(i.id for i in self.store.list_org_invitations(org_number) if i.customer_number == customer_number)
        self._write_grant(customer_number, audit, delete_org=org_number, block=True, delete_invitations=codes)

    def approve_company(self, principal: Principal, customer_number: str, org_number: str) -> CompanyGrant:
        """The customer's administrator lets a company that registered the
        customer itself see it (read only, every facility; change it after)."""
        self._require_customer_admin(principal, customer_number)
        current = self.store.get_grant(customer_number, org_number)
        if current is None or current.status == "pending":
            raise NotFound("This company has not asked for access.", code="company_not_found")
        if current.active:
            return current  # a retry
        active = replace(current, status="active")
        audit = AuditEntry(
            customer_number,
            self.clock.now(),
            principal.email,
            "company_approved",
            self.written(org_number),
            role=current.role,
        )
        self._write_grant(customer_number, audit, put=active, expect="requested")
        return active

    # --- the company's side: customers ----------------------------------------------------
    def _activate(self, customer_number: str, org_number: str, actor: str) -> CompanyGrant:
        """Accept the customer's invitation (pending, not expired)."""
        current = self._live_grant(customer_number, org_number)
        if current is None or current.status == "requested":
            raise NotFound("There is no invitation from this customer.", code="company_not_found")
        if current.active:
            return current
        active = replace(current, status="active")
        audit = AuditEntry(
            customer_number, self.clock.now(), actor, "company_accepted", self.written(org_number), role=current.role
        )
        self._write_grant(customer_number, audit, put=active, expect="pending")
        return active

    def accept_customer(self, principal: Principal, org_number: str, customer_number: str) -> CompanyGrant:
        """A company administrator accepts a customer's invitation."""
        self._require_member(principal, org_number, admin=True)
        return self._activate(customer_number, org_number, principal.email)

    def drop_customer(self, principal: Principal, org_number: str, customer_number: str) -> None:
        """A company administrator declines an invitation or ends the access."""
        self._require_member(principal, org_number, admin=True)
        current = self.store.get_grant(customer_number, org_number)
        if current is None:
            return
        audit = AuditEntry(
            customer_number,
            self.clock.now(),
            principal.email,
            "company_left",
            self.written(org_number),
            previous_role=current.role,
        )
        self._write_grant(customer_number, audit, delete_org=org_number)

    def register_customer(
        self, principal: Principal, org_number: str, customer_number: str, customer_org_number: str, client: str
    ) -> CompanyGrant:
        """A company registers a customer it manages by customer number and the
        customer's organisation number (seed 004). Unknown number, a customer
        without an organisation number, a wrong one and a customer that revoked
        the company get one answer; six failures lock the customer number for
        the companies for a day, and a company gets twenty failures a day in
        all (own counters: the PIN registration lock is never touched).

        Organisation numbers are public, so this proves little on its own:
        a customer with portal administrators approves the request first (they
        are e-mailed); one without any gets the access at once, read only on
        every facility, and is told at its e-mail on record. A customer's own
        invitation of this company is accepted by it on the customer's terms."""
        self._require_member(principal, org_number, admin=True)
        number = customer_number.strip()
        if not re.fullmatch(self.profile.customer_number_pattern, number):
            raise ValidationFailed(
                "Check the customer number.",
                code="customer_number_invalid",
                fields=[{"field": "customer_number", "code": "customer_number_invalid"}],
            )
        given = self.org_number(customer_org_number)
        now = self.clock.now()
        self.limiter.hit(ratelimit.REGISTRATION_PER_CLIENT, client, now)
        self.limiter.check(ratelimit.COMPANY_REGISTRATION_PER_CUSTOMER, number, now)
        self.limiter.check(ratelimit.COMPANY_REGISTRATION_PER_ORG, org_number, now)
        customer = self.customers.get_customer(number)
        proven = customer is not None and same_org_number(customer.org_number, given, self.profile.country)
        if not proven or self.store.is_blocked(number, org_number):
            self.limiter.hit(ratelimit.COMPANY_REGISTRATION_PER_CUSTOMER, number, now)
            self.limiter.hit(ratelimit.COMPANY_REGISTRATION_PER_ORG, org_number, now)
            raise Forbidden(
                "We could not confirm the customer relationship. Check the customer number and organisation number.",
                code="company_registration_failed",
            )
        assert customer is not None
        current = self._live_grant(number, org_number)
        if current is not None and current.status == "pending":
            return self._activate(number, org_number, principal.email)
        if current is not None:
            return current  # already registered or asked for: a retry
        admins = self._customer_admins(number)
        grant = CompanyGrant(
            customer_number=number,
            org_number=org_number,
            role=Role.READ,
            facilities=None,
            status="requested" if admins else "active",
            granted_by=principal.email,
            granted_at=now,
        )
        action: AuditAction = "company_requested" if admins else "company_registered"
        audit = AuditEntry(number, now, principal.email, action, self.written(org_number), role=grant.role)
        existing = self.store.get_grant(number, org_number)
        self._write_grant(number, audit, put=grant, expect="absent" if existing is None else existing.status)
        org = self.store.get_organisation(org_number)
        params = {
            "customer": customer.name,
            "customer_number": number,
            "org_number": self.written(org_number),
            "company": org.name if org else self.written(org_number),
            "utility": self.profile.name,
        }
        kind = "company_requested" if admins else "company_registered"
        for email in sorted(set(admins) or ({customer.email} if customer.email else set())):
            self._send(email, self.render_notice(kind, customer.language, params))
        return grant
