"""``/consumption-info``: the monthly consumption information of a customer
with remotely read meters (EU 2023/1791, HKVO §6a), every month kept: last
month against the month before, the same month a year earlier
(weather-corrected) and the average customer of the same category."""

import re
from datetime import date

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in_scope

from heatportal import composition
from heatportal.documents.alert_emails import info_rows, line_title
from heatportal.domain.errors import NotFound
from heatportal.i18n import format_month

router = Router()
MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def _month_name(month: str, view: Page) -> str:
    return format_month(date(int(month[:4]), int(month[5:]), 1), view.lang)


@router.get("/consumption-info")
@page(router)
def consumption_info_months(view: Page) -> Response[str]:
    scope = signed_in_scope(view)
    if scope is None:
        return view.render("no_customer.html")
    months = composition.consumption_info_service().months(scope)
    if months:
        return view.redirect(f"/consumption-info/{months[0]}")
    return view.render("consumption_info.html", info=None, months=[], meters=[], month_name=None)


@router.get("/consumption-info/<month>")
@page(router)
def consumption_info_month(view: Page, month: str) -> Response[str]:
    scope = signed_in_scope(view)
    if scope is None:
        return view.render("no_customer.html")
    if not MONTH.fullmatch(month):
        return view.render("error.html", 404, message=view.t("error.consumption_info_not_found"))
    service = composition.consumption_info_service()
    try:
        info = service.month(scope, month)
    except NotFound:
        return view.render("error.html", 404, message=view.t("error.consumption_info_not_found"))
    names = {f.id: f.name for f in scope.record.facilities}
    meters = [
        (line_title(line, view.lang, names.get(line.facility_id, line.facility_id)), info_rows(line, month, view.lang))
        for line in info.lines
    ]
    months = [(m, _month_name(m, view)) for m in service.months(scope)]
    return view.render(
        "consumption_info.html",
        info=info,
        months=months,
        meters=meters,
        month_name=_month_name(month, view),
        estimated=any(line.estimated for line in info.lines),
    )
