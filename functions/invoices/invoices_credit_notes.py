"""Credit notes (customer service): an invoice credited in full, once."""

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from invoices_models import InvoiceNumber, InvoiceOut
from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.web.api import principal

router = APIGatewayRouter()
tracer = Tracer()


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=300)


@router.post("/api/invoices/<number>/credit-note")
@tracer.capture_method
def credit_invoice(number: InvoiceNumber, credit: CreditIn) -> InvoiceOut:
    caller = principal(router)
    customer = composition.payment_service().customer_of_invoice(caller, number)
    note, _created = composition.credit_notes().credit_note(caller, customer, number, credit.reason)
    return InvoiceOut.of(note)
