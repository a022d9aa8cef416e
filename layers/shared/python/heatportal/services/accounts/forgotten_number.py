"""A forgotten customer number or PIN letter: the number and a new PIN go to
the e-mail address or mobile number on record, never to anything else; the
answer is the same whether or not something matched, in content and in time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from heatportal.domain.accounts import CodeMessage
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import Language
from heatportal.domain.phone import normalise_phone
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.secrets import hash_secret
from heatportal.ports import Clock, CustomerRepository, SmsSender
from heatportal.services import ratelimit
from heatportal.services.accounts.codes import OneTimeCodes, new_code
from heatportal.services.accounts.common import (
    PUBLIC_ANSWER_FLOOR,
    AccountStore,
    NoPacing,
    Pacer,
    address_key,
    normalize_email,
)
from heatportal.services.ratelimit import RateLimiter

RenderPinSms = Callable[[str, str, Language], str]
"""Text of the SMS with (customer number, PIN) in a language."""


class ForgottenNumberService:
    def __init__(
        self,
        *,
        profile: UtilityProfile,
        customers: CustomerRepository,
        store: AccountStore,
        codes: OneTimeCodes,
        limiter: RateLimiter,
        clock: Clock,
        portal_url: str,
        sms: SmsSender | None = None,
        render_pin_sms: RenderPinSms | None = None,
        pacer: Pacer | None = None,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.store = store
        self.codes = codes
        self.limiter = limiter
        self.clock = clock
        self.portal_url = portal_url.rstrip("/")
        self.sms = sms
        self.render_pin_sms = render_pin_sms
        self.pacer: Pacer = pacer or NoPacing()

    def _phone(self, text: str) -> str | None:
        # Not strict: the number typed is compared with the one on record, which
        # may be older than the numbering plan's current ranges.
        return normalise_phone(text, self.profile.country, strict=False)

    def forgot_customer_number(
        self, email: str | None, phone: str | None, customer_number: str | None, client: str
    ) -> None:
        """Send the customer number and a new PIN to the e-mail address or mobile
        number on record, never to anything else; the answer is the same
        whether or not something matched."""
        now = self.clock.now()
        wanted_email = normalize_email(email) if email and email.strip() else None
        wanted_phone = self._phone(phone) if phone and phone.strip() else None
        if wanted_email is None and wanted_phone is None:
            if phone and phone.strip():
                raise ValidationFailed(
                    "Enter a valid mobile number.",
                    code="phone_invalid",
                    fields=[{"field": "phone", "code": "phone_invalid"}],
                )
            raise ValidationFailed(
                "Enter your e-mail address or mobile number.",
                code="contact_missing",
                fields=[{"field": "email", "code": "contact_missing"}],
            )
        with self.pacer.at_least(PUBLIC_ANSWER_FLOOR):
            self._send_customer_number(wanted_email, wanted_phone, customer_number, client, now)

    def _send_customer_number(
        self,
        wanted_email: str | None,
        wanted_phone: str | None,
        customer_number: str | None,
        client: str,
        now: datetime,
    ) -> None:
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_CLIENT, client, now)
        for address in (wanted_email, wanted_phone):
            if address:
                self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, address_key(address), now)
        number = (customer_number or "").strip()
        if number:
            found = self.customers.get_customer(number)
            candidates = [found] if found else []
        elif wanted_email:
            candidates = self.store.customers_by_email(wanted_email)
        else:
            candidates = []  # a mobile number alone has no index: the number is asked for
        sent = False
        for customer in candidates[:5]:
            by_email = bool(wanted_email and customer.email and customer.email.strip().lower() == wanted_email)
            on_record = self._phone(customer.phone) if customer.phone else None
            by_sms = bool(wanted_phone and on_record == wanted_phone and self.sms and self.render_pin_sms)
            if not (by_email or by_sms):
                continue
            sent = True
            pin = new_code()
            self.store.set_pin_hash(customer.number, hash_secret(pin))
            if by_email and customer.email:
                self.codes.send(
                    CodeMessage(
                        purpose="pin",
                        language=customer.language,
                        recipient=customer.email,
                        code=pin,
                        name=customer.name,
                        customer_number=customer.number,
                        link=f"{self.portal_url}/register",
                    )
                )
            if by_sms and self.sms and self.render_pin_sms and on_record:
                self.sms.send(on_record, self.render_pin_sms(customer.number, pin, customer.language))
        if not sent:
            # The same scrypt work as a new PIN; the pacer evens out the rest.
            hash_secret(new_code())
