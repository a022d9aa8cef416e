"""``/contracts``: our contracts and options (products, options, price lists,
price agreements) and the customer's contracts; ``/contracts/<facility_id>``:
a facility's contract with its annual cost estimate (details, PDF); the
options simulator under it (the estimate line by line against the contract's
own, PDF); signing the selected contract (administrators), with the signing
page that follows the order (an animated QR code for BankID, a code field
for the e-mail method) until it completes."""

import segno
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import date_or_none

from heatportal import composition
from heatportal.domain.errors import DomainError, Forbidden, ValidationFailed
from heatportal.domain.model import Role
from heatportal.services.access import Scope
from heatportal.services.contracts.signing import first_days_ahead
from heatportal.web.api import status_of

router = Router()


def _scope(view: Page) -> Scope | None:
    principal, number = signed_in(view)
    return view.scope(principal, number) if number is not None else None


def _is_admin(scope: Scope) -> bool:
    try:
        grant = scope.require(Role.ADMIN)
    except Forbidden:
        return False
    return not grant.staff


def _choices(view: Page) -> dict[str, str]:
    """The options picked (``option.<id>`` query fields)."""
    return {key.removeprefix("option."): value for key, value in view.query.items() if key.startswith("option.")}


@router.get("/contracts")
@page(router)
def contracts(view: Page) -> Response[str]:
    scope = _scope(view)
    offer = composition.contract_service().offer()
    own = composition.contract_service().contracts(scope) if scope is not None else []
    return view.render("contracts.html", offer=offer, contracts=own, today=composition.clock().today())


@router.get("/contracts/<facility_id>")
@page(router)
def contract(view: Page, facility_id: str) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    found, estimate = composition.annual_estimates().estimate(scope, facility_id)
    return view.render(
        "contract.html",
        contract=found,
        estimate=estimate,
        admin=_is_admin(scope),
        meters=[m for m in scope.record.meters if m.facility_id == facility_id],
        signed=view.query.get("signed"),
    )


@router.get("/contracts/<facility_id>/estimate.pdf")
@page(router)
def estimate_pdf(view: Page, facility_id: str) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    choices = _choices(view)
    product = view.query.get("product") or None
    simulated = bool(choices) or product is not None
    body = composition.annual_estimates().pdf(
        scope, facility_id, view.lang, product if simulated else None, choices if simulated else None
    )
    headers = {"Content-Disposition": f'inline; filename="estimate-{facility_id}.pdf"', **view.security_headers()}
    return Response(200, "application/pdf", body, headers)  # type: ignore[arg-type]  # a PDF body


def _simulator_page(
    view: Page, scope: Scope, facility_id: str, product: str | None, choices: dict[str, str], error: DomainError | None
) -> Response[str]:
    estimates = composition.annual_estimates()
    message = view.t(f"error.{error.code}", **error.params) if error else None
    try:
        simulation = estimates.simulate(scope, facility_id, product, choices)
    except ValidationFailed as failure:
        message = view.t(f"error.{failure.code}", **failure.params)
        error = failure
        simulation = estimates.simulate(scope, facility_id, None, {})
    picked = simulation.chosen.terms
    return view.render(
        "simulator.html",
        status_of(error) if error else 200,
        simulation=simulation,
        picked=picked,
        offer=composition.profile().offer,
        admin=_is_admin(scope),
        method=composition.profile().signing.method,
        starts=first_days_ahead(composition.clock().today()),
        query="&".join(f"option.{o}={c}" for o, c in sorted(picked.options.items())) + f"&product={picked.product}",
        error=message,
    )


@router.get("/contracts/<facility_id>/simulator")
@page(router)
def simulator(view: Page, facility_id: str) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    return _simulator_page(view, scope, facility_id, view.query.get("product") or None, _choices(view), None)


@router.post("/contracts/<facility_id>/sign")
@page(router)
def start_signing(view: Page, facility_id: str) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    form = view.form()
    choices = {key.removeprefix("option."): value for key, value in form.items() if key.startswith("option.")}
    product = form.get("product") or None
    try:
        valid_from = date_or_none(form.get("valid_from", ""))
        if valid_from is None:
            raise ValidationFailed("Choose the day the contract starts.", code="signing_date_invalid")
        order = composition.contract_signing().start(
            scope,
            facility_id,
            product=product,
            choices=choices,
            valid_from=valid_from,
            end_user_ip=view.client,
            language=view.lang,
        )
    except DomainError as error:
        if status_of(error) in (401, 403, 404):
            raise
        return _simulator_page(view, scope, facility_id, product, choices, error)
    return view.redirect(f"/contracts/{facility_id}/signing/{order.order_ref}")


def _qr_svg(content: str) -> str:
    """The QR code as an SVG data URI (the page's CSP allows data: images)."""
    return segno.make(content, error="l").svg_data_uri(scale=5, border=2)


@router.get("/contracts/<facility_id>/signing/<order_ref>")
@page(router)
def signing(view: Page, facility_id: str, order_ref: str) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    signing_service = composition.contract_signing()
    order = signing_service.poll(scope, order_ref, view.lang)
    if order.facility_id != facility_id:
        raise Forbidden("This signing belongs to another facility.", code="forbidden")
    if order.status == "complete":
        return view.redirect(f"/contracts/{facility_id}?signed={order.valid_from.isoformat()}")
    qr = signing_service.qr(order)
    return view.render(
        "signing.html",
        order=order,
        facility_id=facility_id,
        qr=qr,
        qr_image=_qr_svg(qr) if qr else None,
        error=None,
    )


@router.post("/contracts/<facility_id>/signing/<order_ref>/code")
@page(router)
def signing_code(view: Page, facility_id: str, order_ref: str) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    form = view.form()
    signing_service = composition.contract_signing()
    try:
        signing_service.respond(scope, order_ref, form.get("code", ""))
    except ValidationFailed as error:
        order = signing_service.order(scope, order_ref)
        return view.render(
            "signing.html",
            422,
            order=order,
            facility_id=facility_id,
            qr=None,
            qr_image=None,
            error=view.t(f"error.{error.code}", **error.params),
        )
    return view.redirect(f"/contracts/{facility_id}/signing/{order_ref}")


@router.post("/contracts/<facility_id>/signing/<order_ref>/cancel")
@page(router)
def cancel_signing(view: Page, facility_id: str, order_ref: str) -> Response[str]:
    scope = _scope(view)
    if scope is None:
        return view.render("no_customer.html")
    composition.contract_signing().cancel(scope, order_ref)
    return view.redirect(f"/contracts/{facility_id}/simulator")
