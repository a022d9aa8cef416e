"""Moving in: a new contract on a facility from a day, for an existing
customer or a new one.

Three ways in: the incoming party confirms the outgoing party's move with the
code sent to them (a new customer is made for them); a customer's own people
(full or administrator rights) move into a facility nobody is supplied at,
named by one of its meter numbers (when somebody still is, customer service
gets the request); customer service completes any move, for an existing
customer or a new one. Customer service also makes new customers.

What moving in writes is one transaction (adapters.dynamo_contracts): the
customer if new, the facility and its meters in the customer's name from the
day (starting at the readings of that day: the outgoing party's final ones,
or new ones when the facility stood empty), the supply and its first contract
version, the previous supply taken over. A new customer gets a welcome
e-mail with the customer number and how to register (with the PIN letter as
a PDF where the utility registers by PIN); where advances are paid, one is
proposed from the expected consumption.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from heatportal.domain.accounts import ContactRequest
from heatportal.domain.contact import email_address, phone_number, plain_text
from heatportal.domain.contracts import ContractVersion, Supply, default_terms
from heatportal.domain.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationFailed
from heatportal.domain.model import Address, Customer, Facility, Language, Meter, Reading, ReadingSource, Role
from heatportal.domain.moving import MoveIn, MoveInHandshake
from heatportal.domain.notices import Attachment, Notice
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import BillingMode, RegistrationMethod, UtilityProfile
from heatportal.domain.secrets import hash_secret, verify_secret
from heatportal.ports import Clock, CustomerRepository
from heatportal.services.access import Principal, Scope
from heatportal.services.advance import AdvanceRepository
from heatportal.services.contracts.estimate import AnnualEstimateService, first_of_month_on_or_after
from heatportal.services.moving.move_out import HANDSHAKE_ATTEMPTS, ContactRequests, facility_address
from heatportal.services.notices import Notices
from heatportal.services.readings import ReadingService

NUMBER_TRIES = 20
PinLetterRenderer = Callable[[Customer, str, UtilityProfile], bytes]


class MoveInStore(Protocol):
    def supplies_of_facility(self, facility_id: str) -> list[Supply]: ...

    def vacant_facilities(self) -> list[Supply]: ...

    def move_in(self, move: MoveIn) -> bool:
        """One transaction (see adapters.dynamo_contracts); False when nothing was written."""
        ...

    def get_handshake(self, handshake_id: str) -> MoveInHandshake | None: ...

    def count_handshake_attempt(self, handshake: MoveInHandshake, max_attempts: int) -> bool: ...

    def confirm_handshake(self, handshake: MoveInHandshake, customer_number: str) -> bool: ...

    def next_customer_number(self) -> int: ...

    def customer_exists(self, number: str) -> bool: ...


class NewCustomerStore(Protocol):
    def create_customer(self, customer: Customer) -> bool:
        """Put the customer (and its name index) if the number is free."""
        ...


@dataclass(frozen=True)
class NewCustomer:
    """A new customer's details as customer service or the incoming party gives them."""

    name: str
    email: str | None
    phone: str | None
    language: Language
    address: Address | None = None  # None: the facility's address
    org_number: str | None = None


@dataclass(frozen=True)
class MovedIn:
    customer: Customer
    created: bool  # a new customer
    supply: Supply
    meters: tuple[Meter, ...]
    advance: AdvancePayment | None


@dataclass(frozen=True)
class MoveInRequested:
    """The facility is still somebody's: customer service got the request."""

    request_id: str


class MoveInService:
    def __init__(
        self,
        profile: UtilityProfile,
        customers: CustomerRepository,
        readings: ReadingService,
        store: MoveInStore,
        new_customers: NewCustomerStore,
        estimates: AnnualEstimateService,
        advances: AdvanceRepository | None,
        notices: Notices,
        requests: ContactRequests,
        render_pin_letter: PinLetterRenderer,
        clock: Clock,
        portal_url: str,
    ) -> None:
        self.profile = profile
        self.customers = customers
        self.readings = readings
        self.store = store
        self.new_customers = new_customers
        self.estimates = estimates
        self.advances = advances
        self.notices = notices
        self.requests = requests
        self.render_pin_letter = render_pin_letter
        self.clock = clock
        self.portal_url = portal_url

    # --- the incoming party's code ------------------------------------------------------------
    def handshake(self, handshake_id: str) -> MoveInHandshake:
        """The move the code confirms (the page shows it before the code is given);
        NotFound when unknown, expired or used (one answer for all three)."""
        found = self.store.get_handshake(handshake_id)
        if found is None or found.confirmed_as is not None or found.expires_at < self.clock.now().timestamp():
            raise NotFound("This confirmation is unknown or has expired.", code="move_in_not_found")
        return found

    def confirm(self, handshake_id: str, code: str, language: Language) -> MovedIn:
        """The incoming party confirms with the code sent to them: a new customer
        is made for them from the moving day at the readings shown."""
        handshake = self.handshake(handshake_id)
        if handshake.attempts >= HANDSHAKE_ATTEMPTS:
            raise RateLimited("Too many wrong codes. Please contact customer service.", code="move_in_locked")
        if not verify_secret(code.strip(), handshake.code_hash):
            if not self.store.count_handshake_attempt(handshake, HANDSHAKE_ATTEMPTS):
                raise RateLimited("Too many wrong codes. Please contact customer service.", code="move_in_locked")
            raise ValidationFailed(
                "The code is not right.",
                code="move_in_code_wrong",
                fields=[{"field": "code", "code": "move_in_code_wrong"}],
            )
        party = handshake.incoming
        details = NewCustomer(name=party.name, email=party.email, phone=party.phone, language=language)
        moved = self._move_in(
            handshake.facility_id,
            handshake.moving_on,
            handshake.readings,
            existing=None,
            details=details,
            by=f"incoming:{party.email or party.phone or party.name}",
            source=ReadingSource.PORTAL,
        )
        self.store.confirm_handshake(handshake, moved.customer.number)
        return moved

    # --- a customer's own people -------------------------------------------------------------------
    def move_in_existing(
        self, scope: Scope, *, meter_number: str, moving_on: date, readings: Mapping[str, Decimal]
    ) -> MovedIn | MoveInRequested:
        """Move the customer into the facility of ``meter_number`` when nobody
        is supplied there; otherwise customer service gets the request."""
        grant = scope.require(Role.FULL)
        customer = grant.record.customer
        assert customer is not None  # the access check read it
        _not_in_future(moving_on, self.clock.today())
        meter = self.customers.find_meter(meter_number.strip())
        previous = self._vacant(meter.facility_id) if meter is not None else None
        if meter is None or previous is None or moving_on < (previous.ended_on or moving_on):
            return self._request(grant, meter_number, moving_on, readings)
        return self._move_in(
            meter.facility_id,
            moving_on,
            readings,
            existing=customer,
            details=None,
            by=grant.principal.email,
            source=ReadingSource.PORTAL,
        )

    # --- customer service ----------------------------------------------------------------------------
    def staff_move_in(
        self,
        principal: Principal,
        *,
        facility_id: str,
        moving_on: date,
        readings: Mapping[str, Decimal],
        customer_number: str | None,
        details: NewCustomer | None,
    ) -> MovedIn:
        """Customer service completes a move: the facility to an existing
        customer (by number) or a new one."""
        _require_staff(principal)
        _not_in_future(moving_on, self.clock.today())
        existing = None
        if customer_number:
            existing = self.customers.get_customer(customer_number.strip())
            if existing is None:
                raise ValidationFailed(
                    "No customer has this number.",
                    code="customer_unknown",
                    fields=[{"field": "customer_number", "code": "customer_unknown"}],
                )
        elif details is None:
            raise ValidationFailed(
                "Give a customer number or the new customer's details.",
                code="move_in_customer_missing",
                fields=[{"field": "customer_number", "code": "move_in_customer_missing"}],
            )
        return self._move_in(
            facility_id,
            moving_on,
            readings,
            existing=existing,
            details=details,
            by=principal.email,
            source=ReadingSource.STAFF,
        )

    def vacant_facilities(self, principal: Principal) -> list[Supply]:
        """Facilities nobody moved into after their contract ended (customer service)."""
        _require_staff(principal)
        return self.store.vacant_facilities()

    def create_customer(self, principal: Principal, details: NewCustomer) -> Customer:
        """Customer service makes a new customer (without a facility yet) and
        sends the welcome e-mail."""
        _require_staff(principal)
        if details.address is None:
            raise ValidationFailed("Give the customer's address.", code="address_missing", fields=[{"field": "street"}])
        customer, pin = self._new_customer(details, details.address)
        if not self.new_customers.create_customer(customer):
            raise Conflict("The customer number was taken meanwhile. Please try again.", code="customer_number_taken")
        self._welcome(customer, pin, None)
        return customer

    # --- the move ---------------------------------------------------------------------------------------
    def _vacant(self, facility_id: str) -> Supply | None:
        """The facility's last supply when it ended and nobody took it over."""
        supplies = self.store.supplies_of_facility(facility_id)
        if not supplies:
            return None
        last = max(supplies, key=lambda s: s.started_on)
        return last if last.ended_on is not None and last.successor is None else None

    def _move_in(
        self,
        facility_id: str,
        moving_on: date,
        readings: Mapping[str, Decimal],
        *,
        existing: Customer | None,
        details: NewCustomer | None,
        by: str,
        source: ReadingSource,
    ) -> MovedIn:
        previous = self._vacant(facility_id)
        if previous is None or previous.ended_on is None:
            raise Conflict("Somebody is still supplied at this facility.", code="facility_supplied")
        if moving_on < previous.ended_on:
            raise _refuse(
                "The moving-in day cannot be before the previous contract ended.",
                "moving_in_before_move_out",
                "moving_on",
                date=previous.ended_on.isoformat(),
            )
        if existing is not None and existing.number == previous.customer_number:
            raise Conflict("The customer was supplied here until then.", code="moving_in_same_customer")
        templates = [
            m
            for m in self.customers.list_meters(previous.customer_number)
            if m.facility_id == facility_id and m.removed_on == previous.ended_on
        ]
        facility = next((f for f in _facilities(self.customers, previous.customer_number) if f.id == facility_id), None)
        if facility is None or not templates:
            raise NotFound("This facility has no meters to move into.", code="facility_not_found")
        if existing is not None:
            customer, pin, created = existing, None, False
        else:
            assert details is not None
            customer, pin = self._new_customer(details, facility.address)
            created = True
        starts, new_readings = self._start_values(templates, moving_on, previous, readings, source, by)
        meters = tuple(
            m.model_copy(
                update={
                    "customer_number": customer.number,
                    "installed_on": moving_on,
                    "removed_on": None,
                    "final_invoice_from": None,
                    "start_value": starts[m.number],
                }
            )
            for m in templates
        )
        supply = Supply(customer_number=customer.number, facility_id=facility_id, started_on=moving_on)
        version = ContractVersion(
            customer_number=customer.number,
            facility_id=facility_id,
            valid_from=moving_on,
            terms=default_terms(self.profile.offer),
        )
        move = MoveIn(
            new_customer=customer if created else None,
            facility=facility.model_copy(update={"customer_number": customer.number}),
            meters=meters,
            supply=supply,
            version=version,
            readings=new_readings,
            previous=previous,
        )
        if not self.store.move_in(move):
            raise Conflict("The facility changed meanwhile. Please try again.", code="moving_conflict")
        advance = self._propose_advance(customer, facility_id, meters, moving_on)
        if created:
            self._welcome(customer, pin, (facility, moving_on, meters, advance))
        elif customer.email:
            self.notices.email(
                customer.email,
                Notice(
                    kind="moving.in",
                    language=customer.language,
                    name=customer.name,
                    facts=_move_facts(facility, moving_on, meters, advance, self.profile.currency),
                    link=f"{self.portal_url}/contracts/{facility_id}",
                ),
            )
        return MovedIn(customer, created, supply, meters, advance)

    def _start_values(
        self,
        templates: list[Meter],
        moving_on: date,
        previous: Supply,
        readings: Mapping[str, Decimal],
        source: ReadingSource,
        by: str,
    ) -> tuple[dict[str, Decimal], tuple[Reading, ...]]:
        """Each meter's value on the moving day: the final reading when the day
        is the day the previous contract ended (a different value given is
        refused), else the reading given for that day (checked like any)."""
        starts: dict[str, Decimal] = {}
        new: list[Reading] = []
        for meter in templates:
            given = readings.get(meter.number)
            if moving_on == previous.ended_on:
                final = self.readings.readings.latest_reading(meter.number, before=moving_on)
                if final is None or final.read_on != moving_on:
                    raise Conflict("The final reading is missing.", code="moving_final_reading_missing")
                if given is not None and given != final.value:
                    raise ValidationFailed(
                        "The reading differs from the final reading of the moving day.",
                        code="moving_in_reading_differs",
                        params={"meter": meter.number, "value": final.value},
                        fields=[{"field": f"readings.{meter.number}", "code": "moving_in_reading_differs"}],
                    )
                starts[meter.number] = final.value
                continue
            if given is None:
                raise ValidationFailed(
                    "Give the reading of each meter on the moving day.",
                    code="moving_reading_missing",
                    params={"meter": meter.number},
                    fields=[{"field": f"readings.{meter.number}", "code": "moving_reading_missing"}],
                )
            # Checked against the meter as it stood empty (its history up to now).
            standing = meter.model_copy(update={"removed_on": None})
            checked = self.readings.check(standing, given, moving_on, confirmed=True, source=source, recorded_by=by)
            starts[meter.number] = given
            new.append(checked.reading)
        return starts, tuple(new)

    def _propose_advance(
        self, customer: Customer, facility_id: str, meters: tuple[Meter, ...], moving_on: date
    ) -> AdvancePayment | None:
        """Where advances are paid: a twelfth of the year's expected cost,
        rounded up to a whole unit of money, from the first month supplied."""
        if self.advances is None or self.profile.billing_mode != BillingMode.ADVANCE_YEARLY:
            return None
        estimate = self.estimates.estimate_meters(facility_id, meters, default_terms(self.profile.offer))
        monthly = Decimal(math.ceil(estimate.total / 12))
        current = [a for a in self.advances.list_advances(customer.number) if a.amount > 0]
        if current:
            monthly += current[-1].amount
        advance = AdvancePayment(
            customer_number=customer.number,
            valid_from=first_of_month_on_or_after(moving_on),
            amount=monthly,
            currency=self.profile.currency,
            comment="proposed from the expected consumption on moving in",
            changed_by="moving",
        )
        self.advances.put_advance(advance)
        return advance

    # --- new customers ----------------------------------------------------------------------------------
    def _new_customer(self, details: NewCustomer, address: Address) -> tuple[Customer, str | None]:
        name = plain_text(details.name, field="name", max_length=120).strip()
        email = email_address(details.email) if details.email else None
        phone = phone_number(details.phone, self.profile.country) if details.phone else None
        if details.language not in self.profile.languages and details.language != "en":
            language: Language = self.profile.default_language
        else:
            language = details.language
        pin = None
        pin_hash = None
        if self.profile.registration == RegistrationMethod.PIN:
            pin = f"{secrets.randbelow(10**6):06d}"
            pin_hash = hash_secret(pin)
        number = self._allocate_number()
        customer = Customer(
            number=number,
            name=name,
            email=email,
            phone=phone,
            language=language,
            address=address,
            org_number=details.org_number,
            pin_hash=pin_hash,
        )
        return customer, pin

    def _allocate_number(self) -> str:
        numbering = self.profile.customer_numbers
        if numbering is None:  # pragma: no cover - every shipped profile numbers its customers
            raise Conflict("This utility does not make customers here.", code="customer_numbers_not_set")
        for _ in range(NUMBER_TRIES):
            value = numbering.first - 1 + self.store.next_customer_number()
            number = numbering.template.format(n=value)
            if not self.store.customer_exists(number):
                return number
        raise Conflict("No free customer number was found. Please try again.", code="customer_number_taken")

    def _welcome(
        self,
        customer: Customer,
        pin: str | None,
        move: tuple[Facility, date, tuple[Meter, ...], AdvancePayment | None] | None,
    ) -> None:
        if not customer.email:
            return
        method = self.profile.registration.value
        facts = [("moving.fact.customer_number", customer.number)]
        if move is not None:
            facts += _move_facts(*move, currency=self.profile.currency)
        attachments = []
        if pin is not None:
            attachments.append(
                Attachment(f"pin-{customer.number}.pdf", self.render_pin_letter(customer, pin, self.profile))
            )
        self.notices.email(
            customer.email,
            Notice(
                kind="moving.welcome",
                language=customer.language,
                name=customer.name,
                facts=facts,
                params={"customer_number": customer.number},
                paragraphs=[f"email.moving.welcome.register.{method}"],
                link=f"{self.portal_url}/register",
                attachments=attachments,
            ),
        )

    def _request(
        self, scope: Scope, meter_number: str, moving_on: date, readings: Mapping[str, Decimal]
    ) -> MoveInRequested:
        request_id = secrets.token_hex(8)
        values = ", ".join(f"{number}: {value}" for number, value in readings.items()) or "-"
        self.requests.add_contact_request(
            ContactRequest(
                customer_number=scope.customer_number,
                at=self.clock.now(),
                sender=scope.principal.email,
                subject=f"Moving in on {moving_on.isoformat()} (meter {meter_number[:20]})",
                message=f"Readings: {values[:500]}",
                phone="",
                id=request_id,
                topic="move_in",
            )
        )
        return MoveInRequested(request_id)


def _facilities(customers: CustomerRepository, customer_number: str) -> list[Facility]:
    return customers.list_facilities(customer_number)


def _move_facts(
    facility: Facility, moving_on: date, meters: tuple[Meter, ...], advance: AdvancePayment | None, currency: str
) -> list[tuple[str, str]]:
    facts = [
        ("moving.fact.address", facility_address(facility.address)),
        ("moving.fact.start", moving_on.isoformat()),
        *(("moving.fact.meter_reading", f"{m.number}: {m.start_value}") for m in meters),
    ]
    if advance is not None:
        facts.append(("moving.fact.advance", f"{advance.amount} {currency}"))
    return facts


def _refuse(message: str, code: str, field: str, **params: object) -> ValidationFailed:
    return ValidationFailed(message, code=code, params=params, fields=[{"field": field, "code": code}])


def _not_in_future(moving_on: date, today: date) -> None:
    if moving_on > today:
        raise _refuse("The moving day cannot be in the future.", "moving_date_in_future", "moving_on")


def _require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("Only customer service may do this.", code="forbidden")
