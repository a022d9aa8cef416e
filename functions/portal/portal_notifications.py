"""``/notifications``: alerts that went off or are back to normal and the
monthly consumption information, newest first, each linking to the page that
shows it; opening the list marks them seen (the header's count goes to 0).
A management company's person who has not opened a customer sees the
notifications of every customer granted to the company instead, each naming
its customer and facility."""

from dataclasses import dataclass
from datetime import date

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in, signed_in_scope
from portal_layout import company_only

from heatportal import composition
from heatportal.documents.alert_emails import AlertFacts, alert_sentence, alert_title
from heatportal.i18n import format_month
from heatportal.services.access import Links, Principal
from heatportal.services.alerts.inbox import NotificationEntry
from heatportal.web.api import customer_to_path

router = Router()


def describe(entry: NotificationEntry, view: Page) -> tuple[str, str]:
    """A notification's title and sentence in the person's language."""
    n = entry.notification
    if n.kind == "monthly_info" or n.measure is None or n.value is None or n.threshold is None:
        month = format_month(date(int(str(n.month)[:4]), int(str(n.month)[5:]), 1), view.lang)
        return view.t("consumption_info.title"), view.t("notifications.monthly_info", month=month)
    facts = AlertFacts.of(n, entry.facility_name or str(n.facility_id))
    return alert_title(facts, view.lang), alert_sentence(facts, view.lang)


@dataclass(frozen=True)
class CompanyItem:
    entry: NotificationEntry
    title: str
    sentence: str
    customer_name: str
    open_action: str  # the company's form that opens the customer (the monthly information is the customer's)


@router.get("/notifications")
@page(router)
def notifications(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    links = view.links(principal)
    if company_only(links, view.chosen_customer(principal)):
        return _company_notifications(view, principal, links)
    scope = signed_in_scope(view)
    if scope is None:
        return view.render("no_customer.html")
    service = composition.notification_service()
    entries = service.list(scope)
    service.mark_seen(scope)
    items = [(entry, *describe(entry, view)) for entry in entries]
    # Seen now: the header counts nothing new on this page.
    return view.render("notifications.html", items=items, unread=0)


def _company_notifications(view: Page, principal: Principal, links: Links) -> Response[str]:
    """A management company's people before opening a customer: the newest
    notifications of every customer granted to their companies, on the
    facilities each granted. Membership is the person's links (read once per
    request); one Query per customer (at most MAX_CUSTOMERS) and the portfolio's
    directories for the customers' names (one BatchGetItem per 100)."""
    found = composition.notification_service().of_grants(links.grants)
    directories = view.portfolio(principal).directories
    items = []
    for n in found.notifications:
        directory = directories.get(n.customer_number)
        facility = directory.facility(n.facility_id) if directory and n.facility_id else None
        entry = NotificationEntry(n, False, n.facility_name or (facility.name if facility else None))
        grant = links.grant(n.customer_number)
        org = grant.org_number if grant else ""
        action = f"/organisation/{org}/customers/{customer_to_path(n.customer_number)}/open"
        items.append(
            CompanyItem(entry, *describe(entry, view), directory.name if directory else n.customer_number, action)
        )
    # A page about no one customer: the header names none (no read for it).
    return view.render(
        "notifications_company.html", items=items, left_out=found.left_out, customer=None, whole_customer=True
    )
