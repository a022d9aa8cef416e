"""DynamoDB items of alerts and notifications, on the single table (keys and
access patterns in docs/data-model.md, built by ``adapters.dynamo_keys``):
a facility's alert settings and evaluation state (both also listed on GSI2
``ALERTS`` for the daily evaluation), the portal's notifications with the
customer's inbox counters and each person's seen counters, and the monthly
consumption information; SMS held for the quiet hours (GSI2 ``HELDSMS`` by
the time they may go, until they are released to the delivery outbox).

What the evaluation tells is written in one transaction: the facility's new
state, each notification if it is not there yet, and the facility's inbox
counter moved from the value the evaluation read. A second run (or a retry)
for the same day finds its notifications there and the transaction refused:
nothing is told twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, conditional_check_failed, dump_item
from heatportal.adapters.dynamo_readings import epoch
from heatportal.domain.alerts import AlertRule, AlertSettings, AlertState, Episode
from heatportal.domain.consumption_info import ConsumptionInfo, ConsumptionInfoLine
from heatportal.domain.notifications import Notification
from heatportal.services.alerts.ports import OutboundMessage

HELD_KEPT = timedelta(days=30)  # a held SMS's item, long after it went to the outbox
COUNTER = "n#"  # an inbox or seen item's counter attributes: n#<facility id> (n#* for the whole customer)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def rule_item(rule: AlertRule) -> dict[str, Any]:
    return {
        "supply": rule.supply.value,
        "measure": rule.measure.value,
        "summer": rule.summer,
        "winter": rule.winter,
        "percent": rule.percent,
        "days": rule.days,
        "hours": rule.hours,
        "channels": sorted(c.value for c in rule.channels),
    }


def rule_from_item(item: dict[str, Any]) -> AlertRule:
    return AlertRule(
        supply=item["supply"],
        measure=item["measure"],
        summer=item.get("summer"),
        winter=item.get("winter"),
        percent=item.get("percent"),
        days=int(item["days"]) if item.get("days") is not None else None,
        hours=int(item["hours"]) if item.get("hours") is not None else None,
        channels=frozenset(item["channels"]),
    )


def alert_settings_item(settings: AlertSettings) -> dict[str, Any]:
    return {
        **keys.alert_settings(settings.customer_number, settings.facility_id).item(),
        **keys.alert_settings_listed(settings.customer_number, settings.facility_id).item(),
        "type": "alert_settings",
        "customer_number": settings.customer_number,
        "facility_id": settings.facility_id,
        "rules": [rule_item(r) for r in settings.rules],
        "email_to": list(settings.email_to),
        "sms_to": list(settings.sms_to),
        "updated_at": settings.updated_at.isoformat(),
        "updated_by": settings.updated_by,
    }


def alert_settings_from_item(item: dict[str, Any]) -> AlertSettings:
    return AlertSettings(
        customer_number=item["customer_number"],
        facility_id=item["facility_id"],
        rules=tuple(rule_from_item(r) for r in item.get("rules") or []),
        email_to=tuple(item.get("email_to") or ()),
        sms_to=tuple(item.get("sms_to") or ()),
        updated_at=datetime.fromisoformat(item["updated_at"]),
        updated_by=item["updated_by"],
    )


def alert_state_item(state: AlertState) -> dict[str, Any]:
    return {
        **keys.alert_state(state.customer_number, state.facility_id).item(),
        **keys.alert_state_listed(state.customer_number, state.facility_id).item(),
        "type": "alert_state",
        "customer_number": state.customer_number,
        "facility_id": state.facility_id,
        "evaluated_through": _iso(state.evaluated_through),
        "episodes": {
            key: {"since": e.since.isoformat(), "value": e.value, "threshold": e.threshold}
            for key, e in state.episodes.items()
        },
    }


def alert_state_from_item(item: dict[str, Any]) -> AlertState:
    return AlertState(
        customer_number=item["customer_number"],
        facility_id=item["facility_id"],
        evaluated_through=_day(item.get("evaluated_through")),
        episodes={
            key: Episode(since=date.fromisoformat(e["since"]), value=e["value"], threshold=e["threshold"])
            for key, e in (item.get("episodes") or {}).items()
        },
    )


def notification_item(notification: Notification) -> dict[str, Any]:
    return {
        **keys.notification(notification.customer_number, notification.id).item(),
        "type": "notification",
        "customer_number": notification.customer_number,
        "id": notification.id,
        "kind": notification.kind,
        "facility_id": notification.facility_id,
        "facility_name": notification.facility_name,
        "day": notification.day.isoformat(),
        "created_at": notification.created_at.isoformat(),
        "seq": notification.seq,
        "meter_number": notification.meter_number,
        "supply": notification.supply.value if notification.supply else None,
        "measure": notification.measure.value if notification.measure else None,
        "value": notification.value,
        "threshold": notification.threshold,
        "season": notification.season.value if notification.season else None,
        "since": _iso(notification.since),
        "expected": notification.expected,
        "actual": notification.actual,
        "month": notification.month,
    }


def notification_from_item(item: dict[str, Any]) -> Notification:
    return Notification(
        customer_number=item["customer_number"],
        id=item["id"],
        kind=item["kind"],
        facility_id=item.get("facility_id"),
        facility_name=item.get("facility_name"),
        day=date.fromisoformat(item["day"]),
        created_at=datetime.fromisoformat(item["created_at"]),
        seq=int(item.get("seq", 0)),
        meter_number=item.get("meter_number"),
        supply=item.get("supply"),
        measure=item.get("measure"),
        value=item.get("value"),
        threshold=item.get("threshold"),
        season=item.get("season"),
        since=_day(item.get("since")),
        expected=item.get("expected"),
        actual=item.get("actual"),
        month=item.get("month"),
    )


def counters_from_item(item: dict[str, Any] | None) -> dict[str, int]:
    """An inbox's or a person's seen counters, by facility id (``*``: the whole customer)."""
    if not item:
        return {}
    return {name.removeprefix(COUNTER): int(value) for name, value in item.items() if name.startswith(COUNTER)}


def seen_item(customer_number: str, user_id: str, counters: Mapping[str, int]) -> dict[str, Any]:
    return {
        **keys.inbox_seen(customer_number, user_id).item(),
        "type": "inbox_seen",
        "user_id": user_id,
        **{f"{COUNTER}{key}": value for key, value in counters.items()},
    }


def consumption_info_item(info: ConsumptionInfo) -> dict[str, Any]:
    return {
        **keys.consumption_info(info.customer_number, info.month).item(),
        "type": "consumption_info",
        "customer_number": info.customer_number,
        "month": info.month,
        "created_at": info.created_at.isoformat(),
        "lines": [line.model_dump(mode="python") | {"kind": line.kind.value} for line in info.lines],
    }


def consumption_info_from_item(item: dict[str, Any]) -> ConsumptionInfo:
    return ConsumptionInfo(
        customer_number=item["customer_number"],
        month=item["month"],
        created_at=datetime.fromisoformat(item["created_at"]),
        lines=tuple(ConsumptionInfoLine.model_validate(line) for line in item.get("lines") or []),
    )


def held_message_item(message: OutboundMessage) -> dict[str, Any]:
    assert message.not_before is not None, "only a message with a time to wait for is held"
    return {
        **keys.held_message(message.id).item(),
        **keys.held_until(message.not_before, message.id).item(),
        "type": "held_message",
        "id": message.id,
        "channel": message.channel,
        "recipient": message.to,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "not_before": message.not_before.isoformat(),
        "customer_number": message.customer_number,
        "purpose": message.purpose,
        "expires_at": epoch(message.not_before + HELD_KEPT),  # the table's TTL attribute
    }


def held_message_from_item(item: dict[str, Any]) -> OutboundMessage:
    return OutboundMessage(
        id=item["id"],
        channel=item["channel"],
        to=item["recipient"],
        subject=item.get("subject", ""),
        text=item["text"],
        html=item.get("html", ""),
        not_before=datetime.fromisoformat(item["not_before"]),
        customer_number=item.get("customer_number"),
        purpose=item.get("purpose", "alert"),
    )


class DynamoAlertStore:
    """Implements the alert and notification ports of ``services.alerts``."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    # settings
    def settings_of(self, customer_number: str) -> list[AlertSettings]:
        items = self.table.query(keys.customer_pk(customer_number), sk_prefix=keys.ALERT_SETTINGS)
        return [alert_settings_from_item(i) for i in items]

    def put_settings(self, settings: AlertSettings) -> None:
        self.table.put(alert_settings_item(settings))

    # the evaluation
    def to_evaluate(self) -> list[tuple[AlertSettings, AlertState | None]]:
        """Every facility with alert settings and its state (GSI2 ``ALERTS``, paginated)."""
        settings: dict[tuple[str, str], AlertSettings] = {}
        states: dict[tuple[str, str], AlertState] = {}
        for item in self.table.query(keys.ALERTS, index=keys.GSI2):
            where = (item["customer_number"], item["facility_id"])
            if item["type"] == "alert_settings":
                settings[where] = alert_settings_from_item(item)
            elif item["type"] == "alert_state":
                states[where] = alert_state_from_item(item)
        return [(s, states.get(where)) for where, s in settings.items()]

    def record(
        self,
        state: AlertState,
        previous: AlertState | None,
        notifications: list[Notification],
        inbox: Mapping[str, int],
    ) -> bool:
        put: dict[str, Any] = {"TableName": self.table.name, "Item": dump_item(alert_state_item(state))}
        # Still the state the evaluation started from: a run at the same time loses.
        if previous is None:
            put["ConditionExpression"] = "attribute_not_exists(PK)"
        elif previous.evaluated_through is None:
            put["ConditionExpression"] = "attribute_not_exists(evaluated_through)"
        else:
            put["ConditionExpression"] = "evaluated_through = :through"
            put["ExpressionAttributeValues"] = dump_item({":through": previous.evaluated_through.isoformat()})
        return self.table.transact([{"Put": put}, *self._told(state.customer_number, notifications, inbox)])

    def _told(self, customer_number: str, notifications: list[Notification], inbox: Mapping[str, int]) -> list[Any]:
        """The transaction items that store notifications once and move their inbox counters."""
        if not notifications:
            return []
        writes: list[Any] = [
            {
                "Put": {
                    "TableName": self.table.name,
                    "Item": dump_item(notification_item(n)),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
            for n in notifications
        ]
        moved = {n.facility_key: n.seq for n in notifications}
        names = {"#t": "type", **{f"#n{i}": f"{COUNTER}{key}" for i, key in enumerate(moved)}}
        values: dict[str, Any] = {":type": "alert_inbox"}
        sets, conditions = ["#t = :type"], []
        for i, (key, after) in enumerate(moved.items()):
            values[f":new{i}"] = after
            sets.append(f"#n{i} = :new{i}")
            before = inbox.get(key, 0)
            if before:
                values[f":old{i}"] = before
                conditions.append(f"#n{i} = :old{i}")
            else:
                conditions.append(f"attribute_not_exists(#n{i})")
        writes.append(
            {
                "Update": {
                    "TableName": self.table.name,
                    "Key": dump_item(keys.alert_inbox(customer_number).item()),
                    "UpdateExpression": "SET " + ", ".join(sets),
                    "ConditionExpression": " AND ".join(conditions),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": dump_item(values),
                }
            }
        )
        return writes

    # notifications
    def notifications(self, customer_number: str, limit: int) -> list[Notification]:
        items = self.table.query(
            keys.customer_pk(customer_number), sk_prefix=keys.NOTIFICATIONS, forward=False, limit=limit
        )
        return [notification_from_item(i) for i in items]

    def inbox(self, customer_number: str) -> dict[str, int]:
        return counters_from_item(self.table.get(keys.alert_inbox(customer_number), consistent=True))

    def mark_seen(self, customer_number: str, user_id: str, counters: Mapping[str, int]) -> None:
        self.table.put(seen_item(customer_number, user_id, counters))

    # monthly consumption information
    def put_consumption_info(self, info: ConsumptionInfo, notification: Notification, inbox: Mapping[str, int]) -> bool:
        """The month's information, its notification and the inbox counter, once per customer and month."""
        return self.table.transact(
            [
                {
                    "Put": {
                        "TableName": self.table.name,
                        "Item": dump_item(consumption_info_item(info)),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                *self._told(info.customer_number, [notification], inbox),
            ]
        )

    def consumption_info(self, customer_number: str, month: str) -> ConsumptionInfo | None:
        item = self.table.get(keys.consumption_info(customer_number, month))
        return consumption_info_from_item(item) if item else None

    def consumption_info_months(self, customer_number: str, limit: int) -> list[str]:
        items = self.table.query(
            keys.customer_pk(customer_number), sk_prefix=keys.CONSUMPTION_INFO, forward=False, limit=limit
        )
        return [str(i["month"]) for i in items]

    # SMS held for the quiet hours
    def hold(self, message: OutboundMessage) -> bool:
        try:
            self.table.put(held_message_item(message), condition="attribute_not_exists(PK)")
        except ClientError as error:
            if conditional_check_failed(error):
                return False
            raise
        return True

    def due(self, now: datetime) -> list[OutboundMessage]:
        items = self.table.query(keys.HELD_SMS, index=keys.GSI2, sk_between=("0", f"{keys.instant(now)}~"))
        return [held_message_from_item(i) for i in items]

    def released(self, message_ids: Sequence[str]) -> None:
        """Off the list of those waiting; the item stays, so the message is held once."""
        for message_id in message_ids:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.held_message(message_id).item()),
                UpdateExpression="SET released = :yes REMOVE GSI2PK, GSI2SK",
                ConditionExpression="attribute_exists(PK)",
                ExpressionAttributeValues=dump_item({":yes": True}),
            )
