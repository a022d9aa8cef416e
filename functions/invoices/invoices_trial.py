"""The trial settlement: what the bill of the running period would be now, for
readings the person enters or the latest ones; nothing is stored."""

from datetime import date
from decimal import Decimal

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from invoices_models import LineOut, line_out
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.web.api import CustomerPath
from heatportal.web.fields import RegisterValue
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()


class TrialReadingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meter: str = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z-]+$")
    value: RegisterValue = Field(ge=0, le=Decimal("1e12"), allow_inf_nan=False)


class TrialIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    readings: list[TrialReadingIn] = Field(default_factory=list, max_length=50)


class TrialMeterOut(BaseModel):
    meter_number: str
    start_value: Decimal
    end_value: Decimal
    end_read_on: date
    entered: bool
    estimated: bool
    quantity: Decimal
    unit: str


class TrialOut(BaseModel):
    customer_number: str
    period: str
    as_of: date
    currency: str
    meters: list[TrialMeterOut]
    lines: list[LineOut]
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    stored: bool = False


def _trial(customer: str, entered: dict[str, Decimal]) -> TrialOut:
    scope = customer_scope(router, customer, invoices=True)  # the previous bill among them
    trial = composition.trial_settlement_service().trial(scope, entered)
    lang = scope.record.customer.language if scope.record.customer else composition.profile().default_language
    return TrialOut(
        customer_number=trial.customer_number,
        period=trial.period.key,
        as_of=trial.as_of,
        currency=trial.priced.currency,
        meters=[TrialMeterOut.model_validate(m.__dict__) for m in trial.meters],
        lines=[line_out(line, lang, trial.priced.currency) for line in trial.priced.lines],
        net_total=trial.priced.net_total,
        vat_total=trial.priced.vat_total,
        total=trial.priced.total,
    )


@router.get("/api/customers/<customer>/trial-settlement")
@tracer.capture_method
def trial_settlement(customer: CustomerPath) -> TrialOut:
    return _trial(customer, {})


@router.post("/api/customers/<customer>/trial-settlement")
@tracer.capture_method
def trial_settlement_with_reading(customer: CustomerPath, body: TrialIn) -> TrialOut:
    return _trial(customer, {r.meter: r.value for r in body.readings})
