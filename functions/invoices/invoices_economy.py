"""The economy overview: the cost so far this year and the forecast of the rest
with its range, as JSON and as a PDF."""

from datetime import date
from decimal import Decimal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel

from heatportal import composition
from heatportal.web.api import CustomerPath
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()


class MonthCostOut(BaseModel):
    period: str
    source: str
    total: Decimal
    low: Decimal
    high: Decimal


class AdvanceYearOut(BaseModel):
    """For an advance payer: the advances so far against the cost so far and the
    settlement the projected year leads to, with the advance that evens it out."""

    advance: Decimal | None
    advances_invoiced: Decimal
    advances_paid: Decimal
    cost_so_far: Decimal
    projected_cost: Decimal
    advances_planned: Decimal
    months_to_come: int
    settlement: Decimal  # > 0 an extra payment, < 0 a refund
    recommended_advance: Decimal


class EconomyOut(BaseModel):
    customer_number: str
    year: int
    as_of: date
    currency: str
    so_far: Decimal
    forecast_rest: Decimal
    year_total: Decimal
    year_low: Decimal
    year_high: Decimal
    months: list[MonthCostOut]
    caution: str
    advance_year: AdvanceYearOut | None = None


@router.get("/api/customers/<customer>/economy")
@tracer.capture_method
def economy(customer: CustomerPath) -> EconomyOut:
    from heatportal.domain.profile import BillingMode
    from heatportal.i18n import translate
    from heatportal.web.api import language_of

    scope = customer_scope(router, customer, invoices=True)
    advance_year = None
    if composition.profile().billing_mode == BillingMode.ADVANCE_YEARLY:
        year = composition.advance_year_service().year(scope)
        overview = year.overview
        advance_year = AdvanceYearOut(
            advance=year.advance,
            advances_invoiced=year.advances_invoiced,
            advances_paid=year.advances_paid,
            cost_so_far=year.cost_so_far,
            projected_cost=year.projected_cost,
            advances_planned=year.advances_planned,
            months_to_come=year.months_to_come,
            settlement=year.settlement,
            recommended_advance=year.recommended_advance,
        )
    else:
        overview = composition.forecast_service().overview(scope)
    return EconomyOut(
        customer_number=overview.customer_number,
        year=overview.year,
        as_of=overview.as_of,
        currency=overview.currency,
        so_far=overview.so_far,
        forecast_rest=overview.forecast_rest,
        year_total=overview.year_total,
        year_low=overview.year_low,
        year_high=overview.year_high,
        months=[
            MonthCostOut(period=m.period.key, source=m.source, total=m.total, low=m.low, high=m.high)
            for m in overview.months
        ],
        caution=translate("economy.caution", language_of(router.current_event.headers)),
        advance_year=advance_year,
    )


@router.get("/api/customers/<customer>/economy/pdf")
@tracer.capture_method
def economy_pdf(customer: CustomerPath):  # unannotated: Powertools would validate a binary body as a model
    from heatportal.web.api import language_of

    scope = customer_scope(router, customer, invoices=True)
    customer_language = scope.record.customer.language if scope.record.customer else None
    lang = language_of(router.current_event.headers, customer_language or composition.profile().default_language)
    estimate = composition.estimate_pdf_service().pdf(scope, lang)
    return Response(
        200,
        "application/pdf",
        estimate.body,
        {"Content-Disposition": f'inline; filename="{estimate.filename}"', "Cache-Control": "no-store"},
    )
