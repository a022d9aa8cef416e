"""``/organisation``: a management company's people register their company, see
the customers it was granted (accept or decline invitations, register a
customer with customer number + the customer's organisation number, open
one), and its administrators manage managers and administrators. A company
that is no customer signs up (``/organisation/signup``); an e-mailed code is
accepted without signing in (``/organisation/invitation``)."""

from collections.abc import Callable

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import Field, attempt, done_page, error_text, form_page, form_status, written_org_number

from heatportal import composition
from heatportal.domain.companies import OrgRole
from heatportal.domain.errors import DomainError, Unauthorized, ValidationFailed
from heatportal.web.api import status_of
from heatportal.web.redirects import safe_next

router = Router()


def _org_role(value: str) -> OrgRole:
    if value not in {r.value for r in OrgRole}:
        raise ValidationFailed("Choose a role.", code="validation_failed", fields=[{"field": "role"}])
    return OrgRole(value)


def _organisation_page(
    view: Page, org: str | None = None, error: DomainError | None = None, values: dict[str, str] | None = None
) -> Response[str]:
    principal, _ = signed_in(view)
    service = composition.organisation_service()
    mine = service.my_organisations(principal)
    chosen = org or (mine[0][0].number if mine else None)
    detail = service.organisation(principal, chosen) if chosen else None
    chosen_customer = view.chosen_customer(principal)
    return view.render(
        "organisation.html",
        form_status(error),
        # The company's page names a customer in the header only once one was opened.
        **({} if chosen_customer else {"customer": None}),
        mine=mine,
        detail=detail,
        is_admin=bool(detail and detail.me and detail.me.role == OrgRole.ADMIN),
        is_staff=principal.is_staff,
        org_roles=list(OrgRole),
        written=written_org_number,
        me=principal.user_id,
        error=error_text(view, error),
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
            principal, org, form.get("customer_number", ""), form.get("customer_org_number", ""), view.client
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
    form = view.form()
    number = customer_path.replace("-", "/")
    view.scope(principal, number)  # Forbidden unless the person may see something of it
    view.choose_customer(number)
    # The company's notifications open a customer's monthly information ("next").
    return view.redirect(safe_next(form.get("next")))


def _signup_page(view: Page, values: dict[str, str] | None = None, error: DomainError | None = None) -> Response[str]:
    return form_page(
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
            form.get("org_number", ""), form.get("name", ""), form.get("email", ""), view.lang, view.client
        )
        return done_page(view, "company.signup.sent_title", "company.signup.sent")

    return attempt(view, start, lambda error: _signup_page(view, form, error))


def _invitation_page(
    view: Page, invitation_id: str, error: DomainError | None = None, values: dict[str, str] | None = None
) -> Response[str]:
    return form_page(
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
        return done_page(view, "company.invitation.done_title", "company.invitation.done", ("/login", "login.submit"))

    def again(error: DomainError) -> Response[str]:
        if isinstance(error, Unauthorized):
            error.fields = [{"field": "password"}]
        return _invitation_page(view, form.get("id", ""), error, form)

    return attempt(view, accept, again)
