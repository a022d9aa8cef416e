"""OpenDataStore and IntervalReader: the fake and the adapter agree."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from heatportal.domain.accounts import AuditEntry
from heatportal.domain.open_data import PersonalToken, ProviderShare, TokenGrant
from heatportal.domain.smart_meter import IntervalValue
from tests.contract.ports.conftest import Ports

NOW = datetime(2026, 5, 10, 9, 30, tzinfo=UTC)
OSLO = ZoneInfo("Europe/Oslo")


def a_token(token_hash: str = "a" * 64, user: str = "kari", at: datetime = NOW) -> PersonalToken:
    return PersonalToken(
        id=f"id-{token_hash[:6]}",
        token_hash=token_hash,
        user_id=user,
        email=f"{user}@example.no",
        name="Home Assistant",
        grants=(TokenGrant("100001"), TokenGrant("100002", frozenset({"F-1", "F-2"}))),
        kinds=frozenset({"consumption", "readings"}),
        created_at=at,
        expires_at=at + timedelta(days=90),
        hint="AbCd",
    )


def a_share(token_hash: str = "b" * 64, customer: str = "100001") -> ProviderShare:
    return ProviderShare(
        id=f"sh-{token_hash[:6]}",
        token_hash=token_hash,
        customer_number=customer,
        provider_name="Energieberatung Müller",
        provider_email="daten@mueller.example",
        facilities=frozenset({"F-1"}),
        kinds=frozenset({"consumption"}),
        valid_from=date(2026, 5, 10),
        valid_until=date(2026, 12, 31),
        created_by="kari@example.no",
        created_at=NOW,
        hint="WxYz",
    )


def audit(customer: str, action: str, at: datetime = NOW, subject: str = "Home Assistant") -> AuditEntry:
    return AuditEntry(customer, at, "kari@example.no", action, subject)  # type: ignore[arg-type]


def test_a_token_is_found_by_its_hash_and_listed_for_its_person_only(ports: Ports) -> None:
    first, second = a_token("a" * 64), a_token("c" * 64, at=NOW + timedelta(minutes=1))
    ports.open_data.add_token(first, [audit("100001", "token_created"), audit("100002", "token_created")])
    ports.open_data.add_token(second, [])
    ports.open_data.add_token(a_token("d" * 64, user="ola"), [])

    assert ports.open_data.find("a" * 64) == first
    assert ports.open_data.find("e" * 64) is None
    assert ports.open_data.tokens_of("kari") == [first, second]
    assert [e.action for e in ports.accounts.list_audit("100002")] == ["token_created"]


def test_a_token_is_revoked_once_with_its_audit_entries(ports: Ports) -> None:
    token = a_token()
    ports.open_data.add_token(token, [])
    later = NOW + timedelta(hours=1)

    assert ports.open_data.revoke_token(token, later, [audit("100001", "token_revoked", later)])
    assert not ports.open_data.revoke_token(token, later, [audit("100001", "token_revoked", later)])
    found = ports.open_data.find(token.token_hash)
    assert isinstance(found, PersonalToken) and found.revoked_at == later
    assert [e.action for e in ports.accounts.list_audit("100001")] == ["token_revoked"]


def test_last_use_is_noted_on_the_token(ports: Ports) -> None:
    token = a_token()
    ports.open_data.add_token(token, [])
    ports.open_data.touch(token.token_hash, NOW + timedelta(minutes=5))
    ports.open_data.touch("f" * 64, NOW)  # gone (TTL): nothing happens

    found = ports.open_data.find(token.token_hash)
    assert found is not None and found.last_used_at == NOW + timedelta(minutes=5)


def test_a_share_is_found_by_its_hash_listed_for_its_customer_and_revoked_once(ports: Ports) -> None:
    share = a_share()
    ports.open_data.add_share(share, audit("100001", "share_granted", subject=share.provider_name))
    ports.open_data.add_share(a_share("g" * 64, customer="100002"), audit("100002", "share_granted"))

    assert ports.open_data.find(share.token_hash) == share
    assert ports.open_data.shares_of("100001") == [share]
    later = NOW + timedelta(days=1)
    assert ports.open_data.revoke_share(share, later, audit("100001", "share_revoked", later))
    assert not ports.open_data.revoke_share(share, later, audit("100001", "share_revoked", later))
    found = ports.open_data.find(share.token_hash)
    assert isinstance(found, ProviderShare) and (found.revoked_at, found.revoked_by) == (later, "kari@example.no")
    assert [e.action for e in ports.accounts.list_audit("100001")] == ["share_revoked", "share_granted"]


def test_a_providers_reads_are_in_the_customers_audit_trail_newest_first(ports: Ports) -> None:
    ports.open_data.add_share(a_share(), audit("100001", "share_granted", NOW))
    for minutes, what in ((1, "meters"), (2, "consumption M-1")):
        ports.open_data.record_access(audit("100001", "share_used", NOW + timedelta(minutes=minutes), what))
    ports.open_data.record_access(audit("100002", "share_used", NOW, "meters"))

    trail = ports.accounts.list_audit("100001")
    assert [(e.action, e.subject) for e in trail] == [
        ("share_used", "consumption M-1"),
        ("share_used", "meters"),
        ("share_granted", "Home Assistant"),
    ]
    assert len(ports.accounts.list_audit("100001", limit=2)) == 2


def test_the_access_changes_read_with_the_record_are_merged_with_the_reads_without_reading_them_again(
    ports: Ports,
) -> None:
    ports.open_data.add_share(a_share(), audit("100001", "share_granted", NOW))
    ports.open_data.record_access(audit("100001", "share_used", NOW + timedelta(minutes=1), "meters"))
    ports.open_data.record_access(audit("100001", "share_used", NOW + timedelta(minutes=3), "meters"))
    ports.open_data.add_token(a_token(), [audit("100001", "token_created", NOW + timedelta(minutes=2))])

    record = ports.records.customer_record("100001", audit=True)

    # The record holds the access changes only (the reads are a partition of their own), newest first.
    assert record.audit is not None
    assert [e.action for e in record.audit] == ["token_created", "share_granted"]
    assert ports.records.customer_record("100001").audit is None  # not asked for
    merged = ports.accounts.list_audit("100001", changes=record.audit)
    assert merged == ports.accounts.list_audit("100001")
    assert [e.action for e in merged] == ["share_used", "token_created", "share_used", "share_granted"]


def hour(start: datetime, energy: str, interval: str = "hour") -> IntervalValue:
    return IntervalValue(
        meter_number="M-1",
        start=start,
        interval=interval,
        day=start.astimezone(OSLO).date(),
        energy=Decimal(energy),
        supply_temp=Decimal("70.5"),
        quality="estimated" if energy == "9" else "measured",
    )


def test_interval_values_are_read_by_their_start_across_local_days(ports: Ports) -> None:
    # Oslo's 2026-05-10 starts at 2026-05-09 22:00 UTC.
    starts = [datetime(2026, 5, 9, h, tzinfo=UTC) for h in (20, 21, 22, 23)]
    values = [hour(s, str(i + 1)) for i, s in enumerate(starts)]
    values.append(hour(datetime(2026, 5, 9, 22, tzinfo=UTC), "9", interval="day"))
    ports.intervals.put_intervals(values)
    ports.intervals.put_intervals(
        [hour(datetime(2026, 5, 9, 21, tzinfo=UTC), "7").model_copy(update={"meter_number": "M-2"})]
    )

    found = ports.interval_reader.intervals_starting("M-1", starts[1], starts[3], "Europe/Oslo")
    assert [(v.start, v.interval) for v in found] == [
        (starts[1], "hour"),
        (starts[2], "day"),
        (starts[2], "hour"),
    ]
    assert found[1].quality == "estimated" and found[0].supply_temp == Decimal("70.5")
    assert ports.interval_reader.intervals_starting(
        "M-1", starts[3], starts[3] + timedelta(hours=1), "Europe/Oslo"
    ) == [values[3]]
