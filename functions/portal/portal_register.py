"""``/register``: registration by customer number and the proof the profile asks
for (PIN letter, postcode or name), then the e-mailed code and a password
(``/register/verify``)."""

from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page
from portal_forms import PROOF_FIELDS, Field, attempt, done_page, form_page, new_password_fields

from heatportal import composition
from heatportal.domain.errors import DomainError
from heatportal.domain.profile import RegistrationMethod

router = Router()


def _register_page(view: Page, values: dict[str, str] | None = None, error: DomainError | None = None) -> Response[str]:
    method = composition.profile().registration
    links = [("/customer-number/forgot", "account.forgot_number.link")] if method == RegistrationMethod.PIN else []
    return form_page(
        view,
        title="account.register.title",
        intro="account.register.intro",
        fields=[
            Field("customer_number", "common.customer_number", "text", "off", hint="account.hint.customer_number"),
            PROOF_FIELDS[method],
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
        pending = composition.registration_service().start_registration(
            form.get("customer_number", ""),
            form.get("email", ""),
            view.client,
            pin=form.get("pin"),
            postcode=form.get("postcode"),
            name=form.get("name"),
        )
        return view.redirect(f"/register/verify?id={quote(pending.id)}")

    return attempt(view, start, lambda e: _register_page(view, form, e))


def _verify_page(view: Page, registration_id: str, error: DomainError | None = None) -> Response[str]:
    return form_page(
        view,
        title="account.verify.title",
        intro="account.verify.intro",
        fields=[Field("code", "account.field.code", "text", "one-time-code"), *new_password_fields()],
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
        composition.registration_service().complete_registration(
            form.get("id", ""), form.get("code", ""), form.get("password", ""), form.get("password_confirm", "")
        )
        return done_page(view, "account.verify.done_title", "account.verify.done", ("/login", "login.submit"))

    return attempt(view, complete, lambda e: _verify_page(view, form.get("id", ""), e))
