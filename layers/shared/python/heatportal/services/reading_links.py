"""Reminder agreements set up in the profile, and reading by emailed link
without login.

- An agreement says how a person is reminded for one meter: by SMS (the same
  phone may then answer with ``KLEM``) or by email.
- Every email reminder carries a fresh link for the reading period: a random
  token (256 bits) of which only the SHA-256 is stored, for one meter, valid
  until ten days after the cut-off, usable for one accepted reading. The link
  page shows the meter number and the last reading date only, no name or
  address. Submissions are rate-limited per token and per client address.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.contact import email_address
from heatportal.domain.errors import NotFound, RateLimited, ValidationFailed
from heatportal.domain.model import Language, Meter, Reading, ReadingSource, Role
from heatportal.domain.phone import normalise_phone
from heatportal.domain.reminders import Channel, ReadingLink, ReminderAgreement
from heatportal.ports import CustomerRepository
from heatportal.services.access import Scope
from heatportal.services.readings import ReadingService, SubmittedReading

LINK_VALID_DAYS_AFTER_CUTOFF = 10
SUBMITS_PER_TOKEN_PER_HOUR = 10
SUBMITS_PER_CLIENT_PER_HOUR = 60


class ReadingLinkStore(Protocol):
    def put_agreement(self, agreement: ReminderAgreement) -> None: ...

    def agreements_of_customer(self, customer_number: str) -> list[ReminderAgreement]: ...

    def delete_agreement(self, agreement: ReminderAgreement) -> None: ...

    def put_link(self, link: ReadingLink) -> None: ...

    def get_link(self, token_hash: str) -> ReadingLink | None: ...

    def claim_link(self, token_hash: str, now: datetime) -> bool:
        """Mark the link used; False when it was used already."""
        ...

    def release_link(self, token_hash: str) -> None: ...

    def count(self, scope: str, key: str, window: str) -> int:
        """Count one attempt in a named window; returns the count so far."""
        ...


@dataclass(frozen=True)
class LinkForm:
    meter: Meter
    language: Language
    period: str
    last_reading: Reading | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ReadingLinkService:
    def __init__(
        self,
        customers: CustomerRepository,
        readings: ReadingService,
        store: ReadingLinkStore,
        *,
        country: str,
    ) -> None:
        self.customers = customers
        self.readings = readings
        self.store = store
        self.country = country

    # --- agreements (profile) ------------------------------------------------------
    def set_up_agreement(
        self, scope: Scope, meter_number: str, channel: Channel, address: str | None
    ) -> ReminderAgreement:
        scope.require(Role.FULL)
        customer_number = scope.customer_number
        meter = scope.meter(meter_number)
        customer = scope.record.customer
        if customer is None:
            raise NotFound("This customer does not exist.", code="meter_not_found")
        if channel == "sms":
            phone = normalise_phone(address or customer.phone or "", self.country, strict=True)
            if phone is None:
                raise ValidationFailed(
                    "Enter a valid mobile number.",
                    code="reminder_phone_invalid",
                    fields=[{"field": "address", "code": "reminder_phone_invalid"}],
                )
            target = phone
        else:
            target = email_address(address or customer.email or "", field="address", code="reminder_email_invalid")
        agreement = ReminderAgreement(
            channel=channel,
            address=target,
            meter_number=meter.number,
            customer_number=customer_number,
            language=customer.language,
        )
        self.store.put_agreement(agreement)
        return agreement

    def list_agreements(self, scope: Scope) -> list[ReminderAgreement]:
        scope.require(Role.READ)
        return self.store.agreements_of_customer(scope.customer_number)

    def remove_agreement(self, scope: Scope, meter_number: str, channel: Channel, address: str) -> None:
        """End an agreement of this customer (others' agreements are not found)."""
        scope.require(Role.FULL)
        for agreement in self.store.agreements_of_customer(scope.customer_number):
            if (agreement.meter_number, agreement.channel, agreement.address) == (meter_number, channel, address):
                self.store.delete_agreement(agreement)
                return
        raise NotFound("There is no such reminder.", code="reminder_not_found")

    # --- links -------------------------------------------------------------------
    def issue(self, agreement: ReminderAgreement, period: str, cutoff: date) -> str:
        """A new link for one meter and reading period; returns the token (never stored)."""
        token = secrets.token_urlsafe(32)
        expires = cutoff + timedelta(days=LINK_VALID_DAYS_AFTER_CUTOFF)
        self.store.put_link(
            ReadingLink(
                token_hash=hash_token(token),
                customer_number=agreement.customer_number,
                meter_number=agreement.meter_number,
                language=agreement.language,
                period=period,
                expires_at=datetime(expires.year, expires.month, expires.day, tzinfo=self.readings.clock.now().tzinfo),
            )
        )
        return token

    def _valid(self, token: str) -> tuple[ReadingLink, Meter]:
        link = self.store.get_link(hash_token(token))
        now = self.readings.clock.now()
        if link is None or link.expires_at <= now:
            raise NotFound("This reading link is not valid (any more).", code="reading_link_invalid")
        if link.used_at is not None:
            raise NotFound("This reading link has been used.", code="reading_link_used")
        meter = self.customers.find_meter(link.meter_number)
        if meter is None or meter.customer_number != link.customer_number:
            raise NotFound("This reading link is not valid (any more).", code="reading_link_invalid")
        return link, meter

    def form(self, token: str) -> LinkForm:
        link, meter = self._valid(token)
        return LinkForm(meter, link.language, link.period, self.readings.readings.latest_reading(meter.number))

    def submit(
        self, token: str, value: Decimal, read_on: date | None, *, confirmed: bool, client: str
    ) -> SubmittedReading:
        now = self.readings.clock.now()
        window = now.strftime("%Y-%m-%dT%H")
        token_hash = hash_token(token)
        if (
            self.store.count("link-client", client, window) > SUBMITS_PER_CLIENT_PER_HOUR
            or self.store.count("link-token", token_hash, window) > SUBMITS_PER_TOKEN_PER_HOUR
        ):
            raise RateLimited(
                "Too many attempts. Please wait and try again.",
                code="rate_limited",
                params={"retry_after": 3600 - now.minute * 60 - now.second, "minutes": 60 - now.minute},
            )
        _link, meter = self._valid(token)
        if not self.store.claim_link(token_hash, now):
            raise NotFound("This reading link has been used.", code="reading_link_used")
        try:
            return self.readings.record(
                meter, value, read_on, confirmed=confirmed, source=ReadingSource.LINK, recorded_by="link"
            )
        except Exception:
            # A refused value (or a failure) leaves the link usable for the correction.
            self.store.release_link(token_hash)
            raise
