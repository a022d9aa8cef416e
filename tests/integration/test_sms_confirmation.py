"""An SMS phone becomes a reading channel only after the customer confirms it:
``KLEM START <customer> <meter>`` (both numbers are printed on invoices and
meters) sends a code to the e-mail or phone on record, and only ``KLEM START
<code>`` from the same phone sets the agreement up. Until then the phone can
store nothing, not even an unusual value confirmed with OK. An agreement set
up in the portal by the customer needs no code. A wrong reading that came by
SMS is replaced by the customer (full role) in the portal or the API."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.test import Client

from heatportal import composition
from heatportal.adapters.dynamo import customer_item, membership_item
from heatportal.domain.model import Membership, Role
from infra.local.stack import outbox_messages
from tests.integration.conftest import PASSWORD, body, create_user
from tests.integration.test_auth_portal import csrf_of
from tests.integration.test_sms_conversation import Phone, readings


def code_mailed_to(email: str) -> str:
    mails = [m for m in outbox_messages() if m["channel"] == "email" and m["to"] == email]
    assert mails, f"no mail to {email}"
    match = re.search(r"START (\d{6})", mails[0]["text"])
    assert match, mails[0]["text"]
    return match.group(1)


def today() -> str:
    return composition.clock().today().isoformat()


def test_a_start_from_a_strangers_phone_stores_nothing_until_the_customer_confirms(http, seed):
    seeded = seed()
    stranger = Phone(f"+4793{seeded.customer.number[-6:]}")
    stored = readings(http, seeded)

    outcome, reply = stranger.send(f"KLEM START {seeded.customer.number} {seeded.meter.number}")
    assert outcome == "start_code_sent"
    assert not re.search(r"\d{6}", reply.replace(seeded.meter.number, ""))  # the code is not in the reply
    code_mailed_to(seeded.email)  # it went to the e-mail on record

    for text in (f"KLEM {seeded.meter.number} 919100 OK", "KLEM 919100 OK", "KLEM 19100"):
        outcome, _ = stranger.send(text)
        assert outcome == "unknown_sender", text
    assert readings(http, seeded) == stored


def test_the_code_from_the_email_on_record_sets_the_agreement_up(http, seed):
    seeded = seed()
    phone = Phone(f"+4792{seeded.customer.number[-6:]}")
    phone.send(f"KLEM START {seeded.customer.number} {seeded.meter.number}")
    outcome, reply = phone.send(f"KLEM START {code_mailed_to(seeded.email)}")
    assert outcome == "start_confirmed" and seeded.meter.number in reply
    assert phone.send("KLEM 19100")[0] == "reading_confirmed"
    assert readings(http, seeded)[today()] == ("19100", "sms")


def test_wrong_codes_use_up_the_attempts(http, seed):
    seeded = seed()
    phone = Phone(f"+4791{seeded.customer.number[-5:]}9")
    phone.send(f"KLEM START {seeded.customer.number} {seeded.meter.number}")
    code = code_mailed_to(seeded.email)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert phone.send(f"KLEM START {wrong}")[0] == "start_code_invalid"
    assert phone.send(f"KLEM START {code}")[0] == "start_code_invalid"
    assert phone.send("KLEM 19100")[0] == "unknown_sender"


def test_the_phone_on_record_gets_the_code_in_the_reply(http, seed, repo):
    seeded = seed()
    on_record = f"+4790{seeded.customer.number[-6:]}"
    repo.table.put(customer_item(seeded.customer.model_copy(update={"phone": on_record})))
    phone = Phone(on_record)
    outcome, reply = phone.send(f"KLEM START {seeded.customer.number} {seeded.meter.number}")
    assert outcome == "start_code_here"
    found = re.search(r"START (\d{6})", reply)
    assert found, reply
    code = found.group(1)
    assert phone.send(f"KLEM START {code}")[0] == "start_confirmed"


def test_a_customer_without_contact_data_sets_it_up_in_the_portal(http, seed, repo):
    seeded = seed()
    repo.table.put(customer_item(seeded.customer.model_copy(update={"email": None, "phone": None})))
    phone = Phone(f"+4794{seeded.customer.number[-5:]}8")
    outcome, _ = phone.send(f"KLEM START {seeded.customer.number} {seeded.meter.number}")
    assert outcome == "start_no_contact"
    set_up = http.post(
        f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/reminders",
        json={"channel": "sms", "address": phone.number},
        headers=seeded.auth,
    )
    assert set_up.status_code == 201, set_up.text
    assert phone.send("KLEM 19100")[0] == "reading_confirmed"  # set up by the customer: no code


def test_codes_per_customer_are_limited_so_strangers_cannot_flood_its_inbox(http, seed):
    seeded = seed()
    outcomes = [
        Phone(f"+479{i}{seeded.customer.number[-6:]}").send(
            f"KLEM START {seeded.customer.number} {seeded.meter.number}"
        )[0]
        for i in range(1, 6)
    ]
    assert outcomes[:3] == ["start_code_sent"] * 3
    assert outcomes[3:] == ["start_too_many"] * 2
    assert len([m for m in outbox_messages() if m["channel"] == "email" and m["to"] == seeded.email]) == 3


def _sms_reading(http: Client, seeded: Any, value: str) -> str:
    phone = Phone(f"+4799{seeded.customer.number[-6:]}")
    phone.send(f"KLEM START {seeded.customer.number} {seeded.meter.number}")
    phone.send(f"KLEM START {code_mailed_to(seeded.email)}")
    outcome, _ = phone.send(f"KLEM {value}")
    assert outcome == "reading_confirmed"
    return today()


def test_the_customer_replaces_a_wrong_reading_that_came_by_sms(http, seed, repo, stack):
    seeded = seed(role=Role.FULL)
    day = _sms_reading(http, seeded, "19100")
    url = f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings/{day}"
    replaced = http.put(url, json={"value": "19050", "reason": "Skrev feil på SMS"}, headers=seeded.auth)
    assert replaced.status_code == 200, replaced.text
    assert readings(http, seeded)[day] == ("19050", "portal")
    entry = body(replaced)
    assert [c["previous_source"] for c in entry["corrections"]] == ["sms"]

    # A reading read in the portal stays customer service's to correct.
    first = min(readings(http, seeded))
    url_first = f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings/{first}"
    refused = http.put(url_first, json={"value": "11600", "reason": "x"}, headers=seeded.auth)
    assert (refused.status_code, body(refused)["code"]) == (403, "correction_staff_only")

    # A reader may not replace anything.
    email = f"leser-{seeded.customer.number}@example.com"
    reader_id = create_user(stack, email)
    repo.table.put(
        membership_item(
            Membership(user_id=reader_id, customer_number=seeded.customer.number, role=Role.READ, email=email)
        )
    )
    token = body(http.post("/api/auth/login", json={"username": email, "password": PASSWORD}))["id_token"]
    reader = http.put(url, json={"value": "19060", "reason": "x"}, headers={"Authorization": f"Bearer {token}"})
    assert reader.status_code == 403


def test_the_portal_offers_the_replacement_for_an_sms_reading(http, seed, stack):
    seeded = seed(role=Role.FULL)
    day = _sms_reading(http, seeded, "19100")
    browser = Client(stack.http_server.app)
    page = browser.get("/login").get_data(as_text=True)
    csrf = csrf_of(page)
    browser.post("/login", data={"csrf": csrf, "username": seeded.email, "password": PASSWORD, "next": "/"})
    html = browser.get(f"/meters/{seeded.meter.number}").get_data(as_text=True)
    action = f"/meters/{seeded.meter.number}/readings/{day}/replace"
    assert f'action="{action}"' in html
    csrf = csrf_of(html)
    resp = browser.post(action, data={"csrf": csrf, "value": "19050", "reason": "Skrev feil"})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:400]
    assert readings(http, seeded)[day] == ("19050", "portal")
