"""Setting up an SMS agreement by text (``KLEM START <customer> <meter>``)
only with the customer's confirmation.

Customer and meter numbers are printed on invoices and meters: anyone holding
an invoice could make their phone a reading channel for somebody else's
meter. So ``START`` sets nothing up. It sends a one-time code to the contact
data on record: by e-mail, or by SMS to the mobile number on record (when
that is the phone asking, the reply itself carries the code). Only ``KLEM
START <code>`` from the same phone, within ``CODE_TTL`` and
``CODE_ATTEMPTS`` tries, sets the agreement up, and the customer is told.
Without any contact data on record the agreement is set up in the portal by
the customer (services.reading_links), where no code is needed.

Codes per customer are limited (``CODES_PER_CUSTOMER_PER_DAY``), so strangers
cannot flood a customer's inbox; tries per phone are limited by the agreement
store's daily START counter.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from heatportal.domain.model import Customer, Language, Meter
from heatportal.domain.phone import normalise_phone
from heatportal.domain.reminders import ReminderAgreement
from heatportal.domain.secrets import hash_secret, verify_secret
from heatportal.domain.sms import ConfirmStart, StartAgreement
from heatportal.ports import Clock, CustomerRepository, SmsSender

START_ATTEMPTS_PER_DAY = 5
CODE_TTL = timedelta(minutes=30)
CODE_ATTEMPTS = 5
CODES_PER_CUSTOMER_PER_DAY = 3

Reply = tuple[str, Language, dict[str, Any]]
"""(the reply's text key without "sms.", its language, its parameters)"""
Texts = Callable[[str, Language, dict[str, Any]], str]


@dataclass(frozen=True)
class PendingStart:
    """A phone's START waiting for its code (only the code's hash is kept)."""

    phone: str
    customer_number: str
    meter_number: str
    code_hash: str
    expires_at: datetime
    attempts: int = 0


class AgreementStore(Protocol):
    """The agreements and the daily START counter per phone (adapters.dynamo_readings)."""

    def put_agreement(self, agreement: ReminderAgreement) -> None: ...

    def agreements_for_phone(self, phone: str) -> list[ReminderAgreement]: ...

    def count_start_attempt(self, phone: str, day: date) -> int:
        """Count one more START attempt of a phone on a day; returns the count."""
        ...


class PendingStartStore(Protocol):
    """STARTs waiting for their code (adapters.dynamo_sms_starts)."""

    def put_pending_start(self, pending: PendingStart) -> None:
        """Store it, replacing the phone's earlier one."""
        ...

    def get_pending_start(self, phone: str) -> PendingStart | None: ...

    def count_start_code_attempt(self, phone: str) -> None: ...

    def delete_pending_start(self, phone: str) -> None: ...

    def count_start_codes(self, customer_number: str, day: date) -> int:
        """Count one more code sent for a customer on a day; returns the count."""
        ...


class SmsAgreementStarts:
    def __init__(
        self,
        customers: CustomerRepository,
        agreements: AgreementStore,
        pending: PendingStartStore,
        clock: Clock,
        sender: SmsSender,
        texts: Texts,
        *,
        keyword: str,
        country: str,
        mail_code: Callable[[Customer, str, str, str], None],
        notify_start: Callable[[Customer, str, str], None] | None = None,
    ) -> None:
        self.customers = customers
        self.agreements = agreements
        self.pending = pending
        self.clock = clock
        self.sender = sender
        self.texts = texts
        self.keyword = keyword.upper()
        self.country = country
        # (customer, phone, meter, code): the code to the customer's e-mail on record.
        self.mail_code = mail_code
        # (customer, phone, meter): a phone now sends readings; the customer is told.
        self.notify_start = notify_start

    def request(self, phone: str, command: StartAgreement, language: Language) -> Reply:
        """``KLEM START <customer> <meter>``: a code to the contact data on record."""
        today = self.clock.today()
        if self.agreements.count_start_attempt(phone, today) > START_ATTEMPTS_PER_DAY:
            return "start_too_many", language, {}
        found = self._meter_in_use(command.customer_number, command.meter_number, today)
        if found is None:
            return "start_mismatch", language, {}
        customer, meter = found
        params = {"meter": meter.number}
        if any(a.meter_number == meter.number for a in self.agreements.agreements_for_phone(phone)):
            return "start_confirmed", customer.language, params  # set up already: nothing to confirm
        phone_on_record = normalise_phone(customer.phone, self.country, strict=True) if customer.phone else None
        if not customer.email and phone_on_record is None:
            return "start_no_contact", customer.language, {}
        if self.pending.count_start_codes(customer.number, today) > CODES_PER_CUSTOMER_PER_DAY:
            return "start_too_many", customer.language, {}
        code = f"{secrets.randbelow(10**6):06d}"
        self.pending.put_pending_start(
            PendingStart(
                phone=phone,
                customer_number=customer.number,
                meter_number=meter.number,
                code_hash=hash_secret(code),
                expires_at=self.clock.now() + CODE_TTL,
            )
        )
        if phone_on_record == phone:
            return "start_code_here", customer.language, {**params, "code": code}
        if customer.email:
            self.mail_code(customer, phone, meter.number, code)
        elif phone_on_record is not None:
            text = self.texts(
                "sms.start_code_for_record",
                customer.language,
                {"keyword": self.keyword, "phone": phone, "code": code, **params},
            )
            self.sender.send(phone_on_record, text)
        return "start_code_sent", customer.language, params

    def confirm(self, phone: str, command: ConfirmStart, language: Language) -> Reply:
        """``KLEM START <code>``: the agreement is set up when the code is right."""
        pending = self.pending.get_pending_start(phone)
        if pending is None:
            # Nothing asked for: most likely a START without its meter number
            # (a Norwegian customer number has six digits, like a code).
            return "start_malformed", language, {}
        if pending.expires_at <= self.clock.now() or pending.attempts >= CODE_ATTEMPTS:
            return "start_code_invalid", language, {}
        if not verify_secret(command.code, pending.code_hash):
            self.pending.count_start_code_attempt(phone)
            return "start_code_invalid", language, {}
        self.pending.delete_pending_start(phone)
        found = self._meter_in_use(pending.customer_number, pending.meter_number, self.clock.today())
        if found is None:  # the meter moved or was removed meanwhile
            return "start_mismatch", language, {}
        customer, meter = found
        self.agreements.put_agreement(
            ReminderAgreement(
                channel="sms",
                address=phone,
                meter_number=meter.number,
                customer_number=customer.number,
                language=customer.language,
            )
        )
        if self.notify_start is not None:
            self.notify_start(customer, phone, meter.number)
        return "start_confirmed", customer.language, {"meter": meter.number}

    def _meter_in_use(self, customer_number: str, meter_number: str, today: date) -> tuple[Customer, Meter] | None:
        """The customer and its meter, if the meter is the customer's and in use;
        any mismatch is one answer (no hint which number was wrong)."""
        meter = self.customers.find_meter(meter_number)
        customer = self.customers.get_customer(customer_number)
        if meter is None or customer is None or meter.customer_number != customer.number:
            return None
        if meter.removed_on is not None and meter.removed_on <= today:
            return None
        return customer, meter
