"""Management companies in the portal (seed 004 "Permissions").

- ``/account/companies``: a customer's administrator sees the companies that
  may see the customer (name once registered, facilities, role, status),
  invites a company by organisation number with selected facilities, changes
  or removes one.
- ``/organisation``: a company's people register their company, see the
  customers it was granted (accept or decline invitations, register a customer
  with customer number + the customer's organisation number, open one), and
  its administrators manage managers.
- ``/organisation/invitation``: the emailed code of an invitation (no sign-in):
  a manager joins, or a customer's invited company registers itself.
"""

from collections.abc import Callable

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_account import Field, _attempt, _client, _done, _form_page
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.companies import OrgRole, format_org_number
from heatportal.domain.errors import DomainError, Unauthorized, ValidationFailed
from heatportal.domain.model import Role
from heatportal.services.access import Scope
from heatportal.web import session as s
from heatportal.web.api import status_of

router = Router()

COMPANY_ROLES = (Role.READ, Role.FULL)


def _company_role(value: str) -> Role:
    if value not in {r.value for r in COMPANY_ROLES}:
        raise ValidationFailed("Choose a role.", code="company_role_invalid", fields=[{"field": "role"}])
    return Role(value)


def _org_role(value: str) -> OrgRole:
    if value not in {r.value for r in OrgRole}:
        raise ValidationFailed("Choose a role.", code="validation_failed", fields=[{"field": "role"}])
    return OrgRole(value)


def _facilities(form: dict[str, str], raw: list[str]) -> list[str] | None:
    """``scope=all`` grants every facility (also later ones); else only the ticked ones."""
    return None if form.get("scope") == "all" else raw


def _error_text(view: Page, error: DomainError | None) -> str | None:
    return view.t(f"error.{error.code}", **error.params) if error else None


def _status(error: DomainError | None) -> int:
    if error is None:
        return 200
    status = status_of(error)
    return 400 if status == 401 else status


def _written(number: str) -> str:
    return format_org_number(number, composition.profile().country)


# --- the customer's administrator ------------------------------------------------------------


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
        _status(error),
        companies=companies,
        facilities=facilities,
        facility_names={f.id: f.name for f in facilities},
        roles=COMPANY_ROLES,
        written=_written,
        error=_error_text(view, error),
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


# --- the company's people ------------------------------------------------------------------------


def _organisation_page(
    view: Page, org: str | None = None, error: DomainError | None = None, values: dict[str, str] | None = None
) -> Response[str]:
    principal, _ = signed_in(view)
    service = composition.organisation_service()
    mine = service.my_organisations(principal)
    chosen = org or (mine[0][0].number if mine else None)
    detail = service.organisation(principal, chosen) if chosen else None
    return view.render(
        "organisation.html",
        _status(error),
        mine=mine,
        detail=detail,
        is_admin=bool(detail and detail.me and detail.me.role == OrgRole.ADMIN),
        is_staff=principal.is_staff,
        org_roles=list(OrgRole),
        written=_written,
        me=principal.user_id,
        error=_error_text(view, error),
        wrong={str(f.get("field")) for f in error.fields} if error else set(),
        values={k: v for k, v in (values or {}).items() if "password" not in k},
    )


@router.get("/organisation")
@page(router)
def organisation(view: Page) -> Response[str]:
    return _organisation_page(view, view.query.get("org") or None)


def _change_org(
    view: Page, org: str | None, change: Callable[[dict[str, str]], object], done: str | None = None
) -> Response[str]:
    signed_in(view)
    form = view.form()
    try:
        change(form)
    except DomainError as error:
        if status_of(error) in (401, 403) and error.code not in {"company_registration_failed", "org_admin_required"}:
            raise
        return _organisation_page(view, org, error, form)
    return view.redirect(done or (f"/organisation?org={org}" if org else "/organisation"))


@router.post("/organisation")
@page(router)
def register_organisation(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    created: list[str] = []

    def register(form: dict[str, str]) -> None:
        org = composition.organisation_service().register_organisation(
            principal, form.get("org_number", ""), form.get("name", "")
        )
        created.append(org.number)

    response = _change_org(view, None, register)
    if created:
        return view.redirect(f"/organisation?org={created[0]}")
    return response


@router.post("/organisation/<org>/verification")
@page(router)
def verify_organisation(view: Page, org: str) -> Response[str]:
    principal, _ = signed_in(view)
    return _change_org(
        view,
        org,
        lambda form: composition.organisation_service().verify_organisation(
            principal, org, form.get("verified") == "yes"
        ),
    )


@router.post("/organisation/<org>/members")
@page(router)
def invite_member(view: Page, org: str) -> Response[str]:
    principal, _ = signed_in(view)
    return _change_org(
        view,
        org,
        lambda form: composition.organisation_service().invite_member(
            principal, org, form.get("email", ""), _org_role(form.get("role", "manager"))
        ),
    )


@router.post("/organisation/<org>/members/<user_id>/role")
@page(router)
def change_member(view: Page, org: str, user_id: str) -> Response[str]:
    principal, _ = signed_in(view)
    return _change_org(
        view,
        org,
        lambda form: composition.organisation_service().change_member(
            principal, org, user_id, _org_role(form.get("role", ""))
        ),
    )


@router.post("/organisation/<org>/members/<user_id>/customers")
@page(router)
def member_customers(view: Page, org: str, user_id: str) -> Response[str]:
    principal, _ = signed_in(view)
    ticked = view.form_list("customer")
    return _change_org(
        view,
        org,
        lambda form: composition.organisation_service().set_member_customers(
            principal, org, user_id, None if form.get("scope") == "all" else ticked
        ),
    )


@router.post("/organisation/<org>/members/<user_id>/remove")
@page(router)
def remove_member(view: Page, org: str, user_id: str) -> Response[str]:
    principal, _ = signed_in(view)
    return _change_org(
        view, org, lambda _form: composition.organisation_service().change_member(principal, org, user_id, None)
    )


@router.post("/organisation/<org>/customers")
@page(router)
def register_customer(view: Page, org: str) -> Response[str]:
    principal, _ = signed_in(view)
    return _change_org(
        view,
        org,
        lambda form: composition.grant_service().register_customer(
            principal, org, form.get("customer_number", ""), form.get("customer_org_number", ""), _client(view)
        ),
    )


@router.post("/organisation/<org>/customers/<customer_path>/accept")
@page(router)
def accept_customer(view: Page, org: str, customer_path: str) -> Response[str]:
    principal, _ = signed_in(view)
    number = customer_path.replace("-", "/")
    return _change_org(view, org, lambda _form: composition.grant_service().accept_customer(principal, org, number))


@router.post("/organisation/<org>/customers/<customer_path>/drop")
@page(router)
def drop_customer(view: Page, org: str, customer_path: str) -> Response[str]:
    principal, _ = signed_in(view)
    number = customer_path.replace("-", "/")
    return _change_org(view, org, lambda _form: composition.grant_service().drop_customer(principal, org, number))


@router.post("/organisation/<org>/customers/<customer_path>/open")
@page(router)
def open_customer(view: Page, org: str, customer_path: str) -> Response[str]:
    """Look at a granted customer: the portal's pages then show what the grant covers."""
    principal, _ = signed_in(view)
    view.form()
    number = customer_path.replace("-", "/")
    view.scope(principal, number)  # Forbidden unless the person may see something of it
    view.set_cookies.append(s.cookie(s.CUSTOMER_COOKIE, number, secure=view.secure))
    return view.redirect("/")


# --- a company signs up (no sign-in) ------------------------------------------------------------


def _signup_page(view: Page, values: dict[str, str] | None = None, error: DomainError | None = None) -> Response[str]:
    return _form_page(
        view,
        title="company.signup.title",
        intro="company.signup.intro",
        fields=[
            Field("org_number", "company.field.org_number"),
            Field("name", "company.field.name", "text", "organization"),
            Field("email", "account.field.email", "email", "email"),
        ],
        action="/organisation/signup",
        submit="company.signup.submit",
        values=values,
        error=error,
        links=[("/login", "login.submit")],
    )


@router.get("/organisation/signup")
@page(router)
def signup_form(view: Page) -> Response[str]:
    return _signup_page(view)


@router.post("/organisation/signup")
@page(router)
def signup(view: Page) -> Response[str]:
    form = view.form()

    def start() -> Response[str]:
        composition.company_signup().start_signup(
            form.get("org_number", ""), form.get("name", ""), form.get("email", ""), view.lang, _client(view)
        )
        return _done(view, "company.signup.sent_title", "company.signup.sent")

    return _attempt(view, start, lambda error: _signup_page(view, form, error))


# --- invitation by e-mail (no sign-in) ------------------------------------------------------------


def _invitation_page(
    view: Page, invitation_id: str, error: DomainError | None = None, values: dict[str, str] | None = None
) -> Response[str]:
    return _form_page(
        view,
        title="company.invitation.title",
        intro="company.invitation.intro",
        fields=[
            Field("code", "account.field.code", "text", "one-time-code"),
            Field(
                "company_name",
                "company.field.name",
                "text",
                "organization",
                required=False,
                hint="company.hint.company_name",
            ),
            Field("password", "account.field.password", "password", "new-password", hint="account.hint.invitation"),
            Field("password_confirm", "account.field.password_confirm", "password", "new-password", required=False),
        ],
        action="/organisation/invitation",
        submit="company.invitation.submit",
        values=values,
        error=error,
        hidden={"id": invitation_id},
    )


@router.get("/organisation/invitation")
@page(router)
def invitation_form(view: Page) -> Response[str]:
    return _invitation_page(view, view.query.get("id", ""))


@router.post("/organisation/invitation")
@page(router)
def accept_invitation(view: Page) -> Response[str]:
    form = view.form()

    def accept() -> Response[str]:
        composition.company_signup().accept_invitation(
            form.get("id", ""),
            form.get("code", ""),
            form.get("password", ""),
            form.get("password_confirm") or None,
            form.get("company_name") or None,
        )
        return _done(view, "company.invitation.done_title", "company.invitation.done", ("/login", "login.submit"))

    def again(error: DomainError) -> Response[str]:
        if isinstance(error, Unauthorized):
            error.fields = [{"field": "password"}]
        return _invitation_page(view, form.get("id", ""), error, form)

    return _attempt(view, accept, again)
