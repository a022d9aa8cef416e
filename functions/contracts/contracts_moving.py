"""Moving out and in: the customer stops a facility's contract (the final
readings, a forwarding address, the incoming party); the incoming party
confirms the move with the code sent to them (no sign-in: a new customer is
made for them); a customer moves into a facility nobody is supplied at;
customer service completes moves, makes new customers and bills a final
invoice at once."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from heatportal import composition
from heatportal.domain.errors import NotFound
from heatportal.domain.model import Address, Language
from heatportal.domain.moving import IncomingParty
from heatportal.services.moving.move_in import MovedIn, MoveInRequested, NewCustomer
from heatportal.web.api import CustomerPath, language_of, principal
from heatportal.web.fields import IsoDate, RegisterValue
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()

HandshakePath = Annotated[
    str, Path(pattern=r"^[0-9A-Za-z_-]{16,40}$", description="The confirmation's id (from the e-mail)")
]
MeterNumber = Annotated[str, Field(pattern=r"^[0-9A-Za-z-]{1,20}$")]
Readings = Annotated[
    dict[MeterNumber, RegisterValue], Field(max_length=20, description="Meter number -> its reading that day")
]
LanguageCode = Annotated[Language, Field(description="nb, sv, nl, de or en")]


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    street: str = Field(min_length=1, max_length=120)
    postcode: str = Field(min_length=1, max_length=12)
    city: str = Field(min_length=1, max_length=80)
    country: str = Field(pattern=r"^[A-Z]{2}$")

    def address(self) -> Address:
        return Address(street=self.street, postcode=self.postcode, city=self.city, country=self.country)


class IncomingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    language: LanguageCode | None = None


class MoveOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facility_id: str = Field(pattern=r"^[0-9A-Za-z_-]{1,40}$")
    moving_on: IsoDate
    readings: Readings
    forwarding_address: AddressIn
    incoming: IncomingIn | None = None
    confirmed: bool = Field(default=False, description="The readings were checked after an 'unusual' answer")


class MoveOutOut(BaseModel):
    facility_id: str
    ended_on: date
    final_invoice: int | None
    final_invoice_by: date | None = Field(description="The bill run that issues it, when not issued at once")
    final_invoice_due_by: date
    incoming_invited: bool


class MoveInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meter_number: MeterNumber
    moving_on: IsoDate
    readings: Readings = Field(default_factory=dict)


class MovedInOut(BaseModel):
    status: str = Field(description="moved_in, or requested (customer service completes it)")
    customer_number: str | None = None
    facility_id: str | None = None
    started_on: date | None = None
    advance: Decimal | None = None
    request_id: str | None = None


class HandshakeOut(BaseModel):
    facility_address: str
    moving_on: date
    readings: dict[str, Decimal]
    name: str


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[0-9]{6}$")
    language: LanguageCode | None = None


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=30)
    language: LanguageCode
    address: AddressIn | None = None
    org_number: str | None = Field(default=None, pattern=r"^[0-9A-Za-z -]{4,20}$")

    def details(self) -> NewCustomer:
        return NewCustomer(
            name=self.name,
            email=str(self.email) if self.email else None,
            phone=self.phone,
            language=self.language,
            address=self.address.address() if self.address else None,
            org_number=self.org_number,
        )


class StaffMoveInIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facility_id: str = Field(pattern=r"^[0-9A-Za-z_-]{1,40}$")
    moving_on: IsoDate
    readings: Readings = Field(default_factory=dict)
    customer_number: str | None = Field(default=None, pattern=r"^[0-9A-Za-z/-]{1,20}$")
    customer: CustomerIn | None = None


class CustomerOut(BaseModel):
    customer_number: str
    name: str


class VacantOut(BaseModel):
    facility_id: str
    customer_number: str
    ended_on: date
    final_invoice: int | None


class FinalInvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facility_id: str = Field(pattern=r"^[0-9A-Za-z_-]{1,40}$")


class FinalInvoiceOut(BaseModel):
    number: int
    total: Decimal
    currency: str


def _lang() -> Language:
    return language_of(router.current_event.headers, composition.profile().default_language)


def _moved(result: MovedIn | MoveInRequested) -> MovedInOut:
    if isinstance(result, MoveInRequested):
        return MovedInOut(status="requested", request_id=result.request_id)
    return MovedInOut(
        status="moved_in",
        customer_number=result.customer.number,
        facility_id=result.supply.facility_id,
        started_on=result.supply.started_on,
        advance=result.advance.amount if result.advance else None,
    )


@router.post("/api/customers/<customer>/move-out")
@tracer.capture_method
def move_out(customer: CustomerPath, move: MoveOutIn) -> tuple[MoveOutOut, int]:
    incoming = None
    if move.incoming is not None:
        incoming = IncomingParty(
            name=move.incoming.name,
            email=move.incoming.email,
            phone=move.incoming.phone,
            language=move.incoming.language or _lang(),
        )
    result = composition.move_out_service().move_out(
        customer_scope(router, customer),
        facility_id=move.facility_id,
        moving_on=move.moving_on,
        readings=move.readings,
        forwarding=move.forwarding_address.address(),
        incoming=incoming,
        confirmed=move.confirmed,
    )
    supply = result.supply
    assert supply.ended_on is not None and supply.final_invoice_due_by is not None  # noqa: PT018 - just ended
    return (
        MoveOutOut(
            facility_id=supply.facility_id,
            ended_on=supply.ended_on,
            final_invoice=result.final_invoice.number if result.final_invoice else None,
            final_invoice_by=result.next_run_on,
            final_invoice_due_by=supply.final_invoice_due_by,
            incoming_invited=result.incoming_invited,
        ),
        201,
    )


@router.post("/api/customers/<customer>/move-in")
@tracer.capture_method
def move_in(customer: CustomerPath, move: MoveInIn) -> tuple[MovedInOut, int]:
    result = composition.move_in_service().move_in_existing(
        customer_scope(router, customer),
        meter_number=move.meter_number,
        moving_on=move.moving_on,
        readings=move.readings,
    )
    return _moved(result), 201 if isinstance(result, MovedIn) else 202


@router.get("/api/move-in/<handshake>")
@tracer.capture_method
def handshake(handshake: HandshakePath) -> HandshakeOut:
    found = composition.move_in_service().handshake(handshake)
    facility = next(
        (f for f in composition.repository().list_facilities(found.outgoing) if f.id == found.facility_id), None
    )
    if facility is None:  # pragma: no cover - a move names a facility of the outgoing customer
        raise NotFound("This confirmation is unknown or has expired.", code="move_in_not_found")
    address = facility.address
    return HandshakeOut(
        facility_address=f"{address.street}, {address.postcode} {address.city}",
        moving_on=found.moving_on,
        readings=dict(found.readings),
        name=found.incoming.name,
    )


@router.post("/api/move-in/<handshake>/confirmation")
@tracer.capture_method
def confirm(handshake: HandshakePath, answer: ConfirmIn) -> tuple[MovedInOut, int]:
    result = composition.move_in_service().confirm(handshake, answer.code, answer.language or _lang())
    return _moved(result), 201


@router.post("/api/staff/move-ins")
@tracer.capture_method
def staff_move_in(move: StaffMoveInIn) -> tuple[MovedInOut, int]:
    result = composition.move_in_service().staff_move_in(
        principal(router),
        facility_id=move.facility_id,
        moving_on=move.moving_on,
        readings=move.readings,
        customer_number=move.customer_number,
        details=move.customer.details() if move.customer else None,
    )
    return _moved(result), 201


@router.get("/api/staff/vacant-facilities")
@tracer.capture_method
def vacant_facilities() -> list[VacantOut]:
    found = composition.move_in_service().vacant_facilities(principal(router))
    return [
        VacantOut(
            facility_id=s.facility_id,
            customer_number=s.customer_number,
            ended_on=s.ended_on,
            final_invoice=s.final_invoice,
        )
        for s in found
        if s.ended_on is not None
    ]


@router.post("/api/customers")
@tracer.capture_method
def create_customer(details: CustomerIn) -> tuple[CustomerOut, int]:
    made = composition.move_in_service().create_customer(principal(router), details.details())
    return CustomerOut(customer_number=made.number, name=made.name), 201


@router.post("/api/customers/<customer>/final-invoice")
@tracer.capture_method
def final_invoice(customer: CustomerPath, wanted: FinalInvoiceIn) -> tuple[FinalInvoiceOut, int]:
    invoice = composition.final_invoices().bill_now(customer_scope(router, customer), wanted.facility_id)
    return FinalInvoiceOut(number=invoice.number, total=invoice.total, currency=invoice.currency), 201
