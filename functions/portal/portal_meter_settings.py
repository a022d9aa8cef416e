"""The readings page's history bits: corrections by customer service shown to
the customer, and, for customer service, the meter's register settings with
a form to change them (the same service as PUT /api/customers/{c}/meters/{m})."""

from datetime import date
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import DomainError, Forbidden
from heatportal.domain.model import Meter, Reading
from heatportal.services.access import Principal

router = Router()


def meter_page_extras(principal: Principal, number: str, meter: Meter, readings: list[Reading]) -> dict[str, Any]:
    """What the readings page shows besides the readings: their corrections
    (one Query) and, for customer service, the meter's settings and their history."""
    extras: dict[str, Any] = {
        "corrections": composition.reading_correction_service().corrections_of(
            principal, number, meter.number, readings
        ),
        "meter_settings": None,
    }
    if principal.is_staff:
        extras["meter_settings"] = composition.meter_settings_service().settings(principal, number, meter.number)
    return extras


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 3 else None


@router.post("/meters/<meter_number>/settings")
@page(router)
def change_meter_settings(view: Page, meter_number: str) -> Response[str]:
    principal, number = signed_in(view)
    if not principal.is_staff:
        raise Forbidden("Only customer service may change a meter's settings.", code="meter_settings_staff_only")
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    view.check_csrf(form)
    try:
        digits = _int(form.get("register_digits"))
        decimals = _int(form.get("decimals"))
        raw_removed = form.get("removed_on", "").strip()
        if digits is None:
            raise ValueError("register_digits")
        removed_on = date.fromisoformat(raw_removed) if raw_removed else None
        if decimals is None:
            raise ValueError("decimals")
    except ValueError:
        return _page_with_error(view, principal, number, meter_number, form, view.t("error.meter_settings_invalid"))
    try:
        composition.meter_settings_service().change(
            principal,
            number,
            meter_number,
            register_digits=digits,
            decimals=decimals,
            removed_on=removed_on,
            reason=form.get("reason", ""),
        )
    except Forbidden:
        raise
    except DomainError as error:
        message = view.t(f"error.{error.code}", **error.params)
        return _page_with_error(view, principal, number, meter_number, form, message)
    return view.redirect(f"/meters/{meter_number}?settings_saved=1#meter-settings")


def _page_with_error(
    view: Page, principal: Principal, number: str, meter_number: str, form: dict[str, str], message: str
) -> Response[str]:
    import portal_pages  # the readings page is drawn there; imported late, as it imports this module

    # The one page both modules draw.
    return portal_pages._meter_page(
        view, principal, number, meter_number, 422, settings_form=form, settings_error=message
    )
