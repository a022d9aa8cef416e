"""No body makes the API answer 500: a JSON document nested thousands deep, a
number of thousands of digits, a body larger than the API takes, a body in a
media type the route does not read (form, multipart without a boundary).
Each gets a 4xx in the API's error shape, on public routes (before anyone
signs in) as on signed-in ones. A method a path does not have is a 405, and
every API answer is marked ``no-store`` and ``nosniff``."""

from __future__ import annotations

import json

import pytest

DEEP = "[" * 50_000 + "]" * 50_000
DEEP_IN_A_FIELD = '{"username": ' + "[" * 3000 + "]" * 3000 + ', "password": "x"}'
LONG_NUMBER = '{"value": ' + "9" * 5000 + "}"
LONG_NUMBER_PUBLIC = '{"username": "a@example.com", "password": ' + "1" * 5000 + "}"
LONG_FRACTION = '{"value": 1.' + "5" * 5000 + "}"


def assert_error(resp, statuses: tuple[int, ...]) -> dict:
    assert resp.status_code in statuses, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.content_type.startswith("application/json")
    body = resp.json
    assert set(body) == {"code", "message", "fields"}, body
    return body


@pytest.mark.parametrize(
    "payload", [DEEP, DEEP_IN_A_FIELD, LONG_NUMBER_PUBLIC], ids=["deep", "deep-field", "long-number"]
)
def test_a_hostile_json_body_on_a_public_route_is_a_4xx(http, payload):
    resp = http.post("/api/auth/login", data=payload, headers={"Content-Type": "application/json"})
    assert assert_error(resp, (400, 413, 422))["code"] == "body_invalid"


@pytest.mark.parametrize("payload", [DEEP, LONG_NUMBER, LONG_FRACTION], ids=["deep", "long-number", "long-fraction"])
def test_a_hostile_json_body_on_a_signed_in_route_is_a_4xx(http, seed, payload):
    seeded = seed()
    url = f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"
    resp = http.post(url, data=payload, headers={**seeded.auth, "Content-Type": "application/json"})
    assert_error(resp, (400, 413, 422))


def test_a_body_larger_than_the_api_takes_is_413(http, seed):
    seeded = seed()
    big = json.dumps({"value": "1", "padding": "x" * (2 << 20)})
    url = f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"
    resp = http.post(url, data=big, headers={**seeded.auth, "Content-Type": "application/json"})
    assert assert_error(resp, (413,))["code"] == "body_too_large"
    public = http.post("/api/auth/login", data=big, headers={"Content-Type": "application/json"})
    assert assert_error(public, (413,))["code"] == "body_too_large"


def test_the_gateway_refuses_a_body_over_api_gateways_limit_before_authentication(http):
    resp = http.post("/api/me/links", data=b"x" * (10 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"})
    assert assert_error(resp, (413,))["code"] == "body_too_large"


@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "application/x-www-form-urlencoded", "text/plain"],
)
def test_a_body_in_a_media_type_the_route_does_not_read_is_415(http, seed, content_type):
    seeded = seed()
    for url, headers in (
        ("/api/auth/login", {}),
        (f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings", seeded.auth),
    ):
        resp = http.post(url, data='{"value": "1"}', headers={**headers, "Content-Type": content_type})
        assert assert_error(resp, (415,))["code"] == "unsupported_media_type"


def test_a_method_the_path_does_not_have_is_405_with_allow(http, seed):
    seeded = seed()
    for method, path, allowed in (
        ("PATCH", "/api/organisations", {"GET", "POST"}),
        ("DELETE", "/api/me", {"GET"}),
        ("GET", "/api/auth/login", {"POST"}),
        ("PUT", f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings", {"GET", "POST"}),
    ):
        resp = http.open(path, method=method, headers=seeded.auth)
        assert assert_error(resp, (405,))["code"] == "method_not_allowed"
        assert set(resp.headers["Allow"].replace(" ", "").split(",")) == allowed, path
    unknown = http.open("/api/no-such-thing", method="PATCH", headers=seeded.auth)
    assert assert_error(unknown, (404,))["code"] == "not_found"


def test_every_api_answer_is_no_store_and_nosniff(http, seed):
    seeded = seed()
    answers = [
        http.get("/api/me", headers=seeded.auth),  # a function's answer
        http.get("/api/me"),  # the gateway's own 401
        http.get(f"/api/customers/{seeded.customer.number}/meters/%00/readings", headers=seeded.auth),  # 404
        http.post("/api/auth/login", data=DEEP, headers={"Content-Type": "application/json"}),  # refused body
        http.post("/api/auth/login", json={"username": "nobody@example.com", "password": "x"}),  # domain error
        http.open("/api/me", method="PATCH", headers=seeded.auth),  # 405
    ]
    for resp in answers:
        assert resp.headers.get("Cache-Control") == "no-store", (resp.status_code, dict(resp.headers))
        assert resp.headers.get("X-Content-Type-Options") == "nosniff", resp.status_code
