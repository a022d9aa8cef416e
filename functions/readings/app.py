"""Readings API: meters, readings, consumption. Routes translate; services decide."""

from datetime import date, datetime
from decimal import Decimal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.model import Reading
from heatportal.web.api import CustomerPath, MeterPath, build_resolver, customer_from_path, principal

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)


class ReadingOut(BaseModel):
    read_on: date
    value: Decimal
    source: str
    estimated: bool
    recorded_at: datetime

    @classmethod
    def of(cls, reading: Reading) -> "ReadingOut":
        return cls(
            read_on=reading.read_on,
            value=reading.value,
            source=reading.source.value,
            estimated=reading.estimated,
            recorded_at=reading.recorded_at,
        )


class MeterOut(BaseModel):
    number: str
    facility_id: str
    kind: str
    unit: str
    decimals: int
    installed_on: date
    removed_on: date | None
    last_reading: ReadingOut | None


class ReadingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Decimal = Field(ge=0, max_digits=14, description="Register value as shown on the meter")
    read_on: date | None = Field(default=None, description="Reading date; today when omitted")
    confirm: bool = Field(default=False, description="Confirm a value the plausibility check questioned")


class SubmittedOut(BaseModel):
    reading: ReadingOut
    consumption_since_previous: Decimal | None


@app.get("/api/customers/<customer>/meters")
@tracer.capture_method
def list_meters(customer: CustomerPath) -> list[MeterOut]:
    overview = composition.reading_service().list_meters(principal(app), customer_from_path(customer))
    return [
        MeterOut(
            number=o.meter.number,
            facility_id=o.meter.facility_id,
            kind=o.meter.kind.value,
            unit=o.meter.unit.value,
            decimals=o.meter.decimals,
            installed_on=o.meter.installed_on,
            removed_on=o.meter.removed_on,
            last_reading=ReadingOut.of(o.last_reading) if o.last_reading else None,
        )
        for o in overview
    ]


@app.get("/api/customers/<customer>/meters/<meter>/readings")
@tracer.capture_method
def list_readings(customer: CustomerPath, meter: MeterPath) -> list[ReadingOut]:
    readings = composition.reading_service().list_readings(principal(app), customer_from_path(customer), meter)
    return [ReadingOut.of(r) for r in readings]


@app.post("/api/customers/<customer>/meters/<meter>/readings")
@tracer.capture_method
def submit_reading(customer: CustomerPath, meter: MeterPath, body: ReadingIn) -> tuple[SubmittedOut, int]:
    result = composition.reading_service().submit(
        principal(app), customer_from_path(customer), meter, body.value, body.read_on, confirmed=body.confirm
    )
    metrics.add_metric(name="ReadingSubmitted", unit=MetricUnit.Count, value=1)
    return SubmittedOut(
        reading=ReadingOut.of(result.reading), consumption_since_previous=result.consumption_since_previous
    ), 201


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
