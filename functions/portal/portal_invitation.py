"""``/invitation``: an invitation to a customer's portal accepted with the e-mailed
code (a new password, or the current one for somebody who has an account)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page
from portal_forms import Field, attempt, done_page, form_page

from heatportal import composition
from heatportal.domain.errors import DomainError, Unauthorized

router = Router()


def _invitation_page(view: Page, invitation_id: str, error: DomainError | None = None) -> Response[str]:
    return form_page(
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
        composition.customer_user_service().accept_invitation(
            form.get("id", ""), form.get("code", ""), form.get("password", ""), form.get("password_confirm") or None
        )
        return done_page(view, "account.invitation.done_title", "account.invitation.done", ("/login", "login.submit"))

    def again(error: DomainError) -> Response[str]:
        if isinstance(error, Unauthorized):
            error.fields = [{"field": "password"}]
        return _invitation_page(view, form.get("id", ""), error)

    return attempt(view, accept, again)
