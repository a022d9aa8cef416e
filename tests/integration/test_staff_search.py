"""Customer service finds customers by name over the local gateway: folded
words and prefixes, all-words-first ranking, a fixed number of DynamoDB
requests, a rename that moves the index, 403 for everybody else."""

from __future__ import annotations

import itertools

from werkzeug.test import Client

from heatportal import composition
from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo_names import DynamoNameIndex, name_index_items
from heatportal.i18n import translate
from tests.integration.conftest import body, staff_headers
from tests.integration.test_auth_portal import csrf_of, sign_in

_staff = itertools.count(1)


def named(repo, seeded, name: str):
    """Give a seeded customer a name and its index tokens (the seed writes neither)."""
    return DynamoNameIndex(repo.table).rename(seeded.customer, name)


def staff(stack, http):
    return staff_headers(stack, http, f"search-staff-{next(_staff)}@utility.example")


def test_staff_find_a_customer_by_name_without_nordic_letters(stack, http, repo, seed):
    kari = named(repo, seed(), "Kari Ødegård-Vikstrøm")
    other = named(repo, seed(), "Ola Vikhammer")
    headers = staff(stack, http)
    for query in ("odegard", "Ødegård", "ØDEG", "vikstrom kari"):
        resp = http.get("/api/staff/customers", query_string={"q": query}, headers=headers)
        assert resp.status_code == 200, resp.text
        assert [c["number"] for c in body(resp)] == [kari.number], query
        assert body(resp)[0]["name"] == "Kari Ødegård-Vikstrøm"
    # "vik" is a prefix of a word of both names.
    resp = http.get("/api/staff/customers", query_string={"q": "vik"}, headers=headers)
    assert {c["number"] for c in body(resp)} == {kari.number, other.number}


def test_customers_matching_every_word_come_first(stack, http, repo, seed):
    both = named(repo, seed(), "Tormod Fjellheim")
    first_only = named(repo, seed(), "Tormod Aasgaard")
    second_only = named(repo, seed(), "Berit Fjellheim")
    resp = http.get("/api/staff/customers", query_string={"q": "fjellheim tormod"}, headers=staff(stack, http))
    assert [c["number"] for c in body(resp)] == [both.number, second_only.number, first_only.number]


def test_a_name_search_makes_a_fixed_number_of_dynamodb_requests(stack, http, repo, seed):
    named(repo, seed(), "Sigrun Bråtebekken")
    headers = staff(stack, http)
    table = composition.repository().table
    before = table.requests
    resp = http.get("/api/staff/customers", query_string={"q": "Sigrun Bråtebekken"}, headers=headers)
    assert resp.status_code == 200 and len(body(resp)) == 1
    # sign-out record GetItem + meter-number Query (GSI1) + one Query per name word (2) + one BatchGetItem of the hits
    assert table.requests - before == 5


def test_a_renamed_customer_is_found_by_the_new_name_only(stack, http, repo, seed):
    seeded = seed()
    renamed = named(repo, seeded, "Halvor Knutsen")
    named(repo, seeded.__class__(renamed, seeded.meter, seeded.email, seeded.user_id, seeded.token), "Halvor Grønnli")
    headers = staff(stack, http)
    assert body(http.get("/api/staff/customers", query_string={"q": "knutsen"}, headers=headers)) == []
    found = body(http.get("/api/staff/customers", query_string={"q": "gronnli"}, headers=headers))
    assert [(c["number"], c["name"]) for c in found] == [(seeded.customer.number, "Halvor Grønnli")]
    tokens = repo.table.query(keys.name_pk("kn"), sk_prefix="knutsen#")
    assert tokens == []
    assert [i["SK"] for i in name_index_items(renamed.model_copy(update={"name": "Halvor Grønnli"}))] == [
        keys.name_token("ha", "halvor", seeded.customer.number).sk,
        keys.name_token("gr", "gronnli", seeded.customer.number).sk,
    ]


def test_only_customer_service_searches_and_no_route_reveals_names(stack, http, repo, seed):
    customer = seed()
    named(repo, customer, "Ingrid Solbakken")
    resp = http.get("/api/staff/customers", query_string={"q": "solbakken"}, headers=customer.auth)
    assert resp.status_code == 403
    assert body(resp)["code"] == "forbidden"
    assert http.get("/api/staff/customers", query_string={"q": "solbakken"}).status_code == 401


def test_the_portal_search_page_lists_name_hits_and_opens_the_customer(stack, repo, seed):
    seeded = seed()
    named(repo, seeded, "Åshild Tveiterås")
    email = f"search-staff-{next(_staff)}@utility.example"
    browser = Client(stack.http_server.app)
    staff_headers(stack, browser, email)
    sign_in(browser, email)
    page = browser.get("/staff/customers", query_string={"q": "tveiteras"}, headers={"Accept-Language": "nb"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Åshild Tveiterås" in html and seeded.customer.number in html
    assert translate("staff.customers.results", "nb", count=1) in html
    chosen = browser.post("/accounts", data={"customer": seeded.customer.number, "csrf": csrf_of(html)})
    assert chosen.status_code == 303
    assert "Åshild Tveiterås" in browser.get("/").get_data(as_text=True)


def test_the_portal_search_page_is_for_customer_service_only(stack, seed):
    customer = seed()
    browser = Client(stack.http_server.app)
    sign_in(browser, customer.email)
    assert browser.get("/staff/customers", query_string={"q": "kari"}).status_code == 403
