"""``/alerts``: a facility's alert settings (seasonal limits per measure,
consumption above expected, no data from the meter; how to be told), for one
facility or several at once. Everyone who sees a facility sees its settings;
administrators and people with full access change them."""

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in_scope

from heatportal import composition
from heatportal.domain.alerts import SEASONAL, TEMPERATURES, AlertRule, AlertSettings, Channel, Measure, Supply
from heatportal.domain.errors import Forbidden, ValidationFailed
from heatportal.domain.model import Language, Role
from heatportal.i18n import month_name
from heatportal.services.access import Scope
from heatportal.services.alerts.settings import FacilityAlerts, RuleInput, suggested_rules

router = Router()
MEASURES = (*SEASONAL, Measure.ABOVE_EXPECTED, Measure.NO_DATA)


def _may_change(scope: Scope) -> bool:
    try:
        scope.require(Role.FULL, companies="any")
    except Forbidden:
        return False
    return True


def _form_values(entry: FacilityAlerts) -> dict[str, str]:
    """The form's fields for a facility: its rules turned on, and the
    suggestions for the measures it does not watch (turned on only while the
    facility has no settings at all: nothing is watched until saved)."""
    return form_values(entry.settings, entry.supplies)


def form_values(settings: AlertSettings | None, supplies: Sequence[Supply]) -> dict[str, str]:
    """The form's fields for these settings (None: the suggestions, turned on)."""
    stored = list(settings.rules) if settings else []
    watched = {(r.supply, r.measure) for r in stored}
    suggested = [s for supply in supplies for s in suggested_rules(supply) if (s.supply, s.measure) not in watched]
    values: dict[str, str] = {}
    shown: list[tuple[AlertRule | RuleInput, bool]] = [
        *((r, True) for r in stored),
        *((s, settings is None) for s in suggested),
    ]
    for rule, on in shown:
        key = f"{rule.supply.value}.{rule.measure.value}"
        if on:
            values[f"{key}.on"] = "on"
        for name in ("summer", "winter", "percent", "days", "hours"):
            value = getattr(rule, name)
            if value is not None:
                values[f"{key}.{name}"] = str(value)
        for channel in rule.channels:
            values[f"{key}.channel.{channel.value}"] = "on"
    if settings:
        values["email_to"] = "\n".join(settings.email_to)
        values["sms_to"] = "\n".join(settings.sms_to)
    return values


def season_span(months: tuple[int, ...], lang: Language) -> str:
    """The winter months as a span (``October–April``) when they follow each other."""
    chosen = set(months)
    first = next((m for m in sorted(chosen) if (m - 2) % 12 + 1 not in chosen), None)
    run = [first] if first else []
    while run and run[-1] % 12 + 1 in chosen and len(run) < len(chosen):
        run.append(run[-1] % 12 + 1)
    if first is not None and len(run) == len(chosen) and len(run) > 1:
        return f"{month_name(run[0], lang)}–{month_name(run[-1], lang)}"
    return ", ".join(month_name(m, lang) for m in sorted(chosen))


def _alerts_page(
    view: Page,
    scope: Scope,
    facility_id: str | None,
    status: int = 200,
    *,
    values: dict[str, str] | None = None,
    problems: list[dict[str, Any]] | None = None,
    also: list[str] | None = None,
) -> Response[str]:
    overview = composition.alert_settings_service().overview(scope)
    chosen = next((e for e in overview if e.facility.id == facility_id), overview[0] if overview else None)
    profile = composition.profile()
    customer = scope.record.customer
    errors: dict[str, str] = {}
    labels: dict[str, str] = {}
    for problem in problems or []:
        labels.setdefault(str(problem["field"]), _field_label(view, str(problem["field"]), chosen))
        errors.setdefault(
            str(problem["field"]),
            view.t(f"error.{problem['code']}", **{k: problem[k] for k in ("min", "max", "unit") if k in problem}),
        )
    return view.render(
        "alerts.html",
        status,
        overview=overview,
        chosen=chosen,
        values=values if values is not None else (_form_values(chosen) if chosen else {}),
        errors=errors,
        labels=labels,
        also=also or [],
        measures=MEASURES,
        seasonal=SEASONAL,
        temperatures=TEMPERATURES,
        channels=list(Channel),
        may_change=_may_change(scope),
        winter_months=season_span(profile.alerts.winter_months, view.lang),
        quiet=profile.alerts.sms_quiet_hours,
        on_record_email=customer.email if customer and customer.email else view.t("alerts.settings.none_on_record"),
        on_record_phone=customer.phone if customer and customer.phone else view.t("alerts.settings.none_on_record"),
        saved=view.query.get("saved"),
    )


@router.get("/alerts")
@page(router)
def alerts(view: Page) -> Response[str]:
    scope = signed_in_scope(view)
    if scope is None:
        return view.render("no_customer.html")
    return _alerts_page(view, scope, view.query.get("facility"))


def _field_label(view: Page, field: str, chosen: FacilityAlerts | None) -> str:
    """What the error summary calls a field: ``Timeeffekt, Vintergrense``."""
    parts = field.split(".")
    if len(parts) != 3:
        return view.t(f"alerts.settings.{field}") if field in ("email_to", "sms_to") else ""
    supply, measure, name = parts
    label = f"{view.t('alerts.measure.' + measure)}, {view.t('alerts.settings.' + name)}"
    if chosen is not None and len(chosen.supplies) > 1:
        label = f"{view.t('alerts.supply.' + supply)}: {label}"
    return label


def _number(values: dict[str, str], field: str, problems: list[dict[str, Any]], *, whole: bool = False) -> Any:
    text = values.get(field, "").strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    try:
        number = Decimal(text)
        if not number.is_finite() or (whole and number != number.to_integral_value()):
            raise InvalidOperation
    except InvalidOperation:
        problems.append({"field": field, "code": "alert_not_a_number"})
        return None
    return int(number) if whole else number


def rules_from_form(values: dict[str, str], supplies: list[Supply]) -> tuple[list[RuleInput], list[dict[str, Any]]]:
    """The rules the form turns on, and the fields that are not numbers."""
    rules: list[RuleInput] = []
    problems: list[dict[str, Any]] = []
    for supply in supplies:
        for measure in MEASURES:
            key = f"{supply.value}.{measure.value}"
            if values.get(f"{key}.on") != "on":
                continue
            channels = frozenset(c for c in Channel if values.get(f"{key}.channel.{c.value}") == "on")
            rules.append(
                RuleInput(
                    supply=supply,
                    measure=measure,
                    channels=channels,
                    summer=_number(values, f"{key}.summer", problems),
                    winter=_number(values, f"{key}.winter", problems),
                    percent=_number(values, f"{key}.percent", problems),
                    days=_number(values, f"{key}.days", problems, whole=True),
                    hours=_number(values, f"{key}.hours", problems, whole=True),
                )
            )
    return rules, problems


@router.post("/alerts")
@page(router)
def save_alerts(view: Page) -> Response[str]:
    scope = signed_in_scope(view)
    if scope is None:
        return view.render("no_customer.html")
    values = view.form()
    facility = values.get("facility", "")
    also = view.form_list("also")
    supplies = list(Supply)
    rules, problems = rules_from_form(values, supplies)
    emails = [line for line in values.get("email_to", "").splitlines() if line.strip()]
    phones = [line for line in values.get("sms_to", "").splitlines() if line.strip()]
    if problems:
        return _alerts_page(view, scope, facility, 422, values=values, problems=problems, also=also)
    try:
        saved = composition.alert_settings_service().save(
            scope, [facility, *(f for f in also if f != facility)], rules, emails, phones
        )
    except ValidationFailed as error:
        found = error.fields or [{"field": "rules", "code": error.code, **error.params}]
        return _alerts_page(view, scope, facility, 422, values=values, problems=found, also=also)
    return view.redirect(f"/alerts?facility={facility}&saved={len(saved)}")
