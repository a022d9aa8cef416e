"""Readings over the local API gateway: the real handler, Cognito tokens, moto."""

from __future__ import annotations

from datetime import timedelta

import pytest

from heatportal.domain.model import Role
from tests.dates import local_today
from tests.integration.conftest import body


def readings_of(http, seeded) -> list[dict]:
    resp = http.get(
        f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings", headers=seeded.auth
    )
    assert resp.status_code == 200
    return body(resp)


def test_customer_lists_own_meters_with_last_reading(http, seed):
    seeded = seed()
    resp = http.get(f"/api/customers/{seeded.customer.number}/meters", headers=seeded.auth)
    assert resp.status_code == 200
    meters = body(resp)
    assert [m["number"] for m in meters] == [seeded.meter.number]
    assert meters[0]["unit"] == "kWh"
    assert meters[0]["last_reading"]["value"] == "19000"


def test_me_lists_the_customers_the_user_may_see(http, seed):
    seeded = seed()
    resp = http.get("/api/me", headers=seeded.auth)
    assert resp.status_code == 200
    assert body(resp)["customers"] == [
        {
            "customer_number": seeded.customer.number,
            "customer_path": seeded.customer.number,
            "role": "admin",
            "via_org": None,
        }
    ]


def test_submitting_a_reading_twice_stores_it_once(http, seed):
    seeded = seed()
    url = f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"
    today = local_today().isoformat()
    first = http.post(url, json={"value": "19100", "read_on": today}, headers=seeded.auth)
    second = http.post(url, json={"value": "19100", "read_on": today}, headers=seeded.auth)
    assert (first.status_code, second.status_code) == (201, 201)
    assert body(first)["consumption_since_previous"] == "100"
    stored = [r for r in readings_of(http, seeded) if r["read_on"] == today]
    assert len(stored) == 1


def test_a_different_value_for_the_same_date_is_a_conflict(http, seed):
    seeded = seed()
    url = f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"
    today = local_today().isoformat()
    assert http.post(url, json={"value": "19100", "read_on": today}, headers=seeded.auth).status_code == 201
    resp = http.post(url, json={"value": "19200", "read_on": today}, headers=seeded.auth)
    assert resp.status_code == 409
    assert body(resp)["code"] == "reading_duplicate"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"value": "18999"}, 422, "reading_below_previous"),
        ({"value": "19100", "read_on": (local_today() + timedelta(days=1)).isoformat()}, 422, "reading_in_future"),
        ({"value": "19100.5"}, 422, "reading_too_many_decimals"),
        ({"value": "-5"}, 422, "validation_failed"),
        ({"value": "abc"}, 422, "validation_failed"),
        ({}, 422, "validation_failed"),
        ({"value": "19100", "unexpected": 1}, 422, "validation_failed"),
        ({"value": "99999999"}, 422, "reading_implausible"),
    ],
)
def test_rejected_readings_get_a_code_and_nothing_is_stored(http, seed, payload, status, code):
    seeded = seed()
    before = readings_of(http, seeded)
    url = f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"
    resp = http.post(url, json=payload, headers={**seeded.auth, "Accept-Language": "nb-NO,nb;q=0.9"})
    assert resp.status_code == status, resp.text
    error = body(resp)
    assert error["code"] == code
    assert error["message"]
    assert readings_of(http, seeded) == before


def test_an_implausible_reading_is_stored_once_confirmed(http, seed):
    seeded = seed()
    url = f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"
    resp = http.post(url, json={"value": "60000", "confirm": True}, headers=seeded.auth)
    assert resp.status_code == 201
    assert body(resp)["reading"]["value"] == "60000"


def test_error_messages_follow_accept_language(http, seed):
    seeded = seed()
    url = f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"
    english = body(http.post(url, json={"value": "1"}, headers={**seeded.auth, "Accept-Language": "en"}))
    norwegian = body(http.post(url, json={"value": "1"}, headers={**seeded.auth, "Accept-Language": "nb"}))
    assert english["code"] == norwegian["code"] == "reading_below_previous"
    assert english["message"] != norwegian["message"]


def test_another_customers_meters_are_forbidden(http, seed):
    owner = seed()
    stranger = seed()
    resp = http.get(f"/api/customers/{owner.customer.number}/meters", headers=stranger.auth)
    assert resp.status_code == 403
    # The same answer for a customer number that does not exist: nothing to enumerate.
    unknown = http.get("/api/customers/999999/meters", headers=stranger.auth)
    assert (unknown.status_code, body(unknown)["code"]) == (403, "forbidden")


def test_a_meter_of_another_customer_is_not_found_under_mine(http, seed):
    owner = seed()
    other = seed()
    resp = http.get(f"/api/customers/{owner.customer.number}/meters/{other.meter.number}/readings", headers=owner.auth)
    assert resp.status_code == 404
    assert body(resp)["code"] == "meter_not_found"


def test_read_only_users_cannot_submit_readings(http, seed):
    seeded = seed(role=Role.READ)
    url = f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"
    assert http.get(url, headers=seeded.auth).status_code == 200
    assert http.post(url, json={"value": "19100"}, headers=seeded.auth).status_code == 403


def test_requests_without_a_valid_token_are_refused(http, seed):
    seeded = seed()
    url = f"/api/customers/{seeded.customer.number}/meters"
    assert http.get(url).status_code == 401
    assert http.get(url, headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401
    forged = seeded.token[:-4] + ("AAAA" if not seeded.token.endswith("AAAA") else "BBBB")
    assert http.get(url, headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_login_does_not_reveal_whether_an_account_exists(http, seed):
    seeded = seed()
    wrong_password = http.post("/api/auth/login", json={"username": seeded.email, "password": "wrong-password-1"})
    unknown_user = http.post("/api/auth/login", json={"username": "nobody@example.com", "password": "wrong-password-1"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert body(wrong_password) == body(unknown_user)
