"""``/customer-number/forgot``: the customer number and a new PIN to the contact
data on record."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page
from portal_forms import Field, attempt, done_page, form_page

from heatportal import composition
from heatportal.domain.errors import DomainError

router = Router()


def _forgot_number_page(
    view: Page, values: dict[str, str] | None = None, error: DomainError | None = None
) -> Response[str]:
    return form_page(
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
        composition.forgotten_number_service().forgot_customer_number(
            form.get("email"), form.get("phone"), form.get("customer_number"), view.client
        )
        return done_page(
            view, "account.forgot_number.title", "account.forgot_number.done", ("/register", "login.register")
        )

    return attempt(view, send, lambda e: _forgot_number_page(view, form, e))
