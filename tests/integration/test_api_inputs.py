"""The API reads only what its OpenAPI document says: a date is YYYY-MM-DD
(``0`` is no date, though pydantic reads it as 1970-01-01), a decimal is plain
digits with an optional fraction (no exponent, spaces, underscores or
full-width digits), and an unknown field in a body is refused."""

from __future__ import annotations

import pytest

from tests.integration.conftest import body


@pytest.mark.parametrize("query", [{"issued_from": "0"}, {"issued_to": "20240101"}, {"amount_min": "1e3"}])
def test_a_query_that_is_no_date_or_no_plain_decimal_is_refused(http, seed, query):
    seeded = seed()
    resp = http.get(f"/api/customers/{seeded.customer.number}/invoices", query_string=query, headers=seeded.auth)
    assert resp.status_code == 422, resp.text
    assert body(resp)["fields"][0]["field"] == next(iter(query))


@pytest.mark.parametrize("value", [" 19500", "1_9500", "1.95e4", "１９５００", 0.5e300])
def test_a_decimal_that_is_not_plain_text_is_refused(http, seed, value):
    seeded = seed()
    resp = http.post(
        f"/api/customers/{seeded.customer.number}/trial-settlement",
        json={"readings": [{"meter": seeded.meter.number, "value": value}]},
        headers=seeded.auth,
    )
    assert resp.status_code == 422, resp.text


@pytest.mark.parametrize("read_on", [0, "0", 1700000000, "2026-1-2"])
def test_a_reading_date_that_is_no_date_is_refused_as_such(http, seed, read_on):
    seeded = seed()
    resp = http.post(
        f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings",
        json={"value": "19500", "read_on": read_on},
        headers=seeded.auth,
    )
    assert resp.status_code == 422, resp.text
    assert [f["field"] for f in body(resp)["fields"]] == ["read_on"]
    assert body(resp)["code"] == "validation_failed"


def test_an_unknown_field_is_refused_everywhere(http, seed):
    seeded = seed()
    resp = http.post(
        f"/api/customers/{seeded.customer.number}/trial-settlement",
        json={"readings": [], "discount": "100"},
        headers=seeded.auth,
    )
    assert resp.status_code == 422, resp.text
