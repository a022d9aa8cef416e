"""The portal's notifications: the customer's newest, on the facilities the
person sees, each marked unread until the person has seen the list; the
header's unread count comes from the customer's record (no read of its own)."""

from __future__ import annotations

from dataclasses import dataclass

from heatportal.domain.model import Role
from heatportal.domain.notifications import Notification, is_unread, unread_count
from heatportal.services.access import Scope
from heatportal.services.alerts.ports import NotificationStore

LIST_LENGTH = 50


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
    def __init__(self, store: NotificationStore) -> None:
        self.store = store

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
