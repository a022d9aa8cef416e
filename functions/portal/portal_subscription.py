"""``/subscription`` (Abonnement): the customer relationship in one place:
the customer, its contracts (facility, product, options, start), its
agreements (reading reminders by e-mail and SMS, direct debit, invoices by
e-mail) and from when the portal holds history."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition

router = Router()


@router.get("/subscription")
@page(router)
def subscription(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    found = composition.subscription_service().subscription(view.scope(principal, number))
    return view.render("subscription.html", sub=found)
