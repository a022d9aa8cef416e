"""The frame around every page: the menu of the person's role, the customer
named in the header, and the banner while customer service views a customer.

A new page that belongs in the menu gets one ``MenuItem`` here (the browser
test that visits every page of every role finds it by following the menu).
Where each kind of person lands after signing in is decided in ``landing``.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from heatportal.domain.model import Customer, Membership
from heatportal.domain.profile import UtilityProfile
from heatportal.services.access import Links, Principal

# A management company's people land on their portfolio's status overview
# ("/") once customers have granted the company facilities; before that, on
# the company's page (register it, invite colleagues, see who granted what).
COMPANY_LANDING = "/organisation"
STAFF_LANDING = "/staff/customers"
CHOOSER = "/accounts"


@dataclass(frozen=True)
class MenuItem:
    href: str
    label: str  # catalog key
    # Left out for a management company granted only some of the customer's
    # facilities (invoices and the like cover the whole customer).
    whole_customer: bool = False
    # Shown only where the utility bills this way (e.g. the advance change).
    billing_mode: str | None = None
    # Shown only to a person who belongs to a management company.
    companies: bool = False


CUSTOMER_MENU: tuple[MenuItem, ...] = (
    MenuItem("/", "nav.start"),
    MenuItem("/facilities", "nav.facilities"),
    MenuItem("/analysis", "nav.analysis"),
    MenuItem("/meters", "nav.meters"),
    MenuItem("/consumption", "nav.consumption"),
    MenuItem("/alerts", "nav.alerts"),
    MenuItem("/invoices", "nav.invoices", whole_customer=True),
    MenuItem("/economy", "nav.economy", whole_customer=True),
    MenuItem("/trial-settlement", "nav.trial", whole_customer=True),
    MenuItem("/advance", "nav.advance", whole_customer=True, billing_mode="advance_yearly"),
    MenuItem("/contracts", "contracts.nav"),
    MenuItem("/subscription", "subscription.nav"),
    MenuItem("/documents", "nav.documents"),
    MenuItem("/moving", "moving.nav"),
    MenuItem("/services", "services.nav"),
    MenuItem("/sustainability", "sustainability.nav"),
    MenuItem("/organisation", "company.org.title", companies=True),
    MenuItem("/account", "account.nav.account"),
    MenuItem("/help", "nav.help"),
)
# A management company's person before opening one of its customers: the
# portfolio (every facility granted to the company) and the company's page.
COMPANY_MENU: tuple[MenuItem, ...] = (
    MenuItem("/", "nav.start"),
    MenuItem("/facilities", "nav.facilities"),
    MenuItem("/analysis", "nav.analysis"),
    MenuItem("/notifications", "nav.notifications"),
    MenuItem(COMPANY_LANDING, "company.org.title"),
    MenuItem("/account", "account.nav.account"),
    MenuItem("/help", "nav.help"),
)
STAFF_MENU: tuple[MenuItem, ...] = (
    MenuItem("/staff/customers", "staff.customers.title"),
    MenuItem("/staff/contact-requests", "staff.requests.title"),
    MenuItem("/account", "account.nav.account"),
    MenuItem("/help", "nav.help"),
)


@dataclass(frozen=True)
class Frame:
    menu: Sequence[MenuItem]
    staff: bool  # customer service's own pages: the staff menu, no customer in the header
    customer: Customer | None  # named in the header
    viewing_as_staff: Customer | None  # the banner "viewing <customer> as customer service"
    several_accounts: bool  # the header links to the account chooser


# Pages whose "On this page" text is not named after the first segment of their URL.
_HELP_KEYS = {"": "start", "trial-settlement": "trial", "customer-number": "customer_number", "r": "reading_link"}


def help_key(path: str) -> str:
    """The "On this page" text of a page (``page_help.<key>``): named after the
    first segment of its URL (``/staff/...`` after the first two)."""
    segments = [s for s in path.split("/") if s]
    first = segments[0] if segments else ""
    if first == "staff" and len(segments) > 1:
        return "staff_" + segments[1].replace("-", "_")
    return _HELP_KEYS.get(first, first.replace("-", "_"))


def is_current(item: MenuItem, path: str) -> bool:
    if item.href == "/":
        return path == "/"
    return path == item.href or path.startswith(item.href + "/")


def staff_page(path: str) -> bool:
    return path == "/staff" or path.startswith("/staff/")


def menu_for(profile: UtilityProfile, *, staff: bool, whole_customer: bool, companies: bool) -> tuple[MenuItem, ...]:
    if staff:
        return STAFF_MENU
    return tuple(
        item
        for item in CUSTOMER_MENU
        if (whole_customer or not item.whole_customer)
        and (item.billing_mode is None or item.billing_mode == profile.billing_mode.value)
        and (companies or not item.companies)
    )


def frame(
    profile: UtilityProfile,
    principal: Principal,
    links: Links,
    path: str,
    customer: Customer | None,
    *,
    whole_customer: bool,
    chosen: str | None = None,
) -> Frame:
    """What the frame shows to this person on this page (``chosen``: the
    customer chosen in this session, if any)."""
    staff = principal.is_staff and (customer is None or staff_page(path))
    viewing = customer if principal.is_staff and not staff else None
    if company_only(links, chosen):
        return Frame(COMPANY_MENU, staff=False, customer=None, viewing_as_staff=None, several_accounts=False)
    return Frame(
        menu=menu_for(profile, staff=staff, whole_customer=whole_customer, companies=bool(links.organisations)),
        staff=staff,
        customer=None if staff else customer,
        viewing_as_staff=viewing,
        several_accounts=len(links.customers) > 1,
    )


def company_only(links: Links, chosen: str | None) -> bool:
    """A management company's person who has not opened one of its customers
    (and has none of their own): the company's menu and its pages across customers."""
    return bool(links.organisations) and chosen is None and all(m.via_org for m in links.customers)


def landing(principal: Principal, links: Links, chosen: str | None) -> str | None:
    """Where ``/`` sends a person who has not chosen a customer in this
    session: customer service to the customer search, a management company's
    people without granted customers yet to the company's page, a person with
    several accounts to the chooser. None: the start page (the portfolio's
    overview for a company's people, else their one customer or the chosen one)."""
    if chosen is not None:
        return None
    if principal.is_staff:
        return STAFF_LANDING
    if links.organisations:
        return None if links.customers else COMPANY_LANDING
    if len(own_and_granted(links.customers)) > 1:
        return CHOOSER
    return None


def own_and_granted(memberships: Sequence[Membership]) -> list[str]:
    """The distinct customers a person may choose, in the chooser's order."""
    return list(dict.fromkeys(m.customer_number for m in memberships))
