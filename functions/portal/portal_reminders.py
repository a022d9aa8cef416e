"""``/reminders``: reading reminders by SMS or e-mail, set up and removed."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, meters_in_use, page, signed_in

from heatportal import composition
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.reminders import Channel
from heatportal.services.access import Scope

router = Router()


def _reminders_page(view: Page, scope: Scope, status: int = 200, **extra: Any) -> Response[str]:
    context: dict[str, Any] = {
        "meters": meters_in_use(scope),
        "agreements": composition.reading_link_service().list_agreements(scope),
        "values": {},
        "error": None,
        "saved": view.query.get("saved"),
        "sms_number": composition.profile().sms_number,
        "keyword": composition.profile().sms_keyword.upper(),
    }
    context.update(extra)
    return view.render("reminders.html", status, **context)


@router.get("/reminders")
@page(router)
def reminders(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    return _reminders_page(view, view.scope(principal, number))


@router.post("/reminders")
@page(router)
def set_up_reminder(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    values = view.form()
    view.check_csrf(values)
    channel: Channel = "sms" if values.get("channel") == "sms" else "email"
    scope = view.scope(principal, number)
    try:
        composition.reading_link_service().set_up_agreement(
            scope, values.get("meter", ""), channel, values.get("address", "").strip() or None
        )
    except ValidationFailed as error:
        return _reminders_page(view, scope, 422, values=values, error=view.t(f"error.{error.code}"))
    return view.redirect("/reminders?saved=1")


@router.post("/reminders/remove")
@page(router)
def remove_reminder(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    values = view.form()
    view.check_csrf(values)
    channel: Channel = "sms" if values.get("channel") == "sms" else "email"
    composition.reading_link_service().remove_agreement(
        view.scope(principal, number), values.get("meter", ""), channel, values.get("address", "")
    )
    return view.redirect("/reminders")
