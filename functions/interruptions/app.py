"""Service interruptions API (staff): announce one, list the current and the
coming ones. Customers see them on the portal's start page. Routes translate;
the service decides who may do what."""

from datetime import datetime

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.interruption import ServiceInterruption
from heatportal.web.api import build_resolver, principal
from heatportal.web.fields import IsoDateTime

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)


class InterruptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    planned: bool = Field(description="Planned work (true) or an unplanned outage (false)")
    starts_at: IsoDateTime
    ends_at: IsoDateTime | None = Field(default=None, description="Expected end; unknown when omitted")
    title: str = Field(min_length=3, max_length=120, description="Shown in the banner, e.g. the street or area")
    details: str = Field(default="", max_length=2000)
    postcodes: list[str] = Field(default_factory=list, max_length=200, description="Affected area; empty = all")


class InterruptionOut(BaseModel):
    id: str
    planned: bool
    starts_at: datetime
    ends_at: datetime | None
    title: str
    details: str
    postcodes: list[str]

    @classmethod
    def of(cls, interruption: ServiceInterruption) -> "InterruptionOut":
        return cls(
            id=interruption.id,
            planned=interruption.planned,
            starts_at=interruption.starts_at,
            ends_at=interruption.ends_at,
            title=interruption.title,
            details=interruption.details,
            postcodes=list(interruption.postcodes),
        )


class InterruptionsOut(BaseModel):
    current: list[InterruptionOut]
    upcoming: list[InterruptionOut] = Field(description="Starting within the next 30 days")


@app.post("/api/interruptions")
@tracer.capture_method
def announce(body: InterruptionIn) -> tuple[InterruptionOut, int]:
    interruption = composition.interruption_service().announce(
        principal(app),
        planned=body.planned,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        title=body.title,
        details=body.details,
        postcodes=tuple(body.postcodes),
    )
    return InterruptionOut.of(interruption), 201


@app.get("/api/interruptions")
@tracer.capture_method
def upcoming() -> InterruptionsOut:
    notice = composition.interruption_service().upcoming(principal(app))
    return InterruptionsOut(
        current=[InterruptionOut.of(i) for i in notice.current],
        upcoming=[InterruptionOut.of(i) for i in notice.upcoming],
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
