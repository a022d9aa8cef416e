"""DynamoDB items of the accounts area, on the single table (see adapters.dynamo).

| entity               | PK                      | SK                       | GSI1PK / GSI1SK            |
|----------------------|-------------------------|--------------------------|----------------------------|
| one-time code        | CHALLENGE#<id>          | CHALLENGE                | INVITES#<no> / <id> (invitations only) |
| access list version  | CUST#<no>               | ACCESS                   |                            |
| audit entry          | CUST#<no>               | AUDIT#<iso time>#<rand>  |                            |
| rate-limit counter   | RATE#<scope>#<key>      | RATE                     |                            |
| customer (dynamo.py) | CUST#<no>               | PROFILE                  | CONTACT#<email> / CUST#<no> |
| bank account         | CUST#<no>               | BANK                     |                            |
| facility bank account| CUST#<no>               | BANK#FAC#<facility id>   |                            |
| contact request      | CUST#<no>               | CONTACT#<iso time>#<id>  | CONTACTREQ#<id> / CONTACTREQ; GSI2: CONTACTREQ#<open|handled> / <iso time>#<id> |

Access patterns: a code = GetItem; wrong guess = conditional UpdateItem
(attempts < max); invitations of a customer = Query GSI1 INVITES#<no>; users of
a customer = Query PK=CUST#<no> SK begins_with MEMBER#; audit trail = Query
PK=CUST#<no> SK begins_with AUDIT# (newest first); an access change = one
TransactWriteItems (version check on ACCESS, membership put/delete, code
put/delete, audit put); a rate limit = one conditional UpdateItem; customers by e-mail on record =
Query GSI1 CONTACT#<email>; a new PIN = UpdateItem on the customer profile; a customer's bank accounts
(its own and per facility) = Query PK=CUST#<no> SK begins_with BANK; open (or
handled) contact requests, newest first, a page at a time = Query GSI2
CONTACTREQ#<status> descending with ExclusiveStartKey; one contact request by
id = Query GSI1 CONTACTREQ#<id>, then a conditional UpdateItem. Codes and
counters carry ``expires_at`` (the table's TTL attribute); the code never
trusts TTL to have deleted an item and checks ``expires_at`` itself.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import date, datetime
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters.dynamo import (
    DynamoTable,
    _customer,
    _dump,
    _load,
    _membership,
    membership_item,
    version_update,
)
from heatportal.domain.accounts import AuditEntry, BankAccount, Challenge, ContactRequest
from heatportal.domain.errors import TransientFailure, ValidationFailed
from heatportal.domain.model import Address, Customer, Membership, Role


def _conditional_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def challenge_item(challenge: Challenge) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": f"CHALLENGE#{challenge.id}",
        "SK": "CHALLENGE",
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
        item["GSI1PK"] = f"INVITES#{challenge.customer_number}"
        item["GSI1SK"] = challenge.id
    return item


def _challenge(item: dict[str, Any]) -> Challenge:
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
    at = entry.at.isoformat()
    return {
        "PK": f"CUST#{entry.customer_number}",
        "SK": f"AUDIT#{at}#{secrets.token_hex(4)}",
        "type": "audit",
        "customer_number": entry.customer_number,
        "at": at,
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "role": entry.role.value if entry.role else None,
        "previous_role": entry.previous_role.value if entry.previous_role else None,
    }


def _audit(item: dict[str, Any]) -> AuditEntry:
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
        item = self.table.get(f"CHALLENGE#{challenge_id}", "CHALLENGE", consistent=True)
        return _challenge(item) if item else None

    def count_attempt(self, challenge_id: str, max_attempts: int) -> bool:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=_dump({"PK": f"CHALLENGE#{challenge_id}", "SK": "CHALLENGE"}),
                UpdateExpression="SET attempts = if_not_exists(attempts, :zero) + :one",
                ConditionExpression="attribute_exists(PK) AND attempts < :max",
                ExpressionAttributeValues=_dump({":zero": 0, ":one": 1, ":max": max_attempts}),
            )
            return True
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise

    def delete_challenge(self, challenge_id: str) -> None:
        self.table.call(
            "delete_item",
            TableName=self.table.name,
            Key=_dump({"PK": f"CHALLENGE#{challenge_id}", "SK": "CHALLENGE"}),
        )

    def list_invitations(self, customer_number: str) -> list[Challenge]:
        return [_challenge(i) for i in self.table.query(f"INVITES#{customer_number}", index="GSI1")]

    def list_members(self, customer_number: str) -> list[Membership]:
        items = self.table.query(f"CUST#{customer_number}", sk_prefix="MEMBER#")
        return [_membership(i) for i in items]

    def access_version(self, customer_number: str) -> int:
        item = self.table.get(f"CUST#{customer_number}", "ACCESS", consistent=True)
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
            version_update(name, f"CUST#{customer_number}", version),
            {"Put": {"TableName": name, "Item": _dump(audit_item(audit))}},
        ]
        if put is not None:
            items.append({"Put": {"TableName": name, "Item": _dump(membership_item(put))}})
        if delete_user is not None:
            key = {"PK": f"CUST#{customer_number}", "SK": f"MEMBER#{delete_user}"}
            items.append({"Delete": {"TableName": name, "Key": _dump(key)}})
        if put_challenge is not None:
            items.append({"Put": {"TableName": name, "Item": _dump(challenge_item(put_challenge))}})
        if delete_challenge is not None:
            key = {"PK": f"CHALLENGE#{delete_challenge}", "SK": "CHALLENGE"}
            items.append({"Delete": {"TableName": name, "Key": _dump(key)}})
        return self.table.transact(items)

    def list_audit(self, customer_number: str, limit: int = 200) -> list[AuditEntry]:
        items = self.table.query(f"CUST#{customer_number}", sk_prefix="AUDIT#", forward=False, limit=limit)
        return [_audit(i) for i in items]

    def set_member_email(self, customer_number: str, user_id: str, email: str) -> None:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=_dump({"PK": f"CUST#{customer_number}", "SK": f"MEMBER#{user_id}"}),
                UpdateExpression="SET email = :e",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=_dump({":e": email}),
            )
        except ClientError as error:
            if not _conditional_failed(error):  # removed meanwhile: nothing to update
                raise

    def customers_by_email(self, email: str) -> list[Customer]:
        items = self.table.query(f"CONTACT#{email}", index="GSI1", limit=20)
        return [_customer(i) for i in items if i.get("type") == "customer"]

    def set_pin_hash(self, customer_number: str, pin_hash: str) -> None:
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=_dump({"PK": f"CUST#{customer_number}", "SK": "PROFILE"}),
            UpdateExpression="SET pin_hash = :h",
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues=_dump({":h": pin_hash}),
        )


class DynamoRateLimitStore:
    """Implements services.ratelimit.RateLimitStore with one item per scope and key."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def _key(self, scope: str, key: str) -> dict[str, Any]:
        return _dump({"PK": f"RATE#{scope}#{key}", "SK": "RATE"})

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
                    ExpressionAttributeValues=_dump(
                        {":zero": 0, ":one": 1, ":end": now + window_seconds, ":now": now, ":type": "rate"}
                    ),
                    ReturnValues="ALL_NEW",
                )
                item = _load(resp["Attributes"])
                return int(item["count"]), int(item["window_end"])
            except ClientError as error:
                if not _conditional_failed(error):
                    raise
            # The window is over: start a new one, unless another request just did.
            try:
                self.table.call(
                    "put_item",
                    TableName=self.table.name,
                    Item=_dump(
                        {
                            "PK": f"RATE#{scope}#{key}",
                            "SK": "RATE",
                            "type": "rate",
                            "count": 1,
                            "window_end": now + window_seconds,
                            "expires_at": now + window_seconds,
                        }
                    ),
                    ConditionExpression="window_end <= :now",
                    ExpressionAttributeValues=_dump({":now": now}),
                )
                return 1, now + window_seconds
            except ClientError as error:
                if not _conditional_failed(error):
                    raise
        raise TransientFailure("rate limit counter kept conflicting")  # pragma: no cover - needs 3 lost races in a row

    def peek(self, scope: str, key: str, now: int) -> tuple[int, int]:
        item = self.table.get(f"RATE#{scope}#{key}", "RATE", consistent=True)
        if not item or int(item["window_end"]) <= now:
            return 0, now
        return int(item["count"]), int(item["window_end"])

    def clear(self, scope: str, key: str) -> None:
        self.table.call("delete_item", TableName=self.table.name, Key=self._key(scope, key))


class DynamoProfileStore:
    """Implements services.profile.ProfileStore: bank accounts at (CUST#<no>, BANK)
    and (CUST#<no>, BANK#FAC#<id>), contact requests at (CUST#<no>,
    CONTACT#<iso time>#<id>), contact data and billing address as UpdateItem on
    the customer profile."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def get_bank_account(self, customer_number: str) -> BankAccount | None:
        item = self.table.get(f"CUST#{customer_number}", "BANK")
        return _bank_account(item) if item else None

    def list_bank_accounts(self, customer_number: str) -> list[BankAccount]:
        items = self.table.query(f"CUST#{customer_number}", sk_prefix="BANK")
        return [_bank_account(i) for i in items if i.get("type") == "bank_account"]

    def put_bank_account(self, account: BankAccount) -> None:
        self.table.put(
            {
                "PK": f"CUST#{account.customer_number}",
                "SK": f"BANK#FAC#{account.facility_id}" if account.facility_id else "BANK",
                "type": "bank_account",
                **_bank_fields(account),
                # The account in force until the change date, in the same item.
                "previous": _bank_fields(account.previous) if account.previous is not None else None,
            }
        )

    def delete_facility_bank_account(self, customer_number: str, facility_id: str) -> bool:
        resp = self.table.call(
            "delete_item",
            TableName=self.table.name,
            Key=_dump({"PK": f"CUST#{customer_number}", "SK": f"BANK#FAC#{facility_id}"}),
            ReturnValues="ALL_OLD",
        )
        return bool(resp.get("Attributes"))

    def _update_profile(self, customer_number: str, sets: dict[str, Any]) -> None:
        names = {f"#f{i}": name for i, name in enumerate(sets)}
        values = {f":v{i}": value for i, value in enumerate(sets.values())}
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=_dump({"PK": f"CUST#{customer_number}", "SK": "PROFILE"}),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :v{i}" for i in range(len(sets))),
            ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=_dump(values),
        )

    def update_contact(self, customer_number: str, email: str | None, phone: str | None) -> None:
        sets: dict[str, Any] = {}
        if email:
            # The e-mail index moves with the address (forgotten customer number, staff search).
            sets.update({"email": email, "GSI1PK": f"CONTACT#{email}", "GSI1SK": f"CUST#{customer_number}"})
        if phone:
            sets["phone"] = phone
        if sets:
            self._update_profile(customer_number, sets)

    def update_billing_address(self, customer_number: str, address: Address) -> None:
        self._update_profile(customer_number, {"address": address.model_dump()})

    def add_contact_request(self, request: ContactRequest) -> None:
        at = request.at.isoformat()
        self.table.put(
            {
                "PK": f"CUST#{request.customer_number}",
                "SK": f"CONTACT#{at}#{request.id}",
                "GSI1PK": f"CONTACTREQ#{request.id}",
                "GSI1SK": "CONTACTREQ",
                "GSI2PK": f"CONTACTREQ#{request.status}",
                "GSI2SK": f"{at}#{request.id}",
                "type": "contact_request",
                "id": request.id,
                "customer_number": request.customer_number,
                "at": at,
                "sender": request.sender,
                "subject": request.subject,
                "message": request.message,
                "phone": request.phone,
                "status": request.status,
            }
        )

    def list_contact_requests(
        self, status: str, limit: int, cursor: str | None
    ) -> tuple[list[ContactRequest], str | None]:
        kwargs: dict[str, Any] = {
            "TableName": self.table.name,
            "IndexName": "GSI2",
            "KeyConditionExpression": "GSI2PK = :pk",
            "ExpressionAttributeValues": _dump({":pk": f"CONTACTREQ#{status}"}),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = _decode_cursor(cursor, f"CONTACTREQ#{status}")
        resp = self.table.call("query", **kwargs)
        requests = [_contact_request(_load(i)) for i in resp.get("Items", [])]
        last = resp.get("LastEvaluatedKey")
        return requests, _encode_cursor(_load(last)) if last and len(requests) == limit else None

    def get_contact_request(self, request_id: str) -> ContactRequest | None:
        items = self.table.query(f"CONTACTREQ#{request_id}", index="GSI1", limit=1)
        return _contact_request(items[0]) if items and items[0].get("type") == "contact_request" else None

    def mark_contact_request_handled(self, request: ContactRequest, by: str, at: datetime) -> bool:
        """Mark an open request handled; False when it was handled already."""
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=_dump(
                    {"PK": f"CUST#{request.customer_number}", "SK": f"CONTACT#{request.at.isoformat()}#{request.id}"}
                ),
                UpdateExpression="SET #s = :handled, handled_by = :by, handled_at = :at, GSI2PK = :pk",
                ConditionExpression="attribute_exists(PK) AND #s = :open",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=_dump(
                    {
                        ":handled": "handled",
                        ":open": "open",
                        ":by": by,
                        ":at": at.isoformat(),
                        ":pk": "CONTACTREQ#handled",
                    }
                ),
            )
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise
        return True


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


def _bank_account(item: dict[str, Any]) -> BankAccount:
    previous = item.get("previous")
    return BankAccount(
        previous=_bank_account(previous) if previous else None,
        customer_number=item["customer_number"],
        iban=item["iban"],
        holder=item["holder"],
        valid_from=date.fromisoformat(item["valid_from"]),
        sepa_mandate=bool(item["sepa_mandate"]),
        changed_by=item["changed_by"],
        changed_at=datetime.fromisoformat(item["changed_at"]),
        facility_id=item.get("facility_id"),
    )


def _contact_request(item: dict[str, Any]) -> ContactRequest:
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
            and key["PK"].startswith("CUST#")
            and key["SK"].startswith("CONTACT#")
        )
    except (ValueError, UnicodeDecodeError):
        valid = False
    if not valid:
        raise ValidationFailed(
            "The page link is not valid. Start from the first page.",
            code="cursor_invalid",
            fields=[{"field": "cursor", "code": "cursor_invalid"}],
        )
    return _dump(key)
