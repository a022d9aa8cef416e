"""SMS STARTs waiting for their code (services.sms_agreements), on the single
table (keys in adapters.dynamo_keys, documented in docs/data-model.md): a
phone's pending START is one item in the phone's partition (GetItem, PutItem,
DeleteItem; a wrong code one UpdateItem ADD), the codes sent to a customer's
contact data a day one counter item (UpdateItem ADD). Both carry
``expires_at``, the table's TTL attribute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, conditional_check_failed, dump_item
from heatportal.services.sms_agreements import PendingStart

COUNTER_DAYS = 2


def pending_start_item(pending: PendingStart) -> dict[str, Any]:
    return {
        **keys.pending_start(pending.phone).item(),
        "type": "sms_start_pending",
        "phone": pending.phone,
        "customer_number": pending.customer_number,
        "meter_number": pending.meter_number,
        "code_hash": pending.code_hash,
        "attempts": pending.attempts,
        "expires_at": int(pending.expires_at.timestamp()),
    }


def pending_start_from_item(item: dict[str, Any]) -> PendingStart:
    return PendingStart(
        phone=str(item["phone"]),
        customer_number=str(item["customer_number"]),
        meter_number=str(item["meter_number"]),
        code_hash=str(item["code_hash"]),
        expires_at=datetime.fromtimestamp(int(item["expires_at"]), tz=UTC),
        attempts=int(item.get("attempts", 0)),
    )


class DynamoSmsStarts:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    def put_pending_start(self, pending: PendingStart) -> None:
        self.table.put(pending_start_item(pending))

    def get_pending_start(self, phone: str) -> PendingStart | None:
        item = self.table.get(keys.pending_start(phone), consistent=True)
        return pending_start_from_item(item) if item else None

    def count_start_code_attempt(self, phone: str) -> None:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.pending_start(phone).item()),
                UpdateExpression="ADD attempts :one",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=dump_item({":one": 1}),
            )
        except ClientError as error:
            if not conditional_check_failed(error):
                raise  # gone meanwhile (used or replaced): nothing to count

    def delete_pending_start(self, phone: str) -> None:
        self.table.delete(keys.pending_start(phone))

    def count_start_codes(self, customer_number: str, day: date) -> int:
        expires = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=COUNTER_DAYS)
        resp = self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.start_codes_sent(customer_number, day).item()),
            UpdateExpression="ADD #count :one SET #t = :type, expires_at = :ttl",
            ExpressionAttributeNames={"#count": "count", "#t": "type"},
            ExpressionAttributeValues=dump_item(
                {":one": 1, ":type": "sms_start_codes", ":ttl": int(expires.timestamp())}
            ),
            ReturnValues="UPDATED_NEW",
        )
        return int(resp["Attributes"]["count"]["N"])
