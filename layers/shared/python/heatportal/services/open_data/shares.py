"""Sharing with an energy-service provider (German FFVAV §5(4): on the
customer's request, billing and consumption data go to a provider the
customer names).

A customer's administrator grants a named provider read access to chosen
facilities and data kinds for a period; the grant is a token that goes to the
provider's e-mail only (the customer never sees it), and the administrator
revokes it at any time. The grant, its revocation and every read by it are in
the customer's audit trail (services.open_data.scopes records the reads).
Customer service sees a customer's shares, but grants and revokes none: the
choice is the customer's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.contact import email_address, plain_text
from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Facility, Language, Role
from heatportal.domain.open_data import (
    MAX_SHARE_DAYS,
    SHARE_PREFIX,
    ProviderShare,
    covers_all,
    hint_of,
    new_id,
    new_secret,
    secret_hash,
)
from heatportal.ports import Clock
from heatportal.services.access import Scope
from heatportal.services.open_data.common import OpenDataStore
from heatportal.services.open_data.tokens import data_kinds

PROVIDER_NAME_MAX = 120


@dataclass(frozen=True)
class ShareNotice:
    """What the provider's e-mail says (documents.open_data_emails)."""

    share: ProviderShare
    secret: str
    customer_name: str
    facilities: tuple[Facility, ...]
    language: Language


def _refused(field: str, code: str, message: str, **params: object) -> ValidationFailed:
    return ValidationFailed(message, code=code, params=dict(params), fields=[{"field": field, "code": code}])


class ProviderShares:
    def __init__(self, store: OpenDataStore, notify: Callable[[ShareNotice], None], clock: Clock) -> None:
        self.store = store
        self.notify = notify
        self.clock = clock

    def _administrator(self, scope: Scope) -> Scope:
        grant = scope.require(Role.ADMIN)
        if grant.staff:
            raise Forbidden("Only the customer's administrators share its data.", code="share_customer_only")
        return grant

    def of(self, scope: Scope) -> list[ProviderShare]:
        """The customer's shares, newest first (its administrators and customer service)."""
        grant = scope.require(Role.ADMIN)
        return sorted(self.store.shares_of(grant.customer_number), key=lambda s: s.created_at, reverse=True)

    def grant(
        self,
        scope: Scope,
        *,
        provider_name: str,
        provider_email: str,
        facilities: list[str],
        kinds: list[str],
        valid_from: date | None,
        valid_until: date,
        language: Language,
    ) -> ProviderShare:
        """A new share; its token is e-mailed to the provider before it is stored
        (a failed e-mail stores nothing)."""
        grant = self._administrator(scope)
        name = plain_text(provider_name, field="provider_name", max_length=PROVIDER_NAME_MAX)
        email = email_address(provider_email, field="provider_email")
        chosen = data_kinds(kinds)
        record = grant.record
        known = {f.id: f for f in record.facilities}
        if not facilities or any(f not in known for f in facilities):
            raise _refused("facilities", "share_facilities_invalid", "Choose the facilities to share.")
        if "invoices" in chosen and not covers_all(frozenset(facilities), frozenset(known)):
            raise _refused("kinds", "share_invoices_whole", "Invoices cover every facility: choose all of them.")
        today = self.clock.today()
        start = valid_from or today
        if start < today:
            raise _refused("valid_from", "share_period_invalid", "The period cannot start in the past.")
        if valid_until < start or (valid_until - today).days > MAX_SHARE_DAYS:
            raise _refused("valid_until", "share_period_invalid", "Choose an end after the start, within three years.")
        secret = new_secret(SHARE_PREFIX)
        now = self.clock.now()
        share = ProviderShare(
            id=new_id(),
            token_hash=secret_hash(secret),
            customer_number=grant.customer_number,
            provider_name=name,
            provider_email=email,
            facilities=frozenset(facilities),
            kinds=chosen,
            valid_from=start,
            valid_until=valid_until,
            created_by=grant.principal.email,
            created_at=now,
            hint=hint_of(secret),
        )
        customer_name = record.customer.name if record.customer else grant.customer_number
        shared = tuple(known[f] for f in sorted(facilities))
        self.notify(ShareNotice(share, secret, customer_name, shared, language))
        self.store.add_share(
            share, AuditEntry(grant.customer_number, now, grant.principal.email, "share_granted", name)
        )
        return share

    def revoke(self, scope: Scope, share_id: str) -> ProviderShare:
        """Refused at once from now on; revoking a revoked share changes nothing."""
        grant = self._administrator(scope)
        share = next((s for s in self.store.shares_of(grant.customer_number) if s.id == share_id), None)
        if share is None:
            raise NotFound("No such data share.", code="share_not_found")
        if share.revoked_at is not None:
            return share
        now = self.clock.now()
        audit = AuditEntry(grant.customer_number, now, grant.principal.email, "share_revoked", share.provider_name)
        self.store.revoke_share(share, now, audit)
        return replace(share, revoked_at=now, revoked_by=grant.principal.email)


def share_period_end(today: date) -> date:
    """A period's default end in forms: a year from today."""
    return today + timedelta(days=365)
