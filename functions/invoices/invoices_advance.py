"""The monthly advance payment: in force, its range, a change from a month on
(advance billing only)."""

from datetime import date
from decimal import Decimal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.domain.payments import AdvancePayment
from heatportal.services.advance import AdvanceOverview
from heatportal.web.api import CustomerPath
from heatportal.web.fields import IsoDate, Money
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()


class AdvanceAmountOut(BaseModel):
    amount: Decimal
    valid_from: date
    comment: str


class AdvanceOut(BaseModel):
    customer_number: str
    currency: str
    current: AdvanceAmountOut | None
    valid_to: date | None
    upcoming: AdvanceAmountOut | None
    per_supply_type: dict[str, Decimal]
    expected_yearly_cost: Decimal
    minimum: Decimal
    maximum: Decimal
    earliest_change: date


class AdvanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Money = Field(gt=0, le=1_000_000, allow_inf_nan=False)
    desired_from: IsoDate
    comment: str = Field(default="", max_length=500)


def _advance_out(overview: AdvanceOverview) -> AdvanceOut:
    def amount(advance: AdvancePayment | None) -> AdvanceAmountOut | None:
        if advance is None:
            return None
        return AdvanceAmountOut(amount=advance.amount, valid_from=advance.valid_from, comment=advance.comment)

    return AdvanceOut(
        customer_number=overview.customer_number,
        currency=overview.currency,
        current=amount(overview.current),
        valid_to=overview.valid_to,
        upcoming=amount(overview.upcoming),
        per_supply_type=overview.per_supply_type,
        expected_yearly_cost=overview.expected_yearly_cost,
        minimum=overview.allowed.minimum,
        maximum=overview.allowed.maximum,
        earliest_change=overview.earliest_change,
    )


@router.get("/api/customers/<customer>/advance-payment")
@tracer.capture_method
def advance_payment(customer: CustomerPath) -> AdvanceOut:
    return _advance_out(composition.advance_service().overview(customer_scope(router, customer)))


@router.put("/api/customers/<customer>/advance-payment")
@tracer.capture_method
def change_advance_payment(customer: CustomerPath, change: AdvanceIn) -> AdvanceOut:
    _advance, overview = composition.advance_service().change(
        customer_scope(router, customer), change.amount, change.desired_from, change.comment
    )
    return _advance_out(overview)
