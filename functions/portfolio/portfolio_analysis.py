"""Analysis of one facility or a group (heating or cooling, a section, a
year), its exports to Excel and CSV, and the return-temperature bonus/fee
table of the past twelve months."""

from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from portfolio_models import StaffCustomer, SupplyName
from pydantic import BaseModel, Field

from heatportal import composition
from heatportal.services.portfolio.analysis import Analysis, Table
from heatportal.services.portfolio.scope import Portfolio
from heatportal.web.api import language_of
from heatportal.web.scope import portfolio_of

router = APIGatewayRouter()
tracer = Tracer()

SectionName = Literal["energy", "flow", "temperature", "power", "financial"]


class AnalysisQuery(BaseModel):
    facility: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    group: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    supply: SupplyName = "heating"
    section: SectionName = "energy"
    year: int | None = Field(default=None, ge=2000, le=2100)
    customer: str | None = StaffCustomer


class AnalysisColumnOut(BaseModel):
    key: str
    unit: str
    decimals: int
    year: int | None


class AnalysisRowOut(BaseModel):
    label: str
    name: str | None = None
    values: list[Decimal | None]
    quality: str | None


class AnalysisTableOut(BaseModel):
    key: str
    columns: list[AnalysisColumnOut]
    rows: list[AnalysisRowOut]

    @classmethod
    def of(cls, table: Table) -> "AnalysisTableOut":
        return cls(
            key=table.key,
            columns=[
                AnalysisColumnOut(key=c.key, unit=c.unit, decimals=c.decimals, year=c.year) for c in table.columns
            ],
            rows=[
                AnalysisRowOut(label=r.label, name=r.name, values=list(r.values), quality=r.quality) for r in table.rows
            ],
        )


class PowerSignatureOut(BaseModel):
    base_kw: Decimal
    slope_kw_per_c: Decimal
    balance_temp: Decimal
    r_squared: Decimal
    points: int


class AnalysisOut(BaseModel):
    target: str
    target_id: str
    name: str
    facilities: list[str]
    supply: SupplyName
    section: SectionName
    year: int
    years: list[int]
    table: AnalysisTableOut
    signature: PowerSignatureOut | None = None


def _analysis(portfolio: Portfolio, query: AnalysisQuery) -> Analysis:
    target = composition.analysis_service().target(
        portfolio, composition.facility_service().settings(portfolio), facility=query.facility, group=query.group
    )
    return composition.analysis_service().analyse(target, query.supply, query.year)


@router.get("/api/portfolio/analysis")
@tracer.capture_method
def analysis(query: Annotated[AnalysisQuery, Query()]) -> AnalysisOut:
    found = _analysis(portfolio_of(router, staff_customer=query.customer), query)
    signature = found.signature if query.section == "power" else None
    return AnalysisOut(
        target=found.target.kind,
        target_id=found.target.id,
        name=found.target.name,
        facilities=[f.id for f in found.target.facilities],
        supply=found.supply,
        section=query.section,
        year=found.year,
        years=list(found.years),
        table=AnalysisTableOut.of(found.table(query.section)),
        signature=PowerSignatureOut(
            base_kw=signature.base_kw,
            slope_kw_per_c=signature.slope_kw_per_c,
            balance_temp=signature.balance_temp,
            r_squared=signature.r_squared,
            points=signature.points,
        )
        if signature
        else None,
    )


class ExportQuery(AnalysisQuery):
    format: Literal["xlsx", "csv"] = "xlsx"


@router.get("/api/portfolio/analysis/export")
@tracer.capture_method
def export(query: Annotated[ExportQuery, Query()]):  # unannotated: a binary body
    lang = language_of(router.current_event.headers, composition.profile().default_language)
    found = _analysis(portfolio_of(router, staff_customer=query.customer), query)
    filename, media, body = composition.analysis_export(found, query.format, query.section, lang)
    return Response(
        200, media, body, {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    )


class ReturnQuery(BaseModel):
    facility: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    group: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    supply: SupplyName = "heating"
    customer: str | None = StaffCustomer


class ReturnTemperatureRowOut(BaseModel):
    facility: str
    name: str
    energy_mwh: Decimal
    return_temp: Decimal | None
    reference: Decimal | None
    amount: Decimal | None
    months: int


class ReturnTemperatureTableOut(BaseModel):
    supply: SupplyName
    first_month: str
    last_month: str
    currency: str
    rows: list[ReturnTemperatureRowOut]
    total_energy_mwh: Decimal
    mean_return_temp: Decimal | None
    total_amount: Decimal | None


@router.get("/api/portfolio/return-temperature")
@tracer.capture_method
def return_temperature(query: Annotated[ReturnQuery, Query()]) -> ReturnTemperatureTableOut:
    portfolio = portfolio_of(router, staff_customer=query.customer)
    service = composition.analysis_service()
    target = service.target(
        portfolio, composition.facility_service().settings(portfolio), facility=query.facility, group=query.group
    )
    table = service.return_table(target, query.supply)
    return ReturnTemperatureTableOut(
        supply=table.supply,
        first_month=table.first_month,
        last_month=table.last_month,
        currency=table.currency,
        rows=[
            ReturnTemperatureRowOut(
                facility=r.facility.id,
                name=r.facility.facility.name,
                energy_mwh=r.energy_mwh,
                return_temp=r.return_temp,
                reference=r.reference,
                amount=r.amount,
                months=r.months,
            )
            for r in table.rows
        ],
        total_energy_mwh=table.total_energy_mwh,
        mean_return_temp=table.mean_return_temp,
        total_amount=table.total_amount,
    )
