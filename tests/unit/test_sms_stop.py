"""SMS STOP (the SMS agreement): ``KLEM STOP`` ends the phone's SMS
agreements, ``KLEM STOP <meter>`` one of them, the carriers' plain ``STOP``
all of them; a reply confirms it and reminders no longer go to the phone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from heatportal.domain.sms import Malformed, StopAgreement, SubmitReading, parse_sms
from tests.unit.test_sms import PHONE, World


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("KLEM STOP", StopAgreement(None)),
        ("klem stop", StopAgreement(None)),
        ("KLEM STOP M-1", StopAgreement("M-1")),
        ("KLEM STOPP M-1", StopAgreement("M-1")),
        ("STOP", StopAgreement(None)),
        (" stopp ", StopAgreement(None)),
        ("KLEM STOP M-1 M-2", Malformed(start=False, stop=True)),
        ("KLEM STOP M-1!", Malformed(start=False, stop=True)),
        ("STOP M-1", Malformed(start=False)),  # only the keyword form names a meter
        ("KLEM 12345", SubmitReading(None, Decimal(12345), False)),
    ],
)
def test_stop_messages_are_parsed(text: str, command: object) -> None:
    assert parse_sms(text, "KLEM") == command


@pytest.fixture
def two_meters() -> World:
    world = World()
    world.start("100001", "M-1")
    world.start("100001", "M-2")
    return world


def test_keyword_stop_with_a_meter_ends_that_meters_agreement_only(two_meters: World) -> None:
    assert two_meters.text("KLEM STOP M-1") == "stop_confirmed_some"
    reply = two_meters.sms.sent[-1][1]
    assert "M-1" in reply and "KLEM STOP" in reply
    assert [a.meter_number for a in two_meters.store.agreements_for_phone(PHONE)] == ["M-2"]
    # The reminder job reminds only the meter still agreed
    two_meters.clock.set_today(date(2024, 3, 29))
    assert two_meters.reminders.run(days_before=3).sent == [("sms", PHONE, "M-2")]


def test_plain_stop_ends_every_agreement_and_no_reminder_is_sent(two_meters: World) -> None:
    assert two_meters.text("STOP") == "stop_confirmed"
    assert "M-1, M-2" in two_meters.sms.sent[-1][1]
    assert two_meters.store.agreements_for_phone(PHONE) == []
    sent_before = len(two_meters.sms.sent)
    two_meters.clock.set_today(date(2024, 3, 29))
    assert two_meters.reminders.run(days_before=3).sent == []
    assert len(two_meters.sms.sent) == sent_before
    # And a reading by SMS is no longer taken
    assert two_meters.text("KLEM M-1 3500") == "unknown_sender"


def test_stop_for_a_meter_the_phone_has_no_agreement_for_changes_nothing(two_meters: World) -> None:
    assert two_meters.text("KLEM STOP X-9") == "unknown_meter"
    assert len(two_meters.store.agreements_for_phone(PHONE)) == 2


def test_stop_from_a_phone_without_agreement_says_so(two_meters: World) -> None:
    assert two_meters.text("KLEM STOP", phone="92345678") == "stop_none"
    assert "KLEM START" in two_meters.sms.sent[-1][1]


def test_a_malformed_stop_is_answered_with_the_stop_forms(two_meters: World) -> None:
    assert two_meters.text("KLEM STOP M-1 M-2") == "stop_malformed"
    assert "KLEM STOP" in two_meters.sms.sent[-1][1]
    assert len(two_meters.store.agreements_for_phone(PHONE)) == 2


def test_every_sms_reminder_says_how_to_stop(two_meters: World) -> None:
    two_meters.clock.set_today(date(2024, 3, 29))
    two_meters.reminders.run(days_before=3)
    assert "Svar KLEM STOP" in two_meters.sms.sent[-1][1]
