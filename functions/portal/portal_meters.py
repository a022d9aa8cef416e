"""``/meters``: the meter list, a meter's page (its readings with their
corrections by customer service, the reading form with one input per
register), the reading submission and the customer's replacement of a
reading that came by SMS (the same service as PUT
/api/customers/{c}/meters/{m}/readings/{date}). For customer service the
page also shows the meter's settings and the replacement form (their POSTs
are in ``portal_meters_staff``)."""

from datetime import date
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in
from portal_forms import typed_decimal

from heatportal import composition
from heatportal.domain.errors import DomainError, Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Language, Meter, MeterKind, Reading
from heatportal.domain.money import EnergyUnit
from heatportal.i18n import parse_number
from heatportal.services.access import Principal, Scope
from heatportal.services.plausibility import ImplausibleValue
from heatportal.services.readings import MeterOverview

router = Router()


def meter_page_extras(scope: Scope, meter: Meter, readings: list[Reading]) -> dict[str, Any]:
    """What the readings page shows besides the readings: their corrections
    (one Query) and, for customer service, the meter's settings and their history."""
    corrections = composition.reading_correction_service()
    extras: dict[str, Any] = {
        "corrections": corrections.corrections_of(scope, meter.number, readings),
        "replaceable": corrections.replaceable(scope, readings),
        "meter_settings": None,
        # The meter this one replaced (same facility, removed the day it was installed).
        "replaces": next(
            (
                m
                for m in scope.record.meters
                if m.facility_id == meter.facility_id
                and m.removed_on == meter.installed_on
                and m.number != meter.number
            ),
            None,
        ),
    }
    if scope.principal.is_staff:
        extras["meter_settings"] = composition.meter_settings_service().settings(scope, meter.number)
        extras.setdefault("replace_form", {})
    return extras


def meters_list_extras(scope: Scope) -> dict[str, Any]:
    """For customer service, the "add meter" form's choices on the meters list."""
    if not scope.principal.is_staff:
        return {"add_meter": None}
    return {
        "add_meter": {
            "facilities": list(scope.record.facilities),
            "kinds": [k.value for k in MeterKind],
            "units": [u.value for u in EnergyUnit],
            "today": composition.clock().today(),
        },
        "add_form": {},
        "add_error": None,
    }


@router.get("/meters")
@page(router)
def meters(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    scope = view.scope(principal, number)
    overview = composition.reading_service().list_meters(scope)
    # One meter and nothing else to show: straight to it. A replaced meter stays
    # listed with its removal date; customer service gets the "add meter" form.
    if len(overview) == 1 and overview[0].meter.removed_on is None and not principal.is_staff:
        return view.redirect(f"/meters/{overview[0].meter.number}")
    return meters_list(view, scope, overview)


def meters_list(
    view: Page, scope: Scope, overview: list[MeterOverview], status: int = 200, **extra: Any
) -> Response[str]:
    """The meter list: each meter with its facility and address, its last
    reading and whether a reading is due; customer service's "add meter" form."""
    context = {**meters_list_extras(scope), **extra}
    return view.render(
        "meters.html",
        status,
        meters=overview,
        facilities={f.id: f for f in scope.record.facilities},
        today=composition.clock().today(),
        **context,
    )


def meter_page(
    view: Page, principal: Principal, number: str, meter_number: str, status: int = 200, **extra: Any
) -> Response[str]:
    scope = view.scope(principal, number)
    try:
        shown = composition.reading_service().meter_page(scope, meter_number)
    except NotFound:
        return view.render("error.html", 404, message=view.t("error.meter_not_found"))
    selected = shown.selected
    readings = list(reversed(shown.readings))[:24]
    context = {
        "meters": shown.meters,
        "selected": selected,
        "readings": readings,
        "today": composition.clock().today(),
        "form": {},
        "error": None,
        "error_field": "value",
        "confirm": None,
        "check": None,
    }
    # Corrections of these readings; for customer service the meter's settings too.
    context.update(meter_page_extras(scope, selected.meter, readings))
    context["settings_saved"] = view.query.get("settings_saved")
    context.update(extra)
    return view.render("meter.html", status, **context)


@router.get("/meters/<meter_number>")
@page(router)
def meter(view: Page, meter_number: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    return meter_page(view, principal, number, meter_number, submitted=view.query.get("submitted"))


def register_values(form: dict[str, str], lang: Language) -> tuple[dict[str, Decimal], str | None]:
    """Values of the secondary registers (inputs ``register_<name>``), typed in
    the person's language; an empty input is a register the person could not
    read. Returns the values and the name of the first one that is not a number."""
    values: dict[str, Decimal] = {}
    for key, raw in sorted(form.items()):
        name = key.removeprefix("register_")
        if name == key or not raw.strip():
            continue
        try:
            values[name] = parse_number(raw, lang)
        except ValueError:
            return values, name
    return values, None


def error_input(error: ValidationFailed) -> str:
    """The id of the input an error belongs to (``registers.volume`` -> ``register_volume``)."""
    field_name = str(error.fields[0].get("field", "value")) if error.fields else "value"
    if field_name.startswith("registers."):
        return "register_" + field_name.removeprefix("registers.")
    return "read_on" if field_name == "read_on" else "value"


@router.post("/meters/<meter_number>/readings")
@page(router)
def submit_reading(view: Page, meter_number: str) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    form = view.form()
    view.check_csrf(form)
    try:
        value = parse_number(form.get("value", ""), view.lang)
    except ValueError:
        return meter_page(
            view, principal, number, meter_number, 422, form=form, error=view.t("error.reading_not_a_number")
        )
    registers, bad_register = register_values(form, view.lang)
    if bad_register is not None:
        return meter_page(
            view,
            principal,
            number,
            meter_number,
            422,
            form=form,
            error=view.t("error.register_not_a_number"),
            error_field=f"register_{bad_register}",
        )
    raw_date = form.get("read_on", "").strip()
    try:
        read_on = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        return meter_page(
            view,
            principal,
            number,
            meter_number,
            422,
            form=form,
            error=view.t("error.reading_bad_date"),
            error_field="read_on",
        )
    try:
        composition.reading_service().submit(
            view.scope(principal, number),
            meter_number,
            value,
            read_on,
            confirmed=form.get("confirm") == "yes",
            registers=registers,
        )
    except ValidationFailed as error:
        message = view.t(f"error.{error.code}", **error.params)
        if error.code in ("reading_implausible", "register_implausible"):
            # Say what was entered, what it implies and what was expected; the
            # typed values stay in the form to correct, or are sent anyway.
            return meter_page(
                view,
                principal,
                number,
                meter_number,
                422,
                form=form,
                confirm=message,
                check=ImplausibleValue.from_params(error.params),
                error_field=error_input(error),
            )
        return meter_page(
            view, principal, number, meter_number, 422, form=form, error=message, error_field=error_input(error)
        )
    except DomainError as error:
        return meter_page(
            view, principal, number, meter_number, 422, form=form, error=view.t(f"error.{error.code}", **error.params)
        )
    return view.redirect(f"/meters/{meter_number}?submitted=1")


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
        value = typed_decimal(form.get("value"), view.lang)
    except ValueError:
        message = view.t("error.reading_not_a_number")
        return meter_page(view, principal, number, meter_number, 422, replace_reading_error=message)
    try:
        composition.reading_correction_service().correct(
            view.scope(principal, number), meter_number, day, value, form.get("reason", "")
        )
    except Forbidden:
        raise
    except DomainError as error:
        message = view.t(f"error.{error.code}", **error.params)
        return meter_page(view, principal, number, meter_number, 422, replace_reading_error=message)
    return view.redirect(f"/meters/{meter_number}?replaced={day.isoformat()}")
