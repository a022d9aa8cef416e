"""``/help``: what each page does ("On this page"), a glossary of the
words used in the portal and on invoices, and contact details. Open to
everyone; signed-in people see it inside their navigation."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page

from heatportal import composition

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
# The pages "On this page" describes on the help page, with their menu words.
PAGES = (
    ("start", "nav.start"),
    ("meters", "nav.meters"),
    ("consumption", "nav.consumption"),
    ("invoices", "nav.invoices"),
    ("economy", "nav.economy"),
    ("trial", "nav.trial"),
    ("advance", "nav.advance"),
    ("documents", "nav.documents"),
    ("account", "account.nav.account"),
    ("accounts", "accounts.title"),
)


@router.get("/help")
@page(router)
def help_page(view: Page) -> Response[str]:
    signed = view.principal() is not None
    terms = sorted(GLOSSARY, key=lambda key: view.t(f"glossary.{key}").casefold())
    mode = composition.profile().billing_mode.value
    pages = [
        (title, view.page_help(key, mode))
        for key, title in PAGES
        if key != "advance" or mode == "advance_yearly"  # no advances where the utility bills in arrears
    ]
    return view.render("portal_help.html", signed=signed, terms=terms, pages=pages)
