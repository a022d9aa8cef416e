"""``/notifications``: alerts that went off or are back to normal and the
monthly consumption information, newest first, each linking to the page that
shows it; opening the list marks them seen (the header's count goes to 0)."""

from datetime import date

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in_scope

from heatportal import composition
from heatportal.documents.alert_emails import AlertFacts, alert_sentence, alert_title
from heatportal.i18n import format_month
from heatportal.services.alerts.inbox import NotificationEntry

router = Router()


def describe(entry: NotificationEntry, view: Page) -> tuple[str, str]:
    """A notification's title and sentence in the person's language."""
    n = entry.notification
    if n.kind == "monthly_info" or n.measure is None or n.value is None or n.threshold is None:
        month = format_month(date(int(str(n.month)[:4]), int(str(n.month)[5:]), 1), view.lang)
        return view.t("consumption_info.title"), view.t("notifications.monthly_info", month=month)
    facts = AlertFacts.of(n, entry.facility_name or str(n.facility_id))
    return alert_title(facts, view.lang), alert_sentence(facts, view.lang)


@router.get("/notifications")
@page(router)
def notifications(view: Page) -> Response[str]:
    scope = signed_in_scope(view)
    if scope is None:
        return view.render("no_customer.html")
    service = composition.notification_service()
    entries = service.list(scope)
    service.mark_seen(scope)
    items = [(entry, *describe(entry, view)) for entry in entries]
    # Seen now: the header counts nothing new on this page.
    return view.render("notifications.html", items=items, unread=0)
