"""Linking a customer number to one's login proves the relationship as a
registration does: the PIN letter (postcode or name, by profile), rate-limited
per customer number on the same counters as registration, or, for a number
already registered, the password of one of its administrators (or an
invitation by one of them). The customer hears of every link at the contact
data on record. A link by proof alone does not shut the real owner out: the
owner can still register and remove it. Customer and meter numbers are
printed on invoices and meters, so they prove nothing."""

from __future__ import annotations

from typing import Any

from werkzeug.test import Client

from heatportal.adapters.dynamo import customer_item
from heatportal.domain.secrets import hash_secret
from heatportal.i18n import translate
from infra.local.stack import outbox_messages
from tests.integration.conftest import PASSWORD, body
from tests.integration.test_auth_accounts import (
    NEW_PASSWORD,
    code_in,
    mails_to,
    meter_of,
    register,
    unregistered_customer,
)
from tests.integration.test_auth_portal import csrf_of

PIN = "482913"  # unregistered_customer's PIN letter


def link(http: Client, who: Any, number: str, **proof: str) -> Any:
    return http.post("/api/me/links", json={"customer_number": number, **proof}, headers=who.auth)


def numbers_of(http: Client, who: Any) -> set[str]:
    return {c["customer_number"] for c in body(http.get("/api/me", headers=who.auth))["customers"]}


def test_customer_and_meter_number_link_nothing(http, repo, seed):
    stranger = seed()
    victim = unregistered_customer(repo)
    resp = link(http, stranger, victim.number, meter_number=meter_of(victim))
    assert resp.status_code in (401, 422), resp.text
    assert victim.number not in numbers_of(http, stranger)
    assert http.get(f"/api/customers/{victim.number}/meters", headers=stranger.auth).status_code == 403


def test_the_pin_letter_links_and_the_customer_is_told_at_the_email_on_record(http, repo, seed):
    person = seed()
    customer = unregistered_customer(repo)
    wrong = link(http, person, customer.number, pin="000000")
    assert (wrong.status_code, body(wrong)["code"]) == (401, "link_failed")
    linked = link(http, person, customer.number, pin=PIN)
    assert linked.status_code == 201, linked.text
    assert body(linked)["role"] == "admin"
    assert customer.number in numbers_of(http, person)
    trail = body(http.get(f"/api/customers/{customer.number}/audit", headers=person.auth))
    assert [(e["action"], e["subject"]) for e in trail] == [("linked", person.email)]
    assert customer.email is not None
    [notice] = mails_to(customer.email)
    assert person.email in notice["text"] and customer.number in notice["text"]


def test_a_customer_without_email_is_told_by_sms(http, repo, seed):
    person = seed()
    customer = unregistered_customer(repo)
    no_email = customer.model_copy(update={"email": None, "phone": "+4791111199", "pin_hash": hash_secret(PIN)})
    repo.table.put(customer_item(no_email))
    assert link(http, person, customer.number, pin=PIN).status_code == 201
    texts = [m["text"] for m in outbox_messages() if m["channel"] == "sms" and m["to"] == "+4791111199"]
    assert texts and customer.number in texts[0]


def test_wrong_pins_lock_the_number_on_the_registration_counter(http, repo, seed):
    person = seed()
    customer = unregistered_customer(repo)
    for _ in range(3):
        assert register(http, customer, f"r-{customer.number}@example.com", pin="000000").status_code == 401
    for _ in range(3):
        assert link(http, person, customer.number, pin="000001").status_code == 401
    locked = link(http, person, customer.number, pin=PIN)
    assert (locked.status_code, body(locked)["code"]) == (429, "rate_limited")
    assert customer.number not in numbers_of(http, person)


def test_the_real_owner_registers_after_a_wrong_link_and_removes_it(http, repo, seed):
    stranger = seed()
    customer = unregistered_customer(repo)
    assert link(http, stranger, customer.number, pin=PIN).status_code == 201

    owner = f"eier-{customer.number}@example.com"
    started = register(http, customer, owner)
    assert started.status_code == 202, started.text
    done = http.post(
        "/api/auth/register/confirm",
        json={
            "registration_id": body(started)["id"],
            "code": code_in(mails_to(owner)[0]),
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert done.status_code == 201, done.text
    token = body(http.post("/api/auth/login", json={"username": owner, "password": NEW_PASSWORD}))["id_token"]
    owner_auth = {"Authorization": f"Bearer {token}"}
    users = body(http.get(f"/api/customers/{customer.number}/users", headers=owner_auth))["users"]
    wrong = next(u for u in users if u["email"] == stranger.email)
    removed = http.delete(f"/api/customers/{customer.number}/users/{wrong['user_id']}", headers=owner_auth)
    assert removed.status_code == 200, removed.text
    assert http.get(f"/api/customers/{customer.number}/meters", headers=stranger.auth).status_code == 403
    # Registered now: the PIN letter alone links no one any more.
    again = link(http, seed(), customer.number, pin=PIN)
    assert (again.status_code, body(again)["code"]) == (401, "link_failed")


def test_a_registered_number_needs_an_administrators_password(http, seed):
    person = seed()
    registered = seed(pin=PIN)
    number = registered.customer.number
    answers = [
        link(http, person, number, pin=PIN),  # the right PIN letter, but registered
        link(http, person, number, pin=PIN, password="not-it-1234"),
        link(http, person, number, password="not-it-1234"),
    ]
    assert [(r.status_code, body(r)["code"]) for r in answers] == [(401, "link_failed")] * 3
    linked = link(http, person, number, password=PASSWORD)
    assert linked.status_code == 201, linked.text
    assert number in numbers_of(http, person)
    assert any(person.email in m["text"] for m in mails_to(registered.email))


def test_the_portal_asks_for_the_pin_not_the_meter_number(stack, repo, seed):
    person = seed()
    customer = unregistered_customer(repo)
    browser = _sign_in(stack, person.email)
    html = browser.get("/account", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert 'name="pin"' in html and 'name="meter_number"' not in html
    csrf = csrf_of(html)
    by_meter = browser.post(
        "/account/links",
        data={"csrf": csrf, "customer_number": customer.number, "meter_number": meter_of(customer)},
        headers={"Accept-Language": "nb"},
    )
    assert by_meter.status_code == 400
    assert translate("error.link_failed", "nb") in by_meter.get_data(as_text=True)
    linked = browser.post("/account/links", data={"csrf": csrf, "customer_number": customer.number, "pin": PIN})
    assert linked.status_code == 303
    assert customer.number in browser.get("/account").get_data(as_text=True)


def _sign_in(stack: Any, email: str) -> Client:
    browser = Client(stack.http_server.app)
    page = browser.get("/login").get_data(as_text=True)
    csrf = csrf_of(page)
    resp = browser.post("/login", data={"csrf": csrf, "username": email, "password": PASSWORD, "next": "/"})
    assert resp.status_code == 303
    return browser
