"""Form pages every area shares: a titled form with its fields and the error in
the person's language next to them, a "done" page, and the parsing of what a
person types (numbers with a decimal comma, dates)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from aws_lambda_powertools.event_handler import Response
from portal_core import Page

from heatportal import composition
from heatportal.domain.companies import format_org_number
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.domain.model import Language
from heatportal.domain.profile import RegistrationMethod
from heatportal.i18n import parse_number
from heatportal.web.api import status_of


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # catalog key
    type: str = "text"
    autocomplete: str = "off"
    required: bool = True
    hint: str | None = None  # catalog key


def form_page(
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


def done_page(view: Page, title: str, message: str, link: tuple[str, str] | None = None) -> Response[str]:
    return view.render("account_done.html", title=title, message=message, link=link, signed=False)


def attempt(
    view: Page, action: Callable[[], Response[str]], again: Callable[[DomainError], Response[str]]
) -> Response[str]:
    try:
        return action()
    except DomainError as error:
        return again(error)


PROOF_FIELDS = {
    RegistrationMethod.PIN: Field("pin", "account.field.pin", "text", "off", hint="account.hint.pin"),
    RegistrationMethod.POSTCODE: Field(
        "postcode", "account.field.postcode", "text", "postal-code", hint="account.hint.postcode"
    ),
    RegistrationMethod.NAME: Field("name", "account.field.name", "text", "name"),
}
"""The field of the customer relationship's proof the profile asks for (registration, linking a number)."""


def new_password_fields() -> list[Field]:
    return [
        Field("password", "account.field.new_password", "password", "new-password", hint="account.hint.password"),
        Field("password_confirm", "account.field.password_confirm", "password", "new-password"),
    ]


def decimal_or_none(text: str, lang: Language) -> Decimal | None:
    """A number typed in the person's language (``1 234,5``), None when empty."""
    if not text.strip():
        return None
    try:
        return parse_number(text, lang)
    except ValueError as error:
        raise ValidationFailed("Not a number.", code="validation_failed") from error


def typed_decimal(text: str | None, lang: Language) -> Decimal:
    """A number typed by a person in their language (spaces, ``1 234,5``,
    ``1.234,5``); ValueError if it is none."""
    return parse_number(text or "", lang)


def date_or_none(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValidationFailed("Not a date.", code="validation_failed") from error


def error_text(view: Page, error: DomainError | None) -> str | None:
    return view.t(f"error.{error.code}", **error.params) if error else None


def form_status(error: DomainError | None) -> int:
    if error is None:
        return 200
    status = status_of(error)
    return 400 if status == 401 else status


def written_org_number(number: str) -> str:
    return format_org_number(number, composition.profile().country)
