"""What customers grant management companies, from both sides: the
customer's administrators invite a company with selected facilities and a
role, change, approve or revoke it; the company's administrators accept a
customer's invitation, end it, or register a customer they manage by its
customer number and organisation number."""

from __future__ import annotations

import secrets
from dataclasses import replace

from heatportal.domain.accounts import AuditAction, AuditEntry
from heatportal.domain.companies import CompanyGrant, OrgInvitation, OrgRole, same_org_number
from heatportal.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Role
from heatportal.domain.secrets import hash_secret
from heatportal.services import ratelimit
from heatportal.services.access import Principal, Scope
from heatportal.services.accounts.codes import new_code
from heatportal.services.accounts.common import address_key, normalize_email
from heatportal.services.companies.common import (
    INVITATION_TTL_SECONDS,
    CompanyServiceBase,
    CompanyView,
    check_customer_number,
)


class GrantService(CompanyServiceBase):
    # --- the customer's side ------------------------------------------------------------
    @staticmethod
    def _require_customer_admin(scope: Scope) -> None:
        grant = scope.require(Role.ADMIN)
        if grant.membership is None or grant.membership.role != Role.ADMIN:
            raise Forbidden("Only the customer's administrators manage access.", code="forbidden")

    def companies(self, scope: Scope) -> list[CompanyView]:
        """The companies that may see the customer or are invited, each with
        its registered administrators: nothing proves who registered an
        organisation number, so the customer sees whom it grants access to."""
        scope.require(Role.ADMIN)
        found = []
        for grant in scope.record.grants:
            org = self.store.get_organisation(grant.org_number)
            admins = [m.email for m in self.store.list_org_members(grant.org_number) if m.role == OrgRole.ADMIN]
            found.append(CompanyView(grant, org, sorted(admins) if org else []))
        return found

    def invite_company(
        self,
        scope: Scope,
        org_number: str,
        facilities: list[str] | None,
        role: Role,
        contact_email: str | None,
    ) -> CompanyGrant:
        """Grant a company (by organisation number) selected facilities. The
        grant waits for the company to accept; its administrators (registered
        company) or the contact person (with a code) are told by e-mail."""
        self._require_customer_admin(scope)
        principal, customer_number = scope.principal, scope.customer_number
        number = self.org_number(org_number)
        chosen = self.facilities(scope.record, facilities)
        role = self.company_role(role)
        contact = normalize_email(contact_email) if contact_email else None
        org = self.store.get_organisation(number)
        if org is None and contact is None:
            raise ValidationFailed(
                "The company is not registered yet: give the e-mail address of a contact person there.",
                code="contact_email_required",
                fields=[{"field": "contact_email", "code": "contact_email_required"}],
            )
        existing = self.store.get_grant(customer_number, number)
        if self.live_grant(customer_number, number) is not None:
            raise Conflict("This company already has access or an invitation.", code="company_exists")
        now = self.clock.now()
        if contact is not None:
            self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, address_key(contact), now)
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
        self.write_grant(
            customer_number,
            audit,
            put=grant,
            expect="absent" if existing is None else existing.status,
            block=False,
        )
        customer = scope.record.customer
        params = {
            "customer": customer.name if customer else customer_number,
            "customer_number": customer_number,
            "org_number": self.written(number),
            "company": org.name if org else self.written(number),
            "utility": self.profile.name,
        }
        lang = customer.language if customer else self.profile.default_language
        if contact is not None:
            code = new_code()
            invitation = OrgInvitation(
                id=secrets.token_urlsafe(18),
                org_number=number,
                email=contact,
                role=OrgRole.ADMIN,
                code_hash=hash_secret(code),
                expires_at=self.epoch() + INVITATION_TTL_SECONDS,
                language=lang,
                invited_by=principal.email,
                customer_number=customer_number,
            )
            audit_org = self.audit(number, principal.email, "invited_by_customer", customer_number)
            self.write_org(number, audit_org, put_invitation=invitation)
            link = f"{self.portal_url}/organisation/invitation?id={invitation.id}"
            self.send(contact, self.render_code("company", lang, code, params, link))
        if org is not None:
            for admin in self.store.list_org_members(number):
                if admin.role == OrgRole.ADMIN and admin.email != contact:
                    self.send(admin.email, self.render_notice("company_invited", lang, params))
        return grant

    def change_company(self, scope: Scope, org_number: str, facilities: list[str] | None, role: Role) -> CompanyGrant:
        self._require_customer_admin(scope)
        principal, customer_number = scope.principal, scope.customer_number
        current = self.store.get_grant(customer_number, org_number)
        if current is None:
            raise NotFound("This company has no access to the customer.", code="company_not_found")
        changed = replace(current, facilities=self.facilities(scope.record, facilities), role=self.company_role(role))
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
        self.write_grant(customer_number, audit, put=changed, expect=current.status)
        return changed

    def revoke_company(self, scope: Scope, org_number: str) -> None:
        """Remove a company's access or invitation. Its emailed invitation code
        dies with it, and the company cannot register the customer itself
        again until the customer invites it anew."""
        self._require_customer_admin(scope)
        principal, customer_number = scope.principal, scope.customer_number
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
        self.write_grant(customer_number, audit, delete_org=org_number, block=True, delete_invitations=codes)

    def approve_company(self, scope: Scope, org_number: str) -> CompanyGrant:
        """The customer's administrator lets a company that registered the
        customer itself see it (read only, every facility; change it after)."""
        self._require_customer_admin(scope)
        principal, customer_number = scope.principal, scope.customer_number
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
        self.write_grant(customer_number, audit, put=active, expect="requested")
        return active

    # --- the company's side ----------------------------------------------------------
    def accept_customer(self, principal: Principal, org_number: str, customer_number: str) -> CompanyGrant:
        """A company administrator accepts a customer's invitation."""
        self.require_member(principal, org_number, admin=True)
        return self.activate(customer_number, org_number, principal.email)

    def drop_customer(self, principal: Principal, org_number: str, customer_number: str) -> None:
        """A company administrator declines an invitation or ends the access."""
        self.require_member(principal, org_number, admin=True)
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
        self.write_grant(customer_number, audit, delete_org=org_number)

    def register_customer(
        self, principal: Principal, org_number: str, customer_number: str, customer_org_number: str, client: str
    ) -> CompanyGrant:
        """A company registers a customer it manages by customer number and the
        customer's organisation number. Unknown number, a customer without an
        organisation number, a wrong one and a customer that revoked the company
        get one answer; six failures lock the customer number for the companies
        for a day, and a company gets twenty failures a day in all (own
        counters: the PIN registration lock is never touched).

        Organisation numbers are public, so this proves little on its own:
        a customer with portal administrators approves the request first (they
        are e-mailed); one without any gets the access at once, read only on
        every facility, and is told at its e-mail on record. A customer's own
        invitation of this company is accepted by it on the customer's terms."""
        self.require_member(principal, org_number, admin=True)
        number = check_customer_number(self.profile, customer_number)
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
        current = self.live_grant(number, org_number)
        if current is not None and current.status == "pending":
            return self.activate(number, org_number, principal.email)
        if current is not None:
            return current  # already registered or asked for: a retry
        admins = self.customer_admins(number)
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
        self.write_grant(number, audit, put=grant, expect="absent" if existing is None else existing.status)
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
            self.send(email, self.render_notice(kind, customer.language, params))
        return grant
