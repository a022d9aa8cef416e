"""``/api/customers/{customer}/shares``: a customer's data shares with
energy-service providers (FFVAV §5(4)). Its administrators grant and revoke
them (the token goes to the provider's e-mail, never to this answer);
customer service sees them."""

from datetime import date, datetime
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.open_data import ProviderShare
from heatportal.services.open_data.shares import PROVIDER_NAME_MAX
from heatportal.web.api import CustomerPath, language_of
from heatportal.web.fields import IsoDate
from heatportal.web.scope import customer_scope

router = Router()

ShareIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="The share's id")]


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_name: str = Field(min_length=1, max_length=PROVIDER_NAME_MAX, description="The energy-service provider")
    provider_email: str = Field(min_length=3, max_length=254, description="Where the provider's token is sent")
    facilities: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(min_length=1, max_length=500)
    kinds: list[Literal["consumption", "readings", "invoices"]] = Field(min_length=1, max_length=3)
    valid_from: IsoDate | None = Field(default=None, description="First day it works; today when omitted")
    valid_until: IsoDate = Field(description="Last day it works (at most three years ahead)")


class ShareOut(BaseModel):
    id: str
    provider_name: str
    provider_email: str
    facilities: list[str]
    kinds: list[str]
    valid_from: date
    valid_until: date
    created_by: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    status: Literal["upcoming", "active", "expired", "revoked"]

    @classmethod
    def of(cls, share: ProviderShare, today: date) -> "ShareOut":
        return cls(
            id=share.id,
            provider_name=share.provider_name,
            provider_email=share.provider_email,
            facilities=sorted(share.facilities),
            kinds=sorted(share.kinds),
            valid_from=share.valid_from,
            valid_until=share.valid_until,
            created_by=share.created_by,
            created_at=share.created_at,
            last_used_at=share.last_used_at,
            revoked_at=share.revoked_at,
            revoked_by=share.revoked_by,
            status=share.status(today),
        )


@router.get("/api/customers/<customer>/shares")
def list_shares(customer: CustomerPath) -> list[ShareOut]:
    today = composition.clock().today()
    return [ShareOut.of(s, today) for s in composition.provider_shares().of(customer_scope(router, customer))]


@router.post("/api/customers/<customer>/shares")
def grant_share(customer: CustomerPath, body: ShareIn) -> tuple[ShareOut, int]:
    share = composition.provider_shares().grant(
        customer_scope(router, customer),
        provider_name=body.provider_name,
        provider_email=body.provider_email,
        facilities=list(body.facilities),
        kinds=list(body.kinds),
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        language=language_of(router.current_event.headers, composition.profile().default_language),
    )
    return ShareOut.of(share, composition.clock().today()), 201


@router.delete("/api/customers/<customer>/shares/<share>")
def revoke_share(customer: CustomerPath, share: ShareIdPath) -> ShareOut:
    revoked = composition.provider_shares().revoke(customer_scope(router, customer), share)
    return ShareOut.of(revoked, composition.clock().today())
