"""Economy overview, cost estimate PDF and advance payments through the
invoices API on moto (Norwegian stack: billing in arrears, no advances)."""

from __future__ import annotations

from decimal import Decimal

from .conftest import body


def test_economy_overview_adds_up_and_carries_the_caution(http, seed):
    person = seed()
    resp = http.get(
        f"/api/customers/{person.customer.number}/economy", headers={**person.auth, "Accept-Language": "nb"}
    )
    assert resp.status_code == 200, resp.text
    data = body(resp)
    assert len(data["months"]) == 12
    assert Decimal(data["year_total"]) == Decimal(data["so_far"]) + Decimal(data["forecast_rest"])
    assert Decimal(data["year_low"]) <= Decimal(data["year_total"]) <= Decimal(data["year_high"])
    assert data["caution"].startswith("Vi ber om at økonomioversikt brukes med varsomhet")


def test_cost_estimate_pdf_is_a_pdf_for_members_only(http, seed):
    person = seed()
    stranger = seed()
    resp = http.get(f"/api/customers/{person.customer.number}/economy/pdf", headers=person.auth)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.get_data().startswith(b"%PDF")
    assert http.get(f"/api/customers/{person.customer.number}/economy/pdf", headers=stranger.auth).status_code == 403


def test_advance_payment_is_not_offered_by_a_utility_billing_in_arrears(http, seed):
    person = seed()
    path = f"/api/customers/{person.customer.number}/advance-payment"
    resp = http.get(path, headers=person.auth)
    assert resp.status_code == 404
    assert body(resp)["code"] == "advance_not_used"
    change = http.put(path, json={"amount": "100", "desired_from": "2030-01-01"}, headers=person.auth)
    assert change.status_code == 404
    bad = http.put(path, json={"amount": "-1", "desired_from": "2030-01-01"}, headers=person.auth)
    assert bad.status_code == 422
