"""A management company and its people: registered by a signed-in person (its
first administrator), its administrators invite managers and administrators,
change or remove them, and choose which of the company's customers each
manager works on. Customer service records that it checked a company against
the business register."""

from __future__ import annotations

import secrets
from dataclasses import replace

from heatportal.domain.companies import Organisation, OrgInvitation, OrgMember, OrgRole
from heatportal.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from heatportal.domain.secrets import hash_secret
from heatportal.services import ratelimit
from heatportal.services.access import Principal
from heatportal.services.accounts.codes import new_code
from heatportal.services.accounts.common import Pending, address_key, normalize_email
from heatportal.services.companies.common import (
    INVITATION_TTL_SECONDS,
    CompanyServiceBase,
    OrganisationView,
    check_name,
)
from heatportal.services.versioned import RETRY, Retry, write_versioned


class OrganisationService(CompanyServiceBase):
    def register_organisation(self, principal: Principal, org_number: str, name: str) -> Organisation:
        """Register a company; the person becomes its first administrator.
        Registering the same company again (a retry by its administrator) is fine."""
        number = self.org_number(org_number)
        clean = check_name(name)
        existing = self.store.get_organisation(number)
        if existing is not None:
            if self.member(principal, number) is not None:
                return existing
            raise Conflict(
                "This organisation is already registered. Ask its administrator to invite you.",
                code="org_registered",
            )
        org = Organisation(number=number, name=clean, created_at=self.clock.now(), created_by=principal.email)
        admin = OrgMember(org_number=number, user_id=principal.user_id, email=principal.email, role=OrgRole.ADMIN)
        if not self.store.create_organisation(org, admin, self.audit(number, principal.email, "registered", clean)):
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
        """The company as its people see it; customer service may look (never change)."""
        member = self.member(principal, org_number)
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

    def invite_member(self, principal: Principal, org_number: str, email: str, role: OrgRole) -> Pending:
        self.require_member(principal, org_number, admin=True)
        address = normalize_email(email)
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, address_key(address), self.clock.now())
        if any(m.email.lower() == address for m in self.store.list_org_members(org_number)):
            raise Conflict("This person already has access.", code="user_exists")
        org = self.store.get_organisation(org_number)
        assert org is not None
        code = new_code()
        invitation = OrgInvitation(
            id=secrets.token_urlsafe(18),
            org_number=org_number,
            email=address,
            role=role,
            code_hash=hash_secret(code),
            expires_at=self.epoch() + INVITATION_TTL_SECONDS,
            language=self.profile.default_language,
            invited_by=principal.email,
        )
        audit = self.audit(org_number, principal.email, "invited", address, role.value)
        self.write_org(org_number, audit, put_invitation=invitation)
        link = f"{self.portal_url}/organisation/invitation?id={invitation.id}"
        params = {"company": org.name, "org_number": self.written(org_number), "utility": self.profile.name}
        self.send(address, self.render_code("member", invitation.language, code, params, link))
        return Pending(invitation.id, invitation.expires_at)

    def change_member(self, principal: Principal, org_number: str, user_id: str, role: OrgRole | None) -> None:
        """Change a member's role, or remove the member (``role`` None). The
        company always keeps an administrator."""
        self.require_member(principal, org_number, admin=True)

        def attempt() -> None | Retry:
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
                return None
            if role is None:
                audit = self.audit(org_number, principal.email, "removed", target.email, target.role.value)
                done = self.store.write_org_change(org_number, version, audit, delete_user=user_id)
            else:
                audit = self.audit(org_number, principal.email, "role_changed", target.email, role.value)
                done = self.store.write_org_change(org_number, version, audit, put=replace(target, role=role))
            return None if done else RETRY

        write_versioned(attempt)

    def set_member_customers(
        self, principal: Principal, org_number: str, user_id: str, customers: list[str] | None
    ) -> OrgMember:
        """Which of the company's customers a manager works on (None: all of
        them, also later ones). Only customers the company was granted."""
        self.require_member(principal, org_number, admin=True)
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

        def attempt() -> OrgMember | Retry:
            version = self.store.org_version(org_number)
            target = next((m for m in self.store.list_org_members(org_number) if m.user_id == user_id), None)
            if target is None:
                raise NotFound("This user has no access to the company.", code="user_not_found")
            if target.customers == chosen:
                return target
            changed = replace(target, customers=chosen)
            detail = ", ".join(sorted(chosen)) if chosen is not None else "*"
            audit = self.audit(org_number, principal.email, "customers_changed", f"{target.email}: {detail}")
            return changed if self.store.write_org_change(org_number, version, audit, put=changed) else RETRY

        return write_versioned(attempt)

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
        self.store.set_verified(changed, self.audit(org_number, principal.email, action, org.name))
        return changed

    def follow_email(self, user_id: str, email: str) -> None:
        """A member changed the e-mail (sign-in name): the companies' lists follow."""
        for member in self.store.organisations_of(user_id):
            if member.email == email:
                continue
            audit = self.audit(member.org_number, member.email, "email_changed", email)
            self.write_org(member.org_number, audit, put=replace(member, email=email))
