"""``/services``: the energy services the utility offers (from the profile),
and an expression of interest in one for a facility (full or administrator
rights); customer service gets it as a request, a confirmation goes back."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import DomainError
from heatportal.domain.model import Role
from heatportal.services.access import Scope
from heatportal.web.api import status_of

router = Router()


def _may_ask(scope: Scope | None) -> bool:
    if scope is None:
        return False
    try:
        scope.require(Role.FULL, companies="any")
    except DomainError:
        return False
    return True


def _page(view: Page, scope: Scope | None, status: int = 200, **extra: object) -> Response[str]:
    facilities = [f for f in scope.record.facilities if scope.sees(f.id)] if scope is not None else []
    return view.render(
        "services.html",
        status,
        services=composition.energy_services().catalogue(),
        facilities=facilities,
        may_ask=_may_ask(scope),
        form=extra.pop("form", {}),
        **extra,
    )


@router.get("/services")
@page(router)
def services(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    scope = view.scope(principal, number) if number is not None else None
    return _page(view, scope, sent=view.query.get("sent"))


@router.post("/services/<service_id>")
@page(router)
def interest(view: Page, service_id: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    scope = view.scope(principal, number)
    form = view.form()
    try:
        composition.energy_services().express_interest(
            scope,
            service_id,
            facility_id=form.get("facility_id", ""),
            message=form.get("message", ""),
            phone=form.get("phone", ""),
        )
    except DomainError as error:
        if status_of(error) in (401, 403, 404):
            raise
        return _page(
            view,
            scope,
            status_of(error),
            form=form,
            failed=service_id,
            error=view.t(f"error.{error.code}", **error.params),
        )
    return view.redirect(f"/services?sent={service_id}")
