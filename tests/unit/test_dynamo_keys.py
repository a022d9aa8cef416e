"""The rules the single table's key design depends on (adapters.dynamo_keys,
docs/data-model.md): sort-key order is the domain's order, and no prefix a
query uses picks up another entity's items in the same partition."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heatportal.adapters import dynamo_keys as keys

NUMBER = "100001"
METER = "M-1"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY = date(2026, 3, 2)


@given(st.lists(st.integers(min_value=1, max_value=10**keys.INVOICE_NUMBER_DIGITS - 1), min_size=2, unique=True))
def test_invoice_sort_keys_sort_as_their_numbers(numbers: list[int]) -> None:
    by_key = sorted(numbers, key=lambda n: keys.invoice(NUMBER, n).sk)
    assert by_key == sorted(numbers)
    by_payment_prefix = sorted(numbers, key=keys.payments_of)
    assert by_payment_prefix == sorted(numbers)


@given(st.lists(st.dates(min_value=date(1900, 1, 1), max_value=date(9998, 12, 31)), min_size=2, unique=True))
def test_date_sort_keys_sort_as_their_dates(days: list[date]) -> None:
    assert sorted(days, key=lambda d: keys.reading(METER, d).sk) == sorted(days)
    assert sorted(days, key=lambda d: keys.daily(METER, d).sk) == sorted(days)
    assert sorted(days, key=lambda d: keys.reading_confirmed(METER, d).sk) == sorted(days)
    assert sorted(days, key=lambda d: keys.advance(NUMBER, d).sk) == sorted(days)


MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 2),
    max_value=datetime(9998, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=2))]),
)


@given(st.lists(MOMENTS, min_size=2, unique=True))
def test_moment_sort_keys_sort_as_their_moments_whatever_the_time_zone(moments: list[datetime]) -> None:
    """Settings changes, corrections and interruptions are written in UTC, so
    a change entered at 10:00+02:00 sorts before one at 09:00Z."""
    distinct = list({m.astimezone(UTC).replace(microsecond=0): m for m in moments}.values())
    in_order = sorted(distinct)
    assert sorted(distinct, key=lambda m: keys.meter_settings_change(METER, m).sk) == in_order
    assert sorted(distinct, key=lambda m: keys.reading_correction(METER, DAY, m).sk) == in_order
    assert sorted(distinct, key=lambda m: keys.interruption(m, "a" * 32).sk) == in_order


def test_month_sort_keys_sort_as_their_months() -> None:
    months = [f"{year:04d}-{month:02d}" for year in (2025, 2026) for month in range(1, 13)]
    shuffled = random.Random(7).sample(months, len(months))
    assert sorted(shuffled, key=lambda m: keys.month(METER, m).sk) == months
    assert sorted(shuffled, key=lambda m: keys.spot_price("NO1", m).sk) == months


def between(sk: str, bounds: tuple[str, str]) -> bool:
    return bounds[0] <= sk <= bounds[1]


# Every kind of item in a meter's partition, one each.
METER_PARTITION = {
    "reading": keys.reading(METER, DAY).sk,
    "daily": keys.daily(METER, DAY).sk,
    "month": keys.month(METER, "2026-03").sk,
    "reminder_sent": keys.reminder_sent(METER, "2026-03", "sms").sk,
    "interval": keys.interval(METER, DAY, "2026-03-02T08:00#hour").sk,
    "reading_confirmed": keys.reading_confirmed(METER, DAY).sk,
    "reading_correction": keys.reading_correction(METER, DAY, AT).sk,
    "meter_settings_change": keys.meter_settings_change(METER, AT).sk,
}
LOWEST, HIGHEST = date(1900, 1, 1), date(9998, 12, 31)


@pytest.mark.parametrize(
    ("query", "bounds", "kind"),
    [
        ("readings between", keys.readings_between(LOWEST, HIGHEST), "reading"),
        ("readings up to", keys.readings_up_to(None), "reading"),
        ("readings up to a day", keys.readings_up_to(DAY), "reading"),
        ("days between", keys.days_between(LOWEST, HIGHEST), "daily"),
        ("months between", keys.months_between("1900-01", "9998-12"), "month"),
        ("corrections between", keys.corrections_between(LOWEST, HIGHEST), "reading_correction"),
        (
            "intervals starting",
            keys.intervals_starting((LOWEST, "1900-01-01T00:00"), (HIGHEST, "9998-12-31T23:00")),
            "interval",
        ),
        ("intervals between", keys.intervals_between(LOWEST, HIGHEST), "interval"),
    ],
)
def test_a_range_query_in_a_meters_partition_reads_only_its_own_kind(
    query: str, bounds: tuple[str, str], kind: str
) -> None:
    found = {name for name, sk in METER_PARTITION.items() if between(sk, bounds)}
    assert found == {kind}, query


def test_an_interval_starting_at_the_start_of_a_range_is_in_it_and_one_starting_at_its_end_is_not() -> None:
    bounds = keys.intervals_starting((DAY, "2026-03-01T23:00"), (DAY, "2026-03-02T08:00"))
    assert between(keys.interval(METER, DAY, "2026-03-01T23:00#hour").sk, bounds)
    assert between(keys.interval(METER, DAY, "2026-03-01T23:00#day").sk, bounds)
    assert between(keys.interval(METER, DAY, "2026-03-02T07:00#hour").sk, bounds)
    assert not between(keys.interval(METER, DAY, "2026-03-02T08:00#hour").sk, bounds)


def test_a_correction_on_the_last_day_of_a_range_is_in_it() -> None:
    late = keys.reading_correction(METER, DAY, datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)).sk
    assert between(late, keys.corrections_between(DAY, DAY))
    assert not between(
        keys.reading_correction(METER, DAY + timedelta(days=1), AT).sk, keys.corrections_between(DAY, DAY)
    )


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [
        (keys.MONTHS, "month"),
        (keys.METER_SETTINGS_CHANGES, "meter_settings_change"),
        (keys.intervals_of(DAY), "interval"),
    ],
)
def test_a_prefix_query_in_a_meters_partition_reads_only_its_own_kind(prefix: str, kind: str) -> None:
    assert {name for name, sk in METER_PARTITION.items() if sk.startswith(prefix)} == {kind}


# Every kind of item in a customer's partition, one each.
CUSTOMER_PARTITION = {
    "customer": keys.customer(NUMBER).sk,
    "facility": keys.facility(NUMBER, "F-1").sk,
    "meter": keys.meter(NUMBER, METER).sk,
    "membership": keys.membership(NUMBER, "user-1").sk,
    "invoice": keys.invoice(NUMBER, 7).sk,
    "billed": keys.billed(NUMBER, "2026-01", "invoice").sk,
    "payment": keys.payment(NUMBER, 7, "p-1").sk,
    "advance": keys.advance(NUMBER, DAY).sk,
    "access": keys.customer_access(NUMBER).sk,
    "audit": keys.customer_audit(NUMBER, AT, "ab12").sk,
    "bank_account": keys.bank_account(NUMBER).sk,
    "facility_bank_account": keys.bank_account(NUMBER, "F-1").sk,
    "contact_request": keys.contact_request(NUMBER, AT, "r-1").sk,
    "company_grant": keys.company_grant(NUMBER, "923609016").sk,
    "company_block": keys.company_block(NUMBER, "923609016").sk,
    "invoice_correction": keys.invoice_correction(NUMBER, 7).sk,
    "invoice_hold": keys.invoice_hold(NUMBER, "2026-01", "invoice").sk,
    "alert_settings": keys.alert_settings(NUMBER, "F-1").sk,
    "alert_state": keys.alert_state(NUMBER, "F-1").sk,
    "notification": keys.notification(NUMBER, "2026-03-02#M-1#return_temperature#breach").sk,
    "alert_inbox": keys.alert_inbox(NUMBER).sk,
    "inbox_seen": keys.inbox_seen(NUMBER, "user-1").sk,
    "consumption_info": keys.consumption_info(NUMBER, "2026-02").sk,
}


@pytest.mark.parametrize(
    ("prefix", "kinds"),
    [
        (keys.FACILITIES, {"facility"}),
        (keys.METERS, {"meter"}),
        (keys.MEMBERS, {"membership"}),
        (keys.INVOICES, {"invoice"}),
        (keys.payments_of(7), {"payment"}),
        (keys.ADVANCES, {"advance"}),
        (keys.AUDIT, {"audit"}),
        (keys.BANK_ACCOUNTS, {"bank_account", "facility_bank_account"}),
        (keys.COMPANIES, {"company_grant"}),  # never the block marker COMPANYBLOCK#
        (keys.CONTACT_REQUESTS, {"contact_request"}),
        (keys.INVOICE_CORRECTIONS, {"invoice_correction"}),
        (keys.INVOICE_HOLDS, {"invoice_hold"}),
        (keys.ALERT_SETTINGS, {"alert_settings"}),  # never the evaluation's ALERTSTATE#
        (keys.NOTIFICATIONS, {"notification"}),
        (keys.CONSUMPTION_INFO, {"consumption_info"}),
    ],
)
def test_a_prefix_query_in_a_customers_partition_reads_only_its_own_kind(prefix: str, kinds: set[str]) -> None:
    assert {name for name, sk in CUSTOMER_PARTITION.items() if sk.startswith(prefix)} == kinds


def test_payments_of_one_invoice_never_include_those_of_an_invoice_whose_number_starts_the_same() -> None:
    assert not keys.payment(NUMBER, 17, "p-1").sk.startswith(keys.payments_of(1))
    assert not keys.payment(NUMBER, 10, "p-1").sk.startswith(keys.payments_of(1))


def test_an_organisations_partition_keeps_members_and_audit_apart() -> None:
    org = {
        "organisation": keys.organisation("923609016").sk,
        "member": keys.org_member("923609016", "user-1").sk,
        "access": keys.org_access("923609016").sk,
        "audit": keys.org_audit("923609016", AT, "ab12").sk,
    }
    assert {n for n, sk in org.items() if sk.startswith(keys.ORG_MEMBERS)} == {"member"}
    assert {n for n, sk in org.items() if sk.startswith(keys.ORG_AUDIT)} == {"audit"}


def test_a_users_index_partition_keeps_memberships_and_organisations_apart() -> None:
    membership = keys.by_user_membership("user-1", NUMBER)
    organisation = keys.by_user_organisation("user-1", "923609016")
    assert membership.pk == organisation.pk == keys.user_pk("user-1")
    assert membership.sk.startswith(keys.CUSTOMERS) and not membership.sk.startswith(keys.ORGANISATIONS)
    assert organisation.sk.startswith(keys.ORGANISATIONS) and not organisation.sk.startswith(keys.CUSTOMERS)


def test_a_phones_partition_keeps_agreements_and_start_attempts_apart() -> None:
    phone = "+4791234567"
    agreement, attempts = keys.agreement("sms", phone, METER), keys.start_attempts(phone, DAY)
    pending = keys.pending_start(phone)
    assert agreement.pk == attempts.pk == pending.pk
    assert agreement.sk.startswith(keys.AGREEMENTS) and not attempts.sk.startswith(keys.AGREEMENTS)
    assert not pending.sk.startswith(keys.AGREEMENTS)  # a phone's agreements query never reads it
    assert keys.agreement("email", "kari@example.no", METER).pk != keys.agreement("sms", "kari@example.no", METER).pk


def test_interruptions_starting_at_either_end_of_a_range_are_in_it() -> None:
    first, last = AT, AT + timedelta(days=30)
    bounds = keys.interruptions_starting(first, last)
    assert between(keys.interruption(first, "f" * 32).sk, bounds)
    assert between(keys.interruption(last, "f" * 32).sk, bounds)
    assert not between(keys.interruption(last + timedelta(seconds=1), "0" * 32).sk, bounds)
    assert not between(keys.interruption(first - timedelta(seconds=1), "f" * 32).sk, bounds)


def test_a_spot_year_range_holds_its_twelve_months_only() -> None:
    bounds = keys.spot_prices_of_year(2026)
    assert [m for m in range(1, 13) if between(keys.spot_price("NO1", f"2026-{m:02d}").sk, bounds)] == list(
        range(1, 13)
    )
    assert not between(keys.spot_price("NO1", "2025-12").sk, bounds)
    assert not between(keys.spot_price("NO1", "2027-01").sk, bounds)
    assert keys.month_of_spot_price(keys.spot_price("NO1", "2026-05").sk) == "2026-05"


def test_partition_key_spaces_of_different_entities_never_meet() -> None:
    """Each entity's partition starts with its own word, and no word is the start of another's."""
    partitions = {
        "customer": keys.customer_pk(NUMBER),
        "meter": keys.meter_pk(METER),
        "organisation": keys.org_pk("923609016"),
        "org_invitation": keys.org_invitation("i-1").pk,
        "meter_number": keys.meter_number_marker(METER).pk,
        "challenge": keys.challenge("c-1").pk,
        "rate_limit": keys.rate_limit("login", "kari").pk,
        "inbound_sms": keys.inbound_sms("m-1").pk,
        "reading_link": keys.reading_link("ab" * 32).pk,
        "attempt_counter": keys.attempt_counter("link", "ip", "w").pk,
        "invoice_counter": keys.invoice_counter().pk,
        "sign_out": keys.sign_out("user-1").pk,
        "held_sms": keys.held_message("alert-100001-ab").pk,
        "start_codes": keys.start_codes_sent(NUMBER, DAY).pk,
        "phone": keys.address_pk("sms", "+4791234567"),
        "email": keys.address_pk("email", "kari@example.no"),
        "spot": keys.spot_pk("NO1"),
        "run": keys.run_pk("run-1"),
        "delivery": keys.delivery("invoice-7-email").pk,
        "outbox_group": keys.outbox_group_pk("run-1"),
        "utility": keys.UTILITY,
        "name": keys.name_pk("ka"),
        "data_token": keys.data_token("ab" * 32).pk,
        "data_access": keys.data_access_pk(NUMBER),
    }
    words = {name: pk.split("#", 1)[0] + ("#" if "#" in pk else "") for name, pk in partitions.items()}
    for name, word in words.items():
        others = {other for other, pk in partitions.items() if other != name and pk.startswith(word)}
        assert others == set(), (name, word, others)


def test_index_partitions_of_different_lookups_never_meet() -> None:
    gsi1 = {
        "contact_email": keys.by_contact_email("kari@example.no", NUMBER).pk,
        "meter_number": keys.by_meter_number(METER, NUMBER).pk,
        "user": keys.by_user_membership("user-1", NUMBER).pk,
        "invoice_number": keys.by_invoice_number(7, NUMBER).pk,
        "invitations": keys.by_customer_invitation(NUMBER, "c-1").pk,
        "contact_request": keys.by_contact_request_id("r-1").pk,
        "org_customers": keys.by_company_grant("923609016", NUMBER).pk,
        "org_invitations": keys.by_org_invitation("923609016", "i-1").pk,
        "reminders_of": keys.by_customer_agreement(NUMBER, METER, "sms", "+4791234567").pk,
        "tokens_of": keys.by_user_token("user-1", AT, "t-1").pk,
        "shares_of": keys.by_customer_share(NUMBER, AT, "s-1").pk,
    }
    words = {name: pk.split("#", 1)[0] + "#" for name, pk in gsi1.items()}
    assert len(set(words.values())) == len(words)
    gsi2 = {keys.account_to_bill(NUMBER).pk, keys.agreement_to_remind(METER, "sms", "+47").pk, keys.RUNS}
    gsi2 |= {keys.contact_request_by_status(s, AT, "r-1").pk for s in ("open", "handled")}
    gsi2 |= {keys.alert_settings_listed(NUMBER, "F-1").pk, keys.held_until(AT, "alert-100001-ab").pk}
    assert len(gsi2) == 7
    shards = {keys.accounts_pk(shard) for shard in range(keys.ACCOUNT_SHARDS)}
    assert not shards & (gsi2 - {keys.account_to_bill(NUMBER).pk})


def test_accounts_to_bill_spread_evenly_over_their_shards_and_stay_in_one() -> None:
    numbers = [str(700000 + n) for n in range(16_000)]
    per_shard: dict[str, int] = {}
    for number in numbers:
        pk = keys.account_to_bill(number).pk
        assert pk == keys.account_to_bill(number).pk  # stable
        per_shard[pk] = per_shard.get(pk, 0) + 1
    assert set(per_shard) == {keys.accounts_pk(shard) for shard in range(keys.ACCOUNT_SHARDS)}
    # Each of the 16 shards holds 1,000 +- 10 % of 16,000 accounts: no partition takes them all.
    assert all(900 <= count <= 1100 for count in per_shard.values()), per_shard


def test_a_runs_partition_keeps_its_run_batches_and_failures_apart() -> None:
    run = {
        "run": keys.billing_run("run-1").sk,
        "batch": keys.run_batch("run-1", NUMBER).sk,
        "failure": keys.billing_failure("run-1", NUMBER).sk,
    }
    assert {n for n, sk in run.items() if sk.startswith(keys.BILLING_FAILURES)} == {"failure"}
    assert {n for n, sk in run.items() if sk.startswith(keys.RUN_BATCHES)} == {"batch"}


def test_an_outbox_groups_partition_keeps_its_counts_and_failures_apart() -> None:
    counts, failure = keys.delivery_group("run-1"), keys.delivery_group_failure("run-1", "invoice-7-email")
    assert counts.pk == failure.pk
    assert failure.sk.startswith(keys.DELIVERY_FAILURES) and not counts.sk.startswith(keys.DELIVERY_FAILURES)


def test_keys_become_item_attributes() -> None:
    assert keys.customer(NUMBER).item() == {"PK": "CUST#100001", "SK": "PROFILE"}
    assert keys.account_to_bill(NUMBER).item() == {"GSI2PK": "ACCOUNTS#05", "GSI2SK": "100001"}
    assert keys.delivery("invoice-7-email").item() == {"PK": "DELIVERY#invoice-7-email", "SK": "DELIVERY"}
    assert keys.invoice(NUMBER, 42).sk == "INV#0000000042"


def test_intervals_of_the_first_and_last_day_of_a_range_are_in_it() -> None:
    bounds = keys.intervals_between(DAY, DAY + timedelta(days=1))
    assert between(keys.interval(METER, DAY, "2026-03-01T23:00#hour").sk, bounds)
    assert between(keys.interval(METER, DAY + timedelta(days=1), "2026-03-03T22:00#hour").sk, bounds)
    assert not between(keys.interval(METER, DAY + timedelta(days=2), "2026-03-03T23:00#hour").sk, bounds)
    assert not between(keys.interval(METER, DAY - timedelta(days=1), "2026-03-01T22:00#hour").sk, bounds)


def test_a_facilitys_alert_settings_and_state_are_listed_next_to_each_other() -> None:
    settings, state = keys.alert_settings_listed(NUMBER, "F-1"), keys.alert_state_listed(NUMBER, "F-1")
    other = keys.alert_settings_listed(NUMBER, "F-2")
    assert settings.pk == state.pk == other.pk == keys.ALERTS
    assert settings.sk < state.sk < other.sk
