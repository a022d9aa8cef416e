"""The customer's profile (seeds 000 and 003): personal data on record, e-mail
and phone on record, billing address and bank account (both require the
password and send a confirmation e-mail), and the contact form."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Protocol

from heatportal.domain.accounts import BankAccount, ContactRequest
from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.model import Address, Customer, Language, Role
from heatportal.domain.profile import UtilityProfile
from heatportal.ports import Clock, CustomerRepository, Mailer
from heatportal.services import ratelimit
from heatportal.services.access import AccessService, Principal
from heatportal.services.accounts import IdentityAdmin, normalize_email
from heatportal.services.ratelimit import RateLimiter

SEPA_CURRENCIES = frozenset({"EUR"})


class ProfileStore(Protocol):
    def get_bank_account(self, customer_number: str) -> BankAccount | None: ...

    def put_bank_account(self, account: BankAccount) -> None: ...

    def update_contact(self, customer_number: str, email: str | None, phone: str | None) -> None: ...

    def update_billing_address(self, customer_number: str, address: Address) -> None: ...

    def add_contact_request(self, request: ContactRequest) -> None: ...


RenderNotice = Callable[[str, Language, str, list[tuple[str, str]]], tuple[str, str, str]]
"""(kind, language, customer name, facts) -> (subject, text, html) of a confirmation e-mail."""


def _field_error(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields=[{"field": field, "code": code}])


class ProfileService:
    def __init__(
        self,
        *,
        profile: UtilityProfile,
        customers: CustomerRepository,
        store: ProfileStore,
        identity: IdentityAdmin,
        access: AccessService,
        limiter: RateLimiter,
        mailer: Mailer,
        render_notice: RenderNotice,
        clock: Clock,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.store = store
        self.identity = identity
        self.access = access
        self.limiter = limiter
        self.mailer = mailer
        self.render_notice = render_notice
        self.clock = clock

    def _customer(self, customer_number: str) -> Customer:
        customer = self.customers.get_customer(customer_number)
        if customer is None:  # pragma: no cover - the access check found a membership for it
            raise NotFound("Customer not found.", code="not_found")
        return customer

    def _require_password(self, principal: Principal, password: str) -> None:
        key = principal.email.lower()
        now = self.clock.now()
        self.limiter.check(ratelimit.LOGIN_PER_USERNAME, key, now)
        if not self.identity.password_matches(principal.email, password):
            self.limiter.hit(ratelimit.LOGIN_PER_USERNAME, key, now)
            raise _field_error("password", "old_password_wrong", "The current password is wrong.")

    def _confirm(self, customer: Customer, kind: str, facts: list[tuple[str, str]], also: str | None = None) -> None:
        subject, text, html = self.render_notice(kind, customer.language, customer.name, facts)
        for recipient in dict.fromkeys(r for r in (customer.email, also) if r):
            self.mailer.send(recipient, subject, text, html)

    def view(self, principal: Principal, customer_number: str) -> tuple[Customer, BankAccount | None]:
        self.access.require(principal, customer_number, Role.READ)
        return self._customer(customer_number), self.store.get_bank_account(customer_number)

    def change_contact(
        self, principal: Principal, customer_number: str, email: str | None, phone: str | None
    ) -> Customer:
        """The e-mail and phone on record (seed 000 Personalia); not the sign-in e-mail."""
        self.access.require(principal, customer_number, Role.FULL)
        new_email = normalize_email(email) if email and email.strip() else None
        new_phone = None
        if phone and phone.strip():
            new_phone = self._phone(phone)
            if new_phone is None:
                raise _field_error("phone", "phone_invalid", "Enter a valid mobile number.")
        self.store.update_contact(customer_number, new_email, new_phone)
        return self._customer(customer_number)

    def _phone(self, value: str) -> str | None:
        import phonenumbers

        try:
            parsed = phonenumbers.parse(value, self.profile.country)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(parsed):
            return None
        return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))

    def change_billing_address(
        self, principal: Principal, customer_number: str, address: Address, password: str
    ) -> Customer:
        self.access.require(principal, customer_number, Role.FULL)
        if not re.fullmatch(self.profile.postcode_pattern, address.postcode):
            raise _field_error("postcode", "postcode_invalid", "Check the postcode.")
        self._require_password(principal, password)
        self.store.update_billing_address(customer_number, address)
        customer = self._customer(customer_number)
        self._confirm(
            customer,
            "billing_address",
            [("address", f"{address.street}, {address.postcode} {address.city}")],
            also=principal.email,
        )
        return customer

    def change_bank_account(
        self,
        principal: Principal,
        customer_number: str,
        *,
        iban: str,
        holder: str,
        valid_from: date,
        sepa_mandate: bool,
        password: str,
    ) -> BankAccount:
        from stdnum import iban as iban_numbers
        from stdnum.exceptions import ValidationError

        self.access.require(principal, customer_number, Role.FULL)
        try:
            compact = str(iban_numbers.validate(iban))
        except ValidationError as error:
            raise _field_error("iban", "iban_invalid", "Check the IBAN.") from error
        if not holder.strip():
            raise _field_error("holder", "validation_failed", "Enter the account holder.")
        if valid_from < self.clock.today():
            raise _field_error("valid_from", "bank_date_past", "The change date cannot be in the past.")
        if self.profile.currency in SEPA_CURRENCIES and not sepa_mandate:
            raise _field_error("sepa_mandate", "sepa_consent_required", "The SEPA mandate needs your consent.")
        self._require_password(principal, password)
        account = BankAccount(
            customer_number=customer_number,
            iban=compact,
            holder=holder.strip(),
            valid_from=valid_from,
            sepa_mandate=sepa_mandate,
            changed_by=principal.email,
            changed_at=self.clock.now(),
        )
        self.store.put_bank_account(account)
        self._confirm(
            self._customer(customer_number),
            "bank_account",
            [("iban", iban_numbers.format(compact)), ("valid_from", valid_from.isoformat())],
            also=principal.email,
        )
        return account

    def contact(
        self, principal: Principal, customer_number: str, subject: str, message: str, phone: str
    ) -> ContactRequest:
        self.access.require(principal, customer_number, Role.READ)
        if not subject.strip() or not message.strip():
            raise _field_error("message" if subject.strip() else "subject", "validation_failed", "Required.")
        normalized = self._phone(phone)
        if normalized is None:
            raise _field_error("phone", "phone_invalid", "Enter a valid phone number.")
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, f"contact-{customer_number}", self.clock.now())
        request = ContactRequest(
            customer_number=customer_number,
            at=self.clock.now(),
            sender=principal.email,
            subject=subject.strip()[:200],
            message=message.strip()[:5000],
            phone=normalized,
        )
        self.store.add_contact_request(request)
        customer = self._customer(customer_number)
        subject_line, text, html = self.render_notice(
            "contact", customer.language, customer.name, [("subject", request.subject), ("phone", normalized)]
        )
        self.mailer.send(principal.email, subject_line, text, html)
        return request
