"""SmsAgreementStore, ReminderStore and ReadingLinkStore (they share the
agreements): the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, date, datetime

from heatportal.domain.reminders import ReadingLink, ReminderAgreement
from tests.contract.ports.conftest import Ports

PHONE = "+4791234567"


def sms(meter: str, customer: str = "100001", phone: str = PHONE) -> ReminderAgreement:
    return ReminderAgreement(channel="sms", address=phone, meter_number=meter, customer_number=customer, language="nb")


def email(meter: str, customer: str = "100001", address: str = "kari@example.no") -> ReminderAgreement:
    return ReminderAgreement(
        channel="email", address=address, meter_number=meter, customer_number=customer, language="en"
    )


def test_agreements_are_listed_by_phone_by_customer_and_for_the_reminder_run(ports: Ports) -> None:
    for agreement in (sms("M-2"), sms("M-1"), email("M-1"), sms("X-1", "100002", "+4798765432")):
        ports.agreements.put_agreement(agreement)

    assert ports.agreements.agreements_for_phone(PHONE) == [sms("M-1"), sms("M-2")]
    assert ports.links.agreements_of_customer("100001") == [email("M-1"), sms("M-1"), sms("M-2")]
    assert ports.reminders.reminder_agreements() == [
        email("M-1"),
        sms("M-1"),
        sms("M-2"),
        sms("X-1", "100002", "+4798765432"),
    ]
    assert ports.agreements.agreements_for_phone("+4700000000") == []


def test_an_agreement_is_one_per_address_and_meter_and_goes_when_deleted(ports: Ports) -> None:
    ports.agreements.put_agreement(sms("M-1"))
    ports.agreements.put_agreement(sms("M-1").model_copy(update={"language": "en"}))
    assert ports.agreements.agreements_for_phone(PHONE) == [sms("M-1").model_copy(update={"language": "en"})]
    ports.links.put_agreement(email("M-1"))
    ports.agreements.delete_agreement(sms("M-1"))
    assert ports.agreements.agreements_for_phone(PHONE) == []
    assert ports.links.agreements_of_customer("100001") == [email("M-1")]
    ports.links.delete_agreement(email("M-1"))
    assert ports.reminders.reminder_agreements() == []


def test_a_reminder_is_claimed_once_per_meter_period_and_channel_until_released(ports: Ports) -> None:
    assert ports.reminders.claim_reminder("M-1", "2026-10", "sms")
    assert not ports.reminders.claim_reminder("M-1", "2026-10", "sms")
    assert ports.reminders.claim_reminder("M-1", "2026-10", "email")
    assert ports.reminders.claim_reminder("M-1", "2026-11", "sms")
    ports.reminders.release_reminder("M-1", "2026-10", "sms")
    assert ports.reminders.claim_reminder("M-1", "2026-10", "sms")


def test_an_inbound_sms_is_claimed_once_until_released(ports: Ports) -> None:
    assert ports.agreements.claim_inbound("message-1")
    assert not ports.agreements.claim_inbound("message-1")
    ports.agreements.release_inbound("message-1")
    assert ports.agreements.claim_inbound("message-1")


def test_start_attempts_are_counted_per_phone_and_day(ports: Ports) -> None:
    assert [ports.agreements.count_start_attempt(PHONE, date(2026, 11, 20)) for _ in range(3)] == [1, 2, 3]
    assert ports.agreements.count_start_attempt(PHONE, date(2026, 11, 21)) == 1
    assert ports.agreements.count_start_attempt("+4798765432", date(2026, 11, 20)) == 1


def test_a_reading_link_is_stored_by_token_hash_and_used_once_until_released(ports: Ports) -> None:
    link = ReadingLink("ab" * 32, "100001", "M-1", "nb", "2026-10", datetime(2026, 11, 5, 12, tzinfo=UTC))
    ports.links.put_link(link)
    assert ports.links.get_link(link.token_hash) == link
    assert ports.links.get_link("cd" * 32) is None

    used_at = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert ports.links.claim_link(link.token_hash, used_at)
    assert not ports.links.claim_link(link.token_hash, used_at)
    stored = ports.links.get_link(link.token_hash)
    assert stored is not None and stored.used_at == used_at
    ports.links.release_link(link.token_hash)
    assert ports.links.get_link(link.token_hash) == link
    assert not ports.links.claim_link("cd" * 32, used_at)


def test_attempts_are_counted_per_scope_key_and_window(ports: Ports) -> None:
    assert [ports.links.count("link", "1.2.3.4", "2026-11-20T10") for _ in range(2)] == [1, 2]
    assert ports.links.count("link", "1.2.3.4", "2026-11-20T11") == 1
    assert ports.links.count("other", "1.2.3.4", "2026-11-20T10") == 1
