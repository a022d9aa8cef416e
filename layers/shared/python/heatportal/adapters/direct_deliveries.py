"""INTERIM: the alerts' and monthly information's e-mail and SMS sent
directly through SES and SNS, each once, until they go through the delivery
outbox (services.delivery) like the invoices do.

A message is recorded before it is sent (a conditional PutItem of
``ALERTOUT#<id>``: queued twice, sent once) and the provider's message id
after; a refused address fails that message only. An SMS held for the quiet
hours stays ``held`` and is sent by ``release_due`` (the next alert run).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import DynamoTable, conditional_check_failed, dump_item
from heatportal.ports import Clock, Mailer, SmsSender
from heatportal.services.alerts.ports import OutboundMessage

HELD = "ALERTOUT#HELD"  # GSI2: SMS waiting for the end of the quiet hours, by the time they may go


class DirectDeliveries:
    def __init__(self, table: DynamoTable, mailer: Mailer, sms: SmsSender, clock: Clock) -> None:
        self.table = table
        self.mailer = mailer
        self.sms = sms
        self.clock = clock

    def queue(self, message: OutboundMessage) -> bool:
        now = self.clock.now()
        held = message.not_before is not None and message.not_before > now
        item: dict[str, Any] = {
            **keys.alert_message(message.id).item(),
            "type": "alert_message",
            "state": "held" if held else "queued",
            "channel": message.channel,
            "recipient": message.to,
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
            "purpose": message.purpose,
            "customer_number": message.customer_number,
            "created_at": now.isoformat(),
        }
        if held:
            assert message.not_before is not None
            item |= {"GSI2PK": HELD, "GSI2SK": f"{keys.instant(message.not_before)}#{message.id}"}
        try:
            self.table.put(item, condition="attribute_not_exists(PK)")
        except ClientError as error:
            if conditional_check_failed(error):
                return False
            raise
        if not held:
            self._send(message.id, message.channel, message.to, message.subject, message.text, message.html)
        return True

    def release_due(self, now: datetime) -> int:
        """Send the held SMS whose quiet hours have ended."""
        due = self.table.query(HELD, index=keys.GSI2, sk_between=("0", f"{keys.instant(now)}~"))
        for item in due:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.alert_message(item["PK"].removeprefix("ALERTOUT#")).item()),
                UpdateExpression="SET #s = :queued REMOVE GSI2PK, GSI2SK",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues=dump_item({":queued": "queued"}),
            )
            self._send(item["PK"].removeprefix("ALERTOUT#"), item["channel"], item["recipient"], "", item["text"], "")
        return len(due)

    def _send(self, message_id: str, channel: str, to: str, subject: str, text: str, html: str) -> None:
        try:
            provider_id = self.sms.send(to, text) if channel == "sms" else self.mailer.send(to, subject, text, html)
            update, values = "SET #s = :sent, provider_message_id = :id", {":sent": "sent", ":id": provider_id}
        except ClientError as error:
            reason = str(error.response.get("Error", {}).get("Message", "refused"))[:300]
            update, values = "SET #s = :failed, reason = :reason", {":failed": "failed", ":reason": reason}
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.alert_message(message_id).item()),
            UpdateExpression=update,
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues=dump_item(values),
        )
