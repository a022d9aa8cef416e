"""Reading reminders: before each billing cut-off (the 1st of the
month), everyone with a reminder agreement for a meter that has no actual
reading for the period gets an SMS or an email, as they chose; at most once
per meter, period and address (a marker is claimed with a conditional put
before sending, and released if sending fails so the next run retries).
An SMS reminder ends with how to stop them (``KLEM STOP``): the phone's
agreement is then deleted, so the next run has nothing to send it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from typing import Any, Protocol

from heatportal.domain.model import BillingPeriod, Language
from heatportal.domain.reminders import ReminderAgreement
from heatportal.ports import Clock, CustomerRepository, Mailer, ReadingRepository, SmsSender

DEFAULT_DAYS_BEFORE = 3
# A reading this many days before the cut-off (or later) counts for the period.
READING_WINDOW_DAYS = 7

Texts = Callable[[str, Language, dict[str, Any]], str]


class ReminderStore(Protocol):
    def reminder_agreements(self) -> list[ReminderAgreement]: ...

    def claim_reminder(self, meter_number: str, period: str, channel: str) -> bool:
        """True exactly once per meter, period and channel key."""
        ...

    def release_reminder(self, meter_number: str, period: str, channel: str) -> None: ...


@dataclass
class ReminderRun:
    period: str | None
    cutoff: date | None
    sent: list[tuple[str, str, str]] = field(default_factory=list)  # (channel, address, meter)
    already_read: int = 0
    already_sent: int = 0
    failed: int = 0


def next_cutoff(today: date) -> date:
    """The billing cut-off on or after ``today``: the 1st of a month."""
    if today.day == 1:
        return today
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


class ReminderService:
    def __init__(
        self,
        customers: CustomerRepository,
        readings: ReadingRepository,
        store: ReminderStore,
        sms: SmsSender,
        mailer: Mailer,
        clock: Clock,
        texts: Texts,
        *,
        keyword: str,
        portal_url: str,
        links: Callable[[ReminderAgreement, str, date], str] | None = None,
    ) -> None:
        self.customers = customers
        self.readings = readings
        self.store = store
        self.sms = sms
        self.mailer = mailer
        self.clock = clock
        self.texts = texts
        self.keyword = keyword.upper()
        self.portal_url = portal_url.rstrip("/")
        # Issues a reading link (token) for an agreement, period and cut-off;
        # without it the email points to the signed-in meter page.
        self.links = links

    def run(self, days_before: int = DEFAULT_DAYS_BEFORE) -> ReminderRun:
        if not 0 <= days_before <= 31:
            raise ValueError("days_before is 0 to 31")
        today = self.clock.today()
        cutoff = next_cutoff(today)
        if (cutoff - today).days > days_before:
            return ReminderRun(period=None, cutoff=None)  # not yet time
        period = BillingPeriod.parse((cutoff - timedelta(days=1)).strftime("%Y-%m")).key
        run = ReminderRun(period=period, cutoff=cutoff)
        window_start = cutoff - timedelta(days=READING_WINDOW_DAYS)
        for agreement in self.store.reminder_agreements():
            meter = self.customers.find_meter(agreement.meter_number)
            if meter is None or meter.customer_number != agreement.customer_number:
                continue  # the meter moved to another customer: the agreement lapsed
            if meter.removed_on is not None and meter.removed_on <= today:
                continue
            recent = self.readings.list_readings(meter.number, window_start, today)
            if any(not r.estimated for r in recent):
                run.already_read += 1
                continue
            marker = f"{agreement.channel}#{agreement.address}"
            if not self.store.claim_reminder(meter.number, period, marker):
                run.already_sent += 1
                continue
            try:
                self._send(agreement, period, cutoff)
            except Exception:  # noqa: BLE001 - one failed address must not stop the others' reminders
                self.store.release_reminder(meter.number, period, marker)
                run.failed += 1
                continue
            run.sent.append((agreement.channel, agreement.address, meter.number))
        return run

    def _send(self, agreement: ReminderAgreement, period: str, cutoff: date) -> None:
        params: dict[str, Any] = {"meter": agreement.meter_number, "keyword": self.keyword, "date": cutoff}
        lang = agreement.language
        if agreement.channel == "sms":
            # Every reminder says how to stop them (the SMS agreement's STOP; carriers ask it too).
            text = f"{self.texts('reminder.sms', lang, params)} {self.texts('reminder.sms_stop', lang, params)}"
            self.sms.send(agreement.address, text)
            return
        if self.links is not None:
            link = f"{self.portal_url}/r/{self.links(agreement, period, cutoff)}"
        else:
            link = f"{self.portal_url}/meters/{agreement.meter_number}"
        params["link"] = link
        subject = self.texts("reminder.email_subject", lang, params)
        text = self.texts("reminder.email_text", lang, params)
        html = f"<p>{escape(text)}</p>"
        self.mailer.send(agreement.address, subject, text, html)
