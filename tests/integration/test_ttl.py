"""Items that only matter for a while carry the table's TTL attribute
(``expires_at``, epoch seconds), so DynamoDB deletes them once expired: the
table declares it in template.yaml (and the local stack builds it from there),
and each marker, counter and link is written with the right value. moto never
deletes expired items; the code never relies on it."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest

from heatportal.adapters import dynamo_keys as keys
from heatportal.adapters.dynamo_readings import DynamoReadingsStore
from heatportal.domain.reminders import ReadingLink
from infra.local.resources import clients
from infra.local.template import resources_of_type
from tests.dates import local_today

DAY = 86400


@pytest.fixture
def store(repo) -> DynamoReadingsStore:
    return DynamoReadingsStore(repo.table)


def expires_at(repo, key: keys.Key) -> int:
    item = repo.table.get(key, consistent=True)
    assert item is not None, key
    return int(item["expires_at"])


def now() -> int:
    return int(datetime.now(UTC).timestamp())


def test_the_table_declares_expires_at_as_its_ttl_and_the_stack_has_it(stack):
    table = resources_of_type("AWS::DynamoDB::Table")["Table"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    ddb = clients(stack.resources.endpoint)["dynamodb"]
    ttl = ddb.describe_time_to_live(TableName=stack.resources.table_name)["TimeToLiveDescription"]
    assert (ttl["AttributeName"], ttl["TimeToLiveStatus"]) == ("expires_at", "ENABLED")


def test_a_reminder_marker_expires_about_three_months_after_its_period(repo, store):
    meter = f"TTL{secrets.token_hex(3)}"
    assert store.claim_reminder(meter, "2026-10", "sms#+4791234567") is True
    # The period ends with its cut-off on 2026-11-01; the marker goes 92 days later
    expected = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp()) + 92 * DAY
    assert expires_at(repo, keys.reminder_sent(meter, "2026-10", "sms#+4791234567")) == expected
    # A December period's cut-off is in the next year
    store.claim_reminder(meter, "2026-12", "email#a@example.com")
    december = int(datetime(2027, 1, 1, tzinfo=UTC).timestamp()) + 92 * DAY
    assert expires_at(repo, keys.reminder_sent(meter, "2026-12", "email#a@example.com")) == december


def test_an_inbound_sms_marker_expires_after_two_weeks(repo, store):
    message = f"ttl-{secrets.token_hex(6)}"
    before = now()
    assert store.claim_inbound(message) is True
    assert before + 14 * DAY <= expires_at(repo, keys.inbound_sms(message)) <= now() + 14 * DAY


def test_start_attempts_of_a_day_expire_three_days_after_it_began(repo, store):
    phone = f"+4790{secrets.randbelow(10**6):06d}"
    day = date(2026, 11, 20)
    assert store.count_start_attempt(phone, day) == 1
    assert store.count_start_attempt(phone, day) == 2  # the counter is kept, its expiry too
    midnight = int(datetime(2026, 11, 20, tzinfo=UTC).timestamp())
    assert expires_at(repo, keys.start_attempts(phone, day)) == midnight + 3 * DAY


def test_a_reading_confirmation_marker_expires_after_ninety_days(repo, store):
    meter = f"TTL{secrets.token_hex(3)}"
    before = now()
    assert store.claim_confirmation(meter, date(2026, 11, 1)) is True
    assert before + 90 * DAY <= expires_at(repo, keys.reading_confirmed(meter, date(2026, 11, 1))) <= now() + 90 * DAY


def test_a_reading_link_expires_when_the_link_does(repo, store):
    token_hash = secrets.token_hex(32)
    valid_until = datetime(2026, 12, 8, 23, 0, tzinfo=UTC)
    store.put_link(
        ReadingLink(
            token_hash=token_hash,
            customer_number="100001",
            meter_number="M-1",
            language="nb",
            period="2026-11",
            expires_at=valid_until,
        )
    )
    assert expires_at(repo, keys.reading_link(token_hash)) == int(valid_until.timestamp())


def test_an_attempt_counter_expires_two_days_on(repo, store):
    key = secrets.token_hex(4)
    before = now()
    store.count("ttl-test", key, "2026-11-20T10")
    assert (
        before + 2 * DAY <= expires_at(repo, keys.attempt_counter("ttl-test", key, "2026-11-20T10")) <= now() + 2 * DAY
    )


def test_lasting_records_carry_no_ttl(repo, store, seed):
    # Agreements last until ended (KLEM STOP or the profile); readings and meters for good
    seeded = seed()
    meter_item = repo.table.get(keys.meter(seeded.customer.number, seeded.meter.number))
    assert meter_item is not None and "expires_at" not in meter_item
    reading = repo.list_readings(seeded.meter.number, date(2000, 1, 1), local_today() + timedelta(days=1))[0]
    item = repo.table.get(keys.reading(seeded.meter.number, reading.read_on))
    assert item is not None and "expires_at" not in item
