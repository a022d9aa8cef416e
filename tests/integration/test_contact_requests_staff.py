"""Customer service works through the contact form's requests over the local
gateway: open ones newest first, a page at a time on one index Query, marked
handled (a retry changes nothing), 403 for everybody else, and a portal page."""

from __future__ import annotations

import itertools

from werkzeug.test import Client

from heatportal import composition
from heatportal.i18n import translate
from tests.integration.conftest import body, staff_headers
from tests.integration.test_auth_portal import csrf_of, sign_in

_staff = itertools.count(1)


def staff(stack, http, email: str | None = None):
    return staff_headers(stack, http, email or f"requests-staff-{next(_staff)}@utility.example")


def send(http, seeded, subject: str) -> str:
    resp = http.post(
        f"/api/customers/{seeded.customer.number}/contact-requests",
        json={"subject": subject, "message": "Hei! Kan dere ringe meg?", "phone": "40000000"},
        headers=seeded.auth,
    )
    assert resp.status_code == 201, resp.text
    return body(resp)["id"]


def all_open(http, headers) -> list[dict]:
    requests, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = body(http.get("/api/staff/contact-requests", query_string=query, headers=headers))
        requests += page["requests"]
        cursor = page["next_cursor"]
        if cursor is None:
            return requests


def test_open_requests_newest_first_page_by_page_then_handled(stack, http, seed):
    first, second = seed(), seed()
    ids = [send(http, first, "Faktura"), send(http, second, "Måler"), send(http, first, "Flytting")]
    headers = staff(stack, http)

    listed = all_open(http, headers)
    mine = [r for r in listed if r["id"] in ids]
    assert [r["subject"] for r in mine] == ["Flytting", "Måler", "Faktura"]
    assert [r["at"] for r in listed] == sorted((r["at"] for r in listed), reverse=True)
    assert mine[1]["customer_number"] == second.customer.number and mine[1]["phone"] == "+4740000000"
    assert mine[0]["sender"] == first.email and mine[0]["status"] == "open"

    done = http.post(f"/api/staff/contact-requests/{ids[1]}/handled", headers=headers)
    assert done.status_code == 200, done.text
    assert body(done)["status"] == "handled" and body(done)["handled_by"].startswith("requests-staff-")
    again = http.post(f"/api/staff/contact-requests/{ids[1]}/handled", headers=staff(stack, http))
    assert body(again)["handled_by"] == body(done)["handled_by"]  # the retry keeps who handled it
    assert ids[1] not in [r["id"] for r in all_open(http, headers)]
    handled = body(http.get("/api/staff/contact-requests", query_string={"status": "handled"}, headers=headers))
    assert ids[1] in [r["id"] for r in handled["requests"]]


def test_a_page_is_one_index_query(stack, http, seed):
    seeded = seed()
    send(http, seeded, "Varme")
    headers = staff(stack, http)
    table = composition.repository().table
    before = table.requests
    resp = http.get("/api/staff/contact-requests", query_string={"limit": "5"}, headers=headers)
    assert resp.status_code == 200
    assert table.requests - before == 2  # the caller's sign-out record (GetItem) + one index Query


def test_bad_ids_cursors_and_statuses_are_4xx_with_a_code(stack, http, seed):
    headers = staff(stack, http)
    missing = http.post(f"/api/staff/contact-requests/{'0' * 16}/handled", headers=headers)
    assert (missing.status_code, body(missing)["code"]) == (404, "contact_request_not_found")
    assert http.post("/api/staff/contact-requests/not-an-id/handled", headers=headers).status_code == 422
    for cursor in ("bm90LWpzb24", "eyJQSyI6IngifQ", "!!"):
        resp = http.get("/api/staff/contact-requests", query_string={"cursor": cursor}, headers=headers)
        assert resp.status_code == 422, (cursor, resp.text)
    # A cursor of the handled list does not page the open one.
    seeded = seed()
    for n in range(3):
        send(http, seeded, f"Sak {n}")
    page = body(http.get("/api/staff/contact-requests", query_string={"limit": "1"}, headers=headers))
    crossed = http.get(
        "/api/staff/contact-requests",
        query_string={"status": "handled", "cursor": page["next_cursor"]},
        headers=headers,
    )
    assert (crossed.status_code, body(crossed)["code"]) == (422, "cursor_invalid")
    assert http.get("/api/staff/contact-requests", query_string={"status": "all"}, headers=headers).status_code == 422


def test_only_customer_service_sees_and_handles_requests(stack, http, seed):
    seeded = seed()
    request_id = send(http, seeded, "Privat")
    assert http.get("/api/staff/contact-requests", headers=seeded.auth).status_code == 403
    assert http.post(f"/api/staff/contact-requests/{request_id}/handled", headers=seeded.auth).status_code == 403
    assert http.get("/api/staff/contact-requests").status_code == 401


def test_the_portal_page_lists_open_requests_and_marks_one_handled(stack, http, seed):
    seeded = seed()
    request_id = send(http, seeded, "Portal-sak")
    email = f"requests-staff-{next(_staff)}@utility.example"
    staff(stack, http, email)
    browser = Client(stack.http_server.app)
    sign_in(browser, email)
    home = browser.get("/account", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert 'href="/staff/contact-requests"' in home
    page = browser.get("/staff/contact-requests?limit=100", headers={"Accept-Language": "nb"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Portal-sak" in html
    marked = browser.post(f"/staff/contact-requests/{request_id}/handled", data={"csrf": csrf_of(html)})
    assert marked.status_code == 303
    after = browser.get(marked.headers["Location"], headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert translate("staff.requests.marked", "nb") in after
    handled = browser.get("/staff/contact-requests?status=handled", headers={"Accept-Language": "nb"})
    assert "Portal-sak" in handled.get_data(as_text=True)

    customer = Client(stack.http_server.app)
    sign_in(customer, seeded.email)
    assert customer.get("/staff/contact-requests").status_code == 403
    assert 'href="/staff/contact-requests"' not in customer.get("/account").get_data(as_text=True)
