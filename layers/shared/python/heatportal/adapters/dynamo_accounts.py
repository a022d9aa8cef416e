"""DynamoDB items of the accounts area: one-time codes, access changes with
their audit trail, rate-limit counters, bank accounts and contact requests
(keys and access patterns in docs/data-model.md, built by
``adapters.dynamo_keys``). Codes and counters carry ``expires_at`` (the
table's TTL attribute); the code never trusts TTL to have deleted an item and
checks ``expires_at`` itself.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import (
    DynamoTable,
    conditional_check_failed,
    customer_from_item,
    dump_item,
    load_item,
    membership_from_item,
    membership_item,
    version_update,
)
from heatportal.domain.accounts import AuditEntry, BankAccount, Challenge, ContactRequest
from heatportal.domain.customer_record import AUDIT_SHOWN
from heatportal.domain.errors import TransientFailure, ValidationFailed
from heatportal.domain.model import Address, Customer, Membership, Role


def challenge_item(challenge: Challenge) -> dict[str, Any]:
    item: dict[str, Any] = {
        **keys.challenge(challenge.id).item(),
        "type": "challenge",
        "id": challenge.id,
        "purpose": challenge.purpose,
        "email": challenge.email,
        "code_hash": challenge.code_hash,
        "expires_at": challenge.expires_at,
        "language": challenge.language,
        "customer_number": challenge.customer_number,
        "role": challenge.role.value if challenge.role else None,
        "invited_by": challenge.invited_by,
        "user_id": challenge.user_id,
        "attempts": challenge.attempts,
    }
    if challenge.purpose == "invite" and challenge.customer_number:
        item.update(keys.by_customer_invitation(challenge.customer_number, challenge.id).item())
    return item


def challenge_from_item(item: dict[str, Any]) -> Challenge:
    return Challenge(
        id=item["id"],
        purpose=item["purpose"],
        email=item["email"],
        code_hash=item["code_hash"],
        expires_at=int(item["expires_at"]),
        language=item["language"],
        customer_number=item.get("customer_number"),
        role=Role(item["role"]) if item.get("role") else None,
        invited_by=item.get("invited_by"),
        user_id=item.get("user_id"),
        attempts=int(item.get("attempts", 0)),
    )


def audit_item(entry: AuditEntry) -> dict[str, Any]:
    return {
        **keys.customer_audit(entry.customer_number, entry.at, secrets.token_hex(4)).item(),
        "type": "audit",
        "customer_number": entry.customer_number,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "role": entry.role.value if entry.role else None,
        "previous_role": entry.previous_role.value if entry.previous_role else None,
    }


def audit_from_item(item: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        customer_number=item["customer_number"],
        at=datetime.fromisoformat(item["at"]),
        actor=item["actor"],
        action=item["action"],
        subject=item["subject"],
        role=Role(item["role"]) if item.get("role") else None,
        previous_role=Role(item["previous_role"]) if item.get("previous_role") else None,
    )


class DynamoAccountStore:
    """Implements services.accounts.AccountStore."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def put_challenge(self, challenge: Challenge) -> None:
        self.table.put(challenge_item(challenge))

    def get_challenge(self, challenge_id: str) -> Challenge | None:
        item = self.table.get(keys.challenge(challenge_id), consistent=True)
        return challenge_from_item(item) if item else None

    def count_attempt(self, challenge_id: str, max_attempts: int) -> bool:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.challenge(challenge_id).item()),
                UpdateExpression="SET attempts = if_not_exists(attempts, :zero) + :one",
                ConditionExpression="attribute_exists(PK) AND attempts < :max",
                ExpressionAttributeValues=dump_item({":zero": 0, ":one": 1, ":max": max_attempts}),
            )
            return True
        except ClientError as error:
            if conditional_check_failed(error):
                return False
            raise

    def delete_challenge(self, challenge_id: str) -> None:
        self.table.delete(keys.challenge(challenge_id))

    def list_invitations(self, customer_number: str) -> list[Challenge]:
        items = self.table.query(keys.invitations_pk(customer_number), index=keys.GSI1)
        return [challenge_from_item(i) for i in items]

    def list_members(self, customer_number: str) -> list[Membership]:
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.MEMBERS)
        return [membership_from_item(i) for i in items]

    def access_version(self, customer_number: str) -> int:
        item = self.table.get(keys.customer_access(customer_number), consistent=True)
        return int(item["version"]) if item else 0

    def write_access_change(
        self,
        customer_number: str,
        version: int,
        audit: AuditEntry,
        *,
        put: Membership | None = None,
        delete_user: str | None = None,
        put_challenge: Challenge | None = None,
        delete_challenge: str | None = None,
    ) -> bool:
        name = self.table.name
        items: list[dict[str, Any]] = [
            version_update(name, keys.customer_access(customer_number), version),
            {"Put": {"TableName": name, "Item": dump_item(audit_item(audit))}},
        ]
        if put is not None:
            items.append({"Put": {"TableName": name, "Item": dump_item(membership_item(put))}})
        if delete_user is not None:
            key = keys.membership(customer_number, delete_user).item()
            items.append({"Delete": {"TableName": name, "Key": dump_item(key)}})
        if put_challenge is not None:
            items.append({"Put": {"TableName": name, "Item": dump_item(challenge_item(put_challenge))}})
        if delete_challenge is not None:
            key = keys.challenge(delete_challenge).item()
            items.append({"Delete": {"TableName": name, "Key": dump_item(key)}})
        return self.table.transact(items)

    def list_audit(
        self, customer_number: str, limit: int = AUDIT_SHOWN, *, changes: Sequence[AuditEntry] | None = None
    ) -> list[AuditEntry]:
        """Newest first: access changes (the customer's partition; ``changes``
        when read with the record) merged with the reads of provider shares
        (their own partition, ``keys.data_access``)."""
        if changes is None:
            items = self.table.query(
                keys.customer_pk(customer_number), sk_prefix=keys.AUDIT, forward=False, limit=limit
            )
            changes = [audit_from_item(i) for i in items]
        reads = self.table.query(keys.data_access_pk(customer_number), forward=False, limit=limit)
        entries = [*changes, *(audit_from_item(i) for i in reads)]
        return sorted(entries, key=lambda e: e.at, reverse=True)[:limit]

    def set_member_email(self, customer_number: str, user_id: str, email: str) -> None:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.membership(customer_number, user_id).item()),
                UpdateExpression="SET email = :e",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=dump_item({":e": email}),
            )
        except ClientError as error:
            if not conditional_check_failed(error):  # removed meanwhile: nothing to update
                raise

    def customers_by_email(self, email: str) -> list[Customer]:
        items = self.table.query(keys.contact_email_pk(email), index=keys.GSI1, limit=20)
        return [customer_from_item(i) for i in items if i.get("type") == "customer"]

    def set_pin_hash(self, customer_number: str, pin_hash: str) -> None:
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.customer(customer_number).item()),
            UpdateExpression="SET pin_hash = :h",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues=dump_item({":h": pin_hash}),
        )


class DynamoRateLimitStore:
    """Implements services.ratelimit.RateLimitStore with one item per scope and key."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def _key(self, scope: str, key: str) -> dict[str, Any]:
        return dump_item(keys.rate_limit(scope, key).item())

    def increment(self, scope: str, key: str, now: int, window_seconds: int) -> tuple[int, int]:
        for _attempt in range(3):
            try:
                resp = self.table.call(
                    "update_item",
                    TableName=self.table.name,
                    Key=self._key(scope, key),
                    UpdateExpression=(
                        "SET #c = if_not_exists(#c, :zero) + :one, window_end = if_not_exists(window_end, :end),"
                        " expires_at = if_not_exists(expires_at, :end), #t = :type"
                    ),
                    ConditionExpression="attribute_not_exists(PK) OR window_end > :now",
                    ExpressionAttributeNames={"#c": "count", "#t": "type"},
                    ExpressionAttributeValues=dump_item(
                        {":zero": 0, ":one": 1, ":end": now + window_seconds, ":now": now, ":type": "rate"}
                    ),
                    ReturnValues="ALL_NEW",
                )
                item = load_item(resp["Attributes"])
                return int(item["count"]), int(item["window_end"])
            except ClientError as error:
                if not conditional_check_failed(error):
                    raise
            # The window is over: start a new one, unless another request just did.
            try:
                self.table.call(
                    "put_item",
                    TableName=self.table.name,
                    Item=dump_item(
                        {
                            **keys.rate_limit(scope, key).item(),
                            "type": "rate",
                            "count": 1,
                            "window_end": now + window_seconds,
                            "expires_at": now + window_seconds,
                        }
                    ),
                    ConditionExpression="window_end <= :now",
                    ExpressionAttributeValues=dump_item({":now": now}),
                )
                return 1, now + window_seconds
            except ClientError as error:
                if not conditional_check_failed(error):
                    raise
        raise TransientFailure("rate limit counter kept conflicting")  # pragma: no cover - needs 3 lost races in a row

    def peek(self, scope: str, key: str, now: int) -> tuple[int, int]:
        item = self.table.get(keys.rate_limit(scope, key), consistent=True)
        if not item or int(item["window_end"]) <= now:
            return 0, now
        return int(item["count"]), int(item["window_end"])

    def clear(self, scope: str, key: str) -> None:
        self.table.call("delete_item", TableName=self.table.name, Key=self._key(scope, key))


class DynamoProfileStore:
    """Implements services.profile.ProfileStore: bank accounts, contact requests,
    and contact data and billing address as UpdateItem on the customer profile."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def get_bank_account(self, customer_number: str) -> BankAccount | None:
        item = self.table.get(keys.bank_account(customer_number))
        return bank_account_from_item(item) if item else None

    def list_bank_accounts(self, customer_number: str) -> list[BankAccount]:
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.BANK_ACCOUNTS)
        return [bank_account_from_item(i) for i in items if i.get("type") == "bank_account"]

    def put_bank_account(self, account: BankAccount) -> None:
        self.table.put(bank_account_item(account))

    def delete_facility_bank_account(self, customer_number: str, facility_id: str) -> bool:
        resp = self.table.call(
            "delete_item",
            TableName=self.table.name,
            Key=dump_item(keys.bank_account(customer_number, facility_id).item()),
            ReturnValues="ALL_OLD",
        )
        return bool(resp.get("Attributes"))

    def _update_profile(self, customer_number: str, sets: dict[str, Any]) -> None:
        names = {f"#f{i}": name for i, name in enumerate(sets)}
        values = {f":v{i}": value for i, value in enumerate(sets.values())}
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.customer(customer_number).item()),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(sets))),
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=dump_item(values),
        )

    def update_contact(self, customer_number: str, email: str | None, phone: str | None) -> None:
        sets: dict[str, Any] = {}
        if email:
            # The e-mail index moves with the address (forgotten customer number, staff search).
            sets.update({"email": email, **keys.by_contact_email(email, customer_number).item()})
        if phone:
            sets["phone"] = phone
        if sets:
            self._update_profile(customer_number, sets)

    def update_billing_address(self, customer_number: str, address: Address) -> None:
        self._update_profile(customer_number, {"address": address.model_dump()})

    def add_contact_request(self, request: ContactRequest) -> None:
        self.table.put(contact_request_item(request))

    def list_contact_requests(
        self, status: str, limit: int, cursor: str | None
    ) -> tuple[list[ContactRequest], str | None]:
        kwargs: dict[str, Any] = {
            "TableName": self.table.name,
            "IndexName": keys.GSI2,
            "KeyConditionExpression": "GSI2PK = :pk",
            "ExpressionAttributeValues": dump_item({":pk": keys.contact_requests_pk(status)}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = _decode_cursor(cursor, keys.contact_requests_pk(status))
        resp = self.table.call("query", **kwargs)
        requests = [contact_request_from_item(load_item(i)) for i in resp.get("Items", [])]
        last = resp.get("LastEvaluatedKey")
        return requests, _encode_cursor(load_item(last)) if last and len(requests) == limit else None

    def get_contact_request(self, request_id: str) -> ContactRequest | None:
        items = self.table.query(keys.contact_request_pk(request_id), index=keys.GSI1, limit=1)
        return contact_request_from_item(items[0]) if items and items[0].get("type") == "contact_request" else None

    def mark_contact_request_handled(self, request: ContactRequest, by: str, at: datetime) -> bool:
        """Mark an open request handled; False when it was handled already."""
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.contact_request(request.customer_number, request.at, request.id).item()),
                UpdateExpression="SET #s = :handled, handled_by = :by, handled_at = :at, GSI2PK = :pk",
                ConditionExpression="attribute_exists(PK) AND #s = :open",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=dump_item(
                    {
                        ":handled": "handled",
                        ":open": "open",
                        ":by": by,
                        ":at": at.isoformat(),
                        ":pk": keys.contact_requests_pk("handled"),
                    }
                ),
            )
        except ClientError as error:
            if conditional_check_failed(error):
                return False
            raise
        return True


def bank_account_item(account: BankAccount) -> dict[str, Any]:
    return {
        **keys.bank_account(account.customer_number, account.facility_id).item(),
        "type": "bank_account",
        **_bank_fields(account),
        # The account in force until the change date, in the same item.
        "previous": _bank_fields(account.previous) if account.previous is not None else None,
    }


def _bank_fields(account: BankAccount) -> dict[str, Any]:
    return {
        "customer_number": account.customer_number,
        "facility_id": account.facility_id,
        "iban": account.iban,
        "holder": account.holder,
        "valid_from": account.valid_from.isoformat(),
        "sepa_mandate": account.sepa_mandate,
        "changed_by": account.changed_by,
        "changed_at": account.changed_at.isoformat(),
    }


def bank_account_from_item(item: dict[str, Any]) -> BankAccount:
    previous = item.get("previous")
    return BankAccount(
        previous=bank_account_from_item(previous) if previous else None,
        customer_number=item["customer_number"],
        iban=item["iban"],
        holder=item["holder"],
        valid_from=date.fromisoformat(item["valid_from"]),
        sepa_mandate=bool(item["sepa_mandate"]),
        changed_by=item["changed_by"],
        changed_at=datetime.fromisoformat(item["changed_at"]),
        facility_id=item.get("facility_id"),
    )


def contact_request_item(request: ContactRequest) -> dict[str, Any]:
    return {
        **keys.contact_request(request.customer_number, request.at, request.id).item(),
        **keys.by_contact_request_id(request.id).item(),
        **keys.contact_request_by_status(request.status, request.at, request.id).item(),
        "type": "contact_request",
        "id": request.id,
        "customer_number": request.customer_number,
        "at": request.at.isoformat(),
        "sender": request.sender,
        "subject": request.subject,
        "message": request.message,
        "phone": request.phone,
        "status": request.status,
        "topic": request.topic,
        "facility_id": request.facility_id,
    }


def contact_request_from_item(item: dict[str, Any]) -> ContactRequest:
    return ContactRequest(
        customer_number=item["customer_number"],
        at=datetime.fromisoformat(item["at"]),
        sender=item["sender"],
        subject=item["subject"],
        message=item["message"],
        phone=item["phone"],
        id=item["id"],
        status=item.get("status", "open"),
        handled_by=item.get("handled_by"),
        handled_at=datetime.fromisoformat(item["handled_at"]) if item.get("handled_at") else None,
        topic=item.get("topic"),
        facility_id=item.get("facility_id"),
    )


_CURSOR_KEYS = frozenset({"PK", "SK", "GSI2PK", "GSI2SK"})


def _encode_cursor(key: dict[str, Any]) -> str:
    raw = json.dumps({k: str(key[k]) for k in sorted(_CURSOR_KEYS)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, partition: str) -> dict[str, Any]:
    """The start key a cursor stands for; a cursor of another list, or not one of
    ours, is a 422 (never a DynamoDB error)."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        valid = (
            isinstance(key, dict)
            and set(key) == _CURSOR_KEYS
            and all(isinstance(v, str) and v for v in key.values())
            and key["GSI2PK"] == partition
            and key["PK"].startswith(keys.CUSTOMERS)
            and key["SK"].startswith(keys.CONTACT_REQUESTS)
        )
    except (ValueError, UnicodeDecodeError):
        valid = False
    if not valid:
        raise ValidationFailed(
            "The page link is not valid. Start from the first page.",
            code="cursor_invalid",
            fields=[{"field": "cursor", "code": "cursor_invalid"}],
        )
    return dump_item(key)
