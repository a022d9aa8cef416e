"""The confirmation email after a reading is stored (seed 003: "Anschließend
erhalten Sie eine Bestätigungsmail"): once per stored reading, through the API
and the portal; a failed email never loses the reading."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from heatportal import composition
from heatportal.i18n import format_date, format_quantity
from infra.local.stack import outbox_messages
from tests.dates import local_today
from tests.integration.conftest import body
from tests.integration.test_readings_portal import csrf_of, signed_in_browser


def confirmations_to(address: str, meter: str) -> list[dict[str, Any]]:
    return [m for m in outbox_messages("email") if m["to"] == address and meter in m["subject"]]


def readings_url(seeded) -> str:
    return f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"


def test_a_submission_and_its_retry_send_exactly_one_confirmation(http, seed):
    seeded = seed()
    today = local_today()
    payload = {"value": "19123", "read_on": today.isoformat()}

    first = http.post(readings_url(seeded), json=payload, headers=seeded.auth)
    retry = http.post(readings_url(seeded), json=payload, headers=seeded.auth)

    assert (first.status_code, retry.status_code) == (201, 201)
    mails = confirmations_to(seeded.email, seeded.meter.number)
    assert len(mails) == 1
    # Norwegian customer: Norwegian text, the value and date as submitted.
    assert format_quantity(Decimal("19123"), "kWh", "nb") in mails[0]["text"]
    assert format_date(today, "nb") in mails[0]["text"]
    assert seeded.meter.number in mails[0]["html"]


def test_a_rejected_reading_sends_no_confirmation(http, seed):
    seeded = seed()
    resp = http.post(readings_url(seeded), json={"value": "18000"}, headers=seeded.auth)
    assert resp.status_code == 422
    assert body(resp)["code"] == "reading_below_previous"
    assert confirmations_to(seeded.email, seeded.meter.number) == []


class BrokenMailer:
    def __init__(self) -> None:
        self.attempts = 0

    def send(self, *args: Any, **kwargs: Any) -> str:
        self.attempts += 1
        raise ConnectionError("SES is unreachable")


def test_a_failed_email_keeps_the_reading_and_the_retry_sends_it(http, seed, monkeypatch: pytest.MonkeyPatch):
    seeded = seed()
    payload = {"value": "19200", "read_on": local_today().isoformat()}
    confirmations = composition.reading_confirmations()
    broken = BrokenMailer()
    with monkeypatch.context() as patch:
        patch.setattr(confirmations, "mailer", broken)
        first = http.post(readings_url(seeded), json=payload, headers=seeded.auth)

    assert first.status_code == 201, first.text
    assert broken.attempts == 1
    stored = body(http.get(readings_url(seeded), headers=seeded.auth))
    assert [r["value"] for r in stored if r["read_on"] == payload["read_on"]] == ["19200"]
    assert confirmations_to(seeded.email, seeded.meter.number) == []

    # The person retries (no confirmation arrived): stored once, confirmed now.
    retry = http.post(readings_url(seeded), json=payload, headers=seeded.auth)
    assert retry.status_code == 201
    assert len(confirmations_to(seeded.email, seeded.meter.number)) == 1


def test_a_reading_through_the_portal_is_confirmed_once(stack, http, seed):
    seeded = seed()
    browser = signed_in_browser(stack, seeded.email)
    page = browser.get(f"/meters/{seeded.meter.number}")
    assert page.status_code == 200
    form = {"csrf": csrf_of(page.get_data(as_text=True)), "value": "19150", "read_on": local_today().isoformat()}

    first = browser.post(f"/meters/{seeded.meter.number}/readings", data=form)
    again = browser.post(f"/meters/{seeded.meter.number}/readings", data=form)

    assert (first.status_code, again.status_code) == (303, 303)
    assert len(confirmations_to(seeded.email, seeded.meter.number)) == 1
