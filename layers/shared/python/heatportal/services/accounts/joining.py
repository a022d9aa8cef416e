"""A person joins a customer: after registering (the first administrator) or
accepting an invitation (the invited role). The Cognito user is created or,
for somebody who has one, proven by the password; the membership is written
with its audit entry under the access list's version. Safe to retry."""

from __future__ import annotations

from typing import Literal

from heatportal.domain.accounts import AuditEntry, Challenge
from heatportal.domain.errors import Unauthorized
from heatportal.domain.model import Membership, Role
from heatportal.ports import Clock
from heatportal.services.accounts.common import AccountStore, IdentityAdmin, registration_failed
from heatportal.services.accounts.proof import open_to_proof
from heatportal.services.versioned import RETRY, Retry, write_versioned


class Joining:
    def __init__(self, store: AccountStore, identity: IdentityAdmin, clock: Clock) -> None:
        self.store = store
        self.identity = identity
        self.clock = clock

    def join(
        self, challenge: Challenge, password: str | None, *, actor: str, action: Literal["registered", "joined"]
    ) -> Membership:
        customer_number = challenge.customer_number or ""
        role = challenge.role or Role.READ
        existing_user = self.identity.find_user(challenge.email)
        if existing_user is not None and action == "joined":
            # Somebody who already has an account proves it with the password,
            # never by resetting it through an invitation.
            if password is None or not self.identity.password_matches(challenge.email, password):
                raise Unauthorized("E-mail or password is wrong.", code="login_failed")
            user_id = existing_user
        else:
            user_id = self.identity.create_user(challenge.email, challenge.language)
            if password is not None:
                self.identity.set_password(challenge.email, password)
            if existing_user is not None:
                # Registering with an e-mail that already has a user (for another
                # customer) proved the address like a reset does: sign out elsewhere.
                self.identity.sign_out_user(challenge.email)
        membership = Membership(user_id=user_id, customer_number=customer_number, role=role, email=challenge.email)

        def attempt() -> Membership | Retry:
            members = self.store.list_members(customer_number)
            mine = next((m for m in members if m.user_id == user_id), None)
            if mine is not None:
                self.store.delete_challenge(challenge.id)
                return mine  # a retry after the membership was written
            if action == "registered" and not open_to_proof(members):
                raise registration_failed()  # somebody else finished first
            version = self.store.access_version(customer_number)
            audit = AuditEntry(
                customer_number=customer_number,
                at=self.clock.now(),
                actor=actor,
                action=action,
                subject=challenge.email,
                role=role,
            )
            if self.store.write_access_change(
                customer_number, version, audit, put=membership, delete_challenge=challenge.id
            ):
                return membership
            return RETRY

        return write_versioned(attempt)
