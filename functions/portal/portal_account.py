"""Account pages: register (customer proof, e-mailed code, password), forgotten
password, forgotten customer number / PIN, invitations, change password, and
the users, roles and audit trail of a customer. Every form is CSRF-checked by
``page()`` before the handler runs; errors are shown in the person's language
on the form itself."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import DomainError, Unauthorized, ValidationFailed
from heatportal.domain.model import Address, Role
from heatportal.domain.profile import RegistrationMethod
from heatportal.services.access import Principal
from heatportal.services.relationship_proof import proof_for
from heatportal.web import session as s
from heatportal.web.api import status_of

router = Router()


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # catalog key
    type: str = "text"
    autocomplete: str = "off"
    required: bool = True
    hint: str | None = None  # catalog key


def _role(value: str) -> Role:
    if value not in {r.value for r in Role}:
        raise ValidationFailed("Choose a role.", code="validation_failed", fields=[{"field": "role"}])
    return Role(value)


def _client(view: Page) -> str:
    """The caller's address as API Gateway saw it (never a client-sent header)."""
    event = view.event
    if isinstance(event, APIGatewayProxyEvent):
        return event.request_context.identity.source_ip or "unknown"
    return "unknown"  # pragma: no cover - the portal only runs behind the REST API


def _form_page(
    view: Page,
    *,
    title: str,
    intro: str | None,
    fields: list[Field],
    action: str,
    submit: str,
    values: dict[str, str] | None = None,
    error: DomainError | None = None,
    hidden: dict[str, str] | None = None,
    links: list[tuple[str, str]] | None = None,
    signed: bool = False,
) -> Response[str]:
    message = None
    wrong: set[str] = set()
    status = 200
    if error is not None:
        message = view.t(f"error.{error.code}", **error.params)
        wrong = {str(f.get("field")) for f in error.fields}
        status = status_of(error)
        if status == 401:
            status = 400  # a refused proof is a form error here, not a sign-in prompt
    # Secrets are never written back into a form.
    shown = {k: v for k, v in (values or {}).items() if "password" not in k and k not in {"pin", "code"}}
    return view.render(
        "account_form.html",
        status,
        title=title,
        intro=intro,
        fields=fields,
        action=action,
        submit=submit,
        values=shown,
        error=message,
        wrong=wrong,
        hidden=hidden or {},
        links=links or [],
        signed=signed,
    )


def _done(view: Page, title: str, message: str, link: tuple[str, str] | None = None) -> Response[str]:
    return view.render("account_done.html", title=title, message=message, link=link, signed=False)


def _attempt(
    view: Page, action: Callable[[], Response[str]], again: Callable[[DomainError], Response[str]]
) -> Response[str]:
    try:
        return action()
    except DomainError as error:
        return again(error)


# --- registration -------------------------------------------------------------------

_PROOF = {
    RegistrationMethod.PIN: Field("pin", "account.field.pin", "text", "off", hint="account.hint.pin"),
    RegistrationMethod.POSTCODE: Field(
        "postcode", "account.field.postcode", "text", "postal-code", hint="account.hint.postcode"
    ),
    RegistrationMethod.NAME: Field("name", "account.field.name", "text", "name"),
}


def _register_page(view: Page, values: dict[str, str] | None = None, error: DomainError | None = None) -> Response[str]:
    method = composition.profile().registration
    links = [("/customer-number/forgot", "account.forgot_number.link")] if method == RegistrationMethod.PIN else []
    return _form_page(
        view,
        title="account.register.title",
        intro="account.register.intro",
        fields=[
            Field("customer_number", "common.customer_number", "text", "off", hint="account.hint.customer_number"),
            _PROOF[method],
            Field("email", "account.field.email", "email", "email"),
        ],
        action="/register",
        submit="account.register.submit",
        values=values,
        error=error,
        links=links,
    )


@router.get("/register")
@page(router)
def register_form(view: Page) -> Response[str]:
    return _register_page(view)


@router.post("/register")
@page(router)
def register(view: Page) -> Response[str]:
    form = view.form()
    view.check_csrf(form)

    def start() -> Response[str]:
        pending = composition.account_service().start_registration(
            form.get("customer_number", ""),
            form.get("email", ""),
            _client(view),
            pin=form.get("pin"),
            postcode=form.get("postcode"),
            name=form.get("name"),
        )
        return view.redirect(f"/register/verify?id={quote(pending.id)}")

    return _attempt(view, start, lambda e: _register_page(view, form, e))


def _new_password_fields() -> list[Field]:
    return [
        Field("password", "account.field.new_password", "password", "new-password", hint="account.hint.password"),
        Field("password_confirm", "account.field.password_confirm", "password", "new-password"),
    ]


def _verify_page(view: Page, registration_id: str, error: DomainError | None = None) -> Response[str]:
    return _form_page(
        view,
        title="account.verify.title",
        intro="account.verify.intro",
        fields=[Field("code", "account.field.code", "text", "one-time-code"), *_new_password_fields()],
        action="/register/verify",
        submit="account.verify.submit",
        error=error,
        hidden={"id": registration_id},
    )


@router.get("/register/verify")
@page(router)
def verify_form(view: Page) -> Response[str]:
    return _verify_page(view, view.query.get("id", ""))


@router.post("/register/verify")
@page(router)
def verify(view: Page) -> Response[str]:
    form = view.form()
    view.check_csrf(form)

    def complete() -> Response[str]:
        composition.account_service().complete_registration(
            form.get("id", ""), form.get("code", ""), form.get("password", ""), form.get("password_confirm", "")
        )
        return _done(view, "account.verify.done_title", "account.verify.done", ("/login", "login.submit"))

    return _attempt(view, complete, lambda e: _verify_page(view, form.get("id", ""), e))


# --- forgotten password ----------------------------------------------------------------


def _forgot_page(view: Page, values: dict[str, str] | None = None, error: DomainError | None = None) -> Response[str]:
    return _form_page(
        view,
        title="account.forgot.title",
        intro="account.forgot.intro",
        fields=[Field("email", "account.field.email", "email", "email")],
        action="/password/forgot",
        submit="account.forgot.submit",
        values=values,
        error=error,
    )


@router.get("/password/forgot")
@page(router)
def forgot_form(view: Page) -> Response[str]:
    return _forgot_page(view)


@router.post("/password/forgot")
@page(router)
def forgot(view: Page) -> Response[str]:
    form = view.form()
    view.check_csrf(form)

    def send() -> Response[str]:
        email = form.get("email", "")
        composition.account_service().forgot_password(email, view.lang, _client(view))
        return view.redirect(f"/password/reset?email={quote(email.strip())}")

    return _attempt(view, send, lambda e: _forgot_page(view, form, e))


def _reset_page(view: Page, values: dict[str, str], error: DomainError | None = None) -> Response[str]:
    return _form_page(
        view,
        title="account.reset.title",
        intro="account.reset.intro",
        fields=[
            Field("email", "account.field.email", "email", "email"),
            Field("code", "account.field.code", "text", "one-time-code"),
            *_new_password_fields(),
        ],
        action="/password/reset",
        submit="account.reset.submit",
        values=values,
        error=error,
    )


@router.get("/password/reset")
@page(router)
def reset_form(view: Page) -> Response[str]:
    return _reset_page(view, {"email": view.query.get("email", "")})


@router.post("/password/reset")
@page(router)
def reset(view: Page) -> Response[str]:
    form = view.form()
    view.check_csrf(form)

    def change() -> Response[str]:
        composition.account_service().reset_password(
            form.get("email", ""), form.get("code", ""), form.get("password", ""), form.get("password_confirm", "")
        )
        return _done(view, "account.reset.done_title", "account.reset.done", ("/login", "login.submit"))

    return _attempt(view, change, lambda e: _reset_page(view, form, e))


# --- forgotten customer number / PIN (seed 000) ------------------------------------------


def _forgot_number_page(
    view: Page, values: dict[str, str] | None = None, error: DomainError | None = None
) -> Response[str]:
    return _form_page(
        view,
        title="account.forgot_number.title",
        intro="account.forgot_number.intro",
        fields=[
            Field("email", "account.field.email", "email", "email", required=False),
            Field("phone", "account.field.mobile", "tel", "tel", required=False),
            Field("customer_number", "account.field.customer_number_optional", "text", "off", required=False),
        ],
        action="/customer-number/forgot",
        submit="account.forgot_number.submit",
        values=values,
        error=error,
    )


@router.get("/customer-number/forgot")
@page(router)
def forgot_number_form(view: Page) -> Response[str]:
    return _forgot_number_page(view)


@router.post("/customer-number/forgot")
@page(router)
def forgot_number(view: Page) -> Response[str]:
    form = view.form()
    view.check_csrf(form)

    def send() -> Response[str]:
        composition.account_service().forgot_customer_number(
            form.get("email"), form.get("phone"), form.get("customer_number"), _client(view)
        )
        return _done(view, "account.forgot_number.title", "account.forgot_number.done", ("/register", "login.register"))

    return _attempt(view, send, lambda e: _forgot_number_page(view, form, e))


# --- invitations ----------------------------------------------------------------------------


def _invitation_page(view: Page, invitation_id: str, error: DomainError | None = None) -> Response[str]:
    return _form_page(
        view,
        title="account.invitation.title",
        intro="account.invitation.intro",
        fields=[
            Field("code", "account.field.code", "text", "one-time-code"),
            Field("password", "account.field.password", "password", "new-password", hint="account.hint.invitation"),
            Field("password_confirm", "account.field.password_confirm", "password", "new-password", required=False),
        ],
        action="/invitation",
        submit="account.invitation.submit",
        error=error,
        hidden={"id": invitation_id},
    )


@router.get("/invitation")
@page(router)
def invitation_form(view: Page) -> Response[str]:
    return _invitation_page(view, view.query.get("id", ""))


@router.post("/invitation")
@page(router)
def accept_invitation(view: Page) -> Response[str]:
    form = view.form()
    view.check_csrf(form)

    def accept() -> Response[str]:
        composition.account_service().accept_invitation(
            form.get("id", ""), form.get("code", ""), form.get("password", ""), form.get("password_confirm") or None
        )
        return _done(view, "account.invitation.done_title", "account.invitation.done", ("/login", "login.submit"))

    def again(error: DomainError) -> Response[str]:
        if isinstance(error, Unauthorized):
            error.fields = [{"field": "password"}]
        return _invitation_page(view, form.get("id", ""), error)

    return _attempt(view, accept, again)


# --- signed in: password, users, audit --------------------------------------------------------


def _password_page(view: Page, error: DomainError | None = None) -> Response[str]:
    return _form_page(
        view,
        title="account.password.title",
        intro=None,
        fields=[
            Field("old_password", "account.field.old_password", "password", "current-password"),
            *_new_password_fields(),
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
        composition.account_service().change_password(
            principal,
            access_token,
            form.get("old_password", ""),
            form.get("password", ""),
            form.get("password_confirm", ""),
        )
        return view.redirect("/account?changed=password")

    return _attempt(view, change, lambda e: _password_page(view, e))


def _users_page(view: Page, error: DomainError | None = None) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    service = composition.account_service()
    members, invitations = service.users(principal, number)
    trail = service.audit(principal, number)
    return view.render(
        "account_users.html",
        400 if error else 200,
        members=members,
        invitations=invitations,
        trail=trail,
        roles=[Role.ADMIN, Role.FULL, Role.READ],
        me=principal.user_id,
        error=view.t(f"error.{error.code}", **error.params) if error else None,
    )


@router.get("/account/users")
@page(router)
def users(view: Page) -> Response[str]:
    return _users_page(view)


def _change_access(view: Page, change: Callable[[str], object]) -> Response[str]:
    _, number = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    if number is None:
        return view.render("no_customer.html")
    try:
        change(number)
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return _users_page(view, error)
    return view.redirect("/account/users")


@router.post("/account/users")
@page(router)
def invite(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    role = form.get("role", "read")
    return _change_access(
        view,
        lambda number: composition.account_service().invite(principal, number, form.get("email", ""), _role(role)),
    )


@router.post("/account/users/<user_id>/role")
@page(router)
def change_role(view: Page, user_id: str) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    role = form.get("role", "")
    return _change_access(
        view,
        lambda number: composition.account_service().change_role(principal, number, user_id, _role(role)),
    )


@router.post("/account/users/<user_id>/remove")
@page(router)
def remove_user(view: Page, user_id: str) -> Response[str]:
    principal, _ = signed_in(view)
    return _change_access(view, lambda number: composition.account_service().remove_user(principal, number, user_id))


@router.post("/account/invitations/<invitation_id>/cancel")
@page(router)
def cancel_invitation(view: Page, invitation_id: str) -> Response[str]:
    principal, _ = signed_in(view)
    return _change_access(
        view, lambda number: composition.account_service().cancel_invitation(principal, number, invitation_id)
    )


# --- my account: linked customer numbers (seed 003 Kontoverwaltung) ----------------------------


def _account_page(view: Page, error: DomainError | None = None, values: dict[str, str] | None = None) -> Response[str]:
    principal, _ = signed_in(view)
    memberships = composition.access().customers_of(principal)
    is_admin = any(m.role == Role.ADMIN for m in memberships)
    return view.render(
        "account_home.html",
        status_of(error) if error and status_of(error) != 401 else (400 if error else 200),
        proof=_PROOF[composition.profile().registration],
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
        composition.account_link_service().link_customer(
            principal, form.get("customer_number", ""), proof, form.get("password") or None, _client(view)
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
        composition.account_link_service().unlink_customer(principal, customer_path.replace("-", "/"))
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return _account_page(view, error)
    view.set_cookies.append(s.cookie(s.CUSTOMER_COOKIE, "", secure=view.secure, max_age=0))
    return view.redirect("/account")


# --- change of e-mail (the sign-in name) ---------------------------------------------------


def _email_page(view: Page, values: dict[str, str] | None = None, error: DomainError | None = None) -> Response[str]:
    return _form_page(
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
        pending = composition.account_service().start_email_change(
            principal, form.get("password", ""), form.get("email", ""), view.lang
        )
        return view.redirect(f"/account/email/verify?id={quote(pending.id)}")

    return _attempt(view, start, lambda e: _email_page(view, form, e))


def _email_verify_page(view: Page, change_id: str, error: DomainError | None = None) -> Response[str]:
    return _form_page(
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
        composition.account_service().confirm_email_change(principal, form.get("id", ""), form.get("code", ""))
        # Every session was signed out so new tokens carry the new address.
        for name in (s.ID_COOKIE, s.ACCESS_COOKIE, s.REFRESH_COOKIE):
            view.set_cookies.append(s.cookie(name, "", secure=view.secure, max_age=0))
        return _done(view, "account.email.done_title", "account.email.done", ("/login", "login.submit"))

    return _attempt(view, confirm, lambda e: _email_verify_page(view, form.get("id", ""), e))


# --- profile: personal data, bank account, contact form (seeds 000, 003) ---------------------


def _profile_page(view: Page, error: DomainError | None = None, notice: str | None = None) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    service = composition.profile_service()
    customer, bank = service.view(principal, number)
    return view.render(
        "account_profile.html",
        status_of(error) if error and status_of(error) != 401 else (400 if error else 200),
        customer=customer,
        bank=bank,
        # A different account per facility is offered when there are several (seed 003).
        facility_accounts=service.facility_accounts(principal, number),
        sepa=composition.profile().currency == "EUR",
        today=composition.clock().today(),
        error=view.t(f"error.{error.code}", **error.params) if error else None,
        notice=notice,
    )


@router.get("/account/profile")
@page(router)
def profile_page(view: Page) -> Response[str]:
    return _profile_page(view, notice="account.profile.saved" if view.query.get("saved") else None)


def _profile_change(view: Page, change: Callable[[Principal, str, dict[str, str]], object]) -> Response[str]:
    principal, number = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    if number is None:
        return view.render("no_customer.html")
    try:
        change(principal, number, form)
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return _profile_page(view, error)
    return view.redirect("/account/profile?saved=1")


@router.post("/account/profile/contact")
@page(router)
def profile_contact(view: Page) -> Response[str]:
    return _profile_change(
        view,
        lambda p, n, f: composition.profile_service().change_contact(p, n, f.get("email"), f.get("phone")),
    )


@router.post("/account/profile/billing-address")
@page(router)
def profile_address(view: Page) -> Response[str]:
    def change(p: Principal, n: str, f: dict[str, str]) -> object:
        address = Address(
            street=f.get("street", "").strip() or "-",
            postcode=f.get("postcode", "").strip(),
            city=f.get("city", "").strip() or "-",
            country=composition.profile().country,
        )
        return composition.profile_service().change_billing_address(p, n, address, f.get("password", ""))

    return _profile_change(view, change)


@router.post("/account/profile/bank-account")
@page(router)
def profile_bank(view: Page) -> Response[str]:
    def change(p: Principal, n: str, f: dict[str, str]) -> object:
        try:
            valid_from = date.fromisoformat(f.get("valid_from", ""))
        except ValueError as error:
            raise ValidationFailed(
                "Enter a date.", code="validation_failed", fields=[{"field": "valid_from"}]
            ) from error
        return composition.profile_service().change_bank_account(
            p,
            n,
            iban=f.get("iban", ""),
            holder=f.get("holder", ""),
            valid_from=valid_from,
            sepa_mandate=f.get("sepa_mandate") == "on",
            password=f.get("password", ""),
            facility_id=f.get("facility_id") or None,
        )

    return _profile_change(view, change)


@router.post("/account/profile/bank-account/<facility_id>/remove")
@page(router)
def profile_bank_remove(view: Page, facility_id: str) -> Response[str]:
    return _profile_change(
        view, lambda p, n, _f: composition.profile_service().remove_facility_bank_account(p, n, facility_id)
    )


@router.post("/account/profile/contact-request")
@page(router)
def profile_message(view: Page) -> Response[str]:
    return _profile_change(
        view,
        lambda p, n, f: composition.profile_service().contact(
            p, n, f.get("subject", ""), f.get("message", ""), f.get("phone", "")
        ),
    )
