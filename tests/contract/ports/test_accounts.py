"""AccountStore, RateLimitStore and ProfileStore: the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from heatportal.domain.accounts import AuditEntry, BankAccount, Challenge, ContactRequest
from heatportal.domain.errors import ValidationFailed
from heatportal.domain.model import Address, Role
from tests.builders import a_customer, a_membership
from tests.contract.ports.conftest import Ports

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def invitation(challenge_id: str, customer: str = "100001") -> Challenge:
    return Challenge(
        id=challenge_id,
        purpose="invite",
        email=f"{challenge_id}@example.no",
        code_hash="hash",
        expires_at=1_900_000_000,
        language="nb",
        customer_number=customer,
        role=Role.READ,
        invited_by="kari",
    )


def audit(action: str, at: datetime, customer: str = "100001") -> AuditEntry:
    return AuditEntry(customer, at, "kari@example.no", action, "ola@example.no", Role.READ)  # type: ignore[arg-type]  # any action


def test_a_challenge_is_stored_counted_and_deleted(ports: Ports) -> None:
    code = Challenge(
        "c-1", "register", "kari@example.no", "hash", 1_900_000_000, "nb", customer_number="100001", user_id="u-1"
    )
    ports.accounts.put_challenge(code)
    assert ports.accounts.get_challenge("c-1") == code
    assert [ports.accounts.count_attempt("c-1", 2) for _ in range(3)] == [True, True, False]
    counted = ports.accounts.get_challenge("c-1")
    assert counted is not None and counted.attempts == 2
    assert not ports.accounts.count_attempt("c-9", 2)
    ports.accounts.delete_challenge("c-1")
    assert ports.accounts.get_challenge("c-1") is None


def test_invitations_of_a_customer_are_listed_in_id_order(ports: Ports) -> None:
    for challenge in (invitation("i-2"), invitation("i-1"), invitation("i-3", customer="100002")):
        ports.accounts.put_challenge(challenge)
    ports.accounts.put_challenge(Challenge("r-1", "reset", "kari@example.no", "hash", 1_900_000_000, "nb"))
    assert [c.id for c in ports.accounts.list_invitations("100001")] == ["i-1", "i-2"]


def test_an_access_change_is_written_only_at_the_version_read_all_at_once(ports: Ports) -> None:
    ports.given.membership(a_membership("kari", "100001", Role.ADMIN))
    ports.accounts.put_challenge(invitation("i-1"))
    assert ports.accounts.access_version("100001") == 0

    ola = a_membership("ola", "100001", Role.READ)
    assert ports.accounts.write_access_change("100001", 0, audit("joined", AT), put=ola, delete_challenge="i-1")
    assert ports.accounts.access_version("100001") == 1
    assert ports.accounts.list_members("100001") == [a_membership("kari", "100001", Role.ADMIN), ola]
    assert ports.accounts.get_challenge("i-1") is None

    # A change made against the old version writes nothing, not even its audit entry.
    stale = ports.accounts.write_access_change(
        "100001", 0, audit("removed", AT + timedelta(minutes=1)), delete_user="ola", put_challenge=invitation("i-2")
    )
    assert not stale
    assert [m.user_id for m in ports.accounts.list_members("100001")] == ["kari", "ola"]
    assert ports.accounts.get_challenge("i-2") is None
    assert [a.action for a in ports.accounts.list_audit("100001")] == ["joined"]

    assert ports.accounts.write_access_change(
        "100001", 1, audit("removed", AT + timedelta(minutes=2)), delete_user="ola"
    )
    assert [m.user_id for m in ports.accounts.list_members("100001")] == ["kari"]
    assert ports.accounts.access_version("100001") == 2


def test_the_audit_trail_lists_newest_first_up_to_a_limit(ports: Ports) -> None:
    for minute, action in enumerate(("registered", "invited", "joined")):
        ports.accounts.write_access_change("100001", minute, audit(action, AT + timedelta(minutes=minute)))
    ports.accounts.write_access_change("100002", 0, audit("registered", AT, customer="100002"))
    assert [a.action for a in ports.accounts.list_audit("100001")] == ["joined", "invited", "registered"]
    assert [a.action for a in ports.accounts.list_audit("100001", limit=2)] == ["joined", "invited"]
    assert ports.accounts.list_audit("100001")[0] == audit("joined", AT + timedelta(minutes=2))


def test_a_member_email_changes_only_for_a_member(ports: Ports) -> None:
    ports.given.membership(a_membership("kari", "100001", Role.ADMIN))
    ports.accounts.set_member_email("100001", "kari", "kari.ny@example.no")
    ports.accounts.set_member_email("100001", "gone", "gone@example.no")  # removed meanwhile: nothing happens
    assert [(m.user_id, m.email) for m in ports.accounts.list_members("100001")] == [("kari", "kari.ny@example.no")]


def test_customers_are_found_by_their_email_on_record_and_get_a_new_pin(ports: Ports) -> None:
    ports.given.customer(a_customer("100001", email="Kari@Example.no"))
    ports.given.customer(a_customer("100002", email="kari@example.no"))
    ports.given.customer(a_customer("100003", email="ola@example.no"))
    assert sorted(c.number for c in ports.accounts.customers_by_email("kari@example.no")) == ["100001", "100002"]
    assert ports.accounts.customers_by_email("nobody@example.no") == []

    ports.accounts.set_pin_hash("100003", "new-hash")
    customer = ports.customers.get_customer("100003")
    assert customer is not None and customer.pin_hash == "new-hash"


def test_a_rate_limit_counts_in_a_window_and_starts_again_after_it(ports: Ports) -> None:
    assert ports.rate_limits.peek("login", "kari", 1000) == (0, 1000)
    assert [ports.rate_limits.increment("login", "kari", 1000 + i, 60) for i in range(3)] == [
        (1, 1060),
        (2, 1060),
        (3, 1060),
    ]
    assert ports.rate_limits.peek("login", "kari", 1059) == (3, 1060)
    assert ports.rate_limits.increment("login", "ola", 1000, 60) == (1, 1060)
    assert ports.rate_limits.increment("code", "kari", 1000, 60) == (1, 1060)

    assert ports.rate_limits.peek("login", "kari", 1060) == (0, 1060)  # the window is over
    assert ports.rate_limits.increment("login", "kari", 1060, 60) == (1, 1120)
    ports.rate_limits.clear("login", "kari")
    assert ports.rate_limits.peek("login", "kari", 1061) == (0, 1061)


def bank(iban: str, facility: str | None = None, previous: BankAccount | None = None) -> BankAccount:
    return BankAccount("100001", iban, "Kari Nordmann", date(2026, 4, 1), True, "kari", AT, facility, previous)


def test_bank_accounts_are_the_customers_own_then_each_facilitys(ports: Ports) -> None:
    ports.given.customer(a_customer("100001"))
    old = bank("NO9386011117947")
    own = bank("NO8330001234567", previous=old)
    for account in (bank("NO0215030034543", "F-2"), own, bank("NO5015032080119", "F-1")):
        ports.profiles.put_bank_account(account)

    assert ports.profiles.get_bank_account("100001") == own
    assert [(a.facility_id, a.iban) for a in ports.profiles.list_bank_accounts("100001")] == [
        (None, "NO8330001234567"),
        ("F-1", "NO5015032080119"),
        ("F-2", "NO0215030034543"),
    ]
    assert ports.profiles.delete_facility_bank_account("100001", "F-1")
    assert not ports.profiles.delete_facility_bank_account("100001", "F-1")
    assert [a.facility_id for a in ports.profiles.list_bank_accounts("100001")] == [None, "F-2"]
    assert ports.profiles.get_bank_account("100002") is None


def test_contact_data_and_billing_address_change_on_the_customer_record(ports: Ports) -> None:
    ports.given.customer(a_customer("100001"))
    ports.profiles.update_contact("100001", "kari.ny@example.no", None)
    ports.profiles.update_contact("100001", None, "+4791234567")
    moved = Address(street="Storgata 1", postcode="0155", city="Oslo", country="NO")
    ports.profiles.update_billing_address("100001", moved)

    customer = ports.customers.get_customer("100001")
    assert customer is not None
    assert (customer.email, customer.phone, customer.address) == ("kari.ny@example.no", "+4791234567", moved)
    assert [c.number for c in ports.accounts.customers_by_email("kari.ny@example.no")] == ["100001"]


def request(request_id: str, minute: int, customer: str = "100001") -> ContactRequest:
    return ContactRequest(
        customer, AT + timedelta(minutes=minute), "kari@example.no", "Faktura", "Hei", "+4791234567", request_id
    )


def test_contact_requests_are_listed_newest_first_a_page_at_a_time_and_handled_once(ports: Ports) -> None:
    for item in (request("r-1", 1), request("r-3", 3, "100002"), request("r-2", 2)):
        ports.profiles.add_contact_request(item)

    seen, cursor, pages = [], None, 0
    while True:
        page, cursor = ports.profiles.list_contact_requests("open", 2, cursor)
        seen += [r.id for r in page]
        pages += 1
        if cursor is None:
            break
    assert seen == ["r-3", "r-2", "r-1"] and pages >= 2

    r2 = ports.profiles.get_contact_request("r-2")
    assert r2 == request("r-2", 2)
    assert ports.profiles.mark_contact_request_handled(request("r-2", 2), "staff@example.no", AT + timedelta(hours=1))
    assert not ports.profiles.mark_contact_request_handled(
        request("r-2", 2), "staff@example.no", AT + timedelta(hours=2)
    )
    handled = ports.profiles.get_contact_request("r-2")
    assert handled is not None and (handled.status, handled.handled_by) == ("handled", "staff@example.no")
    assert handled.handled_at == AT + timedelta(hours=1)
    assert [r.id for r in ports.profiles.list_contact_requests("handled", 10, None)[0]] == ["r-2"]
    assert [r.id for r in ports.profiles.list_contact_requests("open", 10, None)[0]] == ["r-3", "r-1"]
    assert ports.profiles.get_contact_request("r-9") is None


def test_a_cursor_that_is_not_one_of_ours_is_refused(ports: Ports) -> None:
    with pytest.raises(ValidationFailed) as refused:
        ports.profiles.list_contact_requests("open", 10, "not-a-cursor")
    assert refused.value.code == "cursor_invalid"
