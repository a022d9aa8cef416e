"""Auth API: sign in, refresh, sign out everywhere, who am I."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.web.api import build_resolver, customer_to_path, principal

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = build_resolver(logger)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=254, description="E-mail (or customer number where allowed)")
    password: str = Field(min_length=1, max_length=256, repr=False)


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=10, repr=False)


class TokensOut(BaseModel):
    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in: int


class MembershipOut(BaseModel):
    customer_number: str
    customer_path: str
    role: str


class MeOut(BaseModel):
    user_id: str
    email: str
    staff: bool
    customers: list[MembershipOut]


@app.post("/api/auth/login")
def login(body: LoginIn) -> TokensOut:
    tokens = composition.identity().login(body.username.strip(), body.password)
    return TokensOut(**tokens.__dict__)


@app.post("/api/auth/refresh")
def refresh(body: RefreshIn) -> TokensOut:
    tokens = composition.identity().refresh(body.refresh_token)
    return TokensOut(**tokens.__dict__)


@app.post("/api/auth/logout")
def logout() -> tuple[dict[str, str], int]:
    header = app.current_event.headers.get("x-access-token") or app.current_event.headers.get("X-Access-Token")
    principal(app)
    if header:
        composition.identity().logout_everywhere(header)
    return {"status": "signed_out"}, 200


@app.get("/api/me")
def me() -> MeOut:
    who = principal(app)
    memberships = composition.access().customers_of(who)
    return MeOut(
        user_id=who.user_id,
        email=who.email,
        staff=who.is_staff,
        customers=[
            MembershipOut(
                customer_number=m.customer_number, customer_path=customer_to_path(m.customer_number), role=m.role.value
            )
            for m in memberships
        ],
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
