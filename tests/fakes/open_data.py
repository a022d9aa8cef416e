"""Personal access tokens and provider shares (``services.open_data.common.OpenDataStore``)
in memory, with the semantics of ``adapters.dynamo_open_data.DynamoOpenDataStore``
(held to it by tests/contract/ports): one record per token hash, a revocation
only once, the audit entries written with the change; a provider share's reads
go to their own list (``reads``) and the changes to the audit trail
(``audit``): the account store's lists when given, so that its ``list_audit``
merges them as the adapter does."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.open_data import DataCredential, PersonalToken, ProviderShare
from heatportal.services.open_data.common import OpenDataStore


class InMemoryOpenDataStore(OpenDataStore):
    def __init__(self, audit: list[AuditEntry] | None = None, reads: list[AuditEntry] | None = None) -> None:
        self.credentials: dict[str, DataCredential] = {}
        self.audit: list[AuditEntry] = audit if audit is not None else []
        self.reads: list[AuditEntry] = reads if reads is not None else []
        self.touched = 0

    def find(self, token_hash: str) -> DataCredential | None:
        return self.credentials.get(token_hash)

    def touch(self, token_hash: str, at: datetime) -> None:
        credential = self.credentials.get(token_hash)
        if credential is not None:
            self.touched += 1
            self.credentials[token_hash] = replace(credential, last_used_at=at)

    def add_token(self, token: PersonalToken, audits: list[AuditEntry]) -> None:
        assert token.token_hash not in self.credentials
        self.credentials[token.token_hash] = token
        self.audit.extend(audits)

    def tokens_of(self, user_id: str) -> list[PersonalToken]:
        tokens = [c for c in self.credentials.values() if isinstance(c, PersonalToken) and c.user_id == user_id]
        return sorted(tokens, key=lambda t: (t.created_at, t.id))

    def revoke_token(self, token: PersonalToken, at: datetime, audits: list[AuditEntry]) -> bool:
        stored = self.credentials.get(token.token_hash)
        if stored is None or stored.revoked_at is not None:
            return False
        self.credentials[token.token_hash] = replace(stored, revoked_at=at)
        self.audit.extend(audits)
        return True

    def add_share(self, share: ProviderShare, audit: AuditEntry) -> None:
        assert share.token_hash not in self.credentials
        self.credentials[share.token_hash] = share
        self.audit.append(audit)

    def shares_of(self, customer_number: str) -> list[ProviderShare]:
        shares = [
            c
            for c in self.credentials.values()
            if isinstance(c, ProviderShare) and c.customer_number == customer_number
        ]
        return sorted(shares, key=lambda s: (s.created_at, s.id))

    def revoke_share(self, share: ProviderShare, at: datetime, audit: AuditEntry) -> bool:
        stored = self.credentials.get(share.token_hash)
        if not isinstance(stored, ProviderShare) or stored.revoked_at is not None:
            return False
        self.credentials[share.token_hash] = replace(stored, revoked_at=at, revoked_by=audit.actor)
        self.audit.append(audit)
        return True

    def record_access(self, entry: AuditEntry) -> None:
        self.reads.append(entry)
