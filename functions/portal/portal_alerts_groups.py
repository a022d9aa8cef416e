"""``/alerts/groups``: one alert setting for every facility of one of the
person's groups (seed 004: alerts "per facility (or group)"). The group is a
way to choose facilities: each facility the person may set (administrators and
full access) gets the settings as if set alone; the facilities they only see
are named and left as they are."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_alerts import MEASURES, form_values, rules_from_form, season_span
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.alerts import SEASONAL, TEMPERATURES, Channel, Supply
from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.facility_groups import PortfolioSettings
from heatportal.services.alerts.settings import may_set
from heatportal.services.portfolio.scope import Portfolio

router = Router()


def _group_page(
    view: Page,
    portfolio: Portfolio,
    group_id: str | None,
    status: int = 200,
    *,
    values: dict[str, str] | None = None,
    problems: list[dict[str, Any]] | None = None,
    groups: PortfolioSettings | None = None,
) -> Response[str]:
    """The person's groups to choose from and, for the chosen one, what it
    would set (one GetItem for the groups; the portfolio is the request's)."""
    groups = groups or composition.facility_service().settings(portfolio)
    group = groups.group(group_id) if group_id else None
    members = portfolio.chosen(group.facilities) if group else []
    settable = [f for f in members if may_set(portfolio, f)]
    supplies = [s for s in Supply if any(s.value in f.facility.supplies for f in settable)]
    errors: dict[str, str] = {}
    for problem in problems or []:
        params = {k: problem[k] for k in ("min", "max", "unit") if k in problem}
        errors.setdefault(str(problem["field"]), view.t(f"error.{problem['code']}", **params))
    profile = composition.profile()
    return view.render(
        "alerts_groups.html",
        status,
        groups=groups.groups,
        group=group,
        settable=settable,
        skipped=[f for f in members if f not in settable],
        supplies=supplies,
        values=values if values is not None else form_values(None, supplies),
        errors=errors,
        measures=MEASURES,
        seasonal=SEASONAL,
        temperatures=TEMPERATURES,
        channels=list(Channel),
        winter_months=season_span(profile.alerts.winter_months, view.lang),
        quiet=profile.alerts.sms_quiet_hours,
        saved=view.query.get("saved") if status == 200 else None,
    )


@router.get("/alerts/groups")
@page(router)
def group_alerts(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    return _group_page(view, view.portfolio(principal), view.query.get("group"))


@router.post("/alerts/groups/<group_id>")
@page(router)
def save_group_alerts(view: Page, group_id: str) -> Response[str]:
    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    values = view.form()
    rules, problems = rules_from_form(values, list(Supply))
    emails = [line for line in values.get("email_to", "").splitlines() if line.strip()]
    phones = [line for line in values.get("sms_to", "").splitlines() if line.strip()]
    if problems:
        return _group_page(view, portfolio, group_id, 422, values=values, problems=problems)
    service = composition.alert_settings_service()
    groups = composition.facility_service().settings(portfolio)
    try:
        done = service.save_group(
            portfolio, groups, group_id, rules, emails, phones, lambda number: view.scope(principal, number)
        )
    except ValidationFailed as error:
        found = error.fields or [{"field": "rules", "code": error.code, **error.params}]
        return _group_page(view, portfolio, group_id, 422, values=values, problems=found, groups=groups)
    except (NotFound, Forbidden) as error:
        if error.code not in ("alert_group_not_found", "alert_group_read_only"):
            raise
        known = None if isinstance(error, NotFound) else group_id
        status = 404 if isinstance(error, NotFound) else 403
        problem = [{"field": "group", "code": error.code}]
        return _group_page(view, portfolio, known, status, problems=problem, groups=groups)
    return view.redirect(f"/alerts/groups?group={done.group_id}&saved={len(done.saved)}")
