"""Readings by SMS (heatportal.domain.sms, services.sms) and reading
reminders (services.reminders), against in-memory fakes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from heatportal.composition import texts
from heatportal.domain.phone import normalise_phone
from heatportal.domain.reminders import ReminderAgreement
from heatportal.domain.sms import ConfirmStart, Malformed, StartAgreement, SubmitReading, parse_sms
from heatportal.services.readings import ReadingService
from heatportal.services.reminders import ReminderService, next_cutoff
from heatportal.services.sms import SmsReadingService
from heatportal.services.sms_agreements import START_ATTEMPTS_PER_DAY, SmsAgreementStarts
from tests.builders import a_customer, a_meter, a_reading
from tests.fakes.clock import FixedClock
from tests.fakes.customers import InMemoryCustomerRepository
from tests.fakes.messaging import InMemoryMailer, InMemorySmsSender
from tests.fakes.readings import InMemoryReadingRepository
from tests.fakes.reminders import InMemoryReminderStore
from tests.fakes.sms_starts import InMemoryPendingStartStore

PHONE = "+4791234567"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("KLEM START 100001 M-1", StartAgreement("100001", "M-1")),
        ("klem start 100001 M-1", StartAgreement("100001", "M-1")),
        ("  Klem   12345 ", SubmitReading(None, Decimal(12345), False)),
        ("KLEM 12345,6", SubmitReading(None, Decimal("12345.6"), False)),
        ("KLEM M-2 12345", SubmitReading("M-2", Decimal(12345), False)),
        ("KLEM M-2 12345 ok", SubmitReading("M-2", Decimal(12345), True)),
        ("KLEM START 100001", ConfirmStart("100001")),  # six digits: the code (or a number without its meter)
        ("KLEM START 12", Malformed(start=True)),
        ("KLEM", Malformed(start=False)),
        ("KLEM twelve", Malformed(start=False)),
        ("KLEM 12.345.6", Malformed(start=False)),
        ("KLEM -5", Malformed(start=False)),
        ("HEI 12345", Malformed(start=False)),
        ("", Malformed(start=False)),
    ],
)
def test_the_keyword_grammar(text: str, command: object) -> None:
    assert parse_sms(text, "KLEM") == command


def test_phone_numbers_are_normalised_in_the_utilitys_country() -> None:
    assert normalise_phone("912 34 567", "NO") == PHONE
    assert normalise_phone("004791234567", "NO") == PHONE
    assert normalise_phone("+46 70 123 45 67", "NO") == "+46701234567"
    assert normalise_phone("12", "NO") is None
    assert normalise_phone("not a number", "NO") is None


class World:
    def __init__(self, today: date = date(2024, 3, 15)) -> None:
        self.clock = FixedClock(today)
        self.customers = InMemoryCustomerRepository()
        self.customers.add_customer(a_customer("100001"))
        self.customers.add_customer(a_customer("100002", language="en"))
        self.meter = self.customers.add_meter(a_meter("M-1", "100001", installed_on=date(2023, 1, 1)))
        self.customers.add_meter(a_meter("M-2", "100001", installed_on=date(2023, 1, 1)))
        self.customers.add_meter(a_meter("X-9", "100002", installed_on=date(2023, 1, 1)))
        self.readings = InMemoryReadingRepository()
        for meter in ("M-1", "M-2"):
            for month, value in ((1, "1000"), (2, "2000"), (3, "3000")):
                r = a_reading(meter, date(2024, month, 1), value)
                self.readings.readings[(meter, r.read_on)] = r
        self.reading_service = ReadingService(self.readings, self.clock)
        self.store = InMemoryReminderStore()
        self.sms = InMemorySmsSender()
        self.mailer = InMemoryMailer()
        self.pending = InMemoryPendingStartStore()
        # (customer number, phone, meter, code) of each code mailed to the e-mail on record
        self.codes: list[tuple[str, str, str, str]] = []
        self.starts = SmsAgreementStarts(
            self.customers,
            self.store,
            self.pending,
            self.clock,
            self.sms,
            texts,
            keyword="KLEM",
            country="NO",
            mail_code=lambda customer, phone, meter, code: self.codes.append((customer.number, phone, meter, code)),
        )
        self.service = SmsReadingService(
            self.customers,
            self.reading_service,
            self.store,
            self.sms,
            texts,
            keyword="KLEM",
            country="NO",
            default_language="nb",
            starts=self.starts,
        )
        self.reminders = ReminderService(
            self.customers,
            self.readings,
            self.store,
            self.sms,
            self.mailer,
            self.clock,
            texts,
            keyword="KLEM",
            portal_url="https://min.example.no/",
        )

    def text(self, body: str, phone: str = "91234567", message_id: str | None = None) -> str:
        outcome = self.service.handle(phone, body, message_id)
        assert outcome.reply is not None
        assert self.sms.sent[-1] == (outcome.phone, outcome.reply)
        return outcome.outcome

    def start(self, customer: str, meter: str, phone: str = "91234567") -> str:
        """KLEM START, then the code the customer got by e-mail, from the same phone."""
        assert self.text(f"KLEM START {customer} {meter}", phone=phone) == "start_code_sent"
        code = self.codes[-1][3]
        return self.text(f"KLEM START {code}", phone=phone)


@pytest.fixture
def world() -> World:
    return World()


def test_a_whole_sms_conversation(world: World) -> None:
    # Start an agreement by SMS, confirmed with the code sent to the e-mail on record
    assert world.start("100001", "M-1") == "start_confirmed"
    assert "M-1" in world.sms.sent[-1][1] and "KLEM" in world.sms.sent[-1][1]
    # The reminder comes before the cut-off on April 1st
    world.clock.set_today(date(2024, 3, 29))
    run = world.reminders.run(days_before=3)
    assert run.sent == [("sms", PHONE, "M-1")]
    assert world.sms.sent[-1][0] == PHONE and "måleravlesning" in world.sms.sent[-1][1]
    # The reply with the reading is stored as an SMS reading and confirmed
    assert world.text("klem 3800") == "reading_confirmed"
    stored = world.readings.readings[("M-1", date(2024, 3, 29))]
    assert (stored.value, stored.source.value, stored.estimated) == (Decimal(3800), "sms", False)
    assert "Takk" in world.sms.sent[-1][1] and "800" in world.sms.sent[-1][1]
    # No second reminder for the period, even when the job runs again
    assert world.reminders.run(days_before=3).sent == []


@pytest.mark.parametrize(
    ("body", "outcome", "words"),
    [
        ("KLEM tolv tusen", "malformed", "KLEM 12345"),
        ("Hei, her er målerstanden", "malformed", "KLEM"),
        ("KLEM START 100001", "start_malformed", "KLEM START"),
        ("KLEM START 100002 M-1", "start_mismatch", "hører ikke sammen"),
        ("KLEM START 100001 M-404", "start_mismatch", "hører ikke sammen"),
        ("KLEM M-2 3100", "unknown_meter", "M-2"),
        ("KLEM 99999", "implausible", "KLEM M-1 99999 OK"),
        ("KLEM 2500", "rejected", "lavere enn forrige"),
        ("KLEM 3100,5", "rejected", "desimaler"),
    ],
)
def test_each_malformed_or_refused_message_gets_its_answer_and_stores_nothing(
    world: World, body: str, outcome: str, words: str
) -> None:
    world.start("100001", "M-1")
    before = dict(world.readings.readings)
    assert world.text(body) == outcome
    assert words in world.sms.sent[-1][1]
    assert world.readings.readings == before
    if outcome == "start_mismatch":
        assert world.store.agreements_for_phone(PHONE) == [world.store.agreements[(PHONE, "M-1")]]


def test_an_unknown_sender_is_told_how_to_start(world: World) -> None:
    assert world.text("KLEM 3100") == "unknown_sender"
    assert "KLEM START" in world.sms.sent[-1][1]


def test_an_implausible_value_is_stored_when_sent_again_with_ok(world: World) -> None:
    world.start("100001", "M-1")
    assert world.text("KLEM 99999") == "implausible"
    assert world.text("KLEM M-1 99999 OK") == "reading_confirmed"
    assert world.readings.readings[("M-1", date(2024, 3, 15))].value == Decimal(99999)


def test_two_meters_on_one_phone_need_the_meter_number(world: World) -> None:
    world.start("100001", "M-1")
    world.start("100001", "M-2")
    assert world.text("KLEM 3100") == "which_meter"
    assert "M-1, M-2" in world.sms.sent[-1][1]
    assert world.text("KLEM M-2 3100") == "reading_confirmed"
    assert ("M-2", date(2024, 3, 15)) in world.readings.readings
    assert ("M-1", date(2024, 3, 15)) not in world.readings.readings


def test_the_reply_is_in_the_customers_language(world: World) -> None:
    world.start("100002", "X-9", phone="+447911123456")
    assert "agreement for meter X-9 is set up" in world.sms.sent[-1][1]


def test_a_message_delivered_twice_is_answered_once(world: World) -> None:
    world.text("KLEM START 100001 M-1", message_id="in-1")
    sent = len(world.sms.sent)
    assert world.service.handle("91234567", "KLEM START 100001 M-1", "in-1").outcome == "duplicate"
    assert len(world.sms.sent) == sent


def test_guessing_customer_and_meter_numbers_is_limited_per_phone(world: World) -> None:
    for attempt in range(START_ATTEMPTS_PER_DAY):
        assert world.text(f"KLEM START 10000{attempt} M-9") == "start_mismatch"
    assert world.text("KLEM START 100001 M-1") == "start_too_many"
    assert world.store.agreements_for_phone(PHONE) == []


def test_a_sender_without_a_valid_number_gets_no_answer(world: World) -> None:
    assert world.service.handle("abc", "KLEM 1").outcome == "invalid_sender"
    assert world.sms.sent == []


# --- reminders ---------------------------------------------------------------------------


def test_the_cutoff_is_the_next_first_of_a_month() -> None:
    assert next_cutoff(date(2024, 3, 29)) == date(2024, 4, 1)
    assert next_cutoff(date(2024, 12, 30)) == date(2025, 1, 1)
    assert next_cutoff(date(2024, 4, 1)) == date(2024, 4, 1)


def test_reminders_go_by_the_channel_chosen_only_to_meters_without_a_reading(world: World) -> None:
    world.store.put_agreement(
        ReminderAgreement(channel="sms", address=PHONE, meter_number="M-1", customer_number="100001", language="nb")
    )
    world.store.put_agreement(
        ReminderAgreement(
            channel="email", address="kari@example.no", meter_number="M-2", customer_number="100001", language="en"
        )
    )
    world.clock.set_today(date(2024, 3, 20))
    assert world.reminders.run(days_before=3).period is None  # too early
    world.clock.set_today(date(2024, 3, 29))
    world.readings.readings[("M-1", date(2024, 3, 27))] = a_reading("M-1", date(2024, 3, 27), "3700")
    run = world.reminders.run(days_before=3)
    assert run.period == "2024-03" and run.cutoff == date(2024, 4, 1)
    assert run.sent == [("email", "kari@example.no", "M-2")]
    assert run.already_read == 1
    mail = world.mailer.sent[-1]
    assert mail.recipient == "kari@example.no" and "https://min.example.no/meters/M-2" in mail.text
    assert "meter M-2" in mail.subject


def test_a_failed_send_is_retried_by_the_next_run(world: World) -> None:
    world.store.put_agreement(
        ReminderAgreement(
            channel="email", address="kari@example.no", meter_number="M-2", customer_number="100001", language="nb"
        )
    )
    world.clock.set_today(date(2024, 3, 31))
    world.mailer.fail_next.append(RuntimeError("SES unavailable"))
    assert world.reminders.run().failed == 1
    assert len(world.reminders.run().sent) == 1
    assert world.reminders.run().already_sent == 1
