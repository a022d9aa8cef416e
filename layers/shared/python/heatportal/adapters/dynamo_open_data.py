"""DynamoDB items of open data (keys and access patterns in docs/data-model.md,
built by ``adapters.dynamo_keys``): personal access tokens and provider
shares, one item each under the SHA-256 of the secret, so a request finds its
token with one consistent GetItem; a person's tokens and a customer's shares
listed through GSI1; the reads of provider shares in a partition of their own.

A token item carries ``expires_at`` (the table's TTL) some time after it
stopped working (expired, revoked, its share's period over), so the lists
keep showing it a while; the code never relies on TTL having deleted it and
checks expiry itself.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, conditional_check_failed, dump_item
from heatportal.adapters.dynamo_accounts import audit_item
from heatportal.domain.accounts import AuditEntry
from heatportal.domain.open_data import DataCredential, PersonalToken, ProviderShare, TokenGrant

KEPT_AFTER_END = timedelta(days=30)  # a stopped token stays listed this long
ACCESS_ENTRY_DAYS = 3 * 366  # how long a provider's read stays in the audit trail


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _ttl(end: datetime, revoked_at: datetime | None) -> int:
    stopped = min(end, revoked_at) if revoked_at else end
    return _epoch(stopped + KEPT_AFTER_END)


def _grants_attr(grants: tuple[TokenGrant, ...]) -> dict[str, Any]:
    # A map customer -> facility ids; an empty list means every facility.
    return {g.customer_number: sorted(g.facilities) if g.facilities is not None else [] for g in grants}


def _grants_of(attr: dict[str, Any]) -> tuple[TokenGrant, ...]:
    return tuple(
        TokenGrant(customer, frozenset(facilities) if facilities else None)
        for customer, facilities in sorted(attr.items())
    )


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def token_item(token: PersonalToken) -> dict[str, Any]:
    return {
        **keys.data_token(token.token_hash).item(),
        **keys.by_user_token(token.user_id, token.created_at, token.id).item(),
        "type": "personal_token",
        "id": token.id,
        "user_id": token.user_id,
        "email": token.email,
        "name": token.name,
        "grants": _grants_attr(token.grants),
        "kinds": sorted(token.kinds),
        "created_at": token.created_at.isoformat(),
        "expires_iso": token.expires_at.isoformat(),
        "hint": token.hint,
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        "expires_at": _ttl(token.expires_at, token.revoked_at),
    }


def token_from_item(item: dict[str, Any]) -> PersonalToken:
    return PersonalToken(
        id=item["id"],
        token_hash=item["PK"].removeprefix("DATATOKEN#"),
        user_id=item["user_id"],
        email=item["email"],
        name=item["name"],
        grants=_grants_of(item["grants"]),
        kinds=frozenset(item["kinds"]),
        created_at=datetime.fromisoformat(item["created_at"]),
        expires_at=datetime.fromisoformat(item["expires_iso"]),
        hint=item["hint"],
        last_used_at=_moment(item.get("last_used_at")),
        revoked_at=_moment(item.get("revoked_at")),
    )


def _end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=2)  # past the day in any zone


def share_item(share: ProviderShare) -> dict[str, Any]:
    return {
        **keys.data_token(share.token_hash).item(),
        **keys.by_customer_share(share.customer_number, share.created_at, share.id).item(),
        "type": "provider_share",
        "id": share.id,
        "customer_number": share.customer_number,
        "provider_name": share.provider_name,
        "provider_email": share.provider_email,
        "facilities": sorted(share.facilities),
        "kinds": sorted(share.kinds),
        "valid_from": share.valid_from.isoformat(),
        "valid_until": share.valid_until.isoformat(),
        "created_by": share.created_by,
        "created_at": share.created_at.isoformat(),
        "hint": share.hint,
        "last_used_at": share.last_used_at.isoformat() if share.last_used_at else None,
        "revoked_at": share.revoked_at.isoformat() if share.revoked_at else None,
        "revoked_by": share.revoked_by,
        "expires_at": _ttl(_end_of(share.valid_until), share.revoked_at),
    }


def share_from_item(item: dict[str, Any]) -> ProviderShare:
    return ProviderShare(
        id=item["id"],
        token_hash=item["PK"].removeprefix("DATATOKEN#"),
        customer_number=item["customer_number"],
        provider_name=item["provider_name"],
        provider_email=item["provider_email"],
        facilities=frozenset(item["facilities"]),
        kinds=frozenset(item["kinds"]),
        valid_from=date.fromisoformat(item["valid_from"]),
        valid_until=date.fromisoformat(item["valid_until"]),
        created_by=item["created_by"],
        created_at=datetime.fromisoformat(item["created_at"]),
        hint=item["hint"],
        last_used_at=_moment(item.get("last_used_at")),
        revoked_at=_moment(item.get("revoked_at")),
        revoked_by=item.get("revoked_by"),
    )


def credential_from_item(item: dict[str, Any]) -> DataCredential:
    return token_from_item(item) if item["type"] == "personal_token" else share_from_item(item)


def access_item(entry: AuditEntry) -> dict[str, Any]:
    """A provider share's read, in the audit trail's shape, in the customer's
    ``DATAAUDIT#`` partition (``DynamoAccountStore.list_audit`` merges it in)."""
    return {
        **audit_item(entry),
        **keys.data_access(entry.customer_number, entry.at, secrets.token_hex(4)).item(),
        "expires_at": _epoch(entry.at + timedelta(days=ACCESS_ENTRY_DAYS)),
    }


def _put(table: DynamoTable, item: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table.name, "Item": dump_item(item)}
    if condition:
        put["ConditionExpression"] = condition
    return {"Put": put}


def _revoke(table: DynamoTable, token_hash: str, at: datetime, by: str | None, ttl: int) -> dict[str, Any]:
    values: dict[str, Any] = {":at": at.isoformat(), ":ttl": ttl}
    expression = "SET revoked_at = :at, expires_at = :ttl"
    if by is not None:
        values[":by"] = by
        expression += ", revoked_by = :by"
    return {
        "Update": {
            "TableName": table.name,
            "Key": dump_item(keys.data_token(token_hash).item()),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(revoked_at)",
            "ExpressionAttributeValues": dump_item(values),
        }
    }


class DynamoOpenDataStore:
    """Implements services.open_data.common.OpenDataStore."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def find(self, token_hash: str) -> DataCredential | None:
        # Consistent: a token revoked a moment ago is refused at once.
        item = self.table.get(keys.data_token(token_hash), consistent=True)
        return credential_from_item(item) if item else None

    def touch(self, token_hash: str, at: datetime) -> None:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.data_token(token_hash).item()),
                UpdateExpression="SET last_used_at = :at",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=dump_item({":at": at.isoformat()}),
            )
        except ClientError as error:
            if not conditional_check_failed(error):  # gone meanwhile (TTL): nothing to note
                raise

    # personal access tokens
    def add_token(self, token: PersonalToken, audits: list[AuditEntry]) -> None:
        items = [_put(self.table, token_item(token), "attribute_not_exists(PK)")]
        items += [_put(self.table, audit_item(a)) for a in audits]
        if not self.table.transact(items):  # pragma: no cover - 256 random bits never collide
            raise RuntimeError("token hash already stored")

    def tokens_of(self, user_id: str) -> list[PersonalToken]:
        items = self.table.query(keys.tokens_of_pk(user_id), index=keys.GSI1)
        return [token_from_item(i) for i in items]

    def revoke_token(self, token: PersonalToken, at: datetime, audits: list[AuditEntry]) -> bool:
        items = [_revoke(self.table, token.token_hash, at, None, _ttl(token.expires_at, at))]
        items += [_put(self.table, audit_item(a)) for a in audits]
        return self.table.transact(items)

    # provider shares
    def add_share(self, share: ProviderShare, audit: AuditEntry) -> None:
        items = [_put(self.table, share_item(share), "attribute_not_exists(PK)"), _put(self.table, audit_item(audit))]
        if not self.table.transact(items):  # pragma: no cover - 256 random bits never collide
            raise RuntimeError("token hash already stored")

    def shares_of(self, customer_number: str) -> list[ProviderShare]:
        items = self.table.query(keys.shares_of_pk(customer_number), index=keys.GSI1)
        return [share_from_item(i) for i in items]

    def revoke_share(self, share: ProviderShare, at: datetime, audit: AuditEntry) -> bool:
        ttl = _ttl(_end_of(share.valid_until), at)
        items = [_revoke(self.table, share.token_hash, at, audit.actor, ttl), _put(self.table, audit_item(audit))]
        return self.table.transact(items)

    def record_access(self, entry: AuditEntry) -> None:
        self.table.put(access_item(entry))
