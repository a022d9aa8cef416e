"""SMS STARTs waiting for their code (services.sms_agreements), on the single table.

| entity                 | PK                    | SK            | attributes                                             |
|------------------------|-----------------------|---------------|--------------------------------------------------------|
| pending SMS start      | PHONE#<e164>          | SMSSTART      | customer_number, meter_number, code_hash, attempts,    |
|                        |                       |               | expires_at (epoch seconds; also the table's TTL)       |
| codes sent per customer| SMSCODES#<customer>   | DAY#<date>    | count, expires_at (TTL: two days after the day)        |

Access patterns: GetItem/PutItem/DeleteItem of a phone's pending START, an
UpdateItem ADD per wrong code; an UpdateItem ADD per code sent. The phone's
partition also holds its agreements (SK METER#...) and START counters (SK
ATTEMPTS#...), which their queries select by prefix.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters.dynamo import DynamoTable, _dump
from heatportal.services.sms_agreements import PendingStart

COUNTER_DAYS = 2


def pending_start_item(pending: PendingStart) -> dict[str, Any]:
    return {
        "PK": f"PHONE#{pending.phone}",
        "SK": "SMSSTART",
        "type": "sms_start_pending",
        "phone": pending.phone,
        "customer_number": pending.customer_number,
        "meter_number": pending.meter_number,
        "code_hash": pending.code_hash,
        "attempts": pending.attempts,
        "expires_at": int(pending.expires_at.timestamp()),
    }


def _pending_start(item: dict[str, Any]) -> PendingStart:
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
        item = self.table.get(f"PHONE#{phone}", "SMSSTART", consistent=True)
        return _pending_start(item) if item else None

    def count_start_code_attempt(self, phone: str) -> None:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=_dump({"PK": f"PHONE#{phone}", "SK": "SMSSTART"}),
                UpdateExpression="ADD attempts :one",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=_dump({":one": 1}),
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise  # gone meanwhile (used or replaced): nothing to count

    def delete_pending_start(self, phone: str) -> None:
        self.table.call("delete_item", TableName=self.table.name, Key=_dump({"PK": f"PHONE#{phone}", "SK": "SMSSTART"}))

    def count_start_codes(self, customer_number: str, day: date) -> int:
        expires = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=COUNTER_DAYS)
        resp = self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=_dump({"PK": f"SMSCODES#{customer_number}", "SK": f"DAY#{day.isoformat()}"}),
            UpdateExpression="ADD #count :one SET #t = :type, expires_at = :ttl",
            ExpressionAttributeNames={"#count": "count", "#t": "type"},
            ExpressionAttributeValues=_dump({":one": 1, ":type": "sms_start_codes", ":ttl": int(expires.timestamp())}),
            ReturnValues="UPDATED_NEW",
        )
        return int(resp["Attributes"]["count"]["N"])
