"""``/moving``: moving out (stopping a facility's contract: the moving day,
each meter's reading with the confirm step, a forwarding address, the
incoming party), moving in (a facility nobody is supplied at, named by a
meter number), and ``/moving/confirm``: the incoming party's confirmation
with the code sent to them (no sign-in)."""

from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import date_or_none, decimal_or_none

from heatportal import composition
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.model import LANGUAGES, Address, Language, Role
from heatportal.domain.moving import IncomingParty
from heatportal.services.access import Scope
from heatportal.services.moving.move_in import MovedIn
from heatportal.web.api import status_of

router = Router()


def _scope(view: Page) -> Scope | None:
    principal, number = signed_in(view)
    return view.scope(principal, number) if number is not None else None


@router.get("/moving")
@page(router)
def moving(view: Page) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    contracts = [c for c in composition.contract_service().contracts(scope) if c.supply.ended_on is None]
    ended = [c for c in composition.contract_service().contracts(scope) if c.supply.ended_on is not None]
    may_move = _may(scope, Role.FULL)
    return view.render("moving.html", contracts=contracts, ended=ended, may_move=may_move)


def _may(scope: Scope, role: Role) -> bool:
    try:
        scope.require(role)
    except DomainError:
        return False
    return True


def _out_page(view: Page, scope: Scope, facility_id: str, status: int = 200, **extra: Any) -> Response[str]:
    contract = composition.contract_service().contract(scope, facility_id)
    meters = [m for m in scope.record.meters if m.facility_id == facility_id and m.removed_on is None]
    customer = scope.record.customer
    return view.render(
        "moving_out.html",
        status,
        contract=contract,
        meters=meters,
        today=composition.clock().today(),
        form=extra.pop("form", {}),
        country=customer.address.country if customer else composition.profile().country,
        **extra,
    )


@router.get("/moving/out/<facility_id>")
@page(router)
def move_out_form(view: Page, facility_id: str) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    return _out_page(view, scope, facility_id)


@router.post("/moving/out/<facility_id>")
@page(router)
def move_out(view: Page, facility_id: str) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    form = view.form()
    meters = [m for m in scope.record.meters if m.facility_id == facility_id and m.removed_on is None]
    try:
        moving_on = date_or_none(form.get("moving_on", ""))
        if moving_on is None:
            raise ValidationFailed(
                "Give the moving day.",
                code="moving_date_missing",
                fields=[{"field": "moving_on", "code": "moving_date_missing"}],
            )
        readings: dict[str, Decimal] = {}
        for meter in meters:
            value = _number(form.get(f"readings.{meter.number}", ""), f"readings.{meter.number}", view.lang)
            if value is not None:
                readings[meter.number] = value
        incoming = None
        if form.get("incoming_name", "").strip():
            language = form.get("incoming_language", view.lang)
            incoming = IncomingParty(
                name=form["incoming_name"],
                email=form.get("incoming_email", "").strip() or None,
                phone=form.get("incoming_phone", "").strip() or None,
                language=language if language in LANGUAGES else view.lang,
            )
        result = composition.move_out_service().move_out(
            scope,
            facility_id=facility_id,
            moving_on=moving_on,
            readings=readings,
            forwarding=Address(
                street=form.get("street", ""),
                postcode=form.get("postcode", ""),
                city=form.get("city", ""),
                country=(form.get("country", "") or composition.profile().country)[:2].upper().ljust(2, "X"),
            ),
            incoming=incoming,
            confirmed=form.get("confirmed") == "1",
        )
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        wrong = {str(f.get("field")) for f in error.fields}
        return _out_page(
            view,
            scope,
            facility_id,
            status_of(error),
            form=form,
            error=view.t(f"error.{error.code}", **error.params),
            wrong=wrong,
            confirm=error.code in ("reading_implausible", "register_implausible"),
        )
    return view.render(
        "moving_out_done.html", result=result, contract=composition.contract_service().contract(scope, facility_id)
    )


@router.get("/moving/in")
@page(router)
def move_in_form(view: Page) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    return view.render("moving_in.html", form={}, today=composition.clock().today())


@router.post("/moving/in")
@page(router)
def move_in(view: Page) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    form = view.form()
    meter_number = form.get("meter_number", "").strip()[:20]
    try:
        moving_on = date_or_none(form.get("moving_on", ""))
        if moving_on is None or not meter_number:
            raise ValidationFailed(
                "Give the meter number and the moving day.",
                code="moving_in_missing",
                fields=[{"field": "meter_number", "code": "moving_in_missing"}],
            )
        value = _number(form.get("reading", ""), "reading", view.lang)
        readings = {meter_number: value} if value is not None else {}
        result = composition.move_in_service().move_in_existing(
            scope, meter_number=meter_number, moving_on=moving_on, readings=readings
        )
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return view.render(
            "moving_in.html",
            status_of(error),
            form=form,
            today=composition.clock().today(),
            error=view.t(f"error.{error.code}", **error.params),
        )
    if isinstance(result, MovedIn):
        return view.redirect(f"/contracts/{result.supply.facility_id}")
    return view.render("moving_in_done.html", requested=True)


@router.get("/moving/confirm")
@page(router)
def confirm_form(view: Page) -> Response[str]:
    handshake_id = view.query.get("id", "")[:64]
    service = composition.move_in_service()
    try:
        handshake = service.handshake(handshake_id)
    except DomainError as error:
        return view.render("error.html", status_of(error), message=view.t(f"error.{error.code}"))
    address = _facility_address(handshake.outgoing, handshake.facility_id)
    return view.render("moving_confirm.html", handshake=handshake, address=address, error=None)


@router.post("/moving/confirm")
@page(router)
def confirm(view: Page) -> Response[str]:
    form = view.form()
    handshake_id = form.get("id", "")[:64]
    service = composition.move_in_service()
    try:
        moved = service.confirm(handshake_id, form.get("code", ""), view.lang)
    except ValidationFailed as error:
        handshake = service.handshake(handshake_id)
        address = _facility_address(handshake.outgoing, handshake.facility_id)
        return view.render(
            "moving_confirm.html", 422, handshake=handshake, address=address, error=view.t(f"error.{error.code}")
        )
    return view.render("moving_welcome.html", moved=moved)


def _number(text: str, field: str, lang: Language) -> Decimal | None:
    """A reading typed in the person's language (``12 345,6``)."""
    try:
        return decimal_or_none(text, lang)
    except ValidationFailed as error:
        raise ValidationFailed(
            "The reading must be a number.",
            code="reading_not_a_number",
            fields=[{"field": field, "code": "reading_not_a_number"}],
        ) from error


def _facility_address(customer_number: str, facility_id: str) -> str:
    facility = next((f for f in composition.repository().list_facilities(customer_number) if f.id == facility_id), None)
    if facility is None:
        return ""
    return f"{facility.address.street}, {facility.address.postcode} {facility.address.city}"
