"""``/api/me/tokens``: the signed-in person's personal access tokens for the
data API: list, create (the token is in this answer and nowhere else, ever),
revoke one, revoke all."""

from datetime import datetime
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.event_handler.router import Router
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.open_data import MAX_TOKEN_CUSTOMERS, MAX_TOKEN_DAYS, TOKEN_NAME_MAX, PersonalToken, TokenGrant
from heatportal.web.api import customer_from_path, customer_to_path, principal

router = Router()

DataKindIn = Literal["consumption", "readings", "invoices"]
TokenIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="The token's id (not the token)")]


class TokenCustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: str = Field(pattern=r"^[0-9A-Za-z-]{1,20}$", description="Customer number, '/' written as '-'")
    facilities: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(
        default=None, max_length=200, description="Facility ids; null = every facility of the customer"
    )


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=TOKEN_NAME_MAX, description="What the token is for, e.g. Home Assistant")
    customers: list[TokenCustomerIn] = Field(min_length=1, max_length=MAX_TOKEN_CUSTOMERS)
    kinds: list[DataKindIn] = Field(min_length=1, max_length=3, description="What the token may read")
    expires_in_days: int = Field(ge=1, le=MAX_TOKEN_DAYS, description="The token stops working after this many days")


class TokenCustomerOut(BaseModel):
    customer: str
    facilities: list[str] | None = Field(description="null: every facility")


class TokenOut(BaseModel):
    id: str
    name: str
    hint: str = Field(description="The token's last four characters")
    customers: list[TokenCustomerOut]
    kinds: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked"]

    @classmethod
    def of(cls, token: PersonalToken, now: datetime) -> "TokenOut":
        return cls(
            id=token.id,
            name=token.name,
            hint=token.hint,
            customers=[
                TokenCustomerOut(
                    customer=customer_to_path(g.customer_number),
                    facilities=sorted(g.facilities) if g.facilities is not None else None,
                )
                for g in token.grants
            ],
            kinds=sorted(token.kinds),
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
            status=token.status(now),
        )


class CreatedTokenOut(TokenOut):
    token: str = Field(description="The token itself: shown this once; send it as Authorization: Bearer <token>")


class RevokedOut(BaseModel):
    revoked: int = Field(description="How many tokens were revoked")


@router.get("/api/me/tokens")
def list_tokens() -> list[TokenOut]:
    now = composition.clock().now()
    return [TokenOut.of(t, now) for t in composition.personal_tokens().of(principal(router))]


@router.post("/api/me/tokens")
def create_token(body: TokenIn) -> tuple[CreatedTokenOut, int]:
    grants = [
        TokenGrant(customer_from_path(c.customer), frozenset(c.facilities) if c.facilities is not None else None)
        for c in body.customers
    ]
    token, secret = composition.personal_tokens().create(
        principal(router), body.name, grants, list(body.kinds), body.expires_in_days
    )
    listed = TokenOut.of(token, composition.clock().now())
    return CreatedTokenOut(**listed.model_dump(), token=secret), 201


@router.delete("/api/me/tokens")
def revoke_all_tokens() -> RevokedOut:
    return RevokedOut(revoked=composition.personal_tokens().revoke_all(principal(router)))


@router.delete("/api/me/tokens/<token>")
def revoke_token(token: TokenIdPath) -> TokenOut:
    revoked = composition.personal_tokens().revoke(principal(router), token)
    return TokenOut.of(revoked, composition.clock().now())
