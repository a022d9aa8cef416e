"""``/account``: my account: the customer numbers linked to it (link another by
the registration proof or an administrator's password, remove my own link),
my password and my sign-in e-mail."""

from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import PROOF_FIELDS, Field, attempt, done_page, form_page, new_password_fields

from heatportal import composition
from heatportal.domain.errors import DomainError, Unauthorized
from heatportal.domain.model import Role
from heatportal.services.accounts.proof import proof_for
from heatportal.web import session as s
from heatportal.web.api import status_of

router = Router()


def _password_page(view: Page, error: DomainError | None = None) -> Response[str]:
    return form_page(
        view,
        title="account.password.title",
        intro=None,
        fields=[
            Field("old_password", "account.field.old_password", "password", "current-password"),
            *new_password_fields(),
        ],
        action="/account/password",
        submit="common.save",
        error=error,
        signed=True,
    )


@router.get("/account/password")
@page(router)
def password_form(view: Page) -> Response[str]:
    signed_in(view)
    return _password_page(view)


@router.post("/account/password")
@page(router)
def change_password(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    access_token = view.cookies.get(s.ACCESS_COOKIE)
    if not access_token:
        raise Unauthorized("Please log in again.", code="session_expired")

    def change() -> Response[str]:
        composition.credential_service().change_password(
            principal,
            access_token,
            form.get("old_password", ""),
            form.get("password", ""),
            form.get("password_confirm", ""),
        )
        return view.redirect("/account?changed=password")

    return attempt(view, change, lambda e: _password_page(view, e))


def _account_page(view: Page, error: DomainError | None = None, values: dict[str, str] | None = None) -> Response[str]:
    principal, _ = signed_in(view)
    memberships = view.memberships(principal)
    is_admin = any(m.role == Role.ADMIN for m in memberships)
    return view.render(
        "account_home.html",
        status_of(error) if error and status_of(error) != 401 else (400 if error else 200),
        proof=PROOF_FIELDS[composition.profile().registration],
        memberships=memberships,
        is_admin=is_admin,
        is_staff=principal.is_staff,
        error=view.t(f"error.{error.code}", **error.params) if error else None,
        values={k: v for k, v in (values or {}).items() if k not in {"password", "pin"}},
        notice="account.password.done" if view.query.get("changed") == "password" and not error else None,
    )


@router.get("/account")
@page(router)
def account_home(view: Page) -> Response[str]:
    return _account_page(view)


@router.post("/account/links")
@page(router)
def link(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    proof = proof_for(composition.profile(), pin=form.get("pin"), postcode=form.get("postcode"), name=form.get("name"))
    try:
        composition.link_service().link_customer(
            principal, form.get("customer_number", ""), proof, form.get("password") or None, view.client
        )
    except DomainError as error:
        if status_of(error) == 403:
            raise
        return _account_page(view, error, form)
    return view.redirect("/account")


@router.post("/account/links/<customer_path>/unlink")
@page(router)
def unlink(view: Page, customer_path: str) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    try:
        composition.link_service().unlink_customer(view.scope(principal, customer_path.replace("-", "/")))
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return _account_page(view, error)
    view.set_cookies.append(s.cookie(s.CUSTOMER_COOKIE, "", secure=view.secure, max_age=0))
    return view.redirect("/account")


def _email_page(view: Page, values: dict[str, str] | None = None, error: DomainError | None = None) -> Response[str]:
    return form_page(
        view,
        title="account.email.title",
        intro="account.email.intro",
        fields=[
            Field("email", "account.field.new_email", "email", "email"),
            Field("password", "account.field.password", "password", "current-password"),
        ],
        action="/account/email",
        submit="account.register.submit",
        values=values,
        error=error,
        signed=True,
    )


@router.get("/account/email")
@page(router)
def email_form(view: Page) -> Response[str]:
    signed_in(view)
    return _email_page(view)


@router.post("/account/email")
@page(router)
def email_change(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    view.check_csrf(form)

    def start() -> Response[str]:
        pending = composition.credential_service().start_email_change(
            principal, form.get("password", ""), form.get("email", ""), view.lang
        )
        return view.redirect(f"/account/email/verify?id={quote(pending.id)}")

    return attempt(view, start, lambda e: _email_page(view, form, e))


def _email_verify_page(view: Page, change_id: str, error: DomainError | None = None) -> Response[str]:
    return form_page(
        view,
        title="account.email.title",
        intro="account.verify.intro_email",
        fields=[Field("code", "account.field.code", "text", "one-time-code")],
        action="/account/email/verify",
        submit="common.confirm",
        error=error,
        hidden={"id": change_id},
        signed=True,
    )


@router.get("/account/email/verify")
@page(router)
def email_verify_form(view: Page) -> Response[str]:
    signed_in(view)
    return _email_verify_page(view, view.query.get("id", ""))


@router.post("/account/email/verify")
@page(router)
def email_verify(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    view.check_csrf(form)

    def confirm() -> Response[str]:
        composition.credential_service().confirm_email_change(principal, form.get("id", ""), form.get("code", ""))
        # Every session was signed out so new tokens carry the new address.
        for name in (s.ID_COOKIE, s.ACCESS_COOKIE, s.REFRESH_COOKIE):
            view.set_cookies.append(s.cookie(name, "", secure=view.secure, max_age=0))
        return done_page(view, "account.email.done_title", "account.email.done", ("/login", "login.submit"))

    return attempt(view, confirm, lambda e: _email_verify_page(view, form.get("id", ""), e))
