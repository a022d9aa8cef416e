"""A person's personal access tokens: create (shown once), list, revoke one,
revoke all.

A token covers customers the person may see at the moment it is made (the
portal's access rules, services.access), all their facilities or chosen ones,
and chosen data kinds; it expires. Tokens are the person's own: nobody else
lists or revokes them, customer service included, and customer service makes
none (its access covers every customer; it reads them with its own tools).
Each token's making and revocation is written to the audit trail of every
customer it covers. Tokens are credentials apart from sign-in sessions: a
sign-out everywhere leaves them working; revoking all of them is its own step.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from heatportal.domain.accounts import AuditAction, AuditEntry
from heatportal.domain.contact import plain_text
from heatportal.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Role
from heatportal.domain.open_data import (
    DATA_KINDS,
    MAX_ACTIVE_TOKENS,
    MAX_TOKEN_CUSTOMERS,
    MAX_TOKEN_DAYS,
    PERSONAL_PREFIX,
    TOKEN_NAME_MAX,
    DataKind,
    PersonalToken,
    TokenGrant,
    hint_of,
    new_id,
    new_secret,
    secret_hash,
)
from heatportal.ports import Clock
from heatportal.services.access import AccessService, Principal
from heatportal.services.open_data.common import OpenDataStore


def _refused(field: str, code: str, message: str, **params: object) -> ValidationFailed:
    return ValidationFailed(message, code=code, params=dict(params), fields=[{"field": field, "code": code}])


def data_kinds(values: list[str] | tuple[str, ...]) -> frozenset[DataKind]:
    """The kinds a token or share may read: at least one, each known."""
    chosen = frozenset(k for k in DATA_KINDS if k in values)
    if not chosen or len(chosen) != len(set(values)):
        raise _refused("kinds", "data_kinds_invalid", "Choose what may be read: consumption, readings, invoices.")
    return chosen


class PersonalTokens:
    def __init__(self, store: OpenDataStore, access: AccessService, clock: Clock) -> None:
        self.store = store
        self.access = access
        self.clock = clock

    def create(
        self,
        principal: Principal,
        name: str,
        grants: list[TokenGrant],
        kinds: list[str],
        expires_in_days: int,
    ) -> tuple[PersonalToken, str]:
        """A new token and its secret (shown this once, stored only as a hash)."""
        if principal.is_staff:
            raise Forbidden("Customer service reads customers' data with its own tools.", code="token_staff")
        name = plain_text(name, field="name", max_length=TOKEN_NAME_MAX)
        chosen = data_kinds(kinds)
        if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
            raise _refused("expires_in_days", "token_expiry_invalid", "Choose an expiry.", max=MAX_TOKEN_DAYS)
        customers = [g.customer_number for g in grants]
        if not grants or len(grants) > MAX_TOKEN_CUSTOMERS or len(set(customers)) != len(customers):
            raise _refused("customers", "token_customers_invalid", "Choose the customers.", max=MAX_TOKEN_CUSTOMERS)
        checked = [self._checked(principal, grant) for grant in grants]
        now = self.clock.now()
        active = [t for t in self.store.tokens_of(principal.user_id) if t.status(now) == "active"]
        if len(active) >= MAX_ACTIVE_TOKENS:
            raise Conflict(
                "You have as many tokens as you may. Revoke one first.",
                code="token_limit",
                params={"max": MAX_ACTIVE_TOKENS},
            )
        secret = new_secret(PERSONAL_PREFIX)
        token = PersonalToken(
            id=new_id(),
            token_hash=secret_hash(secret),
            user_id=principal.user_id,
            email=principal.email,
            name=name,
            grants=tuple(checked),
            kinds=chosen,
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days),
            hint=hint_of(secret),
        )
        self.store.add_token(token, self._audits(token, principal.email, "token_created"))
        return token, secret

    def _checked(self, principal: Principal, grant: TokenGrant) -> TokenGrant:
        """The grant if the person may read the customer (and each chosen
        facility) now; Forbidden for a customer they may not see, as in the portal."""
        scope = self.access.scope(principal, grant.customer_number).require(Role.READ, companies="any")
        if grant.facilities is None:
            return grant
        known = set(scope.record.facility_ids)
        if not grant.facilities or any(f not in known or not scope.sees(f) for f in grant.facilities):
            raise _refused("facilities", "token_facilities_invalid", "Choose facilities of the customer.")
        return grant

    def of(self, principal: Principal) -> list[PersonalToken]:
        """The person's tokens, newest first."""
        return sorted(self.store.tokens_of(principal.user_id), key=lambda t: t.created_at, reverse=True)

    def revoke(self, principal: Principal, token_id: str) -> PersonalToken:
        """Refused at once from now on. Another person's token id answers as an unknown one."""
        token = next((t for t in self.store.tokens_of(principal.user_id) if t.id == token_id), None)
        if token is None:
            raise NotFound("No such token.", code="token_not_found")
        return self._revoke(token, principal.email)

    def revoke_all(self, principal: Principal) -> int:
        """Every token of the person that still works is revoked; how many."""
        now = self.clock.now()
        working = [t for t in self.store.tokens_of(principal.user_id) if t.status(now) == "active"]
        for token in working:
            self._revoke(token, principal.email)
        return len(working)

    def _revoke(self, token: PersonalToken, actor: str) -> PersonalToken:
        if token.revoked_at is not None:
            return token
        now = self.clock.now()
        self.store.revoke_token(token, now, self._audits(token, actor, "token_revoked", at=now))
        return replace(token, revoked_at=now)

    def _audits(
        self, token: PersonalToken, actor: str, action: AuditAction, *, at: datetime | None = None
    ) -> list[AuditEntry]:
        return [AuditEntry(g.customer_number, at or token.created_at, actor, action, token.name) for g in token.grants]
