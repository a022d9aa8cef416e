"""What the open-data use cases share: the store port and the audit entries
that record a token's or a share's life in the customer's trail."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.open_data import DataCredential, PersonalToken, ProviderShare


class OpenDataStore(Protocol):
    """Tokens and shares on the single table (adapters.dynamo_open_data)."""

    def find(self, token_hash: str) -> DataCredential | None:
        """The token or share with this hash, read consistently (a revocation counts at once)."""
        ...

    def touch(self, token_hash: str, at: datetime) -> None:
        """Note when the token was last used."""
        ...

    def add_token(self, token: PersonalToken, audits: list[AuditEntry]) -> None:
        """Store a new token with an audit entry per customer it covers, at once."""
        ...

    def tokens_of(self, user_id: str) -> list[PersonalToken]:
        """The person's tokens (revoked and expired ones too, for a while), oldest first."""
        ...

    def revoke_token(self, token: PersonalToken, at: datetime, audits: list[AuditEntry]) -> bool:
        """Mark the token revoked with its audit entries; False when it was revoked already."""
        ...

    def add_share(self, share: ProviderShare, audit: AuditEntry) -> None: ...

    def shares_of(self, customer_number: str) -> list[ProviderShare]:
        """The customer's shares, oldest first."""
        ...

    def revoke_share(self, share: ProviderShare, at: datetime, audit: AuditEntry) -> bool:
        """Mark the share revoked (by ``audit.actor``) with its audit entry; False when revoked already."""
        ...

    def record_access(self, entry: AuditEntry) -> None:
        """A provider share read the customer's data: one entry in the customer's audit trail."""
        ...
