"""Customer service pages (staff only): find a customer by number, e-mail, meter
number or name and open the portal as that customer sees it; the contact
requests customers sent, newest first, marked handled once answered; the bill
runs (progress, totals, failures, e-mails) and the redrive of a run's failed
accounts."""

from typing import Literal
from urllib.parse import quote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import DomainError, Forbidden, ValidationFailed
from heatportal.services.access import Principal
from heatportal.web.api import status_of

router = Router()


def _staff(view: Page) -> Principal:
    principal, _ = signed_in(view)
    if not principal.is_staff:
        raise Forbidden("Only customer service may see this page.", code="forbidden")
    return principal


@router.get("/staff/customers")
@page(router)
def find_customers(view: Page) -> Response[str]:
    principal = _staff(view)
    query = view.query.get("q", "").strip()[:254]
    found = composition.customer_search().find_customers(principal, query) if query else []
    return view.render("staff_customers.html", query=query, found=found, searched=bool(query))


def _status(view: Page) -> Literal["open", "handled"]:
    status = view.query.get("status", "open")
    if status == "open":
        return "open"
    if status == "handled":
        return "handled"
    raise ValidationFailed("Unknown status.", code="validation_failed", fields=[{"field": "status"}])


@router.get("/staff/contact-requests")
@page(router)
def contact_requests(view: Page) -> Response[str]:
    principal = _staff(view)
    status = _status(view)
    cursor = view.query.get("cursor") or None
    error = None
    try:
        found = composition.profile_service().contact_requests(principal, status, cursor)
        requests, next_cursor = found.requests, found.next_cursor
    except DomainError as failure:
        if status_of(failure) in (401, 403):
            raise
        error, requests, next_cursor = failure, [], None
    return view.render(
        "staff_contact_requests.html",
        400 if error else 200,
        list_status=status,
        requests=requests,
        next_link=f"/staff/contact-requests?status={status}&cursor={quote(next_cursor)}" if next_cursor else None,
        first_page=cursor is None,
        handled=view.query.get("handled"),
        error=view.t(f"error.{error.code}", **error.params) if error else None,
    )


@router.post("/staff/leave")
@page(router)
def leave_customer(view: Page) -> Response[str]:
    """Customer service stops viewing a customer: back to the customer search."""
    _staff(view)
    view.leave_customer()
    return view.redirect("/staff/customers")


@router.post("/staff/contact-requests/<request_id>/handled")
@page(router)
def mark_handled(view: Page, request_id: str) -> Response[str]:
    principal = _staff(view)
    form = view.form()
    view.check_csrf(form)
    composition.profile_service().mark_contact_request_handled(principal, request_id)
    return view.redirect(f"/staff/contact-requests?handled={quote(request_id)}")


@router.get("/staff/runs")
@page(router)
def bill_runs(view: Page) -> Response[str]:
    principal = _staff(view)
    return view.render("staff_runs.html", runs=composition.bill_runs().list_runs(principal))


@router.get("/staff/runs/<run_id>")
@page(router)
def bill_run(view: Page, run_id: str) -> Response[str]:
    principal = _staff(view)
    shown = composition.bill_runs().run(principal, run_id)
    return view.render("staff_run.html", shown=shown, run=shown.run, redriven=view.query.get("redriven"))


@router.post("/staff/runs/<run_id>/redrive")
@page(router)
def redrive_run(view: Page, run_id: str) -> Response[str]:
    principal = _staff(view)
    form = view.form()
    view.check_csrf(form)
    started = composition.bill_runs().redrive(principal, run_id)
    return view.redirect(f"/staff/runs/{quote(run_id)}?redriven={quote(started)}")
