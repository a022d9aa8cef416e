"""Reminder agreements, reading links and once-only markers in memory
(``services.sms.SmsAgreementStore``, ``services.reminders.ReminderStore``,
``services.reading_links.ReadingLinkStore``; they share the agreements), with
the semantics of ``adapters.dynamo_readings.DynamoReadingsStore`` (held to it
by tests/contract/ports): agreements keyed by phone (or e-mail) and meter,
listed by meter, channel and address; markers claimed once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from heatportal.domain.reminders import ReadingLink, ReminderAgreement
from heatportal.services.reading_links import ReadingLinkStore
from heatportal.services.reminders import ReminderStore
from heatportal.services.sms import SmsAgreementStore


def _listed(agreement: ReminderAgreement) -> tuple[str, str, str]:
    """The index sort key of an agreement: meter, channel, address."""
    return (agreement.meter_number, agreement.channel, agreement.address)


class InMemoryReminderStore(SmsAgreementStore, ReminderStore, ReadingLinkStore):
    def __init__(self) -> None:
        self.agreements: dict[tuple[str, str], ReminderAgreement] = {}
        self.claims: set[tuple[str, ...]] = set()
        self.attempts: dict[tuple[str, date], int] = {}
        self.links: dict[str, ReadingLink] = {}
        self.counters: dict[tuple[str, str, str], int] = {}

    def put_agreement(self, agreement: ReminderAgreement) -> None:
        self.agreements[(agreement.address, agreement.meter_number)] = agreement

    def agreements_of_customer(self, customer_number: str) -> list[ReminderAgreement]:
        return sorted((a for a in self.agreements.values() if a.customer_number == customer_number), key=_listed)

    def delete_agreement(self, agreement: ReminderAgreement) -> None:
        self.agreements.pop((agreement.address, agreement.meter_number), None)

    def agreements_for_phone(self, phone: str) -> list[ReminderAgreement]:
        return sorted((a for a in self.agreements.values() if a.address == phone and a.channel == "sms"), key=_listed)

    def reminder_agreements(self) -> list[ReminderAgreement]:
        return sorted(self.agreements.values(), key=_listed)

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
