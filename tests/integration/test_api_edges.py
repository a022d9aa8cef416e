"""Requests no route expects get the API's JSON error, never a 500 or a page:
a path parameter no route pattern accepts, an unknown /api path or method, a
body that is not JSON, a portal form that is not text, and the errors the
gateway answers itself."""

from __future__ import annotations

import pytest


def assert_error(resp, status: int, code: str) -> None:
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.content_type.startswith("application/json")
    body = resp.json
    assert set(body) == {"code", "message", "fields"} and body["code"] == code


@pytest.mark.parametrize("odd", ["%00", "%3F", "%F0%9F%94%A5", "%E2%82%AC", "a%09b"])
def test_a_path_parameter_no_route_accepts_is_not_found(http, seed, odd):
    seeded = seed()
    for path in (f"/api/customers/{odd}/meters", f"/api/customers/{seeded.customer.number}/meters/{odd}/readings"):
        assert_error(http.get(path, headers=seeded.auth), 404, "not_found")


def test_an_unknown_api_path_is_a_json_not_found_and_an_unknown_method_a_405(http, seed):
    seeded = seed()
    assert_error(http.get("/api/nonexistent", headers=seeded.auth), 404, "not_found")
    assert_error(http.open("/api/organisations", method="PATCH", headers=seeded.auth), 405, "method_not_allowed")


def test_a_body_that_is_not_json_is_refused_with_415(http, seed):
    seeded = seed()
    resp = http.post(
        f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings",
        data="<reading/>",
        headers={**seeded.auth, "Content-Type": "text/xml"},
    )
    assert_error(resp, 415, "unsupported_media_type")


def test_a_portal_form_that_is_not_text_is_refused_not_crashed(http):
    resp = http.post("/organisation/signup", data=b"\xff\xfe\x00\x01", headers={"Content-Type": "image/png"})
    assert resp.status_code == 403  # no CSRF token in an empty form


def test_the_gateway_answers_in_the_same_shape(http):
    assert_error(http.get("/api/me"), 401, "unauthorized")
