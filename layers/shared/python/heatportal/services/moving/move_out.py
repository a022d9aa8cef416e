"""Moving out (stopping the contract): the customer's own people with full or
administrator rights (or customer service) give the moving day, each meter's
reading that day (checked like any reading, with the confirm step for an
unusual one) and a forwarding address, and name the incoming party if they
know them.

The contract ends that day, in one transaction: the supply ended, the
facility's meters removed that day with their final readings, the billing
address moved to the forwarding one when no other contract goes on. Then:
reminder and SMS agreements of the meters end, advance payments stop (when
nothing else is supplied), the final invoice is issued at once or left for the
next bill run (never after the country's deadline), the incoming party gets a
code to confirm the date, readings and meter numbers (or customer service is
asked to complete the move), and the customer gets a confirmation. The
customer's people keep read access to the history.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.accounts import ContactRequest
from heatportal.domain.contact import email_address, phone_number, plain_text
from heatportal.domain.contracts import Supply
from heatportal.domain.errors import Conflict, ValidationFailed
from heatportal.domain.model import Address, BillingPeriod, Invoice, InvoiceKind, Meter, Reading, ReadingSource, Role
from heatportal.domain.moving import IncomingParty, MoveInHandshake, MoveOut
from heatportal.domain.notices import Notice
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import BillingMode, UtilityProfile
from heatportal.domain.reminders import ReminderAgreement
from heatportal.domain.secrets import hash_secret
from heatportal.ports import Clock
from heatportal.services.access import Scope
from heatportal.services.advance import AdvanceRepository
from heatportal.services.contracts.contracts import ContractService
from heatportal.services.moving.final_invoice import FinalInvoices
from heatportal.services.notices import Notices
from heatportal.services.readings import ReadingService

HANDSHAKE_DAYS = 14
HANDSHAKE_ATTEMPTS = 5


class MoveOutStore(Protocol):
    def move_out(self, move: MoveOut) -> bool:
        """One transaction (see adapters.dynamo_contracts); False when nothing was written."""
        ...

    def put_handshake(self, handshake: MoveInHandshake) -> None: ...


class AgreementStore(Protocol):
    def agreements_of_customer(self, customer_number: str) -> list[ReminderAgreement]: ...

    def delete_agreement(self, agreement: ReminderAgreement) -> None: ...


class ContactRequests(Protocol):
    def add_contact_request(self, request: ContactRequest) -> None: ...


@dataclass(frozen=True)
class MovedOut:
    supply: Supply
    meters: tuple[Meter, ...]
    final_invoice: Invoice | None  # issued at once; None: the next bill run issues it
    next_run_on: date | None
    incoming_invited: bool
    final_readings: tuple[Reading, ...] = ()


def facility_address(address: Address) -> str:
    return f"{address.street}, {address.postcode} {address.city}"


class MoveOutService:
    def __init__(
        self,
        profile: UtilityProfile,
        contracts: ContractService,
        readings: ReadingService,
        store: MoveOutStore,
        agreements: AgreementStore,
        advances: AdvanceRepository | None,
        final_invoices: FinalInvoices,
        notices: Notices,
        requests: ContactRequests,
        clock: Clock,
        portal_url: str,
    ) -> None:
        self.profile = profile
        self.contracts = contracts
        self.readings = readings
        self.store = store
        self.agreements = agreements
        self.advances = advances
        self.final_invoices = final_invoices
        self.notices = notices
        self.requests = requests
        self.clock = clock
        self.portal_url = portal_url

    def move_out(
        self,
        scope: Scope,
        *,
        facility_id: str,
        moving_on: date,
        readings: Mapping[str, Decimal],
        forwarding: Address,
        incoming: IncomingParty | None,
        confirmed: bool,
    ) -> MovedOut:
        grant = scope.require(Role.FULL)
        contract = self.contracts.contract(grant, facility_id)
        supply = contract.supply
        today = self.clock.today()
        if supply.ended_on is not None:
            raise Conflict("This contract has ended already.", code="contract_ended")
        if moving_on > today:
            raise _refuse("The moving day cannot be in the future.", "moving_date_in_future", "moving_on")
        if moving_on <= supply.started_on:
            raise _refuse(
                "The moving day must be after the contract started.",
                "moving_date_before_start",
                "moving_on",
                date=supply.started_on.isoformat(),
            )
        meters = tuple(m for m in grant.record.meters if m.facility_id == facility_id and m.removed_on is None)
        if not meters:
            raise Conflict("This facility has no meter in use.", code="moving_no_meter")
        last_day = moving_on - timedelta(days=1)
        start = self.final_invoices.coverage_start(grant.customer_number, meters, last_day)
        if start > last_day:
            raise _refuse(
                "That day is in a period that is billed already. Please contact customer service.",
                "moving_date_billed",
                "moving_on",
            )
        forwarding = _checked_address(forwarding)
        incoming = _checked_party(incoming, self.profile.country) if incoming is not None else None
        by = grant.principal.email or grant.principal.user_id
        final_readings = tuple(
            self._final_reading(meter, readings, moving_on, confirmed=confirmed, staff=grant.staff, by=by)
            for meter in meters
        )
        others_go_on = any(m.removed_on is None and m.facility_id != facility_id for m in grant.record.meters)
        due_by = self.final_invoices.due_by(moving_on)
        ended = supply.model_copy(
            update={
                "ended_on": moving_on,
                "forwarding_address": forwarding,
                "final_invoice_from": start,
                "final_invoice_due_by": due_by,
                "ended_by": by,
                "ended_at": self.clock.now(),
            }
        )
        removed = tuple(m.model_copy(update={"removed_on": moving_on, "final_invoice_from": start}) for m in meters)
        move = MoveOut(
            supply=ended,
            meters=removed,
            final_readings=final_readings,
            billing_address=None if others_go_on else forwarding,
            final_invoice_due=due_by,
        )
        if not self.store.move_out(move):
            raise Conflict("The contract changed meanwhile. Please try again.", code="moving_conflict")
        self._end_agreements(grant.customer_number, {m.number for m in meters})
        if not others_go_on:
            self._stop_advances(grant.customer_number, last_day)
        customer = grant.record.customer
        assert customer is not None  # the access check read it
        billed_customer = customer.model_copy(
            update={"address": forwarding if not others_go_on else customer.address, "final_invoice_due": due_by}
        )
        invoice = None
        if self.final_invoices.bill_at_once(ended):
            invoice = self.final_invoices.try_at_once(billed_customer, ended, removed, others_go_on)
        next_run = None if invoice else self.final_invoices.next_run_on(last_day)
        invited = False
        if incoming is not None:
            invited = self._invite(grant.customer_number, contract.facility.address, ended, final_readings, incoming)
        if not invited:
            self._ask_customer_service(grant, ended, final_readings, incoming)
        self._confirm(
            customer.email,
            customer.name,
            customer.language,
            contract.facility.address,
            ended,
            final_readings,
            invoice,
            next_run,
        )
        return MovedOut(ended, removed, invoice, next_run, invited, final_readings)

    # --- the steps -----------------------------------------------------------------------------
    def _final_reading(
        self, meter: Meter, readings: Mapping[str, Decimal], moving_on: date, *, confirmed: bool, staff: bool, by: str
    ) -> Reading:
        value = readings.get(meter.number)
        if value is None:
            raise ValidationFailed(
                "Give the reading of each meter on the moving day.",
                code="moving_reading_missing",
                params={"meter": meter.number},
                fields=[{"field": f"readings.{meter.number}", "code": "moving_reading_missing"}],
            )
        try:
            checked = self.readings.check(
                meter,
                value,
                moving_on,
                confirmed=confirmed,
                source=ReadingSource.STAFF if staff else ReadingSource.PORTAL,
                recorded_by=by,
            )
        except ValidationFailed as error:
            # The meter's own field, so a form shows the message next to its input.
            raise ValidationFailed(
                error.message,
                code=error.code,
                params={**error.params, "meter": meter.number},
                fields=[{"field": f"readings.{meter.number}", "code": error.code}],
            ) from error
        return checked.reading

    def _end_agreements(self, customer_number: str, meters: set[str]) -> None:
        for agreement in self.agreements.agreements_of_customer(customer_number):
            if agreement.meter_number in meters:
                self.agreements.delete_agreement(agreement)

    def _stop_advances(self, customer_number: str, last_day: date) -> None:
        """No advance for the last month supplied on (the final invoice settles
        it), or from the month after when its advance is invoiced already; an
        advance change planned for later is stopped too."""
        if self.advances is None or self.profile.billing_mode != BillingMode.ADVANCE_YEARLY:
            return
        agreed = self.advances.list_advances(customer_number)
        if not agreed:
            return
        month = BillingPeriod(year=last_day.year, month=last_day.month)
        invoiced = any(
            i.kind == InvoiceKind.ADVANCE and i.period == month
            for i in self.final_invoices.invoices.list_invoices(customer_number)
        )
        start = month.next().start if invoiced else month.start
        for valid_from in sorted({start, *(a.valid_from for a in agreed if a.valid_from > start)}):
            self.advances.put_advance(
                AdvancePayment(
                    customer_number=customer_number,
                    valid_from=valid_from,
                    amount=Decimal(0),
                    currency=self.profile.currency,
                    comment="moved out",
                    changed_by="moving",
                )
            )

    def _invite(
        self,
        outgoing: str,
        address: Address,
        supply: Supply,
        readings: tuple[Reading, ...],
        incoming: IncomingParty,
    ) -> bool:
        """A code to the incoming party, to confirm the date, readings and meter numbers."""
        code = f"{secrets.randbelow(10**6):06d}"
        now = self.clock.now()
        handshake = MoveInHandshake(
            id=secrets.token_urlsafe(16),
            outgoing=outgoing,
            facility_id=supply.facility_id,
            moving_on=supply.ended_on or self.clock.today(),
            readings={r.meter_number: r.value for r in readings},
            incoming=incoming,
            code_hash=hash_secret(code),
            created_at=now,
            expires_at=int((now + timedelta(days=HANDSHAKE_DAYS)).timestamp()),
        )
        self.store.put_handshake(handshake)
        notice = Notice(
            kind="moving.incoming",
            language=incoming.language,
            name=incoming.name,
            facts=[
                ("moving.fact.address", facility_address(address)),
                ("moving.fact.date", handshake.moving_on.isoformat()),
                *(("moving.fact.meter_reading", f"{r.meter_number}: {r.value}") for r in readings),
            ],
            params={"days": HANDSHAKE_DAYS},
            paragraphs=["email.moving.incoming.how"],
            code=code,
            link=f"{self.portal_url}/moving/confirm?id={handshake.id}",
        )
        if incoming.email:
            self.notices.email(incoming.email, notice)
            return True
        if incoming.phone:
            return self.notices.text(incoming.phone, notice) is not None
        return False

    def _ask_customer_service(
        self, scope: Scope, supply: Supply, readings: tuple[Reading, ...], incoming: IncomingParty | None
    ) -> None:
        """Nobody to send a code to: customer service completes the move."""
        who = f"{incoming.name} {incoming.phone or ''}".strip() if incoming else "-"
        lines = [f"{r.meter_number}: {r.value}" for r in readings]
        self.requests.add_contact_request(
            ContactRequest(
                customer_number=scope.customer_number,
                at=self.clock.now(),
                sender=scope.principal.email,
                subject=f"Moving out {supply.facility_id} on {supply.ended_on}",
                message=f"Incoming party: {who}. Final readings: {', '.join(lines)}.",
                phone="",
                id=secrets.token_hex(8),
                topic="move_out",
                facility_id=supply.facility_id,
            )
        )

    def _confirm(
        self,
        email: str | None,
        name: str,
        language: str,
        address: Address,
        supply: Supply,
        readings: tuple[Reading, ...],
        invoice: Invoice | None,
        next_run: date | None,
    ) -> None:
        if not email:
            return
        forwarding = supply.forwarding_address
        facts = [
            ("moving.fact.address", facility_address(address)),
            ("moving.fact.date", (supply.ended_on or self.clock.today()).isoformat()),
            *(("moving.fact.meter_reading", f"{r.meter_number}: {r.value}") for r in readings),
            ("moving.fact.forwarding", facility_address(forwarding) if forwarding else "-"),
        ]
        if invoice is not None:
            facts.append(("moving.fact.final_invoice", str(invoice.number)))
        elif next_run is not None:
            facts.append(("moving.fact.final_invoice_by", next_run.isoformat()))
        self.notices.email(
            email,
            Notice(
                kind="moving.out",
                language=language,  # type: ignore[arg-type]  # the customer's language
                name=name,
                facts=facts,
                paragraphs=["email.moving.out.history"],
                link=f"{self.portal_url}/invoices",
            ),
        )


def _refuse(message: str, code: str, field: str, **params: object) -> ValidationFailed:
    return ValidationFailed(message, code=code, params=params, fields=[{"field": field, "code": code}])


def _checked_address(address: Address) -> Address:
    street = plain_text(address.street, field="forwarding.street", max_length=120)
    postcode = plain_text(address.postcode, field="forwarding.postcode", max_length=12)
    city = plain_text(address.city, field="forwarding.city", max_length=80)
    return Address(street=street.strip(), postcode=postcode.strip(), city=city.strip(), country=address.country.upper())


def _checked_party(party: IncomingParty, country: str) -> IncomingParty:
    name = plain_text(party.name, field="incoming.name", max_length=120).strip()
    email = email_address(party.email, field="incoming.email") if party.email else None
    phone = phone_number(party.phone, country, field="incoming.phone") if party.phone else None
    return party.model_copy(update={"name": name, "email": email, "phone": phone})
