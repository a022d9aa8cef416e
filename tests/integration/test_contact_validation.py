"""One customer's odd input cannot break what is sent to or printed for
others: e-mail addresses (on record, invitations, company contacts) must be
deliverable addresses, phones valid numbers, free text free of control and
bidi characters and not blank where required. A refused input is a 422 that
names the field, and nothing is written before it (an invitation to
``a,b@example.com`` used to be stored, then answered with a 500)."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from tests.integration.conftest import PASSWORD, body, staff_headers
from tests.integration.test_auth_portal import csrf_of

BAD_ADDRESSES = [
    "a,b@example.com",
    "a@example.com, b@example.com",
    "Kari <kari@example.com>",
    '"a b"@example.com',
    "a@[127.0.0.1]",
    "a..b@example.com",
    "a@localhost",
    "kari@example.com\r\nBcc: x@example.com",
]


def assert_refused(resp, code: str, field: str) -> None:
    assert resp.status_code == 422, (resp.status_code, resp.get_data(as_text=True)[:300])
    answer = body(resp)
    assert answer["code"] in {code, "validation_failed"}, answer
    assert any(f.get("field") == field for f in answer["fields"]), answer


@pytest.mark.parametrize("address", BAD_ADDRESSES, ids=repr)
def test_an_invitation_to_no_deliverable_address_is_refused_and_not_stored(http, seed, address):
    admin = seed()
    number = admin.customer.number
    resp = http.post(f"/api/customers/{number}/users", json={"email": address, "role": "read"}, headers=admin.auth)
    assert_refused(resp, "email_invalid", "email")
    users = body(http.get(f"/api/customers/{number}/users", headers=admin.auth))
    assert users["invitations"] == []
    assert body(http.get(f"/api/customers/{number}/audit", headers=admin.auth)) == []


def test_an_invitation_to_an_international_domain_is_stored_in_its_ascii_form(http, seed):
    admin = seed()
    number = admin.customer.number
    resp = http.post(
        f"/api/customers/{number}/users", json={"email": "Kari@Ødegård.no", "role": "read"}, headers=admin.auth
    )
    assert resp.status_code == 202, resp.text
    users = body(http.get(f"/api/customers/{number}/users", headers=admin.auth))
    assert [i["email"] for i in users["invitations"]] == ["kari@xn--degrd-ora3k.no"]


@pytest.mark.parametrize("address", BAD_ADDRESSES[:4], ids=repr)
def test_the_email_on_record_must_be_deliverable(http, seed, address):
    seeded = seed()
    number = seeded.customer.number
    resp = http.put(f"/api/customers/{number}/profile/contact", json={"email": address}, headers=seeded.auth)
    assert_refused(resp, "email_invalid", "email")
    assert body(http.get(f"/api/customers/{number}/profile", headers=seeded.auth))["email"] == seeded.email


@pytest.mark.parametrize("phone", ["+47 123", "912\u202e34567", "+4791234567\n"], ids=repr)
def test_the_phone_on_record_must_be_a_valid_number(http, seed, phone):
    seeded = seed()
    number = seeded.customer.number
    resp = http.put(f"/api/customers/{number}/profile/contact", json={"phone": phone}, headers=seeded.auth)
    assert resp.status_code == 422, resp.text
    assert body(http.get(f"/api/customers/{number}/profile", headers=seeded.auth))["phone"] == "+4791234567"


@pytest.mark.parametrize(
    ("street", "city", "field"),
    [
        ("\x1b[31mStorgata 2", "Oslo", "street"),
        ("Storgata\u202e 2", "Oslo", "street"),
        ("Storgata 2\nLinje to", "Oslo", "street"),
        ("   ", "Oslo", "street"),
        ("Storgata 2", "\t", "city"),
    ],
    ids=repr,
)
def test_a_billing_address_with_hidden_characters_or_blanks_is_refused(http, seed, street, city, field):
    seeded = seed()
    number = seeded.customer.number
    resp = http.put(
        f"/api/customers/{number}/profile/billing-address",
        json={"street": street, "postcode": "0155", "city": city, "password": PASSWORD},
        headers=seeded.auth,
    )
    assert resp.status_code == 422, resp.text
    assert body(http.get(f"/api/customers/{number}/profile", headers=seeded.auth))["address"]["street"] == "Storgata 1"


@pytest.mark.parametrize(
    ("subject", "message"),
    [("Faktura\u202e", "Hei"), ("Faktura", "Hei\x00"), ("   ", "Hei"), ("Faktura", " \n "), ("Faktura\nBcc", "Hei")],
    ids=repr,
)
def test_a_contact_request_with_hidden_characters_or_blanks_is_refused_and_not_stored(
    http, stack, seed, subject, message
):
    seeded = seed()
    resp = http.post(
        f"/api/customers/{seeded.customer.number}/contact-requests",
        json={"subject": subject, "message": message, "phone": "+4791234567"},
        headers=seeded.auth,
    )
    assert resp.status_code == 422, resp.text
    staff = staff_headers(stack, http, f"ks-{seeded.customer.number}-{abs(hash(subject + message))}@utility.example")
    listed = body(http.get("/api/staff/contact-requests", query_string={"limit": 100}, headers=staff))["requests"]
    assert all(r["customer_number"] != seeded.customer.number for r in listed)


def test_a_multi_line_message_is_kept(http, seed):
    seeded = seed()
    resp = http.post(
        f"/api/customers/{seeded.customer.number}/contact-requests",
        json={"subject": "Måleren", "message": "Hei,\nmåleren er ny.\n\nKari", "phone": "+4791234567"},
        headers=seeded.auth,
    )
    assert resp.status_code == 201, resp.text


def test_a_company_name_with_hidden_characters_is_refused(http, seed):
    seeded = seed()
    resp = http.post(
        "/api/organisations",
        json={"org_number": "923609016", "name": "Forvaltning\u202e AS"},
        headers=seeded.auth,
    )
    assert resp.status_code == 422, resp.text


def test_any_api_string_with_a_control_character_is_refused_before_the_route(http, seed):
    seeded = seed()
    resp = http.post("/api/auth/login", json={"username": seeded.email + "\x07", "password": PASSWORD})
    assert_refused(resp, "text_invalid", "username")
    nested = http.post(
        f"/api/customers/{seeded.customer.number}/trial-settlement",
        json={"readings": [{"meter": seeded.meter.number + "\u202e", "value": "1"}]},
        headers=seeded.auth,
    )
    assert_refused(nested, "text_invalid", "readings.0.meter")


def test_the_portal_refuses_a_form_with_hidden_characters_and_stores_nothing(stack, seed):
    seeded = seed()
    browser = Client(stack.http_server.app)
    page = browser.get("/login").get_data(as_text=True)
    csrf = csrf_of(page)
    browser.post("/login", data={"csrf": csrf, "username": seeded.email, "password": PASSWORD, "next": "/"})
    profile = browser.get("/account/profile").get_data(as_text=True)
    csrf = csrf_of(profile)
    resp = browser.post("/account/profile/contact", data={"csrf": csrf, "email": "a,b@example.com", "phone": ""})
    assert resp.status_code == 422
    resp = browser.post(
        "/account/profile/contact-request",
        data={"csrf": csrf, "subject": "Hei\u202e", "message": "Hei", "phone": "+4791234567"},
    )
    assert resp.status_code == 422
    html = browser.get("/account/profile").get_data(as_text=True)
    assert "a,b@example.com" not in html and seeded.email in html
