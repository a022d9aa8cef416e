"""Customer service and moving (staff only): ``/staff/moves`` lists the
facilities nobody moved into after their contract ended and completes a
move-in (to an existing customer by number, or a new customer); a final
invoice that waits can be billed at once; ``/staff/customers/new`` makes a
new customer, who gets the welcome e-mail."""

from decimal import Decimal
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import date_or_none, decimal_or_none

from heatportal import composition
from heatportal.domain.errors import DomainError, Forbidden, ValidationFailed
from heatportal.domain.model import LANGUAGES, Address
from heatportal.services.access import Principal
from heatportal.services.moving.move_in import NewCustomer
from heatportal.web.api import status_of
from heatportal.web.scope import scope_of

router = Router()


def _staff(view: Page) -> Principal:
    principal, _ = signed_in(view)
    if not principal.is_staff:
        raise Forbidden("Only customer service may see this page.", code="forbidden")
    return principal


def _moves_page(view: Page, principal: Principal, status: int = 200, **extra: object) -> Response[str]:
    vacant = composition.move_in_service().vacant_facilities(principal)
    return view.render(
        "staff_moves.html",
        status,
        vacant=vacant,
        today=composition.clock().today(),
        form=extra.pop("form", {}),
        **extra,
    )


@router.get("/staff/moves")
@page(router)
def moves(view: Page) -> Response[str]:
    principal = _staff(view)
    return _moves_page(view, principal, done=view.query.get("done"), billed=view.query.get("billed"))


def _details(form: dict[str, str], lang: str, address: Address | None = None) -> NewCustomer:
    language = form.get("language", lang)
    return NewCustomer(
        name=form.get("name", ""),
        email=form.get("email", "").strip() or None,
        phone=form.get("phone", "").strip() or None,
        language=language if language in LANGUAGES else "en",  # type: ignore[arg-type]  # checked
        address=address,
        org_number=form.get("org_number", "").strip() or None,
    )


@router.post("/staff/moves")
@page(router)
def complete_move(view: Page) -> Response[str]:
    principal = _staff(view)
    form = view.form()
    facility_id = form.get("facility_id", "")
    try:
        moving_on = date_or_none(form.get("moving_on", ""))
        if moving_on is None:
            raise ValidationFailed("Give the moving day.", code="moving_date_missing", fields=[{"field": "moving_on"}])
        readings: dict[str, Decimal] = {}
        meter = form.get("meter_number", "").strip()
        value = decimal_or_none(form.get("reading", ""), view.lang)
        if meter and value is not None:
            readings[meter] = value
        number = form.get("customer_number", "").strip() or None
        moved = composition.move_in_service().staff_move_in(
            principal,
            facility_id=facility_id,
            moving_on=moving_on,
            readings=readings,
            customer_number=number,
            details=None if number else _details(form, view.lang),
        )
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return _moves_page(
            view,
            principal,
            status_of(error),
            form=form,
            failed=facility_id,
            error=view.t(f"error.{error.code}", **error.params),
        )
    return view.redirect(f"/staff/moves?done={quote(moved.customer.number)}")


@router.post("/staff/final-invoice")
@page(router)
def bill_final_invoice(view: Page) -> Response[str]:
    principal = _staff(view)
    form = view.form()
    number = form.get("customer_number", "")
    try:
        invoice = composition.final_invoices().bill_now(scope_of(principal, number), form.get("facility_id", ""))
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return _moves_page(view, principal, status_of(error), error=view.t(f"error.{error.code}", **error.params))
    return view.redirect(f"/staff/moves?billed={invoice.number}")


@router.get("/staff/customers/new")
@page(router)
def new_customer_form(view: Page) -> Response[str]:
    _staff(view)
    return view.render("staff_customer_new.html", form={}, country=composition.profile().country)


@router.post("/staff/customers/new")
@page(router)
def new_customer(view: Page) -> Response[str]:
    principal = _staff(view)
    form = view.form()
    try:
        address = Address(
            street=form.get("street", "").strip() or "-",
            postcode=form.get("postcode", "").strip() or "-",
            city=form.get("city", "").strip() or "-",
            country=composition.profile().country,
        )
        if "-" in (address.street, address.postcode, address.city):
            raise ValidationFailed("Give the customer's address.", code="address_missing", fields=[{"field": "street"}])
        made = composition.move_in_service().create_customer(principal, _details(form, view.lang, address))
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return view.render(
            "staff_customer_new.html",
            status_of(error),
            form=form,
            country=composition.profile().country,
            error=view.t(f"error.{error.code}", **error.params),
        )
    return view.render("staff_customer_made.html", customer=made)
