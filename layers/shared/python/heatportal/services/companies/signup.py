"""A management company signs up without being a customer (it then registers
the customers it manages), and a code from an e-mail is accepted without
being signed in: a member's invitation, a customer's invitation of a company
that is not registered yet, or the sign-up's own code."""

from __future__ import annotations

import secrets
from dataclasses import replace

from heatportal.domain.companies import Organisation, OrgInvitation, OrgMember, OrgRole
from heatportal.domain.errors import Conflict, Forbidden, Unauthorized
from heatportal.domain.model import Language
from heatportal.domain.secrets import hash_secret, verify_secret
from heatportal.services import ratelimit
from heatportal.services.accounts.codes import code_invalid, new_code
from heatportal.services.accounts.common import Pending, address_key, check_new_password, normalize_email
from heatportal.services.companies.common import (
    CODE_MAX_ATTEMPTS,
    SIGNUP_TTL_SECONDS,
    CompanyServiceBase,
    check_name,
)
from heatportal.services.versioned import RETRY, Retry, concurrent_change, write_versioned


def _already_registered() -> Conflict:
    return Conflict(
        "This organisation is already registered. Ask its administrator to invite you.",
        code="org_registered",
    )


class CompanySignUp(CompanyServiceBase):
    def start_signup(self, org_number: str, name: str, email: str, language: Language, client: str) -> Pending:
        """A code goes to ``email``; accepting it (``accept_invitation``) creates
        the user, registers the company and makes the person its administrator.
        For a company that is already registered the e-mail says so and carries
        no code; the answer is the same either way."""
        number = self.org_number(org_number)
        clean = check_name(name)
        address = normalize_email(email)
        now = self.clock.now()
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_CLIENT, client, now)
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, address_key(address), now)
        params = {"company": clean, "org_number": self.written(number), "utility": self.profile.name}
        invitation = OrgInvitation(
            id=secrets.token_urlsafe(18),
            org_number=number,
            email=address,
            role=OrgRole.ADMIN,
            code_hash="",
            expires_at=self.epoch() + SIGNUP_TTL_SECONDS,
            language=language,
            invited_by=address,
            company_name=clean,
        )
        if self.store.get_organisation(number) is not None:
            self.send(address, self.render_notice("signup_exists", language, params))
            return Pending(invitation.id, invitation.expires_at)
        code = new_code()
        invitation = replace(invitation, code_hash=hash_secret(code))
        self.store.put_invitation(invitation)
        link = f"{self.portal_url}/organisation/invitation?id={invitation.id}"
        self.send(address, self.render_code("signup", language, code, params, link))
        return Pending(invitation.id, invitation.expires_at)

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
            grant = self.live_grant(invitation.customer_number, invitation.org_number)
            if grant is None or grant.status != "pending":
                raise code_invalid()  # revoked or expired meanwhile: nothing is created
        if invitation.customer_number is not None and org is None:
            name = check_name(company_name or "")
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
                audit = self.audit(org.number, invitation.email, "registered", org.name)
                if not self.store.create_organisation(org, replace(member, role=OrgRole.ADMIN), audit):
                    raise concurrent_change()
            else:
                current = next((m for m in self.store.list_org_members(org.number) if m.user_id == user_id), None)
                if current is None or current.role != OrgRole.ADMIN:
                    raise Forbidden(
                        "The company is registered: one of its administrators accepts the invitation.",
                        code="org_admin_required",
                    )
                member = current
            self.activate(invitation.customer_number, org.number, invitation.email)
            self._retire_invitation(invitation, invitation.email)
            return member
        if org is None:
            raise code_invalid()
        registered = org

        def attempt() -> OrgMember | Retry:
            version = self.store.org_version(registered.number)
            if any(m.user_id == user_id for m in self.store.list_org_members(registered.number)):
                self._retire_invitation(invitation, invitation.email)
                return member
            audit = self.audit(registered.number, invitation.email, "joined", invitation.email, invitation.role.value)
            done = self.store.write_org_change(
                registered.number, version, audit, put=member, delete_invitation=invitation.id
            )
            return member if done else RETRY

        return write_versioned(attempt)

    def _check_invitation(self, invitation_id: str, code: str) -> OrgInvitation:
        invitation = self.store.get_invitation(invitation_id)
        if invitation is not None:
            self.limiter.hit(ratelimit.CODE_CHECKS_PER_ADDRESS, address_key(invitation.email), self.clock.now())
        if invitation is None or invitation.expires_at <= self.epoch() or invitation.attempts >= CODE_MAX_ATTEMPTS:
            raise code_invalid()
        if not verify_secret(code.strip(), invitation.code_hash):
            self.store.count_invitation_attempt(invitation.id, CODE_MAX_ATTEMPTS)
            raise code_invalid()
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

    def _complete_signup(
        self, invitation: OrgInvitation, org: Organisation | None, password: str, confirmation: str | None
    ) -> OrgMember:
        user_id = self.identity.find_user(invitation.email)
        if org is not None:
            mine = next((m for m in self.store.list_org_members(org.number) if m.user_id == user_id), None)
            if user_id is not None and mine is not None and self.identity.password_matches(invitation.email, password):
                return mine  # a retry of this very sign-up
            # Somebody else registered the company meanwhile: they invite this person.
            raise _already_registered()
        user_id = self._user_for(invitation.email, password, confirmation, invitation.language)
        member = OrgMember(
            org_number=invitation.org_number, user_id=user_id, email=invitation.email, role=OrgRole.ADMIN
        )
        name = invitation.company_name or invitation.org_number
        created = Organisation(
            number=invitation.org_number, name=name, created_at=self.clock.now(), created_by=invitation.email
        )
        audit = self.audit(created.number, invitation.email, "registered", name)
        if not self.store.create_organisation(created, member, audit):
            raise _already_registered()
        self.store.delete_invitation(invitation.id)
        return member

    def _retire_invitation(self, invitation: OrgInvitation, actor: str) -> None:
        if self.store.get_invitation(invitation.id) is None:
            return
        audit = self.audit(invitation.org_number, actor, "invitation_used", invitation.email)
        self.write_org(invitation.org_number, audit, delete_invitation=invitation.id)
