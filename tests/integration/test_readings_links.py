"""Reminder agreements from the profile, email reminders with a reading link,
and reading by that link without login, over the local API gateway."""

from __future__ import annotations

import re

import pytest

from heatportal import composition
from heatportal.adapters.dynamo import DynamoRepository
from heatportal.domain.model import Role
from heatportal.services.reading_links import SUBMITS_PER_TOKEN_PER_HOUR
from infra.local.stack import outbox_messages
from tests.integration.conftest import body


@pytest.fixture
def repo(repo_of_its_own: DynamoRepository) -> DynamoRepository:
    """The reminder job reminds every agreement in the table: each test has a table of its own."""
    return repo_of_its_own


def agreement_url(seeded) -> str:
    return f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/reminders"


def link_token_for(http, seeded) -> str:
    resp = http.post(agreement_url(seeded), json={"channel": "email"}, headers=seeded.auth)
    assert resp.status_code == 201, resp.text
    assert body(resp) == {"channel": "email", "address": seeded.email, "meter": seeded.meter.number}
    assert http.post("/_local/jobs/reminders?days_before=31").status_code == 200
    mails = [m for m in outbox_messages("email") if m["to"] == seeded.email]
    assert mails, "the reminder email was sent"
    match = re.search(r"/r/([A-Za-z0-9_-]{20,100})", mails[0]["text"])
    assert match, mails[0]["text"]
    return match.group(1)


def readings(http, seeded) -> dict[str, str]:
    resp = http.get(
        f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings", headers=seeded.auth
    )
    return {r["read_on"]: r["source"] for r in body(resp)}


def test_reading_by_emailed_link_without_login(http, seed):
    seeded = seed()
    token = link_token_for(http, seeded)
    today = composition.clock().today().isoformat()

    form = http.get(f"/api/reading-links/{token}")
    assert form.status_code == 200
    assert body(form)["meter"] == seeded.meter.number and body(form)["last_reading"]["value"] == "19000"

    # A refused value stores nothing and leaves the link usable for the correction
    refused = http.post(f"/api/reading-links/{token}", json={"value": "18000"}, headers={"Accept-Language": "nb"})
    assert refused.status_code == 422 and body(refused)["code"] == "reading_below_previous"
    assert today not in readings(http, seeded)

    accepted = http.post(f"/api/reading-links/{token}", json={"value": "19050"})
    assert accepted.status_code == 201, accepted.text
    assert readings(http, seeded)[today] == "link"

    # Once per reading period
    again = http.post(f"/api/reading-links/{token}", json={"value": "19060"})
    assert again.status_code == 404 and body(again)["code"] == "reading_link_used"
    assert http.get(f"/api/reading-links/{token}").status_code == 404


def test_an_unknown_link_is_refused(http, stack):
    resp = http.get("/api/reading-links/" + "A" * 43, headers={"Accept-Language": "de"})
    assert resp.status_code == 404
    assert body(resp)["code"] == "reading_link_invalid" and "nicht (mehr) gültig" in body(resp)["message"]
    assert http.post("/api/reading-links/short", json={"value": "1"}).status_code == 422


def test_submissions_on_a_link_are_rate_limited(http, seed):
    seeded = seed()
    token = link_token_for(http, seeded)
    for _ in range(SUBMITS_PER_TOKEN_PER_HOUR):
        assert http.post(f"/api/reading-links/{token}", json={"value": "1"}).status_code == 422
    limited = http.post(f"/api/reading-links/{token}", json={"value": "19050"})
    assert limited.status_code == 429 and body(limited)["code"] == "rate_limited"
    assert "Retry-After" in limited.headers


def test_setting_up_a_reminder_is_checked(http, seed):
    seeded = seed()
    bad = http.post(agreement_url(seeded), json={"channel": "sms", "address": "12"}, headers=seeded.auth)
    assert bad.status_code == 422 and body(bad)["code"] == "reminder_phone_invalid"
    odd = http.post(agreement_url(seeded), json={"channel": "fax"}, headers=seeded.auth)
    assert odd.status_code == 422 and body(odd)["code"] == "validation_failed"
    ok = http.post(agreement_url(seeded), json={"channel": "sms", "address": "912 34 567"}, headers=seeded.auth)
    assert ok.status_code == 201 and body(ok)["address"] == "+4791234567"
    reader = seed(role=Role.READ)
    refused = http.post(agreement_url(reader), json={"channel": "email"}, headers=reader.auth)
    assert refused.status_code == 403
