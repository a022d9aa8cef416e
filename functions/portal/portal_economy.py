"""``/economy``: the cost so far this year and the forecast of the rest with its
range; ``/economy.pdf`` the same as a PDF."""

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from babel.dates import format_date
from portal_charts import source_bars
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.profile import BillingMode
from heatportal.i18n import format_number

router = Router()


@router.get("/economy")
@page(router)
def economy(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    scope = view.scope(principal, number, invoices=True)
    year = None
    if composition.profile().billing_mode == BillingMode.ADVANCE_YEARLY:
        # The advance payer's year, from the same overview the page shows.
        year = composition.advance_year_service().year(scope)
        overview = year.overview
    else:
        overview = composition.forecast_service().overview(scope)
    chart = source_bars(
        view.t("economy.chart_title"),
        overview.currency,
        [
            (str(format_date(m.period.start, "LLL", locale=view.lang)), m.total, m.source, m.low, m.high)
            for m in overview.months
        ],
        {source: view.t("economy.source." + source) for source in ("invoiced", "estimated", "forecast")},
        view.t("economy.chart_range"),
        lambda amount: format_number(amount, view.lang, 0),
    )
    return view.render("billing_economy.html", overview=overview, chart=chart, year=year)


@router.get("/economy.pdf")
def economy_pdf() -> Response[bytes]:
    view = Page(router.current_event)
    principal, number = signed_in_or_none(view)
    if principal is None or number is None:
        return Response(302, "text/plain", b"", {"Location": "/login?next=/economy"})
    estimate = composition.estimate_pdf_service().pdf(view.scope(principal, number, invoices=True), view.lang)
    headers = {
        **view.security_headers(),
        "Content-Disposition": f'inline; filename="{estimate.filename}"',
        "Cache-Control": "no-store",
    }
    return Response(200, "application/pdf", estimate.body, headers)


def signed_in_or_none(view: Page) -> tuple[Any, str | None]:
    principal = view.principal()
    if principal is None:
        return None, None
    return principal, view.customer_number(principal)
