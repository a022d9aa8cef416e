"""DynamoDB items of the readings area, on the single table of ``dynamo.py``:
monthly consumption, reminder agreements and their once-only markers, inbound
SMS, reading links, smart-meter intervals, attempt counters, reading
confirmations and corrections (keys and access patterns in
docs/data-model.md, built by ``adapters.dynamo_keys``).

Items that only matter for a while carry ``expires_at`` (epoch seconds, the
table's TTL): reading links at their expiry, attempt counters two days after
their window, an inbound SMS marker after SNS has long stopped retrying, a
reminder marker a few months after its period (no reminder for a period is
sent after it), a reading's confirmation marker once no retry of that
submission can come. The code never relies on TTL having deleted an item
(DynamoDB deletes expired items within days, and moto never does).

Monthly aggregates are written with the daily values they sum (``put_daily``
recomputes each touched month from its days, so late and corrected days keep
the month right).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo import (
    DynamoTable,
    conditional_check_failed,
    daily_from_item,
    daily_item,
    dump_item,
    reading_item,
)
from heatportal.domain.consumption import MonthlyConsumption, month_key, monthly_aggregates
from heatportal.domain.errors import Conflict
from heatportal.domain.model import DailyConsumption, Reading
from heatportal.domain.reading_corrections import ReadingCorrection
from heatportal.domain.reminders import ReadingLink, ReminderAgreement
from heatportal.domain.smart_meter import IntervalValue, start_key

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
        **keys.month(month.meter_number, month.month).item(),
        "type": "monthly",
        "meter_number": month.meter_number,
        "month": month.month,
        "quantity": month.quantity,
        "days": month.days,
        "degree_days": month.degree_days,
        "volume_m3": month.volume_m3,
        "cooling_degree_days": month.cooling_degree_days or None,
        "estimated_days": month.estimated_days or None,
        "corrected_days": month.corrected_days or None,
    }


def month_from_item(item: dict[str, Any]) -> MonthlyConsumption:
    return MonthlyConsumption(
        meter_number=item["meter_number"],
        month=item["month"],
        quantity=item["quantity"],
        days=int(item["days"]),
        degree_days=item["degree_days"],
        volume_m3=item.get("volume_m3"),
        cooling_degree_days=item.get("cooling_degree_days") or Decimal(0),
        estimated_days=int(item.get("estimated_days") or 0),
        corrected_days=int(item.get("corrected_days") or 0),
    )


def month_items(rows: Iterable[DailyConsumption]) -> list[dict[str, Any]]:
    """Monthly aggregate items of complete daily data (for bulk loads)."""
    return [month_item(m) for m in monthly_aggregates(rows)]


def agreement_item(agreement: ReminderAgreement) -> dict[str, Any]:
    listed = (agreement.meter_number, agreement.channel, agreement.address)
    return {
        **keys.agreement(agreement.channel, agreement.address, agreement.meter_number).item(),
        **keys.by_customer_agreement(agreement.customer_number, *listed).item(),
        **keys.agreement_to_remind(*listed).item(),
        "type": "reminder_agreement",
        **agreement.model_dump(),
    }


def agreement_from_item(item: dict[str, Any]) -> ReminderAgreement:
    return ReminderAgreement(
        channel=item["channel"],
        address=item["address"],
        meter_number=item["meter_number"],
        customer_number=item["customer_number"],
        language=item["language"],
    )


def correction_item(correction: ReadingCorrection) -> dict[str, Any]:
    return {
        **keys.reading_correction(correction.meter_number, correction.read_on, correction.corrected_at).item(),
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


def correction_from_item(item: dict[str, Any]) -> ReadingCorrection:
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


def reading_link_item(link: ReadingLink) -> dict[str, Any]:
    return {
        **keys.reading_link(link.token_hash).item(),
        "type": "reading_link",
        "customer_number": link.customer_number,
        "meter_number": link.meter_number,
        "language": link.language,
        "period": link.period,
        "expires_iso": link.expires_at.isoformat(),
        "expires_at": epoch(link.expires_at),  # the table's TTL attribute
        "used_at": link.used_at.isoformat() if link.used_at else None,
    }


def reading_link_from_item(item: dict[str, Any], token_hash: str) -> ReadingLink:
    return ReadingLink(
        token_hash=token_hash,
        customer_number=item["customer_number"],
        meter_number=item["meter_number"],
        language=item["language"],
        period=item["period"],
        expires_at=datetime.fromisoformat(item["expires_iso"]),
        used_at=datetime.fromisoformat(item["used_at"]) if item.get("used_at") else None,
    )


def interval_item(value: IntervalValue) -> dict[str, Any]:
    return {
        **keys.interval(value.meter_number, value.day, value.key).item(),
        "type": "interval",
        "meter_number": value.meter_number,
        "start": value.start.isoformat(),
        "interval": value.interval,
        "day": value.day.isoformat(),
        "energy": value.energy,
        "volume_m3": value.volume_m3,
        "flow_m3h": value.flow_m3h,
        "supply_temp": value.supply_temp,
        "return_temp": value.return_temp,
        # Absent means measured (items written before quality was recorded).
        "quality": None if value.quality == "measured" else value.quality,
    }


def interval_from_item(item: dict[str, Any]) -> IntervalValue:
    return IntervalValue(
        meter_number=item["meter_number"],
        start=datetime.fromisoformat(item["start"]),
        interval=item["interval"],
        day=date.fromisoformat(item["day"]),
        energy=item.get("energy"),
        volume_m3=item.get("volume_m3"),
        flow_m3h=item.get("flow_m3h"),
        supply_temp=item.get("supply_temp"),
        return_temp=item.get("return_temp"),
        quality=item.get("quality") or "measured",
    )


class DynamoReadingsStore:
    """Consumption aggregates, reminder agreements and once-only markers."""

    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    # consumption
    def months(self, meter_number: str, first: str, last: str) -> list[MonthlyConsumption]:
        items = self.table.query(keys.meter_pk(meter_number), sk_between=keys.months_between(first, last))
        return [month_from_item(i) for i in items]

    def month(self, meter_number: str, month: str) -> MonthlyConsumption | None:
        item = self.table.get(keys.month(meter_number, month))
        return month_from_item(item) if item else None

    def days(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        last = end - timedelta(days=1)
        items = self.table.query(keys.meter_pk(meter_number), sk_between=keys.days_between(start, last))
        return [daily_from_item(i) for i in items]

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
        items = self.table.query(keys.reminders_of_pk(customer_number), index=keys.GSI1)
        return [agreement_from_item(i) for i in items]

    def delete_agreement(self, agreement: ReminderAgreement) -> None:
        self.table.delete(keys.agreement(agreement.channel, agreement.address, agreement.meter_number))

    def agreements_for_phone(self, phone: str) -> list[ReminderAgreement]:
        items = self.table.query(keys.address_pk("sms", phone), sk_prefix=keys.AGREEMENTS)
        return [agreement_from_item(i) for i in items]

    def reminder_agreements(self) -> list[ReminderAgreement]:
        return [agreement_from_item(i) for i in self.table.query(keys.REMINDERS, index=keys.GSI2)]

    # once-only markers
    def claim_reminder(self, meter_number: str, period: str, channel: str) -> bool:
        return self._claim(
            {
                **keys.reminder_sent(meter_number, period, channel).item(),
                "type": "reminded",
                "at": datetime.now(UTC).isoformat(),
                "expires_at": reminder_marker_expiry(period),
            }
        )

    def release_reminder(self, meter_number: str, period: str, channel: str) -> None:
        self.table.delete(keys.reminder_sent(meter_number, period, channel))

    def release_inbound(self, message_id: str) -> None:
        self.table.delete(keys.inbound_sms(message_id))

    def count_start_attempt(self, phone: str, day: date) -> int:
        resp = self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.start_attempts(phone, day).item()),
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
                **keys.inbound_sms(message_id).item(),
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
            if conditional_check_failed(error):
                return False
            raise

    # reading links
    def put_link(self, link: ReadingLink) -> None:
        self.table.put(reading_link_item(link), condition="attribute_not_exists(PK)")

    def get_link(self, token_hash: str) -> ReadingLink | None:
        item = self.table.get(keys.reading_link(token_hash), consistent=True)
        return reading_link_from_item(item, token_hash) if item else None

    def claim_link(self, token_hash: str, now: datetime) -> bool:
        try:
            self.table.call(
                "update_item",
                TableName=self.table.name,
                Key=dump_item(keys.reading_link(token_hash).item()),
                UpdateExpression="SET used_at = :now",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(used_at)",
                ExpressionAttributeValues={":now": {"S": now.isoformat()}},
            )
            return True
        except ClientError as error:
            if conditional_check_failed(error):
                return False
            raise

    def release_link(self, token_hash: str) -> None:
        self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.reading_link(token_hash).item()),
            UpdateExpression="REMOVE used_at",
        )

    def count(self, scope: str, key: str, window: str) -> int:
        resp = self.table.call(
            "update_item",
            TableName=self.table.name,
            Key=dump_item(keys.attempt_counter(scope, key, window).item()),
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
        items = self.table.query(keys.meter_pk(meter_number), sk_prefix=keys.intervals_of(day))
        return [interval_from_item(i) for i in items]

    def intervals_between(self, meter_number: str, first: date, last: date) -> list[IntervalValue]:
        items = self.table.query(keys.meter_pk(meter_number), sk_between=keys.intervals_between(first, last))
        return sorted((interval_from_item(i) for i in items), key=lambda v: v.start)

    def put_intervals(self, values: list[IntervalValue]) -> None:
        self.table.batch_put([interval_item(v) for v in values])

    def intervals_starting(
        self, meter_number: str, start: datetime, end: datetime, timezone: str
    ) -> list[IntervalValue]:
        """Interval values (hourly and daily) starting in [start, end), in start
        order: one Query on the meter's partition (``keys.intervals_starting``)."""
        zone = ZoneInfo(timezone)
        bounds = keys.intervals_starting(
            (start.astimezone(zone).date(), start_key(start)), (end.astimezone(zone).date(), start_key(end))
        )
        items = self.table.query(keys.meter_pk(meter_number), sk_between=bounds)
        return [interval_from_item(i) for i in items]

    # reading confirmations and corrections
    def claim_confirmation(self, meter_number: str, read_on: date) -> bool:
        return self._claim(
            {
                **keys.reading_confirmed(meter_number, read_on).item(),
                "type": "reading_confirmed",
                "at": datetime.now(UTC).isoformat(),
                "expires_at": epoch(datetime.now(UTC) + timedelta(days=CONFIRMATION_MARKER_DAYS)),
            }
        )

    def release_confirmation(self, meter_number: str, read_on: date) -> None:
        self.table.delete(keys.reading_confirmed(meter_number, read_on))

    def replace_reading(self, current: Reading, corrected: Reading, correction: ReadingCorrection) -> None:
        try:
            self.table.call(
                "transact_write_items",
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": dump_item(reading_item(corrected)),
                            # Optimistic: still the version the correction was made against.
                            "ConditionExpression": "#v = :value AND recorded_at = :recorded_at",
                            "ExpressionAttributeNames": {"#v": "value"},
                            "ExpressionAttributeValues": dump_item(
                                {":value": current.value, ":recorded_at": current.recorded_at.isoformat()}
                            ),
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": dump_item(correction_item(correction)),
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
        items = self.table.query(keys.meter_pk(meter_number), sk_between=keys.corrections_between(start, end))
        return [correction_from_item(i) for i in items]
