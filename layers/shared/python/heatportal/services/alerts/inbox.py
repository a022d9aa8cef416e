"""The portal's notifications: the customer's newest, on the facilities the
person sees, each marked unread until the person has seen the list; the
header's unread count comes from the customer's record (no read of its own)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from heatportal.domain.companies import CompanyGrant
from heatportal.domain.errors import Forbidden
from heatportal.domain.model import Role
from heatportal.domain.notifications import Notification, is_unread, unread_count
from heatportal.services.access import CompanyDirectory, Principal, Scope
from heatportal.services.alerts.ports import NotificationStore

LIST_LENGTH = 50
PER_CUSTOMER = 20  # a company's list: the newest of each customer
MAX_CUSTOMERS = 100  # a company's list reads one Query per customer, so at most this many


@dataclass(frozen=True)
class CompanyNotifications:
    notifications: list[Notification]  # newest first
    customers: int  # the customers read
    left_out: int  # customers beyond MAX_CUSTOMERS, not read


@dataclass(frozen=True)
class NotificationEntry:
    notification: Notification
    unread: bool
    facility_name: str | None


def unread_of(scope: Scope) -> int:
    """The person's unread notifications, from the record the scope holds."""
    seen = scope.record.seen.get(scope.principal.user_id, {})
    return unread_count(scope.record.inbox, seen, scope.sees)


class NotificationService:
    def __init__(self, store: NotificationStore, companies: CompanyDirectory | None = None) -> None:
        self.store = store
        self.companies = companies

    def list(self, scope: Scope, *, limit: int = LIST_LENGTH) -> list[NotificationEntry]:
        """The newest notifications the person may see (one Query)."""
        grant = scope.require(Role.READ, companies="any")
        seen = grant.record.seen.get(grant.principal.user_id, {})
        names = {f.id: f.name for f in grant.record.facilities}
        return [
            NotificationEntry(n, is_unread(n, seen), names.get(n.facility_id) if n.facility_id else None)
            for n in self.store.notifications(grant.customer_number, limit)
            if n.facility_id is None or grant.sees(n.facility_id)
        ]

    def mark_seen(self, scope: Scope) -> None:
        """Everything the customer's inbox counts so far is seen by this person (one PutItem)."""
        grant = scope.require(Role.READ, companies="any")
        seen = grant.record.seen.get(grant.principal.user_id, {})
        if dict(seen) != dict(grant.record.inbox):
            self.store.mark_seen(grant.customer_number, grant.principal.user_id, grant.record.inbox)

    def of_company(self, principal: Principal, org_number: str, *, limit: int = LIST_LENGTH) -> CompanyNotifications:
        """A management company's notifications across the customers it manages,
        on the facilities they granted it; its people (a manager: the customers
        given to them) and customer service see them. One Query for the
        person's companies, one for the company's grants, one per customer."""
        if self.companies is None:
            raise Forbidden("You do not have access to this company.", code="forbidden")
        member = next(
            (m for m in self.companies.organisations_of(principal.user_id) if m.org_number == org_number), None
        )
        if member is None and not principal.is_staff:
            raise Forbidden("You do not have access to this company.", code="forbidden")
        grants = [
            g for g in self.companies.grants_of_org(org_number) if member is None or member.manages(g.customer_number)
        ]
        return self.of_grants(grants, limit=limit)

    def of_grants(self, grants: Sequence[CompanyGrant], *, limit: int = LIST_LENGTH) -> CompanyNotifications:
        """The newest notifications of the customers behind these grants (the
        grants a person's links already hold: active, of customers the person
        manages), on the facilities each grant covers. One Query per customer,
        for at most MAX_CUSTOMERS customers (by number)."""
        chosen = sorted((g for g in grants if g.active), key=lambda g: g.customer_number)
        found = [
            n
            for grant in chosen[:MAX_CUSTOMERS]
            for n in self.store.notifications(grant.customer_number, PER_CUSTOMER)
            if n.facility_id is None or grant.covers(n.facility_id)
        ]
        found.sort(key=lambda n: (n.day, n.created_at), reverse=True)
        read = min(len(chosen), MAX_CUSTOMERS)
        return CompanyNotifications(found[:limit], read, len(chosen) - read)
