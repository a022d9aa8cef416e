"""SMS STOP end to end (the SMS agreement), in the style of the SMS
conversation test: inbound SMS through the real notifications handler,
answers from moto's outbox, reminders by the scheduled job."""

from __future__ import annotations

import pytest

from heatportal.adapters.dynamo import DynamoRepository
from tests.integration.test_sms_conversation import Phone, start_agreement


@pytest.fixture
def repo(repo_of_its_own: DynamoRepository) -> DynamoRepository:
    """The reminder job reminds every agreement in the table: each test has a table of its own."""
    return repo_of_its_own


def reminders_to(phone: Phone, meter: str) -> int:
    return sum("Det er tid for måleravlesning" in t and meter in t for t in phone.inbox())


def test_stop_one_meter_then_plain_stop_and_no_sms_reminder_follows(http, seed):
    # Given one phone with SMS agreements for three meters (three customers, e.g. a landlord)
    first, second, third = seed(), seed(), seed()
    phone = Phone(f"+4793{first.customer.number[-6:]}")
    for seeded in (first, second, third):
        outcome, _ = start_agreement(phone, seeded)
        assert outcome == "start_confirmed"

    # When the phone ends the first meter's agreement
    outcome, reply = phone.send(f"KLEM STOP {first.meter.number}")
    assert outcome == "stop_confirmed_some"
    assert first.meter.number in reply and "er avsluttet" in reply and "KLEM STOP" in reply

    # Then the reminder job reminds the others, not the first, and says how to stop
    assert http.post("/_local/jobs/reminders?days_before=31").status_code == 200
    assert reminders_to(phone, first.meter.number) == 0
    assert reminders_to(phone, second.meter.number) == 1
    assert "Svar KLEM STOP for å avslutte SMS-avtalen." in phone.inbox()[-1]

    # When the carriers' plain STOP is sent
    outcome, reply = phone.send("STOP")
    assert outcome == "stop_confirmed"
    assert second.meter.number in reply and third.meter.number in reply

    # Then no reminder goes to the phone any more, for any meter
    before = len(phone.inbox())
    run = http.post("/_local/jobs/reminders?days_before=31")
    assert run.status_code == 200
    assert len(phone.inbox()) == before
    # And readings by SMS are no longer taken from it
    outcome, reply = phone.send("KLEM 19100")
    assert outcome == "unknown_sender" and "KLEM START" in reply


def test_stop_answers_for_every_case(http, seed):
    seeded = seed()
    phone = Phone(f"+4792{seeded.customer.number[-6:]}")
    # No agreement yet: said so, with how to start one
    outcome, reply = phone.send("KLEM STOP")
    assert (outcome, "ingen SMS-avtale" in reply) == ("stop_none", True)
    start_agreement(phone, seeded)
    # A meter the phone has no agreement for: nothing ended
    outcome, reply = phone.send("KLEM STOP M000000")
    assert (outcome, "M000000" in reply) == ("unknown_meter", True)
    # Not understood: the STOP forms
    outcome, reply = phone.send("KLEM STOP alle målere")
    assert (outcome, "KLEM STOP målernummer" in reply) == ("stop_malformed", True)
    # The agreement still stands: a reading by SMS is taken
    outcome, _ = phone.send("KLEM 19100")
    assert outcome == "reading_confirmed"
    # And KLEM STOP (any letter case) ends it
    outcome, _ = phone.send("klem stop")
    assert outcome == "stop_confirmed"
