"""``/account/companies``: the management companies that may see the customer
(name once registered, administrators, facilities, role, status): its
administrators invite a company by organisation number with selected
facilities, change, approve or remove one."""

from collections.abc import Callable

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import error_text, form_status, written_org_number

from heatportal import composition
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.model import Role
from heatportal.services.access import Scope
from heatportal.web.api import status_of

router = Router()


COMPANY_ROLES = (Role.READ, Role.FULL)


def _company_role(value: str) -> Role:
    if value not in {r.value for r in COMPANY_ROLES}:
        raise ValidationFailed("Choose a role.", code="company_role_invalid", fields=[{"field": "role"}])
    return Role(value)


def _facilities(form: dict[str, str], raw: list[str]) -> list[str] | None:
    """``scope=all`` grants every facility (also later ones); else only the ticked ones."""
    return None if form.get("scope") == "all" else raw


def _companies_page(
    view: Page, error: DomainError | None = None, values: dict[str, str] | None = None
) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    scope = view.scope(principal, number)
    companies = composition.grant_service().companies(scope)
    facilities = list(scope.record.facilities)
    return view.render(
        "account_companies.html",
        form_status(error),
        companies=companies,
        facilities=facilities,
        facility_names={f.id: f.name for f in facilities},
        roles=COMPANY_ROLES,
        written=written_org_number,
        error=error_text(view, error),
        wrong={str(f.get("field")) for f in error.fields} if error else set(),
        values=values or {},
    )


@router.get("/account/companies")
@page(router)
def companies(view: Page) -> Response[str]:
    return _companies_page(view)


def _change_companies(view: Page, change: Callable[[Scope, dict[str, str], list[str]], object]) -> Response[str]:
    principal, number = signed_in(view)
    form = view.form()
    if number is None:
        return view.render("no_customer.html")
    ticked = view.form_list("facility")
    try:
        change(view.scope(principal, number), form, ticked)
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return _companies_page(view, error, form)
    return view.redirect("/account/companies")


@router.post("/account/companies")
@page(router)
def invite_company(view: Page) -> Response[str]:
    return _change_companies(
        view,
        lambda scope, form, ticked: composition.grant_service().invite_company(
            scope,
            form.get("org_number", ""),
            _facilities(form, ticked),
            _company_role(form.get("role", "read")),
            form.get("contact_email", "").strip() or None,
        ),
    )


@router.post("/account/companies/<org>/change")
@page(router)
def change_company(view: Page, org: str) -> Response[str]:
    return _change_companies(
        view,
        lambda scope, form, ticked: composition.grant_service().change_company(
            scope, org, _facilities(form, ticked), _company_role(form.get("role", "read"))
        ),
    )


@router.post("/account/companies/<org>/approve")
@page(router)
def approve_company(view: Page, org: str) -> Response[str]:
    return _change_companies(
        view, lambda scope, _form, _ticked: composition.grant_service().approve_company(scope, org)
    )


@router.post("/account/companies/<org>/remove")
@page(router)
def remove_company(view: Page, org: str) -> Response[str]:
    return _change_companies(view, lambda scope, _form, _ticked: composition.grant_service().revoke_company(scope, org))
