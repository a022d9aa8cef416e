"""A bank account change applies from its change date (seed 003 "Änderungsdatum"):
until then the account in force keeps paying (heatportal.domain.accounts)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from heatportal.domain.accounts import BankAccount, account_for_facility

TODAY = date(2026, 11, 23)


def account(iban: str, valid_from: date, facility_id: str | None = None) -> BankAccount:
    return BankAccount(
        customer_number="100001",
        iban=iban,
        holder="Kari Nordmann",
        valid_from=valid_from,
        sepa_mandate=True,
        changed_by="kari@example.no",
        changed_at=datetime(2026, 11, 23, 9, tzinfo=UTC),
        facility_id=facility_id,
    )


def test_the_old_account_pays_until_the_change_date() -> None:
    old = account("NO9386011117947", date(2025, 1, 1))
    new = old.replaced_by(account("NO8330001234567", date(2027, 1, 1)), TODAY)
    assert new.in_force(date(2026, 12, 31)) == old
    assert new.in_force(date(2027, 1, 1)) == new
    assert new.in_force(date(2024, 12, 31)) is None


def test_changing_a_change_not_yet_in_force_keeps_the_account_in_force() -> None:
    old = account("NO9386011117947", date(2025, 1, 1))
    first = old.replaced_by(account("NO8330001234567", date(2027, 1, 1)), TODAY)
    second = first.replaced_by(account("NO0215030034543", date(2027, 2, 1)), TODAY)
    assert second.previous == old  # the first change never applied
    in_january, in_february = second.in_force(date(2027, 1, 15)), second.in_force(date(2027, 2, 1))
    assert in_january is not None and in_january.iban == "NO9386011117947"
    assert in_february is not None and in_february.iban == "NO0215030034543"


def test_a_change_in_force_today_becomes_the_previous_one() -> None:
    old = account("NO9386011117947", date(2025, 1, 1))
    now = old.replaced_by(account("NO8330001234567", TODAY), TODAY)
    later = now.replaced_by(account("NO0215030034543", date(2027, 3, 1)), TODAY)
    assert later.previous is not None and later.previous.iban == "NO8330001234567"
    assert later.previous.previous is None  # one step of history is all that can still pay


def test_a_facility_uses_its_own_account_in_force_else_the_customers() -> None:
    customer = account("NO9386011117947", date(2025, 1, 1))
    facility = account("NO8330001234567", date(2027, 1, 1), facility_id="F1")
    assert account_for_facility([customer, facility], "F1", on=TODAY) == customer
    assert account_for_facility([customer, facility], "F1", on=date(2027, 1, 1)) == facility
    assert account_for_facility([customer, facility], "F1") == facility
