"""The customer's profile: personal data on record, e-mail
and phone on record, billing address and bank account (both require the
password and send a confirmation e-mail), optionally a different bank account
per facility, and the contact form, whose requests customer service lists and
marks handled.

Which account pays: invoices are collective, one per customer and period (see
services.billing), so the customer's own account is the one for the invoice;
a facility's own account overrides it for that facility
(``account_for_facility``), which is what a per-facility collection uses."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal, Protocol

from heatportal.domain.accounts import BankAccount, ContactRequest, account_for_facility
from heatportal.domain.contact import phone_number, plain_text
from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Address, Customer, Facility, Language, Role
from heatportal.domain.profile import UtilityProfile
from heatportal.ports import Clock, CustomerRepository, Mailer
from heatportal.services import ratelimit
from heatportal.services.access import Principal, Scope
from heatportal.services.accounts.common import IdentityAdmin, normalize_email
from heatportal.services.ratelimit import RateLimiter

SEPA_CURRENCIES = frozenset({"EUR"})


CONTACT_PAGE_SIZE = 20


class ProfileStore(Protocol):
    def get_bank_account(self, customer_number: str) -> BankAccount | None: ...

    def list_bank_accounts(self, customer_number: str) -> list[BankAccount]:
        """The customer's own account and those of its facilities (one Query)."""
        ...

    def delete_facility_bank_account(self, customer_number: str, facility_id: str) -> bool:
        """Remove a facility's own account; False when it had none."""
        ...

    def list_contact_requests(
        self, status: str, limit: int, cursor: str | None
    ) -> tuple[list[ContactRequest], str | None]:
        """Contact requests of every customer with ``status``, newest first; the
        cursor of the next page or None. Raises ValidationFailed(cursor_invalid)."""
        ...

    def get_contact_request(self, request_id: str) -> ContactRequest | None: ...

    def mark_contact_request_handled(self, request: ContactRequest, by: str, at: datetime) -> bool:
        """False when the request was no longer open."""
        ...

    def put_bank_account(self, account: BankAccount) -> None: ...

    def update_contact(self, customer_number: str, email: str | None, phone: str | None) -> None: ...

    def update_billing_address(self, customer_number: str, address: Address) -> None: ...

    def add_contact_request(self, request: ContactRequest) -> None: ...


RenderNotice = Callable[[str, Language, str, list[tuple[str, str]]], tuple[str, str, str]]
"""(kind, language, customer name, facts) -> (subject, text, html) of a confirmation e-mail."""


@dataclass(frozen=True)
class FacilityAccount:
    """A facility with its own account (if any) and the account that pays for it."""

    facility: Facility
    own: BankAccount | None
    paying: BankAccount | None


@dataclass(frozen=True)
class ContactRequestPage:
    requests: list[ContactRequest]
    next_cursor: str | None


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
        limiter: RateLimiter,
        mailer: Mailer,
        render_notice: RenderNotice,
        clock: Clock,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.store = store
        self.identity = identity
        self.limiter = limiter
        self.mailer = mailer
        self.render_notice = render_notice
        self.clock = clock

    def _customer(self, customer_number: str) -> Customer:
        """The customer as stored now (after a change of it)."""
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

    def view(self, scope: Scope) -> tuple[Customer, BankAccount | None]:
        scope.require(Role.READ)
        return _customer_of(scope), self.store.get_bank_account(scope.customer_number)

    def facility_accounts(self, scope: Scope) -> list[FacilityAccount]:
        """Every facility of the customer with its own account and the paying one."""
        scope.require(Role.READ)
        customer_number = scope.customer_number
        accounts = self.store.list_bank_accounts(customer_number)
        return [
            FacilityAccount(
                facility=f,
                own=next((a for a in accounts if a.facility_id == f.id), None),
                paying=account_for_facility(accounts, f.id),
            )
            for f in scope.record.facilities
        ]

    def change_contact(self, scope: Scope, email: str | None, phone: str | None) -> Customer:
        """The e-mail and phone on record (the customer's personal details); not the sign-in e-mail."""
        scope.require(Role.FULL)
        customer_number = scope.customer_number
        new_email = normalize_email(email) if email and email.strip() else None
        new_phone = phone_number(phone, self.profile.country) if phone and phone.strip() else None
        self.store.update_contact(customer_number, new_email, new_phone)
        return self._customer(customer_number)

    def change_billing_address(self, scope: Scope, address: Address, password: str) -> Customer:
        scope.require(Role.FULL)
        principal, customer_number = scope.principal, scope.customer_number
        address = address.model_copy(
            update={
                "street": plain_text(address.street, field="street", max_length=200),
                "city": plain_text(address.city, field="city", max_length=100),
            }
        )
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
        scope: Scope,
        *,
        iban: str,
        holder: str,
        valid_from: date,
        sepa_mandate: bool,
        password: str,
        facility_id: str | None = None,
    ) -> BankAccount:
        """The customer's account, or with ``facility_id`` a different account
        for that facility only (it must be one of the customer's)."""
        from stdnum import iban as iban_numbers
        from stdnum.exceptions import ValidationError

        scope.require(Role.FULL)
        principal, customer_number = scope.principal, scope.customer_number
        try:
            compact = str(iban_numbers.validate(iban))
        except ValidationError as error:
            raise _field_error("iban", "iban_invalid", "Check the IBAN.") from error
        holder = plain_text(holder, field="holder", max_length=200)
        if valid_from < self.clock.today():
            raise _field_error("valid_from", "bank_date_past", "The change date cannot be in the past.")
        if self.profile.currency in SEPA_CURRENCIES and not sepa_mandate:
            raise _field_error("sepa_mandate", "sepa_consent_required", "The SEPA mandate needs your consent.")
        facility = _facility(scope, facility_id) if facility_id is not None else None
        self._require_password(principal, password)
        account = BankAccount(
            customer_number=customer_number,
            iban=compact,
            holder=holder.strip(),
            valid_from=valid_from,
            sepa_mandate=sepa_mandate,
            changed_by=principal.email,
            changed_at=self.clock.now(),
            facility_id=facility.id if facility else None,
        )
        # The account in force keeps paying until the change date.
        current = next(
            (a for a in self.store.list_bank_accounts(customer_number) if a.facility_id == account.facility_id),
            None,
        )
        if current is not None:
            account = current.replaced_by(account, self.clock.today())
        self.store.put_bank_account(account)
        facts = [("iban", iban_numbers.format(compact)), ("valid_from", valid_from.isoformat())]
        if facility is not None:
            facts.append(("facility", f"{facility.name} ({facility.id})"))
        self._confirm(_customer_of(scope), "bank_account", facts, also=principal.email)
        return account

    def remove_facility_bank_account(self, scope: Scope, facility_id: str) -> None:
        """The facility is paid from the customer's account again. No password:
        it can only move debits to an account that was itself confirmed with
        one. Safe to retry: a facility without its own account stays so, and
        only an actual removal sends the confirmation."""
        scope.require(Role.FULL)
        principal, customer_number = scope.principal, scope.customer_number
        facility = _facility(scope, facility_id)
        if not self.store.delete_facility_bank_account(customer_number, facility.id):
            return
        customer_account = self.store.get_bank_account(customer_number)
        facts = [("facility", f"{facility.name} ({facility.id})")]
        if customer_account is not None:
            from stdnum import iban as iban_numbers

            facts.append(("iban", iban_numbers.format(customer_account.iban)))
        self._confirm(_customer_of(scope), "bank_account_removed", facts, also=principal.email)

    def contact(self, scope: Scope, subject: str, message: str, phone: str) -> ContactRequest:
        scope.require(Role.READ, companies="any")
        principal, customer_number = scope.principal, scope.customer_number
        subject = plain_text(subject, field="subject", max_length=200)
        message = plain_text(message, field="message", max_length=5000, multiline=True)
        normalized = phone_number(phone, self.profile.country)
        # Per person and customer: one person's messages never block the others' form.
        key = f"contact-{customer_number}-{principal.user_id}"
        self.limiter.hit(ratelimit.CODE_REQUESTS_PER_ADDRESS, key, self.clock.now())
        request = ContactRequest(
            id=secrets.token_hex(8),
            customer_number=customer_number,
            at=self.clock.now(),
            sender=principal.email,
            subject=subject.strip()[:200],
            message=message.strip()[:5000],
            phone=normalized,
        )
        self.store.add_contact_request(request)
        customer = _customer_of(scope)
        subject_line, text, html = self.render_notice(
            "contact", customer.language, customer.name, [("subject", request.subject), ("phone", normalized)]
        )
        self.mailer.send(principal.email, subject_line, text, html)
        return request

    # --- customer service: the contact requests ---------------------------------------

    def _require_staff(self, principal: Principal) -> None:
        if not principal.is_staff:
            raise Forbidden("Only customer service may see contact requests.", code="forbidden")

    def contact_requests(
        self,
        principal: Principal,
        status: Literal["open", "handled"] = "open",
        cursor: str | None = None,
        limit: int = CONTACT_PAGE_SIZE,
    ) -> ContactRequestPage:
        """Contact requests of every customer, newest first, a page at a time."""
        self._require_staff(principal)
        requests, next_cursor = self.store.list_contact_requests(status, max(1, min(limit, 100)), cursor)
        return ContactRequestPage(requests, next_cursor)

    def mark_contact_request_handled(self, principal: Principal, request_id: str) -> ContactRequest:
        """Customer service answered the request. Safe to retry: a request handled
        already is returned as it is, with who handled it first."""
        self._require_staff(principal)
        request = self.store.get_contact_request(request_id)
        if request is None:
            raise NotFound("No such contact request.", code="contact_request_not_found")
        if request.status == "handled":
            return request
        at = self.clock.now()
        if self.store.mark_contact_request_handled(request, principal.email, at):
            return replace(request, status="handled", handled_by=principal.email, handled_at=at)
        current = self.store.get_contact_request(request_id)
        if current is None:  # pragma: no cover - contact requests are never deleted
            raise NotFound("No such contact request.", code="contact_request_not_found")
        return current


def _customer_of(scope: Scope) -> Customer:
    customer = scope.record.customer
    if customer is None:  # pragma: no cover - the access check found a membership for it
        raise NotFound("Customer not found.", code="not_found")
    return customer


def _facility(scope: Scope, facility_id: str) -> Facility:
    facility = next((f for f in scope.record.facilities if f.id == facility_id), None)
    if facility is None:
        raise _field_error("facility_id", "facility_unknown", "Choose one of your facilities.")
    return facility
