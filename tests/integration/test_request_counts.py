"""DynamoDB requests per route, counted by the adapter (``DynamoTable.requests``).

Access is decided once per request: the edge reads the customer's record in
one Query (profile, facilities, meters, memberships, company grants; its
invoices where the page shows them) and the services narrow that scope
without reading again. A signed-in portal page always pays one request
before that: the person's links to customers with their sign-out record (one
GSI1 Query; before: a GetItem for the sign-out and the Query). The customer
here has one meter with six monthly readings and one invoice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from werkzeug.test import Client

from heatportal import composition
from heatportal.domain.model import BillingPeriod
from tests.dates import local_today
from tests.integration.test_portal_session import sign_in


@pytest.fixture
def billed(seed, repo) -> tuple[Any, int]:
    person = seed()
    today = local_today()
    period = BillingPeriod(year=today.year, month=today.month).previous().previous()
    # Spot prices up to this month: the contract pages' look-back finds this month's at once,
    # whatever other tests of the stack loaded.
    for month in (period.previous(), period, period.next(), period.next().next()):
        repo.put_spot_price("NO1", month.key, Decimal("0.5000"))
    invoice, _ = composition.bill_run().bill_account(
        person.customer.number, period, issued_on=period.end + timedelta(days=1)
    )
    return person, invoice.number


def counted(call: Callable[[], Any]) -> tuple[int, Any]:
    table = composition.repository().table  # the handlers' table, whose requests are counted
    before = table.requests
    result = call()
    return table.requests - before, result


# path -> (status, requests); one more each before the sign-out record came with the links.
# Before access was decided once per request:
# / 11, /meters 5, /meters/<n> 13, /invoices 7, /invoices/<n> 5, /documents 7,
# a facility's data card 6.
PAGES = {
    # links (with the sign-out) + the record with its invoices + the meter's last reading (the interruptions
    # read less than a minute ago by this warm container are not read again)
    "/": (200, 3),
    # links (with the sign-out) + record + the meter's last reading (one meter: straight to it)
    "/meters": (303, 3),
    # links (with the sign-out) + record + the meter's readings + their corrections
    "/meters/{meter}": (200, 4),
    # links (with the sign-out) + the record with its invoices + the payments
    "/invoices": (200, 3),
    # links (with the sign-out) + the record with its invoices (the invoice among them)
    "/invoices/{invoice}": (200, 2),
    # links (with the sign-out) + record
    "/documents": (200, 2),
    "/documents/facilities/F{customer}": (200, 2),
    # links (with the sign-out) + record + the months of daily data (none: the meter is read by hand) + its
    # readings, the months made from them (a meter with daily data: 4, its months found at once)
    "/consumption": (200, 4),
    # links (with the sign-out) + record + the month's days + the same month a year earlier
    "/consumption?view=month": (200, 4),
    # links (with the sign-out) + record + the months + the readings (what the register counted), read once
    "/consumption?view=total": (200, 4),
    # links (with the sign-out) + record (with the notification counters) + the alert settings
    "/alerts": (200, 3),
    # links (with the sign-out) + record + the newest notifications (seen already: no write)
    "/notifications": (200, 3),
    # links (with the sign-out) + record + the months with information (none yet)
    "/consumption-info": (200, 3),
    # links (with the sign-out) + record (with supplies and contract versions)
    "/contracts": (200, 2),
    # + the meter's daily values of a year and readings of two years (its expected consumption);
    # the spot average for the twelve months ahead is the one this warm container read less than a
    # minute ago (services.billing.reads.SPOT_KEPT_FOR). Before: 41, each month looked the spot
    # average up again; then 6, one read of it per page.
    "/contracts/F{customer}": (200, 4),
    # The same once for both years priced (before: 79).
    "/contracts/F{customer}/simulator": (200, 4),
    "/moving": (200, 2),
    "/moving/out/F{customer}": (200, 2),
    "/services": (200, 2),
    # + the reminder agreements + the bank accounts (direct debit)
    "/subscription": (200, 4),
    # + the meter's whole history by year, once for the three years (before: 9, a read per year)
    "/sustainability": (200, 4),
    # + the meter's days of the year + two years of the zone's spot averages in one Query (before: 102,
    # a GetItem per month priced and per month looked back)
    "/economy": (200, 4),
    "/account": (200, 2),
    # + the bank accounts and reminder agreements
    "/account/profile": (200, 4),
    "/account/companies": (200, 2),
    # + the shares; + the tokens
    "/account/sharing": (200, 3),
    "/account/tokens": (200, 3),
    "/account/email": (200, 2),
    "/account/password": (200, 2),
    "/accounts": (200, 2),
    "/reminders": (200, 3),
    "/help": (200, 2),
    "/documents/contract": (200, 2),
    "/alerts?facility=F{customer}": (200, 3),
    "/moving/in": (200, 2),
    # links (with the sign-out) + the record with its audit trail + the open invitations + the data
    # shares' read log (a partition of its own); before: 5, the audit trail read on its own
    "/account/users": (200, 4),
    # links (with the sign-out) + the record with its invoices and which invoice billed each period + the
    # meter's readings (one window: two years back for the degree-day model to two months ahead) + its
    # daily values (one window); the spot averages are the ones this warm container read less than a
    # minute ago (services.billing.reads.SPOT_KEPT_FOR). Before: 12, the readings in four overlapping
    # windows, the days in three, the previous bill's marker and the spot averages each read on their own.
    "/trial-settlement": (200, 4),
}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_a_portal_page_decides_access_from_one_read_of_the_customer(stack, billed, path):
    person, invoice = billed
    browser = Client(stack.http_server.app)
    sign_in(browser, person.email)
    url = path.format(meter=person.meter.number, invoice=invoice, customer=person.customer.number)
    browser.get(url)  # warm: templates compiled, signing keys fetched
    requests, resp = counted(lambda: browser.get(url))
    assert (resp.status_code, requests) == PAGES[path]


# (method, path) -> (status, requests). Every API route first reads the
# caller's sign-out record (one GetItem: a session ended everywhere is refused
# at the edge). Before access was decided once per request, without that
# GetItem: meters 3, readings 4, a new reading 8, consumption 4, invoices 4,
# an invoice 2, its PDF link 2.
ROUTES = {
    # sign-out + the record (membership and meters) + the meter's last reading
    ("GET", "/api/customers/{customer}/meters"): (200, 3),
    # sign-out + record + the readings + their corrections
    ("GET", "/api/customers/{customer}/meters/{meter}/readings"): (200, 4),
    # sign-out + record + what checks the value against the history + the write
    # + the portfolio's last reading of the meter (one UpdateItem)
    ("POST", "/api/customers/{customer}/meters/{meter}/readings"): (201, 9),
    # sign-out + record + the months of daily data (none: read by hand) + the readings
    ("GET", "/api/customers/{customer}/meters/{meter}/consumption?view=total"): (200, 4),
    # sign-out + the record with its invoices + the payments
    ("GET", "/api/customers/{customer}/invoices"): (200, 3),
    # sign-out + the record with its invoices (the invoice among them)
    ("GET", "/api/customers/{customer}/invoices/{invoice}"): (200, 2),
    ("GET", "/api/customers/{customer}/invoices/{invoice}/pdf"): (200, 2),
    # sign-out + record + the alert settings; the notifications; the months
    ("GET", "/api/customers/{customer}/alerts"): (200, 3),
    ("GET", "/api/customers/{customer}/notifications"): (200, 3),
    ("GET", "/api/customers/{customer}/consumption-info"): (200, 3),
}


@pytest.mark.parametrize("route", sorted(ROUTES), ids=lambda r: f"{r[0]} {r[1]}")
def test_an_api_route_decides_access_from_one_read_of_the_customer(http, billed, route):
    person, invoice = billed
    method, path = route
    url = path.format(customer=person.customer.number, meter=person.meter.number, invoice=invoice)
    payload = {"value": "19500", "read_on": local_today().isoformat()} if method == "POST" else None
    requests, resp = counted(lambda: http.open(url, method=method, json=payload, headers=person.auth))
    assert (resp.status_code, requests) == ROUTES[route], resp.get_data(as_text=True)[:300]


def test_a_company_person_pays_one_query_more_for_its_organisations(stack, http, seed, repo):
    """A management company's person: the record and the person's organisations
    (GSI1), then the grant is found in the record; no GetItem per grant."""
    from tests.integration.test_companies import company, customer_with_two_facilities

    customer, _ = customer_with_two_facilities(seed, repo)
    number = customer.customer.number
    org, _email, headers = company(stack, http)
    http.post(
        f"/api/customers/{number}/companies",
        json={"org_number": org, "facilities": [customer.meter.facility_id]},
        headers=customer.auth,
    )
    http.post(f"/api/organisations/{org}/customers/{number}/accept", headers=headers)
    url = f"/api/customers/{number}/meters"
    requests, resp = counted(lambda: http.get(url, headers=headers))
    # sign-out + record + organisations + the granted meter's last reading (the other
    # facility is filtered out); before: membership + organisations + grant + meters +
    # last reading (and no sign-out check)
    assert (resp.status_code, requests) == (200, 4)
    assert [m["number"] for m in resp.json] == [customer.meter.number]


def test_a_companys_notifications_page_pays_one_query_per_customer_granted(stack, seed, repo):
    """``/notifications`` before a customer is opened: links with the sign-out (the
    person's memberships and organisations, the company's grants) + the
    portfolio's directories (one BatchGetItem per 100 customers) + one Query of
    the newest notifications per customer granted (at most 100 customers)."""
    import secrets

    from tests.integration.conftest import create_user
    from tests.integration.test_portfolio import _grant, _organisation

    email = f"teller-{secrets.token_hex(4)}@example.com"
    org = _organisation(repo, create_user(stack, email), email)
    browser = Client(stack.http_server.app)
    measured = []
    for _ in range(2):
        customer = seed().customer.number
        _grant(repo, customer, org, None)
        composition.portfolio_projector().refresh(customer)
        sign_in(browser, email)
        browser.get("/notifications")  # warm
        requests, resp = counted(lambda: browser.get("/notifications"))
        assert resp.status_code == 200
        measured.append(requests)
    assert measured == [4, 5]
