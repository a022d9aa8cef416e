"""``/help``: what each page does ("On this page"), a glossary of the
words used in the portal and on invoices, and contact details. Open to
everyone; signed-in people see it inside their navigation."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page

router = Router()

# The domain words of DESIGN.md, in the order a customer meets them.
GLOSSARY = (
    "customer_number",
    "facility",
    "meter",
    "reading",
    "estimated_reading",
    "consumption",
    "energy_units",
    "degree_days",
    "price_list",
    "advance",
    "settlement",
    "trial_settlement",
    "service_interruption",
)
PAGES = ("start", "meters", "invoices", "documents", "accounts")


@router.get("/help")
@page(router)
def help_page(view: Page) -> Response[str]:
    signed = view.principal() is not None
    terms = sorted(GLOSSARY, key=lambda key: view.t(f"glossary.{key}").casefold())
    return view.render("portal_help.html", signed=signed, terms=terms, pages=PAGES)
