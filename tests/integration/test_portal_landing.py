"""Where each person lands after signing in, and the frame around the pages:
customer service on the customer search with its own menu and, while it
views a customer, a banner with the way back; a person with several accounts
on the chooser (the last one chosen offered first); a management company's
people on their company page until customers grant them facilities, then on
their portfolio's overview."""

from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from heatportal.adapters.dynamo import membership_item
from heatportal.domain.model import Membership, Role
from infra.local.resources import clients
from tests.integration.test_companies import company, customer_with_two_facilities, org_number
from tests.integration.test_portal_session import csrf_of, sign_in


@pytest.fixture
def browser(stack) -> Client:
    return Client(stack.http_server.app)


def header_of(html: str) -> str:
    match = re.search(r"<header.*?</header>", html, re.S)
    assert match
    return match.group(0)


def test_customer_service_lands_on_the_customer_search_with_its_own_menu(stack, seed, browser):
    person = seed()
    customer = seed()
    cognito = clients(stack.resources.endpoint)["cognito-idp"]
    cognito.admin_add_user_to_group(UserPoolId=stack.resources.user_pool_id, Username=person.email, GroupName="staff")
    # A customer chosen in an earlier session is forgotten at sign-in.
    browser.set_cookie("hp_cust", customer.customer.number)
    sign_in(browser, person.email)
    landed = browser.get("/")
    assert (landed.status_code, landed.headers["Location"]) == (303, "/staff/customers")
    search = browser.get(f"/staff/customers?q={customer.customer.number}").get_data(as_text=True)
    header = header_of(search)
    assert 'href="/staff/contact-requests"' in header and 'href="/invoices"' not in header
    assert customer.customer.number not in header  # no customer in the header on staff pages

    # Open the customer: every page carries the banner and the way back.
    browser.post("/accounts", data={"csrf": csrf_of(search), "customer": customer.customer.number})
    start = browser.get("/").get_data(as_text=True)
    assert 'class="viewing-as"' in start and 'action="/staff/leave"' in start
    assert customer.customer.name in start and 'href="/invoices"' in header_of(start)
    assert 'class="viewing-as"' in browser.get(f"/meters/{customer.meter.number}").get_data(as_text=True)
    # Back on a staff page, neither the banner nor the customer in the header.
    requests = browser.get("/staff/contact-requests").get_data(as_text=True)
    assert 'class="viewing-as"' not in requests and customer.customer.number not in header_of(requests)

    left = browser.post("/staff/leave", data={"csrf": csrf_of(start)})
    assert (left.status_code, left.headers["Location"]) == (303, "/staff/customers")
    assert browser.get("/").headers["Location"] == "/staff/customers"


def test_a_customer_cannot_use_the_staff_way_back(seed, browser):
    person = seed()
    sign_in(browser, person.email)
    page = browser.get(f"/meters/{person.meter.number}").get_data(as_text=True)
    assert 'class="viewing-as"' not in page
    assert browser.post("/staff/leave", data={"csrf": csrf_of(page)}).status_code == 403


def test_several_accounts_choose_after_sign_in_and_the_last_one_is_offered_first(seed, repo, browser):
    first = seed()
    second = seed()
    repo.table.batch_put(
        [
            membership_item(
                Membership(
                    user_id=first.user_id, customer_number=second.customer.number, role=Role.READ, email=first.email
                )
            )
        ]
    )
    resp = sign_in(browser, first.email)
    assert resp.headers["Location"] == "/"
    assert browser.get("/").headers["Location"] == "/accounts"
    chooser = browser.get("/accounts").get_data(as_text=True)
    assert first.customer.number in chooser and second.customer.number in chooser
    assert first.customer.number not in header_of(chooser)  # nothing chosen yet
    chosen = browser.post("/accounts", data={"csrf": csrf_of(chooser), "customer": second.customer.number})
    assert chosen.headers["Location"] == "/"
    start = browser.get("/")
    assert start.status_code == 200 and second.customer.number in header_of(start.get_data(as_text=True))

    # Next sign-in: the chooser again, the last one first and marked.
    sign_in(browser, first.email)
    assert browser.get("/").headers["Location"] == "/accounts"
    again = browser.get("/accounts").get_data(as_text=True)
    assert again.index(second.customer.number) < again.index(first.customer.number)
    assert 'class="tag"' in again


def test_a_management_company_lands_on_its_company_page_then_on_its_portfolio(stack, http, seed, repo, browser):
    org, email, headers = company(stack, http)
    sign_in(browser, email)
    # No customer has granted the company anything yet: its page (register, invite, wait).
    landed = browser.get("/")
    assert (landed.status_code, landed.headers["Location"]) == (303, "/organisation")
    page = browser.get("/organisation").get_data(as_text=True)
    assert 'href="/organisation" aria-current="page"' in page

    # Two customers grant it their facilities: "/" is the portfolio's status overview of all of
    # them (never the chooser), with the portfolio's menu and no customer named in the header.
    for _ in range(2):
        customer_org = org_number()
        customer, _ = customer_with_two_facilities(seed, repo, org=customer_org)
        number = customer.customer.number
        done = http.post(
            f"/api/organisations/{org}/customers",
            json={"customer_number": number, "customer_org_number": customer_org},
            headers=headers,
        )
        assert done.status_code == 201, done.text
        approved = http.post(f"/api/customers/{number}/companies/{org}/approve", headers=customer.auth)
        assert approved.status_code == 200, approved.text
    sign_in(browser, email)
    start = browser.get("/")
    html = start.get_data(as_text=True)
    assert start.status_code == 200, start.headers.get("Location")
    assert 'id="h-status"' in html
    nav = re.search(r"<nav.*?</nav>", html, re.S)
    assert nav is not None
    for href in ("/", "/facilities", "/analysis", "/organisation"):
        assert f'href="{href}"' in nav.group(0)
    assert 'href="/invoices"' not in nav.group(0)
