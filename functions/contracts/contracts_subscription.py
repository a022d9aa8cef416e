"""The subscription (Abonnement): the customer relationship in one place."""

from datetime import date

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from contracts_models import ContractOut
from pydantic import BaseModel

from heatportal import composition
from heatportal.web.api import CustomerPath
from heatportal.web.scope import customer_scope

router = APIGatewayRouter()
tracer = Tracer()


class ReminderAgreementOut(BaseModel):
    meter_number: str
    channel: str
    address: str


class DirectDebitOut(BaseModel):
    facility_id: str | None
    iban_last4: str
    valid_from: date


class SubscriptionOut(BaseModel):
    customer_number: str
    name: str
    contracts: list[ContractOut]
    reminders: list[ReminderAgreementOut]
    direct_debit: list[DirectDebitOut]
    e_invoice: str | None
    history_since: date | None


@router.get("/api/customers/<customer>/subscription")
@tracer.capture_method
def subscription(customer: CustomerPath) -> SubscriptionOut:
    found = composition.subscription_service().subscription(customer_scope(router, customer))
    return SubscriptionOut(
        customer_number=found.customer.number,
        name=found.customer.name,
        contracts=[ContractOut.of(c) for c in found.contracts],
        reminders=[
            ReminderAgreementOut(meter_number=a.meter_number, channel=a.channel, address=a.address)
            for a in found.reminders
        ],
        direct_debit=[
            DirectDebitOut(facility_id=a.facility_id, iban_last4=a.iban[-4:], valid_from=a.valid_from)
            for a in found.direct_debit
        ],
        e_invoice=found.e_invoice,
        history_since=found.history_since,
    )
