"""``/accounts``: the account chooser for a person linked to several customers
(own links first, then those through a management company), shown after
sign-in; the customer chosen last is offered first."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import LAST_CUSTOMER_COOKIE, Page, page, signed_in

from heatportal import composition

router = Router()


@router.get("/accounts")
@page(router)
def accounts(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    memberships = view.memberships(principal)
    chosen = view.chosen_customer(principal)
    last = chosen or view.cookies.get(LAST_CUSTOMER_COOKIE)
    found = composition.name_index().get_customers(list(dict.fromkeys(m.customer_number for m in memberships)))
    names = {c.number: c for c in found}
    customers = [(m, names.get(m.customer_number)) for m in memberships]
    # The one chosen last first, the rest in their order (own links, then companies').
    customers.sort(key=lambda pair: pair[0].customer_number != last)
    # Before a choice the header names no customer.
    return view.render(
        "accounts.html", customers=customers, current=chosen, last=last, customer=names.get(chosen or "")
    )


@router.post("/accounts")
@page(router)
def choose_account(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    chosen = form.get("customer", "")
    view.scope(principal, chosen)  # Forbidden unless the person may see something of it
    view.choose_customer(chosen)
    return view.redirect("/")
