"""Linked customer numbers: one person's account for several customers (a
house and a cabin, a parent's account). Another number is linked by one of
its meter numbers, plus the password of that customer's administrator when
it has one; anybody may remove their own link."""

from __future__ import annotations

import re

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from heatportal.domain.model import Membership, Role
from heatportal.domain.profile import UtilityProfile
from heatportal.ports import Clock, CustomerRepository
from heatportal.services import ratelimit
from heatportal.services.access import Principal, Scope
from heatportal.services.accounts.common import AccountStore, IdentityAdmin
from heatportal.services.ratelimit import RateLimiter
from heatportal.services.versioned import RETRY, Retry, write_versioned


class LinkService:
    def __init__(
        self,
        *,
        profile: UtilityProfile,
        customers: CustomerRepository,
        store: AccountStore,
        identity: IdentityAdmin,
        limiter: RateLimiter,
        clock: Clock,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.store = store
        self.identity = identity
        self.limiter = limiter
        self.clock = clock

    def link_customer(
        self, principal: Principal, customer_number: str, meter_number: str, password: str | None, client: str
    ) -> Membership:
        """Link another customer number to the signed-in user, proven by one of
        its meter numbers, plus the password of that account when it is already
        registered. Unknown number, wrong meter and wrong password: one answer."""
        now = self.clock.now()
        number = customer_number.strip()
        if not re.fullmatch(self.profile.customer_number_pattern, number):
            raise ValidationFailed(
                "Check the customer number.",
                code="customer_number_invalid",
                fields=[{"field": "customer_number", "code": "customer_number_invalid"}],
            )
        self.limiter.hit(ratelimit.REGISTRATION_PER_CLIENT, client, now)
        self.limiter.check(ratelimit.REGISTRATION_PER_CUSTOMER, number, now)
        customer = self.customers.get_customer(number)
        meters = self.customers.list_meters(number) if customer is not None else []
        proven = any(m.number == meter_number.strip() for m in meters)
        members = self.store.list_members(number) if proven else []
        mine = next((m for m in members if m.user_id == principal.user_id), None)
        if mine is not None:
            return mine  # already linked: a retry
        if proven and members:
            admins = [m.email for m in members if m.role == Role.ADMIN][:3]
            proven = bool(password) and any(self.identity.password_matches(a, password or "") for a in admins)
        if not proven:
            self.limiter.hit(ratelimit.REGISTRATION_PER_CUSTOMER, number, now)
            raise Unauthorized("The customer number could not be linked.", code="link_failed")
        self.limiter.reset(ratelimit.REGISTRATION_PER_CUSTOMER, number)
        membership = Membership(
            user_id=principal.user_id, customer_number=number, role=Role.ADMIN, email=principal.email
        )

        def attempt() -> Membership | Retry:
            version = self.store.access_version(number)
            audit = AuditEntry(number, now, principal.email, "linked", principal.email, role=Role.ADMIN)
            return membership if self.store.write_access_change(number, version, audit, put=membership) else RETRY

        return write_versioned(attempt)

    def unlink_customer(self, scope: Scope) -> None:
        """Remove the signed-in user's own link. The last link of a customer may
        go (the number can be registered again); an administrator who would
        leave other users without any administrator may not."""
        grant = scope.require(Role.READ)
        principal, customer_number = scope.principal, scope.customer_number
        if grant.membership is None:
            raise Forbidden("You have no link to this customer number.", code="forbidden")

        def attempt() -> None | Retry:
            version = self.store.access_version(customer_number)
            members = self.store.list_members(customer_number)
            mine = next((m for m in members if m.user_id == principal.user_id), None)
            if mine is None:
                return None  # already unlinked: a retry
            others = [m for m in members if m.user_id != principal.user_id]
            if mine.role == Role.ADMIN and others and not any(m.role == Role.ADMIN for m in others):
                raise Conflict(
                    "The last administrator cannot be removed or lose the administrator role.",
                    code="last_admin",
                )
            audit = AuditEntry(
                customer_number, self.clock.now(), principal.email, "unlinked", principal.email, previous_role=mine.role
            )
            done = self.store.write_access_change(customer_number, version, audit, delete_user=principal.user_id)
            return None if done else RETRY

        write_versioned(attempt)
