"""``/meters`` for customer service: a new meter on a facility (POST
``/meters``), a replacement (``/meters/<n>/replacement``) and the register's
settings (``/meters/<n>/settings``), the same services as the API's routes."""

from datetime import date

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import typed_decimal
from portal_meters import meter_page, meters_list

from heatportal import composition
from heatportal.domain.errors import DomainError, Forbidden
from heatportal.domain.model import MeterKind
from heatportal.domain.money import EnergyUnit
from heatportal.services.access import Principal

router = Router()


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
        start_value = typed_decimal(form.get("start_value"), view.lang)
    except ValueError:
        return _meters_with_error(view, principal, number, form, view.t("error.meter_form_invalid"))
    try:
        added = composition.meter_lifecycle_service().add(
            view.scope(principal, number),
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
        final_value = typed_decimal(form.get("final_value"), view.lang)
        new_start_value = typed_decimal(form.get("new_start_value"), view.lang)
    except ValueError:
        return _replace_with_error(view, principal, number, meter_number, form, view.t("error.meter_form_invalid"))
    try:
        replaced = composition.meter_lifecycle_service().replace(
            view.scope(principal, number),
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
    scope = view.scope(principal, number)
    overview = composition.reading_service().list_meters(scope)
    return meters_list(view, scope, overview, 422, add_form=form, add_error=message)


def _replace_with_error(
    view: Page, principal: Principal, number: str, meter_number: str, form: dict[str, str], message: str
) -> Response[str]:
    return meter_page(view, principal, number, meter_number, 422, replace_form=form, replace_error=message)


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
            view.scope(principal, number),
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
    return meter_page(view, principal, number, meter_number, 422, settings_form=form, settings_error=message)
