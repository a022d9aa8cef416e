"""``/r/<token>``: a reading by the link a reminder e-mail carried, without
signing in (the token allows one reading of one meter for one period)."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page

from heatportal import composition
from heatportal.domain.errors import DomainError, ValidationFailed
from heatportal.i18n import parse_number
from heatportal.services.plausibility import ImplausibleValue
from heatportal.web import session as s

router = Router()


def _link_page(view: Page, token: str, status: int = 200, **extra: Any) -> Response[str]:
    try:
        form = composition.reading_link_service().form(token)
    except DomainError as error:
        return view.render("reading_link.html", 404, form=None, problem=view.t(f"error.{error.code}"))
    if not view.lang_switched and not view.cookies.get(s.LANG_COOKIE):
        view.lang = form.language  # the link was sent in the customer's language
    context: dict[str, Any] = {
        "form": form,
        "token": token,
        "values": {},
        "error": None,
        "confirm": None,
        "check": None,
        "done": None,
    }
    context.update(extra)
    return view.render("reading_link.html", status, today=composition.clock().today(), **context)


@router.get("/r/<token>")
@page(router)
def reading_link(view: Page, token: str) -> Response[str]:
    return _link_page(view, token)


@router.post("/r/<token>")
@page(router)
def reading_link_submit(view: Page, token: str) -> Response[str]:
    values = view.form()
    view.check_csrf(values)
    try:
        value = parse_number(values.get("value", ""), view.lang)
    except ValueError:
        return _link_page(view, token, 422, values=values, error=view.t("error.reading_not_a_number"))
    client = view.client
    try:
        result = composition.reading_link_service().submit(
            token, value, None, confirmed=values.get("confirm") == "yes", client=client
        )
    except ValidationFailed as error:
        message = view.t(f"error.{error.code}", **error.params)
        if error.code == "reading_implausible":
            check = ImplausibleValue.from_params(error.params)
            return _link_page(view, token, 422, values=values, confirm=message, check=check)
        return _link_page(view, token, 422, values=values, error=message)
    except DomainError as error:
        status = 429 if error.code == "rate_limited" else 404
        return view.render(
            "reading_link.html", status, form=None, problem=view.t(f"error.{error.code}", **error.params)
        )
    return view.render("reading_link.html", 201, form=None, done=result.reading, problem=None)
