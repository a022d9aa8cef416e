"""``/password``: a forgotten password (``/password/forgot``: a code by e-mail,
the same answer for unknown addresses) and its reset (``/password/reset``)."""

from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page
from portal_forms import Field, attempt, done_page, form_page, new_password_fields

from heatportal import composition
from heatportal.domain.errors import DomainError

router = Router()


def _forgot_page(view: Page, values: dict[str, str] | None = None, error: DomainError | None = None) -> Response[str]:
    return form_page(
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
        composition.credential_service().forgot_password(email, view.lang, view.client)
        return view.redirect(f"/password/reset?email={quote(email.strip())}")

    return attempt(view, send, lambda e: _forgot_page(view, form, e))


def _reset_page(view: Page, values: dict[str, str], error: DomainError | None = None) -> Response[str]:
    return form_page(
        view,
        title="account.reset.title",
        intro="account.reset.intro",
        fields=[
            Field("email", "account.field.email", "email", "email"),
            Field("code", "account.field.code", "text", "one-time-code"),
            *new_password_fields(),
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
        composition.credential_service().reset_password(
            form.get("email", ""), form.get("code", ""), form.get("password", ""), form.get("password_confirm", "")
        )
        return done_page(view, "account.reset.done_title", "account.reset.done", ("/login", "login.submit"))

    return attempt(view, change, lambda e: _reset_page(view, form, e))
