"""What several areas of the portfolio API answer with or read."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, Field

from heatportal.domain.portfolio import SupplyStatus
from heatportal.services.portfolio.scope import PortfolioFacility

FacilityId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$", description="Facility id")]
GroupId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$", description="Group id")]
SupplyName = Literal["heating", "cooling"]
StaffCustomer = Field(
    default=None,
    max_length=20,
    pattern=r"^[0-9A-Za-z-]+$",
    description="Customer service only: the customer whose facilities to show",
)


class FacilityAddressOut(BaseModel):
    street: str
    postcode: str
    city: str


class FacilityMeterOut(BaseModel):
    number: str
    kind: str
    unit: str
    last_value: Decimal | None = None
    last_read_on: date | None = None
    last_estimated: bool = False


class SupplyStatusOut(BaseModel):
    supply: SupplyName
    data_until: date | None
    last_kwh: Decimal | None
    expected_kwh: Decimal | None
    deviation: Decimal | None
    return_temp: Decimal | None
    return_reference: Decimal | None


class FacilityOut(BaseModel):
    id: str
    name: str
    address: FacilityAddressOut
    customer_number: str
    customer_name: str
    role: str
    whole_customer: bool
    supplies: list[SupplyName]
    meters: list[FacilityMeterOut]
    status: list[SupplyStatusOut]
    attention: list[str] = []

    @classmethod
    def of(cls, facility: PortfolioFacility, attention: list[str] | None = None) -> "FacilityOut":
        item = facility.facility
        return cls(
            id=item.id,
            name=item.name,
            address=FacilityAddressOut(
                street=item.address.street, postcode=item.address.postcode, city=item.address.city
            ),
            customer_number=facility.customer_number,
            customer_name=facility.customer_name,
            role=facility.access.role.value,
            whole_customer=facility.access.whole,
            supplies=list(item.supplies),
            meters=[
                FacilityMeterOut(
                    number=m.number,
                    kind=m.kind.value,
                    unit=m.unit.value,
                    last_value=m.last_value,
                    last_read_on=m.last_read_on,
                    last_estimated=m.last_estimated,
                )
                for m in item.meters_in_use
            ],
            status=[_status(supply, item.status.get(supply) or SupplyStatus()) for supply in item.supplies],
            attention=attention or [],
        )


def _status(supply: SupplyName, status: SupplyStatus) -> SupplyStatusOut:
    return SupplyStatusOut(
        supply=supply,
        data_until=status.data_until,
        last_kwh=status.last_kwh,
        expected_kwh=status.expected_kwh,
        deviation=status.deviation,
        return_temp=status.return_temp,
        return_reference=status.return_reference,
    )


class FacilityGroupOut(BaseModel):
    id: str
    name: str
    facilities: list[str]
    created_at: datetime
