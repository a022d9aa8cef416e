"""``/accounts``: the account chooser for a person linked to several customers
(own links first, then those through a management company)."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.web import session as s

router = Router()


@router.get("/accounts")
@page(router)
def accounts(view: Page) -> Response[str]:
    principal, current = signed_in(view)
    memberships = view.memberships(principal)
    repo = composition.repository()
    customers = [(m, repo.get_customer(m.customer_number)) for m in memberships]
    return view.render("accounts.html", customers=customers, current=current)


@router.post("/accounts")
@page(router)
def choose_account(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    form = view.form()
    view.check_csrf(form)
    chosen = form.get("customer", "")
    view.scope(principal, chosen)  # Forbidden unless the person may see something of it
    view.set_cookies.append(s.cookie(s.CUSTOMER_COOKIE, chosen, secure=view.secure))
    return view.redirect("/")
