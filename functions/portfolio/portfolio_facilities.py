"""Facilities of the caller's portfolio (the list, a facility, its district
heating or cooling report, its operating protocols), the caller's named
groups of facilities, and customer service's upload of a protocol."""

import base64
import binascii
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from portfolio_models import FacilityGroupOut, FacilityId, FacilityOut, GroupId, StaffCustomer, SupplyName
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.errors import ValidationFailed
from heatportal.services.portfolio.facilities import PAGE_SIZE, FacilityQuery
from heatportal.web.api import CustomerPath, language_of
from heatportal.web.scope import customer_scope, portfolio_of

router = APIGatewayRouter()
tracer = Tracer()


class FacilityListQuery(BaseModel):
    text: str | None = Field(default=None, max_length=100, description="Name, address, facility id or meter number")
    supply: SupplyName | None = None
    status: Literal["attention", "ok"] | None = Field(default=None, description="Only those that need a look, or not")
    group: str | None = Field(default=None, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    page: int = Field(default=1, ge=1, le=10_000)
    size: int = Field(default=PAGE_SIZE, ge=1, le=100)
    customer: str | None = StaffCustomer


class FacilityListOut(BaseModel):
    facilities: list[FacilityOut]
    total: int
    page: int
    pages: int
    size: int


@router.get("/api/portfolio/facilities")
@tracer.capture_method
def facilities(query: Annotated[FacilityListQuery, Query()]) -> FacilityListOut:
    portfolio = portfolio_of(router, staff_customer=query.customer)
    service = composition.facility_service()
    found = service.search(
        portfolio,
        service.settings(portfolio),
        FacilityQuery(
            text=query.text or "",
            supply=query.supply,
            status=query.status,
            group=query.group,
            page=query.page,
            size=query.size,
        ),
    )
    return FacilityListOut(
        facilities=[FacilityOut.of(r.facility, [f"{s}:{a}" for s, a in r.attention]) for r in found.rows],
        total=found.total,
        page=found.page,
        pages=found.pages,
        size=found.size,
    )


class SupplyFiguresOut(BaseModel):
    supply: SupplyName
    energy_kwh: Decimal
    previous_energy_kwh: Decimal | None
    return_temp: Decimal | None
    return_reference: Decimal | None
    return_amount: Decimal | None
    peak_hour_kw: Decimal | None
    volume_m3: Decimal | None


class OperatingProtocolOut(BaseModel):
    id: str
    title: str
    filename: str
    size: int
    uploaded_at: datetime


class FacilityPageOut(BaseModel):
    facility: FacilityOut
    figures: list[SupplyFiguresOut]
    protocols: list[OperatingProtocolOut]


class StaffQuery(BaseModel):
    customer: str | None = StaffCustomer


@router.get("/api/portfolio/facilities/<facility>")
@tracer.capture_method
def facility(facility: FacilityId, query: Annotated[StaffQuery, Query()]) -> FacilityPageOut:
    portfolio = portfolio_of(router, staff_customer=query.customer)
    page = composition.facility_service().page(portfolio, facility)
    return FacilityPageOut(
        facility=FacilityOut.of(page.facility, [f"{s}:{a}" for s, a in page.attention]),
        figures=[
            SupplyFiguresOut(
                supply=f.supply,
                energy_kwh=f.energy_kwh,
                previous_energy_kwh=f.previous_energy_kwh,
                return_temp=f.return_temp,
                return_reference=f.return_reference,
                return_amount=f.return_amount,
                peak_hour_kw=f.peak_hour_kw,
                volume_m3=f.volume_m3,
            )
            for f in page.figures
        ],
        protocols=[
            OperatingProtocolOut(id=p.id, title=p.title, filename=p.filename, size=p.size, uploaded_at=p.uploaded_at)
            for p in page.protocols
        ],
    )


class ReportQuery(BaseModel):
    supply: SupplyName = "heating"
    customer: str | None = StaffCustomer


@router.get("/api/portfolio/facilities/<facility>/report")
@tracer.capture_method
def report(facility: FacilityId, query: Annotated[ReportQuery, Query()]):  # unannotated: a binary body
    portfolio = portfolio_of(router, staff_customer=query.customer)
    lang = language_of(router.current_event.headers, composition.profile().default_language)
    filename, body = composition.facility_report(portfolio, facility, query.supply, lang)
    return Response(
        200,
        "application/pdf",
        body,
        {"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"},
    )


class ProtocolLinkOut(BaseModel):
    url: str
    expires_in: int


ProtocolId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-f0-9]+$", description="Protocol id")]


@router.get("/api/portfolio/facilities/<facility>/protocols/<protocol>")
@tracer.capture_method
def protocol(facility: FacilityId, protocol: ProtocolId, query: Annotated[StaffQuery, Query()]) -> ProtocolLinkOut:
    from heatportal.services.portfolio.protocols import LINK_SECONDS

    portfolio = portfolio_of(router, staff_customer=query.customer)
    return ProtocolLinkOut(
        url=composition.protocol_service().link(portfolio, facility, protocol), expires_in=LINK_SECONDS
    )


class OperatingProtocolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=120)
    filename: str = Field(min_length=1, max_length=120)
    content_base64: str = Field(min_length=8, max_length=5_600_000, description="The PDF, base64-encoded")


@router.post("/api/customers/<customer>/facilities/<facility>/protocols")
@tracer.capture_method
def upload_protocol(
    customer: CustomerPath, facility: FacilityId, body: OperatingProtocolIn
) -> tuple[OperatingProtocolOut, int]:
    scope = customer_scope(router, customer)
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValidationFailed(
            "Upload the protocol as a PDF file.",
            code="protocol_not_pdf",
            fields=[{"field": "content_base64", "code": "protocol_not_pdf"}],
        ) from error
    stored = composition.protocol_service().upload(scope, facility, body.title, body.filename, content)
    return OperatingProtocolOut(
        id=stored.id, title=stored.title, filename=stored.filename, size=stored.size, uploaded_at=stored.uploaded_at
    ), 201


# --- groups ---------------------------------------------------------------------------------------


class FacilityGroupsOut(BaseModel):
    groups: list[FacilityGroupOut]


@router.get("/api/portfolio/groups")
@tracer.capture_method
def groups() -> FacilityGroupsOut:
    portfolio = portfolio_of(router)
    settings = composition.facility_service().settings(portfolio)
    return FacilityGroupsOut(
        groups=[
            FacilityGroupOut(id=g.id, name=g.name, facilities=list(g.facilities), created_at=g.created_at)
            for g in settings.groups
        ]
    )


class FacilityGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=60)
    facilities: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(min_length=1, max_length=100)


@router.post("/api/portfolio/groups")
@tracer.capture_method
def create_group(body: FacilityGroupIn) -> tuple[FacilityGroupOut, int]:
    portfolio = portfolio_of(router)
    service = composition.facility_service()
    group = service.create_group(portfolio, service.settings(portfolio), body.name, body.facilities)
    return FacilityGroupOut(
        id=group.id, name=group.name, facilities=list(group.facilities), created_at=group.created_at
    ), 201


class FacilityGroupChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=60)
    facilities: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None, min_length=1, max_length=100
    )


@router.put("/api/portfolio/groups/<group>")
@tracer.capture_method
def change_group(group: GroupId, body: FacilityGroupChangeIn) -> FacilityGroupOut:
    portfolio = portfolio_of(router)
    service = composition.facility_service()
    changed = service.update_group(
        portfolio, service.settings(portfolio), group, name=body.name, facility_ids=body.facilities
    )
    return FacilityGroupOut(
        id=changed.id, name=changed.name, facilities=list(changed.facilities), created_at=changed.created_at
    )


class GroupDeletedOut(BaseModel):
    deleted: bool = True


@router.delete("/api/portfolio/groups/<group>")
@tracer.capture_method
def delete_group(group: GroupId) -> GroupDeletedOut:
    portfolio = portfolio_of(router)
    service = composition.facility_service()
    service.delete_group(service.settings(portfolio), group)
    return GroupDeletedOut()
