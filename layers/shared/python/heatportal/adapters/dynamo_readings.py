"""DynamoDB items of the readings area, on the single table of ``dynamo.py``.

| entity                | PK                | SK                         | GSI2PK / GSI2SK                  |
|-----------------------|-------------------|----------------------------|----------------------------------|
| monthly consumption   | METER#<meter>     | MONTH#<yyyy-mm>            |                                  |
| reminder agreement    | PHONE#<e164>      | METER#<meter>              | REMINDERS / <meter>#sms#<e164>   |
|  (GSI1: REMINDERS#<customer> / <meter>#<channel>#<address>, a customer's agreements)                   |
|                       | EMAIL#<address>   | METER#<meter>              | REMINDERS / <meter>#email#<addr> |
| reminder sent marker  | METER#<meter>     | REMINDED#<period>#<channel>|                                  |
| inbound SMS marker    | SMSIN#<id>        | SMSIN                      |                                  |
| SMS START attempts    | PHONE#<e164>      | ATTEMPTS#<yyyy-mm-dd>      |                                  |
| reading link          | LINK#<sha256>     | LINK                       |                                  |
| smart-meter interval  | METER#<meter>     | INT#<local day>#<utc start>#<hour/day> |                      |
| attempt counter       | COUNT#<scope>#<k> | <window>                   |                                  |
| reading confirmed     | METER#<meter>     | READMAIL#<yyyy-mm-dd>      |                                  |
| reading correction    | METER#<meter>     | READHIST#<yyyy-mm-dd>#<corrected at, UTC ISO> |               |

Access patterns: a year view = Query PK=METER#<m> SK BETWEEN MONTH#<y-1>-01
AND MONTH#<y>-12; total view = Query SK begins_with MONTH#; month view =
Query DAY# of the month + GetItem MONTH# a year earlier; a phone's meters
(inbound SMS) = Query PK=PHONE#<e164>; agreements to remind = Query GSI2
REMINDERS (scheduled job only, paginated); a reminder is sent at most once per
meter, period and channel = conditional PutItem of the marker; an inbound SMS
delivered twice is handled once = conditional PutItem of SMSIN#<id>; a reading
link = GetItem LINK#<sha256 of the token>, used once = conditional UpdateItem;
a day's interval values (import) = Query SK begins_with INT#<day>#;
rate limits = UpdateItem ADD on COUNT#<scope>#<key> / <window>; a reading's
confirmation email is sent once = conditional PutItem of READMAIL#<date>; a
staff correction = one transaction (Put the corrected READ# item if it is
still the version read, Put the READHIST# item if absent); a meter's
corrections = Query PK=METER#<m> SK BETWEEN READHIST#<first> AND
READHIST#<last>~ (``READHIST#`` and ``READMAIL#`` sort after every
``READ#<date>``, so the reading queries never see them). Items that
only matter for a while carry ``expires_at`` (epoch seconds, the table's TTL):
reading links at their expiry, attempt counters two days after their window,
an inbound SMS marker after SNS has long stopped retrying, a reminder marker a
few months after its period (no reminder for a period is sent after it), a
reading's confirmation marker once no retry of that submission can come. The
code never relies on TTL having deleted an item (DynamoDB deletes expired
items within days, and moto never does).

Monthly aggregates are written with the daily values they sum (``put_daily``
recomputes each touched month from its days, so late and corrected days keep
the month right).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from heatportal.adapters.dynamo import DynamoTable, _daily, _dump, daily_item, reading_item
from heatportal.domain.consumption import MonthlyConsumption, month_key, monthly_aggregates
from heatportal.domain.errors import Conflict
from heatportal.domain.model import DailyConsumption, Reading
from heatportal.domain.reading_corrections import ReadingCorrection
from heatportal.domain.reminders import ReadingLink, ReminderAgreement
from heatportal.domain.smart_meter import IntervalValue

# How long the once-only markers are kept (the table's TTL deletes them after).
INBOUND_SMS_MARKER_DAYS = 14  # SNS retries a delivery for hours, not weeks
START_ATTEMPTS_DAYS = 3  # the day counted, one more for time zones, one to spare
CONFIRMATION_MARKER_DAYS = 90  # a retried submission comes within minutes
REMINDER_MARKER_DAYS_AFTER_PERIOD = 92  # about three months after the period ends


def epoch(moment: datetime) -> int:
    """Epoch seconds, the form DynamoDB's TTL attribute must have."""
    return int(moment.timestamp())


def reminder_marker_expiry(period: str) -> int:
    """When the marker of a period's reminders may go: about three months
    after the period ends (its cut-off), long after the last reminder for it."""
    year, month = int(period[:4]), int(period[5:7])
    cutoff = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return epoch(cutoff + timedelta(days=REMINDER_MARKER_DAYS_AFTER_PERIOD))


def month_item(month: MonthlyConsumption) -> dict[str, Any]:
    return {
        "PK": f"METER#{month.meter_number}",
        "SK": f"MONTH#{month.month}",
        "type": "monthly",
        "meter_number": month.meter_number,
        "month": month.month,
        "quantity": month.quantity,
        "days": month.days,
        "degree_days": month.degree_days,
        "volume_m3": month.volume_m3,
    }


def _month(item: dict[str, Any]) -> MonthlyConsumption:
    return MonthlyConsumption(
        meter_number=item["meter_number"],
        month=item["month"],
        quantity=item["quantity"],
        days=int(item["days"]),
        degree_days=item["degree_days"],
        volume_m3=item.get("volume_m3"),
    )


def month_items(rows: Iterable[DailyConsumption]) -> list[dict[str, Any]]:
    """Monthly aggregate items of complete daily data (for bulk loads)."""
    return [month_item(m) for m in monthly_aggregates(rows)]


def agreement_item(agreement: ReminderAgreement) -> dict[str, Any]:
    prefix = "PHONE" if agreement.channel == "sms" else "EMAIL"
    return {
        "PK": f"{prefix}#{agreement.address}",
        "SK": f"METER#{agreement.meter_number}",
        "GSI1PK": f"REMINDERS#{agreement.customer_number}",
        "GSI1SK": f"{agreement.meter_number}#{agreement.channel}#{agreement.address}",
        "GSI2PK": "REMINDERS",
        "GSI2SK": f"{agreement.meter_number}#{agreement.channel}#{agreement.address}",
        "type": "reminder_agreement",
        **agreement.model_dump(),
    }


def _agreement(item: dict[str, Any]) -> ReminderAgreement:
    return ReminderAgreement(
        channel=item["channel"],
        address=item["address"],
        meter_number=item["meter_number"],
        customer_number=item["customer_number"],
        language=item["language"],
    )


def correction_item(correction: ReadingCorrection) -> dict[str, Any]:
    corrected_at = correction.corrected_at.astimezone(UTC).isoformat()
    return {
        "PK": f"METER#{correction.meter_number}",
        "SK": f"READHIST#{correction.read_on.isoformat()}#{corrected_at}",
        "type": "reading_correction",
        "meter_number": correction.meter_number,
        "read_on": correction.read_on.isoformat(),
        "previous_value": correction.previous_value,
        "previous_source": correction.previous_source.value,
        "previous_estimated": correction.previous_estimated,
        "previous_recorded_at": correction.previous_recorded_at.isoformat(),
        "previous_recorded_by": correction.previous_recorded_by,
        "value": correction.value,
        "previous_registers": dict(correction.previous_registers) or None,
        "registers": dict(correction.registers) or None,
        "reason": correction.reason,
        "corrected_at": correction.corrected_at.isoformat(),
        "corrected_by": correction.corrected_by,
        **({"by_customer": True} if correction.by_customer else {}),
    }


def _correction(item: dict[str, Any]) -> ReadingCorrection:
    return ReadingCorrection(
        meter_number=item["meter_number"],
        read_on=date.fromisoformat(item["read_on"]),
        previous_value=item["previous_value"],
        previous_source=item["previous_source"],
        previous_estimated=bool(item.get("previous_estimated", False)),
        previous_recorded_at=datetime.fromisoformat(item["previous_recorded_at"]),
        previous_recorded_by=item.get("previous_recorded_by"),
        value=item["value"],
        previous_registers=dict(item.get("previous_registers") or {}),
        registers=dict(item.get("registers") or {}),
        reason=item["reason"],
        corrected_at=datetime.fromisoformat(item["corrected_at"]),
        corrected_by=item["corrected_by"],
        by_customer=bool(item.get("by_customer", False)),
    )


def _conditional_failed(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoReadingsStore:
    """Consumption aggregates, reminder agreements and once-only markers."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    # consumption
    def months(self, meter_number: str, first: str, last: str) -> list[MonthlyConsumption]:
        items = self.table.query(f"METER#{meter_number}", sk_between=(f"MONTH#{first}", f"MONTH#{last}"))
        return [_month(i) for i in items]

    def month(self, meter_number: str, month: str) -> MonthlyConsumption | None:
        item = self.table.get(f"METER#{meter_number}", f"MONTH#{month}")
        return _month(item) if item else None

    def days(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        last = end - timedelta(days=1)
        items = self.table.query(
            f"METER#{meter_number}", sk_between=(f"DAY#{start.isoformat()}", f"DAY#{last.isoformat()}")
        )
        return [_daily(i) for i in items]

    def put_daily(self, rows: list[DailyConsumption]) -> list[MonthlyConsumption]:
        """Store daily values (a corrected day overwrites the old one), then
        recompute the monthly aggregate of every month touched."""
        self.table.batch_put([daily_item(r) for r in rows])
        months = sorted({(r.meter_number, month_key(r.day)) for r in rows})
        written = []
        for meter, key in months:
            year, number = int(key[:4]), int(key[5:])
            start = date(year, number, 1)
            end = date(year + number // 12, number % 12 + 1, 1)
            aggregate = monthly_aggregates(self.days(meter, start, end))
            if aggregate:
                self.table.put(month_item(aggregate[0]))
                written.append(aggregate[0])
        return written

    # reminder agreements
    def put_agreement(self, agreement: ReminderAgreement) -> None:
        self.table.put(agreement_item(agreement))

    def agreements_of_customer(self, customer_number: str) -> list[ReminderAgreement]:
        return [_agreement(i) for i in self.table.query(f"REMINDERS#{customer_number}", index="GSI1")]

    def delete_agreement(self, agreement: ReminderAgreement) -> None:
        item = agreement_item(agreement)
        self.table.call(
            "delete_item",
            TableName=self.table.name,
            Key={"PK": {"S": item["PK"]}, "SK": {"S": item["SK"]}},
        )

    def agreements_for_phone(self, phone: str) -> list[ReminderAgreement]:
        return [_agreement(i) for i in self.table.query(f"PHONE#{phone}", sk_prefix="METER#")]

    def reminder_agreements(self) -> list[ReminderAgreement]:
        return [_agreement(i) for i in self.table.query("REMINDERS", index="GSI2")]

    # once-only markers
    def claim_reminder(self, meter_number: str, period: str, channel: str) -> bool:
        return self._claim(
            {
                "PK": f"METER#{meter_number}",
                "SK": f"REMINDED#{period}#{channel}",
                "type": "reminded",
                "at": datetime.now(UTC).isoformat(),
                "expires_at": reminder_marker_expiry(period),
            }
        )

    def release_reminder(self, meter_number: str, period: str, channel: str) -> None:
        self.table.call(
            "delete_item",
            TableName=self.table.name,
            Key={"PK": {"S": f"METER#{meter_number}"}, "SK": {"S": f"REMINDED#{period}#{channel}"}},
        )

    def release_inbound(self, message_id: str) -> None:
        self.table.call(
            "delete_item", TableName=self.table.name, Key={"PK": {"S": f"SMSIN#{message_id}"}, "SK": {"S": "SMSIN"}}
        )

    def count_start_attempt(self, phone: str, day: date) -> int:
        resp = self.table.call(
            "update_item",
            TableName=self.table.name,
            Key={"PK": {"S": f"PHONE#{phone}"}, "SK": {"S": f"ATTEMPTS#{day.isoformat()}"}},
            UpdateExpression="ADD attempts :one SET #t = :type, expires_at = :ttl",
            ExpressionAttributeNames={"#t": "type"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":type": {"S": "sms_start_attempts"},
                ":ttl": {
                    "N": str(epoch(datetime(day.year, day.month, day.day, tzinfo=UTC)) + START_ATTEMPTS_DAYS * 86400)
                },
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(resp["Attributes"]["attempts"]["N"])

    def claim_inbound(self, message_id: str) -> bool:
        now = datetime.now(UTC)
        return self._claim(
            {
                "PK": f"SMSIN#{message_id}",
                "SK": "SMSIN",
                "type": "sms_in",
                "at": now.isoformat(),
                "expires_at": epoch(now + timedelta(days=INBOUND_SMS_MARKER_DAYS)),
            }
        )

    def _claim(self, item: dict[str, Any]) -> bool:
        try:
            self.table.put(item, condition="attribute_not_exists(PK)")
            return True
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise

    # reading links
    def put_link(self, link: ReadingLink) -> None:
        self.table.put(
            {
                "PK": f"LINK#{link.token_hash}",
                "SK": "LINK",
                "type": "reading_link",
                "customer_number": link.customer_number,
                "meter_number": link.meter_number,
                "language": link.language,
                "period": link.period,
                "expires_iso": link.expires_at.isoformat(),
                "expires_at": epoch(link.expires_at),  # the table's TTL attribute
            },
            condition="attribute_not_exists(PK)",
        )

    def get_link(self, token_hash: str) -> ReadingLink | None:
        item = self.table.get(f"LINK#{token_hash}", "LINK", consistent=True)
        if item is None:
            return None
        return ReadingLink(
            token_hash=token_hash,
            customer_number=item["customer_number"],
            meter_number=item["meter_number"],
            language=item["language"],
            period=item["period"],
            expires_at=datetime.fromisoformat(item["expires_iso"]),
            used_at=datetime.fromisoformat(item["used_at"]) if item.get("used_at") else None,
        )

    def claim_link(self, token_hash: str, now: datetime) -> bool:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key={"PK": {"S": f"LINK#{token_hash}"}, "SK": {"S": "LINK"}},
                UpdateExpression="SET used_at = :now",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(used_at)",
                ExpressionAttributeValues={":now": {"S": now.isoformat()}},
            )
            return True
        except ClientError as error:
            if _conditional_failed(error):
                return False
            raise

    def release_link(self, token_hash: str) -> None:
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key={"PK": {"S": f"LINK#{token_hash}"}, "SK": {"S": "LINK"}},
            UpdateExpression="REMOVE used_at",
        )

    def count(self, scope: str, key: str, window: str) -> int:
        resp = self.table.call(
            "update_item",
            TableName=self.table.name,
            Key={"PK": {"S": f"COUNT#{scope}#{key}"}, "SK": {"S": window}},
            UpdateExpression="ADD hits :one SET #t = :type, expires_at = :ttl",
            ExpressionAttributeNames={"#t": "type"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":type": {"S": "attempts"},
                ":ttl": {"N": str(int(datetime.now(UTC).timestamp()) + 2 * 86400)},
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(resp["Attributes"]["hits"]["N"])

    # smart-meter intervals
    def intervals_of_day(self, meter_number: str, day: date) -> list[IntervalValue]:
        items = self.table.query(f"METER#{meter_number}", sk_prefix=f"INT#{day.isoformat()}#")
        return [
            IntervalValue(
                meter_number=i["meter_number"],
                start=datetime.fromisoformat(i["start"]),
                interval=i["interval"],
                day=date.fromisoformat(i["day"]),
                energy=i.get("energy"),
                volume_m3=i.get("volume_m3"),
                flow_m3h=i.get("flow_m3h"),
                supply_temp=i.get("supply_temp"),
                return_temp=i.get("return_temp"),
            )
            for i in items
        ]

    def put_intervals(self, values: list[IntervalValue]) -> None:
        self.table.batch_put(
            [
                {
                    "PK": f"METER#{v.meter_number}",
                    "SK": f"INT#{v.day.isoformat()}#{v.key}",
                    "type": "interval",
                    "meter_number": v.meter_number,
                    "start": v.start.isoformat(),
                    "interval": v.interval,
                    "day": v.day.isoformat(),
                    "energy": v.energy,
                    "volume_m3": v.volume_m3,
                    "flow_m3h": v.flow_m3h,
                    "supply_temp": v.supply_temp,
                    "return_temp": v.return_temp,
                }
                for v in values
            ]
        )

    # reading confirmations and corrections
    def claim_confirmation(self, meter_number: str, read_on: date) -> bool:
        return self._claim(
            {
                "PK": f"METER#{meter_number}",
                "SK": f"READMAIL#{read_on.isoformat()}",
                "type": "reading_confirmed",
                "at": datetime.now(UTC).isoformat(),
                "expires_at": epoch(datetime.now(UTC) + timedelta(days=CONFIRMATION_MARKER_DAYS)),
            }
        )

    def release_confirmation(self, meter_number: str, read_on: date) -> None:
        self.table.call(
            "delete_item",
            TableName=self.table.name,
            Key={"PK": {"S": f"METER#{meter_number}"}, "SK": {"S": f"READMAIL#{read_on.isoformat()}"}},
        )

    def replace_reading(self, current: Reading, corrected: Reading, correction: ReadingCorrection) -> None:
        try:
            self.table.call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": _dump(reading_item(corrected)),
                            # Optimistic: still the version the correction was made against.
                            "ConditionExpression": "#v = :value AND recorded_at = :recorded_at",
                            "ExpressionAttributeNames": {"#v": "value"},
                            "ExpressionAttributeValues": _dump(
                                {":value": current.value, ":recorded_at": current.recorded_at.isoformat()}
                            ),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": _dump(correction_item(correction)),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                ],
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            raise Conflict(
                "The reading was changed in the meantime. Please reload and try again.",
                code="reading_changed",
                params={"date": current.read_on.isoformat()},
            ) from error

    def corrections(self, meter_number: str, start: date, end: date) -> list[ReadingCorrection]:
        items = self.table.query(
            f"METER#{meter_number}",
            sk_between=(f"READHIST#{start.isoformat()}", f"READHIST#{end.isoformat()}#~"),
        )
        return [_correction(i) for i in items]
