"""A customer's users: its administrators see who has access and the audit
trail, invite people by e-mail with a role, change roles and remove users;
the invitee accepts with the e-mailed code. A customer always keeps an
administrator. Every change is written with its audit entry under the access
list's version."""

from __future__ import annotations

import secrets

from heatportal.domain.accounts import AuditEntry, Challenge, CodeMessage
from heatportal.domain.errors import Conflict, Forbidden, NotFound
from heatportal.domain.model import Membership, Role
from heatportal.domain.secrets import hash_secret
from heatportal.ports import Clock
from heatportal.services import ratelimit
from heatportal.services.access import Scope
from heatportal.services.accounts.codes import INVITATION_TTL_SECONDS, OneTimeCodes, new_code
from heatportal.services.accounts.common import (
    AccountStore,
    IdentityAdmin,
    Pending,
    address_key,
    check_new_password,
    normalize_email,
)
from heatportal.services.accounts.joining import Joining
from heatportal.services.ratelimit import RateLimiter
from heatportal.services.versioned import RETRY, Retry, concurrent_change, write_versioned


class CustomerUserService:
    def __init__(
        self,
        *,
        store: AccountStore,
        identity: IdentityAdmin,
        codes: OneTimeCodes,
        joining: Joining,
        limiter: RateLimiter,
        clock: Clock,
        portal_url: str,
    ) -> None:
        self.store = store
        self.identity = identity
        self.codes = codes
        self.joining = joining
        self.limiter = limiter
        self.clock = clock
        self.portal_url = portal_url.rstrip("/")

    def users(self, scope: Scope) -> tuple[list[Membership], list[Challenge]]:
        scope.require(Role.ADMIN)
        return list(scope.record.memberships), self.store.list_invitations(scope.customer_number)

    def audit(self, scope: Scope) -> list[AuditEntry]:
        """The audit trail, newest first: the access changes read with the
        record when the edge asked for them (``audit=True``), and the reads of
        provider shares."""
        scope.require(Role.ADMIN)
        return self.store.list_audit(scope.customer_number, changes=scope.record.audit)

    def invite(self, scope: Scope, email: str, role: Role) -> Pending:
        _require_admin(scope)
        principal, customer_number = scope.principal, scope.customer_number
        email = normalize_email(email)
        now = self.clock.now()
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, address_key(email), now)
        if any(m.email.lower() == email for m in scope.record.memberships):
            raise Conflict("This person already has access.", code="user_exists")
        customer = scope.record.customer
        if customer is None:
            raise NotFound("Customer not found.", code="not_found")
        code = new_code()
        challenge = Challenge(
            id=secrets.token_urlsafe(18),
            purpose="invite",
            email=email,
            code_hash=hash_secret(code),
            expires_at=self.codes.expires_in(INVITATION_TTL_SECONDS),
            language=customer.language,
            customer_number=customer_number,
            role=role,
            invited_by=principal.email,
        )

        def attempt() -> None | Retry:
            version = self.store.access_version(customer_number)
            audit = AuditEntry(customer_number, now, principal.email, "invited", email, role=role)
            done = self.store.write_access_change(customer_number, version, audit, put_challenge=challenge)
            return None if done else RETRY

        write_versioned(attempt)
        self.codes.send(
            CodeMessage(
                purpose="invite",
                language=customer.language,
                recipient=email,
                code=code,
                name=customer.name,
                customer_number=customer_number,
                link=f"{self.portal_url}/invitation?id={challenge.id}",
            )
        )
        return Pending(challenge.id, challenge.expires_at)

    def accept_invitation(self, invitation_id: str, code: str, password: str, confirmation: str | None) -> Membership:
        """The invitee's step: the code from the e-mail, then a new password (new
        users, confirmed twice) or their current password (existing users)."""
        challenge = self.store.get_challenge(invitation_id)
        if challenge is not None and challenge.purpose == "invite":
            self.limiter.hit(ratelimit.CODE_CHECKS_PER_ADDRESS, address_key(challenge.email), self.clock.now())
        challenge = self.codes.check(invitation_id, "invite", code)
        if self.identity.find_user(challenge.email) is None:
            check_new_password(password, confirmation if confirmation is not None else "")
        return self.joining.join(challenge, password, actor=challenge.email, action="joined")

    def change_role(self, scope: Scope, user_id: str, role: Role) -> Membership:
        changed = self._change(scope, user_id, role)
        assert changed is not None
        return changed

    def remove_user(self, scope: Scope, user_id: str) -> None:
        self._change(scope, user_id, None)

    def cancel_invitation(self, scope: Scope, invitation_id: str) -> None:
        _require_admin(scope)
        principal, customer_number = scope.principal, scope.customer_number
        challenge = self.store.get_challenge(invitation_id)
        if challenge is None or challenge.purpose != "invite" or challenge.customer_number != customer_number:
            raise NotFound("No such invitation.", code="invitation_not_found")
        version = self.store.access_version(customer_number)
        audit = AuditEntry(
            customer_number,
            self.clock.now(),
            principal.email,
            "invitation_cancelled",
            challenge.email,
            role=challenge.role,
        )
        if not self.store.write_access_change(customer_number, version, audit, delete_challenge=invitation_id):
            raise concurrent_change()

    def _change(self, scope: Scope, user_id: str, new_role: Role | None) -> Membership | None:
        _require_admin(scope)
        principal, customer_number = scope.principal, scope.customer_number

        def attempt() -> Membership | None | Retry:
            version = self.store.access_version(customer_number)
            members = self.store.list_members(customer_number)
            target = next((m for m in members if m.user_id == user_id), None)
            if target is None:
                raise NotFound("This user has no access to the customer.", code="user_not_found")
            admins = [m for m in members if m.role == Role.ADMIN]
            losing_admin = target.role == Role.ADMIN and new_role != Role.ADMIN
            if losing_admin and len(admins) <= 1:
                raise Conflict(
                    "The last administrator cannot be removed or lose the administrator role.",
                    code="last_admin",
                )
            if new_role is None:
                audit = AuditEntry(
                    customer_number,
                    self.clock.now(),
                    principal.email,
                    "removed",
                    target.email,
                    previous_role=target.role,
                )
                done = self.store.write_access_change(customer_number, version, audit, delete_user=user_id)
                return None if done else RETRY
            changed = replace_role(target, new_role)
            audit = AuditEntry(
                customer_number,
                self.clock.now(),
                principal.email,
                "role_changed",
                target.email,
                role=new_role,
                previous_role=target.role,
            )
            if target.role == new_role:
                return target
            return changed if self.store.write_access_change(customer_number, version, audit, put=changed) else RETRY

        return write_versioned(attempt)


def _require_admin(scope: Scope) -> None:
    grant = scope.require(Role.ADMIN)
    if grant.membership is None or grant.membership.role != Role.ADMIN:
        # Staff see the access list but do not change it on the customer's behalf.
        raise Forbidden("Only the customer's administrators manage users.", code="forbidden")


def replace_role(membership: Membership, role: Role) -> Membership:
    return membership.model_copy(update={"role": role})
