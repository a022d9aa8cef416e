"""Monthly spot prices per bidding zone (customer service). Path and body are
plain text here: the domain checks them once, with the same codes for this
route and for files under spot-prices/."""

from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.web.api import principal

router = APIGatewayRouter()
tracer = Tracer()


ZonePath = Annotated[str, Path(min_length=1, max_length=10, description="Bidding zone, e.g. NO1 or SE3")]


MonthPath = Annotated[str, Path(min_length=1, max_length=10, description="Month, YYYY-MM")]


class SpotPriceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    price_per_kwh: str = Field(
        min_length=1,
        max_length=20,
        # The format domain.spot_prices.parse_price reads (which answers spot_price_invalid otherwise).
        json_schema_extra={"pattern": r"^\s*-?[0-9]{1,6}([.,][0-9]+)?\s*$"},
        description="Decimal as text, e.g. 0.8512 or 0,8512",
    )


class SpotPriceOut(BaseModel):
    zone: str
    month: str
    price_per_kwh: Decimal


class SpotPriceStoredOut(SpotPriceOut):
    outcome: Literal["created", "corrected", "unchanged"]


@router.put("/api/spot-prices/<zone>/<month>")
@tracer.capture_method
def put_spot_price(zone: ZonePath, month: MonthPath, body: SpotPriceIn) -> SpotPriceStoredOut:
    price, outcome = composition.spot_price_service().set_price(principal(router), zone, month, body.price_per_kwh)
    return SpotPriceStoredOut(zone=price.zone, month=price.month, price_per_kwh=price.price_per_kwh, outcome=outcome)


@router.get("/api/spot-prices/<zone>")
@tracer.capture_method
def list_spot_prices(zone: ZonePath, year: Annotated[int, Query(ge=2000, le=2099)]) -> list[SpotPriceOut]:
    prices = composition.spot_price_service().year(principal(router), zone, year)
    return [SpotPriceOut(zone=p.zone, month=p.month, price_per_kwh=p.price_per_kwh) for p in prices]
