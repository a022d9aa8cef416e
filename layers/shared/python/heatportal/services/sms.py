"""Readings by SMS: agreements by keyword, readings by reply, and a
confirmation or a clear error reply, in the customer's language, for every
message. The grammar is in ``heatportal.domain.sms``.

Rules:
- ``KLEM START <customer> <meter>`` only asks for an agreement: a code goes to
  the contact data on record, and ``KLEM START <code>`` from the same phone
  sets it up (services.sms_agreements). Any mismatch gets one and the same
  reply (no hint which number was wrong), and a phone gets at most
  ``START_ATTEMPTS_PER_DAY`` tries a day, so numbers cannot be guessed by SMS.
  A phone without an agreement stores nothing, an unusual value confirmed
  with OK included.
- A reading goes through ``ReadingService.record`` (source SMS) like any
  other channel. An unusual value is not stored: the reply asks the sender to
  check it and resend it with ``OK`` at the end, which stores it.
- An inbound message delivered twice (SNS retries) is handled once.
- ``KLEM STOP`` (or the carriers' plain ``STOP``) ends every SMS agreement of
  the phone, ``KLEM STOP <meter>`` the one of that meter; the reminder job
  then sends that phone no more SMS, and its readings by SMS are no longer
  taken. The reply confirms which meters were ended (or says there was none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.model import Language, Meter, ReadingSource
from heatportal.domain.phone import normalise_phone
from heatportal.domain.reminders import ReminderAgreement
from heatportal.domain.sms import (
    ConfirmStart,
    Malformed,
    StartAgreement,
    StopAgreement,
    SubmitReading,
    parse_sms,
)
from heatportal.ports import CustomerRepository, SmsSender
from heatportal.services.readings import ReadingService
from heatportal.services.sms_agreements import SmsAgreementStarts

# (key, language, params) -> text; the composition root passes heatportal.i18n.
Texts = Callable[[str, Language, dict[str, Any]], str]


class SmsAgreementStore(Protocol):
    def put_agreement(self, agreement: ReminderAgreement) -> None: ...

    def delete_agreement(self, agreement: ReminderAgreement) -> None: ...

    def agreements_for_phone(self, phone: str) -> list[ReminderAgreement]: ...

    def claim_inbound(self, message_id: str) -> bool:
        """True the first time a message id is seen."""
        ...

    def release_inbound(self, message_id: str) -> None: ...

    def count_start_attempt(self, phone: str, day: date) -> int:
        """Count one more START attempt of a phone on a day; returns the count."""
        ...


@dataclass(frozen=True)
class SmsOutcome:
    outcome: str  # the reply's text key without "sms.": start_confirmed, reading_confirmed, ...
    phone: str | None
    reply: str | None


class SmsReadingService:
    def __init__(
        self,
        customers: CustomerRepository,
        readings: ReadingService,
        agreements: SmsAgreementStore,
        sender: SmsSender,
        texts: Texts,
        *,
        keyword: str,
        country: str,
        default_language: Language,
        starts: SmsAgreementStarts,
    ) -> None:
        # KLEM START: confirmed with a code sent to the contact data on record.
        self.starts = starts
        self.customers = customers
        self.readings = readings
        self.agreements = agreements
        self.sender = sender
        self.texts = texts
        self.keyword = keyword.upper()
        self.country = country
        self.default_language = default_language

    def handle(self, origination_number: str, body: str, message_id: str | None = None) -> SmsOutcome:
        phone = normalise_phone(origination_number, self.country, strict=True)
        if phone is None:
            return SmsOutcome("invalid_sender", None, None)  # nobody to answer
        if message_id and not self.agreements.claim_inbound(message_id):
            return SmsOutcome("duplicate", phone, None)
        try:
            key, language, params = self._decide(phone, body)
        except Exception:
            # Let the retry of this delivery handle it again.
            if message_id:
                self.agreements.release_inbound(message_id)
            raise
        text = self.texts(f"sms.{key}", language, {"keyword": self.keyword, **params})
        self.sender.send(phone, text)
        return SmsOutcome(key, phone, text)

    def _decide(self, phone: str, body: str) -> tuple[str, Language, dict[str, Any]]:
        command = parse_sms(body, self.keyword)
        known = self.agreements.agreements_for_phone(phone)
        language = known[0].language if known else self.default_language
        if isinstance(command, Malformed):
            if command.stop:
                return "stop_malformed", language, {}
            return ("start_malformed" if command.start else "malformed"), language, {}
        if isinstance(command, StartAgreement):
            return self.starts.request(phone, command, language)
        if isinstance(command, ConfirmStart):
            return self.starts.confirm(phone, command, language)
        if isinstance(command, StopAgreement):
            return self._stop(command, known, language)
        if not known:
            return "unknown_sender", language, {}
        return self._reading(phone, command, known)

    def _stop(
        self, command: StopAgreement, known: list[ReminderAgreement], language: Language
    ) -> tuple[str, Language, dict[str, Any]]:
        if not known:
            return "stop_none", language, {}
        ending = [a for a in known if command.meter_number in (None, a.meter_number)]
        if not ending:
            return "unknown_meter", language, {"meter": command.meter_number}
        for agreement in ending:
            self.agreements.delete_agreement(agreement)
        meters = ", ".join(a.meter_number for a in ending)
        remaining = [a for a in known if a not in ending]
        return ("stop_confirmed_some" if remaining else "stop_confirmed"), ending[0].language, {"meters": meters}

    def _reading(
        self, phone: str, command: SubmitReading, known: list[ReminderAgreement]
    ) -> tuple[str, Language, dict[str, Any]]:
        language = known[0].language
        if command.meter_number is None:
            if len(known) > 1:
                return "which_meter", language, {"meters": ", ".join(a.meter_number for a in known)}
            agreement = known[0]
        else:
            match = [a for a in known if a.meter_number == command.meter_number]
            if not match:
                return "unknown_meter", language, {"meter": command.meter_number}
            agreement = match[0]
        language = agreement.language
        meter = self.customers.find_meter(agreement.meter_number)
        if meter is None or meter.customer_number != agreement.customer_number:
            return "unknown_meter", language, {"meter": agreement.meter_number}
        return self._record(phone, meter, command.value, command.confirmed, language)

    def _record(
        self, phone: str, meter: Meter, value: Decimal, confirmed: bool, language: Language
    ) -> tuple[str, Language, dict[str, Any]]:
        # The value as sent (not localised), so the sender can copy it back with OK.
        params: dict[str, Any] = {"meter": meter.number, "value": str(value), "unit": meter.unit.value}
        try:
            result = self.readings.record(
                meter, value, None, confirmed=confirmed, source=ReadingSource.SMS, recorded_by=f"sms:{phone}"
            )
        except ValidationFailed as error:
            if error.code == "reading_implausible":
                return "implausible", language, params
            return "rejected", language, {**params, "reason": self.texts(f"error.{error.code}", language, error.params)}
        except DomainError as error:  # a different value already stored for today
            return "rejected", language, {**params, "reason": self.texts(f"error.{error.code}", language, error.params)}
        consumption = result.consumption_since_previous
        return (
            "reading_confirmed",
            language,
            {**params, "date": result.reading.read_on, "consumption": consumption if consumption is not None else 0},
        )
