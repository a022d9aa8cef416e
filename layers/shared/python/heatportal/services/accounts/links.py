"""Linked customer numbers: one login for several customer numbers (a house
and a cabin, a parent's account).

A number is linked to the signed-in person on the same proof as a
registration of that number (``proof``: PIN letter, postcode or name as the
profile says), on the same rate-limit counters, or, for a number somebody
registered already, with the password of one of its administrators (the
person who owns both accounts; anyone else asks an administrator for an
invitation). Customer and meter numbers are printed on invoices and meters:
they prove nothing.

The customer is told of every link at the contact data on record. A link on
the proof alone is marked (``Membership.linked_by_proof``): it does not stop
the real owner from registering the number and removing the link. Anybody
may remove their own link.
"""

from __future__ import annotations

from collections.abc import Callable

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.errors import Conflict, Forbidden, Unauthorized
from heatportal.domain.model import Customer, Membership, Role
from heatportal.domain.profile import UtilityProfile
from heatportal.ports import Clock, CustomerRepository
from heatportal.services import ratelimit
from heatportal.services.access import Principal, Scope
from heatportal.services.accounts.common import AccountStore, IdentityAdmin, address_key
from heatportal.services.accounts.proof import check_customer_number, check_proof_format, open_to_proof, proves
from heatportal.services.ratelimit import RateLimiter
from heatportal.services.versioned import RETRY, Retry, write_versioned

MAX_ADMINS_TRIED = 3

LinkNotice = Callable[[Customer, str], None]
"""Tells the customer, at its contact data on record, that (e-mail) linked it."""


def _link_failed() -> Unauthorized:
    # Unknown number, wrong proof, registered without an administrator's
    # password, wrong password: one answer.
    return Unauthorized("The customer number could not be linked.", code="link_failed")


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
        notify: LinkNotice,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.store = store
        self.identity = identity
        self.limiter = limiter
        self.clock = clock
        self.notify = notify

    def link_customer(
        self, principal: Principal, customer_number: str, proof: str, password: str | None, client: str
    ) -> Membership:
        """Link ``customer_number`` to the person, who becomes an administrator
        of it. ``proof`` is the registration proof the profile asks for;
        ``password`` that of an administrator when the number is registered."""
        now = self.clock.now()
        number = customer_number.strip()
        if proof.strip():
            check_proof_format(self.profile, number, proof)
        else:
            check_customer_number(self.profile, number)
        self.limiter.hit(ratelimit.REGISTRATION_PER_CLIENT, client, now)
        # A locked number is refused before anything is looked at, right or wrong.
        self.limiter.check(ratelimit.REGISTRATION_PER_CUSTOMER, number, now)
        customer = self.customers.get_customer(number)
        proven = bool(proof.strip()) and proves(self.profile, customer, proof)
        members = self.store.list_members(number) if customer is not None else []
        mine = next((m for m in members if m.user_id == principal.user_id), None)
        if mine is not None:
            return mine  # already linked: a retry
        approved = customer is not None and bool(password) and self._administrator_password(members, password or "")
        by_proof = proven and not approved and open_to_proof(members)
        if customer is None or not (approved or by_proof):
            self.limiter.hit(ratelimit.REGISTRATION_PER_CUSTOMER, number, now)
            raise _link_failed()
        self.limiter.reset(ratelimit.REGISTRATION_PER_CUSTOMER, number)
        membership = Membership(
            user_id=principal.user_id,
            customer_number=number,
            role=Role.ADMIN,
            email=principal.email,
            linked_by_proof=by_proof,
        )

        def attempt() -> Membership | Retry:
            version = self.store.access_version(number)
            audit = AuditEntry(number, now, principal.email, "linked", principal.email, role=Role.ADMIN)
            return membership if self.store.write_access_change(number, version, audit, put=membership) else RETRY

        linked = write_versioned(attempt)
        self.notify(customer, principal.email)
        return linked

    def _administrator_password(self, members: list[Membership], password: str) -> bool:
        """Whether ``password`` is that of one of the administrators. Each try
        counts on that administrator's sign-in lock too, so this route is no
        way around it."""
        now = self.clock.now()
        admins = [m.email for m in members if m.role == Role.ADMIN][:MAX_ADMINS_TRIED]
        for email in admins:
            self.limiter.check(ratelimit.LOGIN_PER_USERNAME, address_key(email.lower()), now)
        for email in admins:
            if self.identity.password_matches(email, password):
                self.limiter.reset(ratelimit.LOGIN_PER_USERNAME, address_key(email.lower()))
                return True
        for email in admins:
            self.limiter.hit(ratelimit.LOGIN_PER_USERNAME, address_key(email.lower()), now)
        return False

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
