"""The energy services the utility offers, and an expression of interest in
one for a facility (full or administrator rights)."""

from decimal import Decimal
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.web.api import CustomerPath, language_of, principal
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()

ServicePath = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="The service's id")]


class ServiceOut(BaseModel):
    id: str
    name: str
    description: str
    price_from: Decimal | None
    price_unit: str | None
    currency: str


class InterestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facility_id: str = Field(pattern=r"^[0-9A-Za-z_-]{1,40}$")
    message: str = Field(default="", max_length=2000)
    phone: str = Field(default="", max_length=30)


class InterestOut(BaseModel):
    request_id: str
    service: str
    facility_id: str


@router.get("/api/services")
@tracer.capture_method
def services() -> list[ServiceOut]:
    from heatportal.i18n import translate

    principal(router)  # signed in
    lang = language_of(router.current_event.headers, composition.profile().default_language)
    currency = composition.profile().currency
    return [
        ServiceOut(
            id=s.id,
            name=translate(f"service.{s.id}.name", lang),
            description=translate(f"service.{s.id}.text", lang),
            price_from=s.price_from,
            price_unit=s.price_unit,
            currency=currency,
        )
        for s in composition.energy_services().catalogue()
    ]


@router.post("/api/customers/<customer>/services/<service>/interest")
@tracer.capture_method
def interest(customer: CustomerPath, service: ServicePath, body: InterestIn) -> tuple[InterestOut, int]:
    request = composition.energy_services().express_interest(
        customer_scope(router, customer), service, facility_id=body.facility_id, message=body.message, phone=body.phone
    )
    return InterestOut(request_id=request.id, service=service, facility_id=body.facility_id), 201
