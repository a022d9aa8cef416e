"""The start page's overview of every facility the caller may see, and the
tiles the caller chose for it ("Change data")."""

from datetime import datetime
from decimal import Decimal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from portfolio_models import SupplyName
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.facility_groups import TileSetting
from heatportal.web.scope import portfolio_of

router = APIGatewayRouter()
tracer = Tracer()


class FacilityAttentionOut(BaseModel):
    facility: str
    name: str
    reasons: list[str]


class PortfolioSupplyOverviewOut(BaseModel):
    supply: SupplyName
    facilities: int
    last_kwh: Decimal
    expected_kwh: Decimal | None
    deviation: Decimal | None
    return_temp: Decimal | None
    return_reference: Decimal | None
    month_kwh: Decimal
    previous_month_kwh: Decimal


class PortfolioOpenInvoicesOut(BaseModel):
    currency: str
    open_count: int
    open_total: Decimal
    overdue_count: int
    overdue_total: Decimal


class StartTileOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tile: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")
    shown: bool = True
    options: dict[str, str] = Field(default_factory=dict, max_length=10)


class PortfolioOverviewOut(BaseModel):
    facilities: int
    customers: int
    attention: list[FacilityAttentionOut]
    supplies: list[PortfolioSupplyOverviewOut]
    invoices: PortfolioOpenInvoicesOut | None
    invoices_hidden: int
    as_of: datetime | None
    tiles: list[StartTileOut]


@router.get("/api/portfolio/overview")
@tracer.capture_method
def overview() -> PortfolioOverviewOut:
    portfolio = portfolio_of(router)
    found = composition.overview_service().overview(portfolio, composition.facility_service().settings(portfolio))
    return PortfolioOverviewOut(
        facilities=found.facilities,
        customers=found.customers,
        attention=[
            FacilityAttentionOut(facility=f.id, name=f.facility.name, reasons=[f"{s}:{a}" for s, a in reasons])
            for f, reasons in found.attention
        ],
        supplies=[
            PortfolioSupplyOverviewOut(
                supply=s.supply,
                facilities=s.facilities,
                last_kwh=s.last_kwh,
                expected_kwh=s.expected_kwh,
                deviation=s.deviation,
                return_temp=s.return_temp,
                return_reference=s.return_reference,
                month_kwh=s.month_kwh,
                previous_month_kwh=s.previous_month_kwh,
            )
            for s in found.supplies
        ],
        invoices=PortfolioOpenInvoicesOut(**found.invoices.model_dump()) if found.invoices else None,
        invoices_hidden=found.invoices_hidden,
        as_of=found.as_of,
        tiles=[StartTileOut(tile=t.tile, shown=t.shown, options=t.options) for t in found.tiles],
    )


class StartTilesOut(BaseModel):
    tiles: list[StartTileOut]


class StartTilesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tiles: list[StartTileOut] = Field(max_length=30)


@router.get("/api/portfolio/start-tiles")
@tracer.capture_method
def tiles() -> StartTilesOut:
    from heatportal.services.portfolio.overview import tiles_of

    portfolio = portfolio_of(router)
    settings = composition.facility_service().settings(portfolio)
    return StartTilesOut(
        tiles=[StartTileOut(tile=t.tile, shown=t.shown, options=t.options) for t in tiles_of(settings)]
    )


@router.put("/api/portfolio/start-tiles")
@tracer.capture_method
def save_tiles(body: StartTilesIn) -> StartTilesOut:
    from heatportal.services.portfolio.overview import tiles_of

    portfolio = portfolio_of(router)
    settings = composition.facility_service().settings(portfolio)
    saved = composition.overview_service().save_tiles(
        portfolio, settings, [TileSetting(tile=t.tile, shown=t.shown, options=t.options) for t in body.tiles]
    )
    return StartTilesOut(tiles=[StartTileOut(tile=t.tile, shown=t.shown, options=t.options) for t in tiles_of(saved)])
