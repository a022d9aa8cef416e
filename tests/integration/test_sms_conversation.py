"""Readings by SMS end to end: an inbound SMS (SNS event from the inbound SMS
topic) to the real notifications handler, replies through SNS into moto's
outbox, readings in DynamoDB, reminders by the scheduled job."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from heatportal import composition
from heatportal.adapters.dynamo import DynamoRepository
from infra.local.lambdas import invoke
from infra.local.stack import outbox_messages
from tests.integration.conftest import body


@pytest.fixture
def repo(repo_of_its_own: DynamoRepository) -> DynamoRepository:
    """The reminder job reminds every agreement in the table: each test has a table of its own."""
    return repo_of_its_own


def sms_event(phone: str, text: str, message_id: str) -> dict:
    message = {
        "originationNumber": phone,
        "destinationNumber": "+4726166",
        "messageKeyword": "KLEM",
        "messageBody": text,
        "inboundMessageId": message_id,
    }
    return {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {"MessageId": f"sns-{message_id}", "Message": json.dumps(message)},
            }
        ]
    }


class Phone:
    """A customer's mobile phone: sends a text, reads the answer from the outbox."""

    def __init__(self, number: str) -> None:
        self.number = number
        self.sent = 0

    def inbox(self) -> list[str]:
        return [m["text"] for m in reversed(outbox_messages("sms")) if m["to"] == self.number]

    def send(self, text: str) -> tuple[str, str]:
        self.sent += 1
        before = len(self.inbox())
        result = invoke("NotificationsFunction", sms_event(self.number, text, f"{self.number}-{self.sent}"))
        replies = self.inbox()
        assert len(replies) == before + 1, "every message gets exactly one answer"
        return result["outcomes"][0], replies[-1]


def start_agreement(phone: Phone, seeded) -> tuple[str, str]:
    """KLEM START, then KLEM START with the code the customer got at the
    e-mail on record (services.sms_agreements): (outcome, reply) of the second."""
    outcome, _ = phone.send(f"KLEM START {seeded.customer.number} {seeded.meter.number}")
    assert outcome == "start_code_sent"
    newest = next(m for m in outbox_messages() if m["channel"] == "email" and m["to"] == seeded.email)
    code = re.search(r"START (\d{6})", newest["text"])
    assert code, newest["text"]
    return phone.send(f"KLEM START {code.group(1)}")


def readings(http, seeded) -> dict[str, tuple[str, str]]:
    resp = http.get(
        f"/api/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings", headers=seeded.auth
    )
    return {r["read_on"]: (r["value"], r["source"]) for r in body(resp)}


def test_sms_conversation_start_reminder_reply_and_every_error(http, seed):
    seeded = seed()
    phone = Phone(f"+4794{seeded.customer.number[-6:]}")
    today = composition.clock().today().isoformat()  # the utility's time zone decides the date

    # Start the agreement with the customer number and meter number, confirmed
    # with the code sent to the customer's e-mail on record
    outcome, reply = start_agreement(phone, seeded)
    assert outcome == "start_confirmed"
    assert seeded.meter.number in reply and "SMS-avtalen er registrert" in reply

    # The reminder job texts the phone (the meter has no reading for the period yet)
    run = http.post("/_local/jobs/reminders?days_before=31")
    assert run.status_code == 200 and body(run)["sms"] >= 1
    reminder = "Det er tid for måleravlesning av måler"
    assert reminder in phone.inbox()[-1]
    # Never twice for the same period
    assert http.post("/_local/jobs/reminders?days_before=31").status_code == 200
    assert sum(reminder in t for t in phone.inbox()) == 1

    # The reply with the reading is stored and confirmed
    outcome, reply = phone.send("KLEM 19100")
    assert outcome == "reading_confirmed"
    assert "Takk!" in reply and "19100" in reply
    assert readings(http, seeded)[today] == ("19100", "sms")

    # Every malformed or refused reply gets its answer and stores nothing
    cases = [
        ("KLEM nitten tusen", "malformed", "Vi forsto ikke meldingen"),
        ("KLEM START 12", "start_malformed", "KLEM START kundenummer målernummer"),
        ("KLEM M000000 19200", "unknown_meter", "M000000"),
        ("KLEM 19200,55", "rejected", "desimaler"),
        ("KLEM 19150", "rejected", "allerede registrert"),
        (f"KLEM {seeded.meter.number} 919100", "implausible", f"KLEM {seeded.meter.number} 919100 OK"),
    ]
    stored = readings(http, seeded)
    for text, expected, words in cases:
        outcome, reply = phone.send(text)
        assert (outcome, words in reply) == (expected, True), (text, reply)
    assert readings(http, seeded) == stored


def test_an_unknown_sender_and_a_wrong_start_get_clear_answers(http, seed):
    seeded, other = seed(), seed()
    phone = Phone(f"+4795{seeded.customer.number[-6:]}")
    outcome, reply = phone.send("KLEM 12345")
    assert outcome == "unknown_sender" and "KLEM START" in reply
    # Another customer's meter: the same answer as an unknown one (no enumeration)
    outcome, reply = phone.send(f"KLEM START {seeded.customer.number} {other.meter.number}")
    assert outcome == "start_mismatch"
    outcome, same = phone.send(f"KLEM START {seeded.customer.number} M000000")
    assert outcome == "start_mismatch" and same == reply


def test_a_redelivered_sms_is_answered_once(http, seed):
    seeded = seed()
    phone = Phone(f"+4796{seeded.customer.number[-6:]}")
    event = sms_event(phone.number, f"KLEM START {seeded.customer.number} {seeded.meter.number}", "dup-1")
    assert invoke("NotificationsFunction", event)["outcomes"] == ["start_code_sent"]
    assert invoke("NotificationsFunction", event)["outcomes"] == ["duplicate"]
    assert len(phone.inbox()) == 1


def test_a_record_that_is_not_an_sms_is_ignored(stack):
    result = invoke("NotificationsFunction", {"Records": [{"Sns": {"MessageId": "x", "Message": "not json"}}]})
    assert result == {"received": 1, "outcomes": ["ignored"]}


def test_reading_value_is_stored_as_decimal(http, seed):
    seeded = seed()
    phone = Phone(f"+4797{seeded.customer.number[-6:]}")
    start_agreement(phone, seeded)
    outcome, _ = phone.send("KLEM 19001")
    assert outcome == "reading_confirmed"
    assert Decimal(readings(http, seeded)[composition.clock().today().isoformat()][0]) == Decimal(19001)


def test_the_local_stack_takes_an_inbound_sms_by_hand(http, seed):
    seeded = seed()
    phone = f"+4798{seeded.customer.number[-6:]}"
    resp = http.post("/_local/jobs/sms", query_string={"from": phone, "text": "KLEM 1"})
    assert resp.status_code == 200 and body(resp)["outcomes"] == ["unknown_sender"]


def test_an_sms_agreement_started_by_text_is_told_to_the_customer_once(http, seed):
    from heatportal.i18n import translate

    seeded = seed()
    phone = Phone(f"+4795{seeded.customer.number[-6:]}")
    subject = translate("email.profile.sms_agreement.subject", "nb", utility=composition.profile().name)

    def notices() -> list[dict]:
        return [
            m
            for m in outbox_messages()
            if m["channel"] == "email" and m["to"] == seeded.email and m["subject"] == subject
        ]

    assert start_agreement(phone, seeded)[0] == "start_confirmed"
    [notice] = notices()
    assert phone.number in notice["text"] and seeded.meter.number in notice["text"]
    # Starting again for the same meter is no news.
    assert phone.send(f"KLEM START {seeded.customer.number} {seeded.meter.number}")[0] == "start_confirmed"
    assert len(notices()) == 1
