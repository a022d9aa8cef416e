"""DynamoDB adapter for the delivery outbox (keys in docs/data-model.md).

A delivery is one item, ``DELIVERY#<id>``; every change of its state is one
conditional request, so two senders can never both claim it. A group
(``OUTBOX#<group>``) counts its deliveries queued, sent and failed, in the
same transaction as the change that moves a count, and keeps one item per
failed delivery, so a bill run's page reads its deliveries in two requests.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, conditional_check_failed, dump_item, load_item
from heatportal.domain.delivery import Attachment, Delivery, DeliveryCounts, DeliveryState, short_reason

# Puts per transaction: a delivery carries its rendered text (a few KB), and a
# transaction carries at most 4 MB and 100 actions (one is the group's count).
DELIVERIES_PER_TRANSACTION = 50


def delivery_item(delivery: Delivery) -> dict[str, Any]:
    return {
        **keys.delivery(delivery.id).item(),
        "type": "delivery",
        "id": delivery.id,
        "channel": delivery.channel,
        "recipient": delivery.recipient,
        "subject": delivery.subject,
        "text": delivery.text,
        "html": delivery.html or None,
        "attachments": json.dumps([a.model_dump() for a in delivery.attachments]) if delivery.attachments else None,
        "group": delivery.group or None,
        "customer_number": delivery.customer_number,
        "state": delivery.state.value,
        "attempt": delivery.attempt,
        "claimed_at": delivery.claimed_at.isoformat() if delivery.claimed_at else None,
        "message_id": delivery.message_id,
        "reason": delivery.reason,
        "created_at": delivery.created_at.isoformat(),
        "updated_at": delivery.updated_at.isoformat() if delivery.updated_at else None,
    }


def delivery_from_item(item: dict[str, Any]) -> Delivery:
    def moment(name: str) -> datetime | None:
        return datetime.fromisoformat(item[name]) if item.get(name) else None

    return Delivery(
        id=item["id"],
        channel=item["channel"],
        recipient=item["recipient"],
        subject=item.get("subject", ""),
        text=item["text"],
        html=item.get("html") or "",
        attachments=tuple(Attachment(**a) for a in json.loads(item.get("attachments") or "[]")),
        group=item.get("group") or "",
        customer_number=item.get("customer_number"),
        state=DeliveryState(item["state"]),
        attempt=int(item.get("attempt", 0)),
        claimed_at=moment("claimed_at"),
        message_id=item.get("message_id"),
        reason=item.get("reason"),
        created_at=datetime.fromisoformat(item["created_at"]),
        updated_at=moment("updated_at"),
    )


class DynamoDeliveryStore:
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    # --- queuing ---------------------------------------------------------------------------------------
    def add(self, deliveries: Sequence[Delivery]) -> list[Delivery]:
        added: list[Delivery] = []
        unique = list({d.id: d for d in deliveries}.values())
        for start in range(0, len(unique), DELIVERIES_PER_TRANSACTION):
            added += self._add_chunk(unique[start : start + DELIVERIES_PER_TRANSACTION])
        return added

    def _add_chunk(self, todo: list[Delivery]) -> list[Delivery]:
        while todo:
            actions = [
                {
                    "Put": {
                        "TableName": self.table.name,
                        "Item": dump_item(delivery_item(d)),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
                for d in todo
            ]
            groups: dict[str, int] = {}
            for d in todo:
                if d.group:
                    groups[d.group] = groups.get(d.group, 0) + 1
            actions += [self._count(group, queued=n) for group, n in groups.items()]
            try:
                self.table.call("transact_write_items", TransactItems=actions)
                return todo
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
                stored = {todo[k].id for k, r in enumerate(reasons[: len(todo)]) if r == "ConditionalCheckFailed"}
                if not stored:
                    raise
                todo = [d for d in todo if d.id not in stored]  # queued before (a rerun): stored once
        return []

    # --- reading ------------------------------------------------------------------------------------------
    def get(self, delivery_id: str) -> Delivery | None:
        item = self.table.get(keys.delivery(delivery_id), consistent=True)
        return delivery_from_item(item) if item else None

    def get_many(self, delivery_ids: Sequence[str]) -> dict[str, Delivery]:
        found = self.table.batch_get([keys.delivery(i) for i in delivery_ids], consistent=True)
        return {item["id"]: delivery_from_item(item) for item in found.values()}

    def group_counts(self, group: str) -> DeliveryCounts:
        item = self.table.get(keys.delivery_group(group), consistent=True) or {}
        return DeliveryCounts(
            queued=int(item.get("queued", 0)), sent=int(item.get("sent", 0)), failed=int(item.get("failed", 0))
        )

    def group_failures(self, group: str, limit: int) -> list[Delivery]:
        items = self.table.query(keys.outbox_group_pk(group), sk_prefix=keys.DELIVERY_FAILURES, limit=limit)
        found = self.get_many([i["delivery_id"] for i in items])
        return [found[i["delivery_id"]] for i in items if i["delivery_id"] in found]

    # --- sending ------------------------------------------------------------------------------------------
    def claim(self, delivery_id: str, now: datetime, stale_before: datetime) -> tuple[bool, Delivery | None]:
        try:
            resp = self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.delivery(delivery_id).item()),
                UpdateExpression="SET #s = :sending, attempt = attempt + :one, claimed_at = :now, updated_at = :now",
                ConditionExpression="#s = :queued OR (#s = :sending AND claimed_at < :stale)",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues=dump_item(
                    {
                        ":sending": DeliveryState.SENDING.value,
                        ":queued": DeliveryState.QUEUED.value,
                        ":one": 1,
                        ":now": now.isoformat(),
                        ":stale": stale_before.isoformat(),
                    }
                ),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not conditional_check_failed(error):
                raise
            old: dict[str, Any] | None = error.response.get("Item")  # type: ignore[assignment]  # botocore's loose typing
            return False, delivery_from_item(load_item(old)) if old else None
        return True, delivery_from_item(load_item(resp["Attributes"]))

    def mark_sent(self, delivery: Delivery, message_id: str, now: datetime) -> None:
        """Counted once: only the change from ``sending`` on this attempt counts
        (the provider's event may have recorded it first)."""
        self.table.transact(
            [
                self._update(
                    delivery.id,
                    "SET #s = :sent, message_id = :mid, updated_at = :now REMOVE reason",
                    "#s = :sending AND attempt = :attempt",
                    {
                        ":sent": DeliveryState.SENT.value,
                        ":sending": DeliveryState.SENDING.value,
                        ":mid": message_id,
                        ":now": now.isoformat(),
                        ":attempt": delivery.attempt,
                    },
                ),
                *self._counted(delivery.group, sent=1),
            ]
        )

    def confirm_sent(self, delivery_id: str, message_id: str, now: datetime) -> None:
        delivery = self.get(delivery_id)
        if delivery is None or delivery.state in (DeliveryState.SENT, DeliveryState.FAILED):
            return
        self.table.transact(
            [
                self._update(
                    delivery.id,
                    "SET #s = :sent, message_id = :mid, updated_at = :now",
                    "#s = :seen",
                    {
                        ":sent": DeliveryState.SENT.value,
                        ":seen": delivery.state.value,
                        ":mid": message_id,
                        ":now": now.isoformat(),
                    },
                ),
                *self._counted(delivery.group, sent=1),
            ]
        )

    def mark_failed(self, delivery: Delivery, reason: str, now: datetime) -> None:
        """From whatever state it is in now (a bounce arrives after ``sent``);
        counted once, and moved out of ``sent`` if it was counted there."""
        current = self.get(delivery.id)
        if current is None or current.state == DeliveryState.FAILED:
            return
        reason = short_reason(reason)
        actions = [
            self._update(
                current.id,
                "SET #s = :failed, reason = :reason, updated_at = :now",
                "#s = :seen AND attempt = :attempt",
                {
                    ":failed": DeliveryState.FAILED.value,
                    ":seen": current.state.value,
                    ":attempt": current.attempt,
                    ":reason": reason,
                    ":now": now.isoformat(),
                },
            ),
            *self._counted(current.group, failed=1, sent=-1 if current.state == DeliveryState.SENT else 0),
        ]
        if current.group:
            failure = {
                **keys.delivery_group_failure(current.group, current.id).item(),
                "type": "delivery_failure",
                "delivery_id": current.id,
                "reason": reason,
            }
            actions.append({"Put": {"TableName": self.table.name, "Item": dump_item(failure)}})
        self.table.transact(actions)

    def release(self, delivery: Delivery, reason: str, now: datetime) -> None:
        try:
            self.table.call(
                "update_item",
                **self._update(
                    delivery.id,
                    "SET #s = :queued, reason = :reason, updated_at = :now",
                    "#s = :sending AND attempt = :attempt",
                    {
                        ":queued": DeliveryState.QUEUED.value,
                        ":sending": DeliveryState.SENDING.value,
                        ":attempt": delivery.attempt,
                        ":reason": short_reason(reason),
                        ":now": now.isoformat(),
                    },
                )["Update"],
            )
        except ClientError as error:
            if not conditional_check_failed(error):
                raise

    # --- helpers ------------------------------------------------------------------------------------------
    def _update(self, delivery_id: str, expression: str, condition: str, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self.table.name,
                "Key": dump_item(keys.delivery(delivery_id).item()),
                "UpdateExpression": expression,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": {"#s": "state"},
                "ExpressionAttributeValues": dump_item(values),
            }
        }

    def _count(self, group: str, **counts: int) -> dict[str, Any]:
        moved = {name: n for name, n in counts.items() if n}
        return {
            "Update": {
                "TableName": self.table.name,
                "Key": dump_item(keys.delivery_group(group).item()),
                "UpdateExpression": "SET #t = :type ADD " + ", ".join(f"#{n} :{n}" for n in moved),
                "ExpressionAttributeNames": {"#t": "type", **{f"#{n}": n for n in moved}},
                "ExpressionAttributeValues": dump_item(
                    {":type": "delivery_group", **{f":{n}": c for n, c in moved.items()}}
                ),
            }
        }

    def _counted(self, group: str, **counts: int) -> list[dict[str, Any]]:
        return [self._count(group, **counts)] if group and any(counts.values()) else []
