"""SignOutStore (services.sessions) and PendingStartStore
(services.sms_agreements): the fake and the adapter agree."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from heatportal.services.sms_agreements import PendingStart
from tests.contract.ports.conftest import Ports

PHONE = "+4791234567"


def pending(code_hash: str = "scrypt$aa$bb", meter: str = "M-1") -> PendingStart:
    return PendingStart(
        phone=PHONE,
        customer_number="100001",
        meter_number=meter,
        code_hash=code_hash,
        expires_at=datetime(2026, 5, 1, 12, 30, tzinfo=UTC),
    )


def test_the_latest_sign_out_of_a_person_is_kept(ports: Ports) -> None:
    assert ports.sign_outs.signed_out_at_ms("user-1") is None
    ports.sign_outs.record("user-1", 1_000_500)
    ports.sign_outs.record("user-1", 2_000_250)
    assert ports.sign_outs.signed_out_at_ms("user-1") == 2_000_250
    assert ports.sign_outs.signed_out_at_ms("user-2") is None


def test_a_phone_has_one_pending_start_with_its_wrong_codes_counted(ports: Ports) -> None:
    starts = ports.sms_starts
    assert starts.get_pending_start(PHONE) is None
    starts.put_pending_start(pending())
    starts.count_start_code_attempt(PHONE)
    starts.count_start_code_attempt(PHONE)
    assert starts.get_pending_start(PHONE) == replace(pending(), attempts=2)
    starts.put_pending_start(pending("scrypt$cc$dd", "M-2"))  # a new START replaces the old one
    assert starts.get_pending_start(PHONE) == pending("scrypt$cc$dd", "M-2")
    starts.delete_pending_start(PHONE)
    assert starts.get_pending_start(PHONE) is None
    starts.count_start_code_attempt(PHONE)  # gone: nothing to count, no error
    assert starts.get_pending_start(PHONE) is None


def test_codes_sent_are_counted_per_customer_and_day(ports: Ports) -> None:
    day = date(2026, 5, 1)
    assert [ports.sms_starts.count_start_codes("100001", day) for _ in range(3)] == [1, 2, 3]
    assert ports.sms_starts.count_start_codes("100001", date(2026, 5, 2)) == 1
    assert ports.sms_starts.count_start_codes("100002", day) == 1
