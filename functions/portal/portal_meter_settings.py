"""The readings page's history bits: corrections by customer service shown to
the customer, the customer's replacement of a reading that came by SMS (the
same service as PUT /api/customers/{c}/meters/{m}/readings/{date}), and, for
customer service, the meter's register settings with
a form to change them (the same service as PUT /api/customers/{c}/meters/{m}),
a form to replace the meter (POST .../meters/{m}/replacement) and, on the
meters list, one to add a meter (POST /api/customers/{c}/meters)."""

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import DomainError, Forbidden
from heatportal.domain.model import Meter, MeterKind, Reading
from heatportal.domain.money import EnergyUnit
from heatportal.services.access import Principal

router = Router()


def meter_page_extras(principal: Principal, number: str, meter: Meter, readings: list[Reading]) -> dict[str, Any]:
    """What the readings page shows besides the readings: their corrections
    (one Query) and, for customer service, the meter's settings and their history."""
    corrections = composition.reading_correction_service()
    extras: dict[str, Any] = {
        "corrections": corrections.corrections_of(principal, number, meter.number, readings),
        "replaceable": corrections.replaceable(principal, number, readings),
        "meter_settings": None,
        # The meter this one replaced (same facility, removed the day it was installed).
        "replaces": next(
            (
                m
                for m in composition.repository().list_meters(number)
                if m.facility_id == meter.facility_id
                and m.removed_on == meter.installed_on
                and m.number != meter.number
            ),
            None,
        ),
    }
    if principal.is_staff:
        extras["meter_settings"] = composition.meter_settings_service().settings(principal, number, meter.number)
        extras.setdefault("replace_form", {})
    return extras


def meters_list_extras(principal: Principal, number: str) -> dict[str, Any]:
    """For customer service, the "add meter" form's choices on the meters list."""
    if not principal.is_staff:
        return {"add_meter": None}
    return {
        "add_meter": {
            "facilities": composition.repository().list_facilities(number),
            "kinds": [k.value for k in MeterKind],
            "units": [u.value for u in EnergyUnit],
            "today": composition.clock().today(),
        },
        "add_form": {},
        "add_error": None,
    }


def _decimal(text: str | None) -> Decimal:
    """A number typed by a person (spaces, decimal comma); ValueError if it is none."""
    cleaned = (text or "").strip().replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(cleaned) from error
    if not value.is_finite() or len(cleaned) > 20:
        raise ValueError(cleaned)
    return value


@router.post("/meters")
@page(router)
def add_meter(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if not principal.is_staff:
        raise Forbidden("Only customer service may add or replace meters.", code="meter_lifecycle_staff_only")
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    view.check_csrf(form)
    try:
        decimals = _int(form.get("decimals"))
        digits_text = form.get("register_digits", "").strip()
        digits = _int(digits_text) if digits_text else None
        if decimals is None or (digits_text and digits is None):
            raise ValueError("decimals")
        kind = MeterKind(form.get("kind", ""))
        unit = EnergyUnit(form.get("unit", ""))
        installed_on = date.fromisoformat(form.get("installed_on", "").strip())
        start_value = _decimal(form.get("start_value"))
    except ValueError:
        return _meters_with_error(view, principal, number, form, view.t("error.meter_form_invalid"))
    try:
        added = composition.meter_lifecycle_service().add(
            principal,
            number,
            number=form.get("number", ""),
            facility_id=form.get("facility_id", ""),
            kind=kind,
            unit=unit,
            decimals=decimals,
            installed_on=installed_on,
            start_value=start_value,
            register_digits=digits,
        )
    except Forbidden:
        raise
    except DomainError as error:
        return _meters_with_error(view, principal, number, form, view.t(f"error.{error.code}", **error.params))
    return view.redirect(f"/meters/{added.meter.number}?meter_added=1")


@router.post("/meters/<meter_number>/replacement")
@page(router)
def replace_meter(view: Page, meter_number: str) -> Response[str]:
    principal, number = signed_in(view)
    if not principal.is_staff:
        raise Forbidden("Only customer service may add or replace meters.", code="meter_lifecycle_staff_only")
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    view.check_csrf(form)
    try:
        on = date.fromisoformat(form.get("on", "").strip())
        final_value = _decimal(form.get("final_value"))
        new_start_value = _decimal(form.get("new_start_value"))
    except ValueError:
        return _replace_with_error(view, principal, number, meter_number, form, view.t("error.meter_form_invalid"))
    try:
        replaced = composition.meter_lifecycle_service().replace(
            principal,
            number,
            meter_number,
            on=on,
            final_value=final_value,
            new_number=form.get("new_number", ""),
            new_start_value=new_start_value,
            reason=form.get("reason", ""),
        )
    except Forbidden:
        raise
    except DomainError as error:
        message = view.t(f"error.{error.code}", **error.params)
        return _replace_with_error(view, principal, number, meter_number, form, message)
    return view.redirect(f"/meters/{replaced.new.number}?meter_replaced={meter_number}")


def _meters_with_error(
    view: Page, principal: Principal, number: str, form: dict[str, str], message: str
) -> Response[str]:
    overview = composition.reading_service().list_meters(principal, number)
    extras = meters_list_extras(principal, number)
    extras.update(add_form=form, add_error=message)
    return view.render("meters.html", 422, meters=overview, **extras)


def _replace_with_error(
    view: Page, principal: Principal, number: str, meter_number: str, form: dict[str, str], message: str
) -> Response[str]:
    import portal_pages  # the readings page is drawn there; imported late, as it imports this module

    return portal_pages._meter_page(
        view, principal, number, meter_number, 422, replace_form=form, replace_error=message
    )


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) <= 3 else None


@router.post("/meters/<meter_number>/readings/<read_on>/replace")
@page(router)
def replace_sms_reading(view: Page, meter_number: str, read_on: str) -> Response[str]:
    """The customer replaces a wrong reading that came by SMS."""
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    view.check_csrf(form)
    try:
        day = date.fromisoformat(read_on)
        value = _decimal(form.get("value"))
    except ValueError:
        return _replace_reading_with_error(view, principal, number, meter_number, view.t("error.reading_not_a_number"))
    try:
        composition.reading_correction_service().correct(
            principal, number, meter_number, day, value, form.get("reason", "")
        )
    except Forbidden:
        raise
    except DomainError as error:
        message = view.t(f"error.{error.code}", **error.params)
        return _replace_reading_with_error(view, principal, number, meter_number, message)
    return view.redirect(f"/meters/{meter_number}?replaced={day.isoformat()}")


def _replace_reading_with_error(
    view: Page, principal: Principal, number: str, meter_number: str, message: str
) -> Response[str]:
    import portal_pages  # the readings page is drawn there; imported late, as it imports this module

    return portal_pages._meter_page(view, principal, number, meter_number, 422, replace_reading_error=message)


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
