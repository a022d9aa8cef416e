"""Sustainability: the goal and key figures per year, a yearly report as a
PDF, and the customer's own footprint."""

from decimal import Decimal
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel

from heatportal import composition
from heatportal.web.api import CustomerPath, language_of, principal
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()

YearPath = Annotated[int, Path(ge=2000, le=2100, description="The year of the figures")]


class YearOut(BaseModel):
    year: int
    fuel_mix: dict[str, Decimal]
    co2_kg_per_mwh: Decimal
    renewable_percent: Decimal
    network_losses_percent: Decimal


class SustainabilityOut(BaseModel):
    goal: str
    goal_year: int
    years: list[YearOut]


class FootprintYearOut(BaseModel):
    year: int
    mwh: Decimal
    co2_kg_per_mwh: Decimal
    co2_kg: Decimal
    figures_year: int


@router.get("/api/sustainability")
@tracer.capture_method
def sustainability() -> SustainabilityOut:
    principal(router)  # signed in
    goal = composition.sustainability_service().goal()
    return SustainabilityOut(
        goal=goal.goal,
        goal_year=goal.goal_year,
        years=[
            YearOut(
                year=y.year,
                fuel_mix=dict(y.fuel_mix),
                co2_kg_per_mwh=y.co2_kg_per_mwh,
                renewable_percent=y.renewable_percent,
                network_losses_percent=y.network_losses_percent,
            )
            for y in goal.years
        ],
    )


@router.get("/api/sustainability/reports/<year>/pdf")
@tracer.capture_method
def report(year: YearPath):  # unannotated: a binary body, not a model
    principal(router)  # signed in
    lang = language_of(router.current_event.headers, composition.profile().default_language)
    body = composition.sustainability_service().report(year, lang)
    return Response(
        200,
        "application/pdf",
        body,
        {"Content-Disposition": f'inline; filename="sustainability-{year}.pdf"', "Cache-Control": "no-store"},
    )


@router.get("/api/customers/<customer>/footprint")
@tracer.capture_method
def footprint(customer: CustomerPath) -> list[FootprintYearOut]:
    years = composition.sustainability_service().footprint(customer_scope(router, customer))
    return [
        FootprintYearOut(
            year=y.year, mwh=y.mwh, co2_kg_per_mwh=y.co2_kg_per_mwh, co2_kg=y.co2_kg, figures_year=y.figures_year
        )
        for y in years
    ]
