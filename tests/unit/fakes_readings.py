"""In-memory stand-ins for the readings area's store (adapters/dynamo_readings.py),
with the same semantics: monthly aggregates recomputed from the days written,
markers claimed once, agreements keyed by phone (or email) and meter."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from heatportal.domain.consumption import MonthlyConsumption, month_key, monthly_aggregates
from heatportal.domain.model import DailyConsumption
from heatportal.domain.reminders import ReadingLink, ReminderAgreement
from heatportal.domain.smart_meter import IntervalValue


class InMemoryReadingsStore:
    def __init__(self) -> None:
        self.daily: dict[tuple[str, date], DailyConsumption] = {}
        self.monthly: dict[tuple[str, str], MonthlyConsumption] = {}
        self.agreements: dict[tuple[str, str], ReminderAgreement] = {}
        self.claims: set[tuple[str, ...]] = set()
        self.attempts: dict[tuple[str, date], int] = {}
        self.intervals: dict[tuple[str, str], IntervalValue] = {}
        self.links: dict[str, ReadingLink] = {}
        self.counters: dict[tuple[str, str, str], int] = {}

    def months(self, meter_number: str, first: str, last: str) -> list[MonthlyConsumption]:
        return [m for (n, k), m in sorted(self.monthly.items()) if n == meter_number and first <= k <= last]

    def month(self, meter_number: str, month: str) -> MonthlyConsumption | None:
        return self.monthly.get((meter_number, month))

    def days(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        return [d for (n, day), d in sorted(self.daily.items()) if n == meter_number and start <= day < end]

    def put_daily(self, rows: list[DailyConsumption]) -> list[MonthlyConsumption]:
        for row in rows:
            self.daily[(row.meter_number, row.day)] = row
        written = []
        for meter, key in sorted({(r.meter_number, month_key(r.day)) for r in rows}):
            same = [d for (n, day), d in self.daily.items() if n == meter and month_key(day) == key]
            aggregate = monthly_aggregates(same)[0]
            self.monthly[(meter, key)] = aggregate
            written.append(aggregate)
        return written

    def put_agreement(self, agreement: ReminderAgreement) -> None:
        self.agreements[(agreement.address, agreement.meter_number)] = agreement

    def agreements_of_customer(self, customer_number: str) -> list[ReminderAgreement]:
        return [a for _, a in sorted(self.agreements.items()) if a.customer_number == customer_number]

    def delete_agreement(self, agreement: ReminderAgreement) -> None:
        self.agreements.pop((agreement.address, agreement.meter_number), None)

    def agreements_for_phone(self, phone: str) -> list[ReminderAgreement]:
        return [a for (address, _), a in sorted(self.agreements.items()) if address == phone and a.channel == "sms"]

    def reminder_agreements(self) -> list[ReminderAgreement]:
        return [a for _, a in sorted(self.agreements.items())]

    def claim_reminder(self, meter_number: str, period: str, channel: str) -> bool:
        return self._claim(("reminder", meter_number, period, channel))

    def release_reminder(self, meter_number: str, period: str, channel: str) -> None:
        self.claims.discard(("reminder", meter_number, period, channel))

    def release_inbound(self, message_id: str) -> None:
        self.claims.discard(("inbound", message_id))

    def count_start_attempt(self, phone: str, day: date) -> int:
        self.attempts[(phone, day)] = self.attempts.get((phone, day), 0) + 1
        return self.attempts[(phone, day)]

    def claim_inbound(self, message_id: str) -> bool:
        return self._claim(("inbound", message_id))

    def _claim(self, key: tuple[str, ...]) -> bool:
        if key in self.claims:
            return False
        self.claims.add(key)
        return True

    def intervals_of_day(self, meter_number: str, day: date) -> list[IntervalValue]:
        return [v for (n, _), v in sorted(self.intervals.items()) if n == meter_number and v.day == day]

    def put_intervals(self, values: list[IntervalValue]) -> None:
        for value in values:
            self.intervals[(value.meter_number, value.key)] = value

    def put_link(self, link: ReadingLink) -> None:
        self.links[link.token_hash] = link

    def get_link(self, token_hash: str) -> ReadingLink | None:
        return self.links.get(token_hash)

    def claim_link(self, token_hash: str, now: datetime) -> bool:
        link = self.links.get(token_hash)
        if link is None or link.used_at is not None:
            return False
        self.links[token_hash] = replace(link, used_at=now)
        return True

    def release_link(self, token_hash: str) -> None:
        self.links[token_hash] = replace(self.links[token_hash], used_at=None)

    def count(self, scope: str, key: str, window: str) -> int:
        self.counters[(scope, key, window)] = self.counters.get((scope, key, window), 0) + 1
        return self.counters[(scope, key, window)]


class RecordingSms:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> str:
        self.sent.append((phone, text))
        return f"sms-{len(self.sent)}"
