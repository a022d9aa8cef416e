"""Every key of the single table, built here and nowhere else.

The data model (entities, their partition and sort keys, the two indexes and
the access patterns they serve) is documented once, in docs/data-model.md;
this module is its code. Each entity has one function returning its primary
key (``Key``); index keys, sort-key prefixes (for ``begins_with``) and
sort-key ranges (for ``BETWEEN``) have their own functions and constants, so
an adapter never writes a key string itself.

The rules the key design depends on are tested in
tests/unit/test_dynamo_keys.py: numbers are zero-padded and dates and times
written in one fixed ISO form, so sort-key order is number, date and time
order; and within a partition no prefix a query uses is the start of another
entity's sort key.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime
from typing import NamedTuple

# Index names and the key attributes of the table and its two indexes.
GSI1 = "GSI1"
GSI2 = "GSI2"
INVOICE_NUMBER_DIGITS = 10
# Sorts after every character a key part is written with, so ``<prefix>~``
# closes a range that includes every key starting with <prefix>.
AFTER_ALL = "~"


class Key(NamedTuple):
    """A primary key: partition (PK) and sort key (SK)."""

    pk: str
    sk: str

    def item(self) -> dict[str, str]:
        """The key as item attributes: {"PK": ..., "SK": ...}."""
        return {"PK": self.pk, "SK": self.sk}


class IndexKey(NamedTuple):
    """A key on GSI1 or GSI2 (attributes ``<index>PK`` / ``<index>SK``)."""

    gsi: str
    pk: str
    sk: str

    def item(self) -> dict[str, str]:
        return {f"{self.gsi}PK": self.pk, f"{self.gsi}SK": self.sk}


def _number(number: int) -> str:
    """An invoice number zero-padded, so sort keys sort as numbers do."""
    return f"{number:0{INVOICE_NUMBER_DIGITS}d}"


def instant(moment: datetime) -> str:
    """A moment in the one sortable form sort keys use: UTC, ISO 8601."""
    return moment.astimezone(UTC).isoformat()


# --- a customer's partition: CUST#<customer number> -----------------------------------------

PROFILE = "PROFILE"
ACCESS = "ACCESS"
FACILITIES = "FAC#"
METERS = "METER#"
MEMBERS = "MEMBER#"
INVOICES = "INV#"
ADVANCES = "ADVANCE#"
AUDIT = "AUDIT#"
BANK_ACCOUNTS = "BANK"  # the customer's own account (BANK) and each facility's (BANK#FAC#<id>)
COMPANIES = "COMPANY#"
CONTACT_REQUESTS = "CONTACT#"
INVOICE_CORRECTIONS = "INVCORR#"
INVOICE_HOLDS = "INVHOLD#"


CUSTOMERS = "CUST#"  # every customer partition starts so, as do GSI1 sort keys of a user's memberships


def customer_pk(customer_number: str) -> str:
    return f"{CUSTOMERS}{customer_number}"


def customer(customer_number: str) -> Key:
    return Key(customer_pk(customer_number), PROFILE)


def facility(customer_number: str, facility_id: str) -> Key:
    return Key(customer_pk(customer_number), f"{FACILITIES}{facility_id}")


def meter(customer_number: str, meter_number: str) -> Key:
    return Key(customer_pk(customer_number), f"{METERS}{meter_number}")


def membership(customer_number: str, user_id: str) -> Key:
    return Key(customer_pk(customer_number), f"{MEMBERS}{user_id}")


def invoice(customer_number: str, number: int) -> Key:
    return Key(customer_pk(customer_number), f"{INVOICES}{_number(number)}")


def billed(customer_number: str, period: str, kind_key: str) -> Key:
    """The marker that a customer's period was billed (once per kind key)."""
    return Key(customer_pk(customer_number), f"BILLED#{period}#{kind_key}")


def invoice_correction(customer_number: str, original: int) -> Key:
    """The audit record of the correction of one invoice (an invoice is credited once)."""
    return Key(customer_pk(customer_number), f"{INVOICE_CORRECTIONS}{_number(original)}")


def invoice_hold(customer_number: str, period: str, kind: str) -> Key:
    """A draft held by the compliance check, once per period and invoice kind."""
    return Key(customer_pk(customer_number), f"{INVOICE_HOLDS}{period}#{kind}")


def payments_of(invoice_number: int) -> str:
    """Sort-key prefix of the payments of one invoice."""
    return f"PAY#{_number(invoice_number)}#"


def payment(customer_number: str, invoice_number: int, payment_id: str) -> Key:
    return Key(customer_pk(customer_number), f"{payments_of(invoice_number)}{payment_id}")


def advance(customer_number: str, valid_from: date) -> Key:
    return Key(customer_pk(customer_number), f"{ADVANCES}{valid_from.isoformat()}#total")


def customer_access(customer_number: str) -> Key:
    """The optimistic-lock version of the customer's access list."""
    return Key(customer_pk(customer_number), ACCESS)


def customer_audit(customer_number: str, at: datetime, suffix: str) -> Key:
    """An audit entry; ``suffix`` (random) keeps entries of the same moment apart."""
    return Key(customer_pk(customer_number), f"{AUDIT}{at.isoformat()}#{suffix}")


def bank_account(customer_number: str, facility_id: str | None = None) -> Key:
    sk = f"{BANK_ACCOUNTS}#FAC#{facility_id}" if facility_id else BANK_ACCOUNTS
    return Key(customer_pk(customer_number), sk)


def contact_request(customer_number: str, at: datetime, request_id: str) -> Key:
    return Key(customer_pk(customer_number), f"{CONTACT_REQUESTS}{at.isoformat()}#{request_id}")


def company_grant(customer_number: str, org_number: str) -> Key:
    return Key(customer_pk(customer_number), f"{COMPANIES}{org_number}")


SUPPLIES = "SUPPLY#"
CONTRACT_VERSIONS = "CONTRACT#"
DOCUMENTS = "DOC#"
DOCUMENTS_OPENED = "OPENED#"
SIGNING_ORDERS = "SIGNORDER#"


def supply(customer_number: str, facility_id: str, started_on: date) -> Key:
    """A customer's supply at a facility, from the day it started."""
    return Key(customer_pk(customer_number), f"{SUPPLIES}{facility_id}#{started_on.isoformat()}")


def contract_version(customer_number: str, facility_id: str, valid_from: date) -> Key:
    return Key(customer_pk(customer_number), f"{CONTRACT_VERSIONS}{facility_id}#{valid_from.isoformat()}")


def customer_document(customer_number: str, published_at: datetime, document_id: str) -> Key:
    """A document published to the customer (or to one of its facilities)."""
    return Key(customer_pk(customer_number), f"{DOCUMENTS}{instant(published_at)}#{document_id}")


def documents_opened(customer_number: str, user_id: str) -> Key:
    """The documents of the customer one person has opened (a set of ids)."""
    return Key(customer_pk(customer_number), f"{DOCUMENTS_OPENED}{user_id}")


def signing_order(customer_number: str, order_ref: str) -> Key:
    """A contract waiting for its signature (expires with the order)."""
    return Key(customer_pk(customer_number), f"{SIGNING_ORDERS}{order_ref}")


def company_block(customer_number: str, org_number: str) -> Key:
    """A removed company may not register the customer itself again."""
    return Key(customer_pk(customer_number), f"COMPANYBLOCK#{org_number}")


ALERT_SETTINGS = "ALERTSET#"
NOTIFICATIONS = "NOTE#"
CONSUMPTION_INFO = "CONSINFO#"


def alert_settings(customer_number: str, facility_id: str) -> Key:
    return Key(customer_pk(customer_number), f"{ALERT_SETTINGS}{facility_id}")


def alert_state(customer_number: str, facility_id: str) -> Key:
    """Where a facility's alert evaluation stands (written by the evaluation only)."""
    return Key(customer_pk(customer_number), f"ALERTSTATE#{facility_id}")


def notification(customer_number: str, notification_id: str) -> Key:
    """A portal notification; its id starts with its day (``<yyyy-mm-dd>#...``),
    so the newest sort last."""
    return Key(customer_pk(customer_number), f"{NOTIFICATIONS}{notification_id}")


def alert_inbox(customer_number: str) -> Key:
    """The customer's notification counters, one per facility (``*``: the whole customer)."""
    return Key(customer_pk(customer_number), "INBOX")


def inbox_seen(customer_number: str, user_id: str) -> Key:
    """The counters a person has seen of the customer's notifications."""
    return Key(customer_pk(customer_number), f"SEEN#{user_id}")


def consumption_info(customer_number: str, month_key: str) -> Key:
    """A month's consumption information (YYYY-MM)."""
    return Key(customer_pk(customer_number), f"{CONSUMPTION_INFO}{month_key}")


# --- a meter's partition: METER#<meter number> -------------------------------------------------

MONTHS = "MONTH#"
METER_SETTINGS_CHANGES = "METERSET#"
_READ = "READ#"
_DAY = "DAY#"
_CORRECTION = "READHIST#"


def meter_pk(meter_number: str) -> str:
    return f"METER#{meter_number}"


def reading(meter_number: str, read_on: date) -> Key:
    return Key(meter_pk(meter_number), f"{_READ}{read_on.isoformat()}")


def readings_between(first: date, last: date) -> tuple[str, str]:
    """Sort-key range of the readings dated ``first`` to ``last``, both included."""
    return f"{_READ}{first.isoformat()}", f"{_READ}{last.isoformat()}"


def readings_up_to(last: date | None) -> tuple[str, str]:
    """Sort-key range of every reading dated up to ``last`` (or at all)."""
    return _READ, f"{_READ}{last.isoformat()}" if last else f"{_READ}9999"


def daily(meter_number: str, day: date) -> Key:
    return Key(meter_pk(meter_number), f"{_DAY}{day.isoformat()}")


def days_between(first: date, last: date) -> tuple[str, str]:
    """Sort-key range of the daily values of ``first`` to ``last``, both included."""
    return f"{_DAY}{first.isoformat()}", f"{_DAY}{last.isoformat()}"


def month(meter_number: str, month_key: str) -> Key:
    """A meter's monthly consumption; ``month_key`` is YYYY-MM."""
    return Key(meter_pk(meter_number), f"{MONTHS}{month_key}")


def months_between(first: str, last: str) -> tuple[str, str]:
    return f"{MONTHS}{first}", f"{MONTHS}{last}"


def reminder_sent(meter_number: str, period: str, channel: str) -> Key:
    return Key(meter_pk(meter_number), f"REMINDED#{period}#{channel}")


def intervals_of(day: date) -> str:
    """Sort-key prefix of a (local) day's smart-meter interval values."""
    return f"INT#{day.isoformat()}#"


def intervals_between(first: date, last: date) -> tuple[str, str]:
    """Sort-key range of the interval values of the (local) days ``first`` to ``last``, both included."""
    return intervals_of(first), f"{intervals_of(last)}{AFTER_ALL}"


def interval(meter_number: str, day: date, interval_key: str) -> Key:
    """``interval_key`` is IntervalValue.key: <UTC start>#<hour|day>."""
    return Key(meter_pk(meter_number), f"{intervals_of(day)}{interval_key}")


def intervals_starting(first: tuple[date, str], last: tuple[date, str]) -> tuple[str, str]:
    """Sort-key range of the interval values starting from ``first`` up to,
    not including, ``last``: each a (local day, UTC start as in
    ``IntervalValue.key``) pair. A value's key is its start followed by
    ``#hour`` or ``#day``, so it sorts after the bare start: the lower bound
    takes a value starting at ``first``, the upper one leaves out a value
    starting at ``last``. Local days follow UTC order, so key order is start order."""
    return f"{intervals_of(first[0])}{first[1]}", f"{intervals_of(last[0])}{last[1]}"


def reading_confirmed(meter_number: str, read_on: date) -> Key:
    """The marker that a reading's confirmation email was sent."""
    return Key(meter_pk(meter_number), f"READMAIL#{read_on.isoformat()}")


def reading_correction(meter_number: str, read_on: date, corrected_at: datetime) -> Key:
    return Key(meter_pk(meter_number), f"{_CORRECTION}{read_on.isoformat()}#{instant(corrected_at)}")


def corrections_between(first: date, last: date) -> tuple[str, str]:
    """Sort-key range of the corrections of the readings dated ``first`` to ``last``."""
    return f"{_CORRECTION}{first.isoformat()}", f"{_CORRECTION}{last.isoformat()}#{AFTER_ALL}"


def meter_settings_change(meter_number: str, changed_at: datetime) -> Key:
    return Key(meter_pk(meter_number), f"{METER_SETTINGS_CHANGES}{instant(changed_at)}")


def meter_number_marker(meter_number: str) -> Key:
    """Makes a meter number unique across customers at write time."""
    return Key(f"METERNO#{meter_number}", "METERNO")


# --- organisations (management companies) ----------------------------------------------------------

ORGANISATIONS = "ORG#"  # every organisation partition starts so, as do GSI1 sort keys of a user's organisations
ORG_MEMBERS = MEMBERS
ORG_AUDIT = AUDIT


def org_pk(org_number: str) -> str:
    return f"{ORGANISATIONS}{org_number}"


def organisation(org_number: str) -> Key:
    return Key(org_pk(org_number), PROFILE)


def org_member(org_number: str, user_id: str) -> Key:
    return Key(org_pk(org_number), f"{ORG_MEMBERS}{user_id}")


def org_access(org_number: str) -> Key:
    """The optimistic-lock version of the organisation's member list."""
    return Key(org_pk(org_number), ACCESS)


def org_audit(org_number: str, at: datetime, suffix: str) -> Key:
    return Key(org_pk(org_number), f"{ORG_AUDIT}{at.isoformat()}#{suffix}")


def org_invitation(invitation_id: str) -> Key:
    return Key(f"ORGINV#{invitation_id}", "ORGINV")


# --- the portfolio: a customer's directory, a facility's figures and protocols, a person's settings -----

FACILITY_AGGREGATES = "AGG#"
PROTOCOLS = "PROTOCOL#"


def directory(customer_number: str) -> Key:
    """What the portfolio shows of a customer (facilities, meters, last readings,
    status, open invoices), in a partition of its own so the customer's record
    Query never reads it."""
    return Key(f"DIRECTORY#{customer_number}", "DIRECTORY")


def facility_figures_pk(customer_number: str, facility_id: str) -> str:
    """A facility's figures and operating protocols (not GSI1's ``FACILITY#``, which lists supplies)."""
    return f"FIGURES#{customer_number}#{facility_id}"


def facility_aggregate(customer_number: str, facility_id: str, supply: str) -> Key:
    """A facility's figures of one supply (heating or cooling)."""
    return Key(facility_figures_pk(customer_number, facility_id), f"{FACILITY_AGGREGATES}{supply}")


def operating_protocol(customer_number: str, facility_id: str, uploaded_at: datetime, protocol_id: str) -> Key:
    """A function-control operating protocol (the PDF is in S3)."""
    return Key(facility_figures_pk(customer_number, facility_id), f"{PROTOCOLS}{instant(uploaded_at)}#{protocol_id}")


def portfolio_settings(user_id: str) -> Key:
    """A person's facility groups and start-page tiles."""
    return Key(user_pk(user_id), "PORTFOLIO")


# --- one-item partitions -------------------------------------------------------------------------------


def challenge(challenge_id: str) -> Key:
    """A one-time code (registration, password reset, invitation, e-mail change)."""
    return Key(f"CHALLENGE#{challenge_id}", "CHALLENGE")


def rate_limit(scope: str, key: str) -> Key:
    return Key(f"RATE#{scope}#{key}", "RATE")


def inbound_sms(message_id: str) -> Key:
    return Key(f"SMSIN#{message_id}", "SMSIN")


def reading_link(token_hash: str) -> Key:
    return Key(f"LINK#{token_hash}", "LINK")


def attempt_counter(scope: str, key: str, window: str) -> Key:
    return Key(f"COUNT#{scope}#{key}", window)


def held_message(message_id: str) -> Key:
    """An alert's SMS held for the quiet hours until it may go to the
    delivery outbox (kept after, so it is held once)."""
    return Key(f"HELDSMS#{message_id}", "HELDSMS")


def invoice_counter() -> Key:
    return Key("COUNTER#INVOICE", "COUNTER")


def customer_number_counter() -> Key:
    return Key("COUNTER#CUSTOMER", "COUNTER")


def signing_code(order_ref: str) -> Key:
    """An order of the e-mail code signing method (TTL)."""
    return Key(f"SIGNCODE#{order_ref}", "SIGNCODE")


def move_in(handshake_id: str) -> Key:
    """An incoming party's confirmation of a move, waiting for its code (TTL)."""
    return Key(f"MOVEIN#{handshake_id}", "MOVEIN")


SIGN_OUT = "SIGNOUT"  # sort key of the sign-out record, in the table and on GSI1


def sign_out(user_id: str) -> Key:
    return Key(user_pk(user_id), SIGN_OUT)


# --- open data: tokens of the data API and what a provider read ------------------------------------


def data_token(token_hash: str) -> Key:
    """A personal access token or a provider share, by the SHA-256 of its secret."""
    return Key(f"DATATOKEN#{token_hash}", "DATATOKEN")


def data_access_pk(customer_number: str) -> str:
    """The audit entries of reads by provider shares: a partition of their own,
    so the customer's record (read on every request) never reads them."""
    return f"DATAAUDIT#{customer_number}"


def data_access(customer_number: str, at: datetime, suffix: str) -> Key:
    return Key(data_access_pk(customer_number), f"{instant(at)}#{suffix}")


# --- reminder agreements and SMS: PHONE#<e164> or EMAIL#<address> ------------------------------------

AGREEMENTS = METERS


def address_pk(channel: str, address: str) -> str:
    return f"{'PHONE' if channel == 'sms' else 'EMAIL'}#{address}"


def agreement(channel: str, address: str, meter_number: str) -> Key:
    return Key(address_pk(channel, address), f"{AGREEMENTS}{meter_number}")


def start_attempts(phone: str, day: date) -> Key:
    return Key(address_pk("sms", phone), f"ATTEMPTS#{day.isoformat()}")


def pending_start(phone: str) -> Key:
    """A phone's KLEM START waiting for the code sent to the contact data on record."""
    return Key(address_pk("sms", phone), "PENDINGSTART")


def start_codes_sent(customer_number: str, day: date) -> Key:
    """How many START codes went to a customer's contact data on a day."""
    return Key(f"STARTCODES#{customer_number}", day.isoformat())


# --- spot prices, billing runs, interruptions, name index -------------------------------------------


def spot_pk(zone: str) -> str:
    return f"SPOT#{zone}"


def spot_price(zone: str, month_key: str) -> Key:
    return Key(spot_pk(zone), f"{MONTHS}{month_key}")


def spot_prices_of_year(year: int) -> tuple[str, str]:
    return f"{MONTHS}{year:04d}-01", f"{MONTHS}{year:04d}-12"


def month_of_spot_price(sk: str) -> str:
    return sk.removeprefix(MONTHS)


BILLING_FAILURES = "FAIL#"
RUN_BATCHES = "BATCH#"


def run_pk(run_id: str) -> str:
    return f"RUN#{run_id}"


def billing_run(run_id: str) -> Key:
    """A bill run: its period and manifest, its progress counters, its summary."""
    return Key(run_pk(run_id), "RUN")


def run_batch(run_id: str, batch_key: str) -> Key:
    """The marker that a batch's outcome was added to its run's progress (once)."""
    return Key(run_pk(run_id), f"{RUN_BATCHES}{batch_key}")


def billing_failure(run_id: str, customer_number: str) -> Key:
    return Key(run_pk(run_id), f"{BILLING_FAILURES}{customer_number}")


# --- deliveries (the outbox): DELIVERY#<id> and OUTBOX#<group> ------------------------------------

DELIVERY_FAILURES = "FAILED#"


def delivery(delivery_id: str) -> Key:
    """A delivery record; its id is the only key SES events carry back (a message tag)."""
    return Key(f"DELIVERY#{delivery_id}", "DELIVERY")


def outbox_group_pk(group: str) -> str:
    return f"OUTBOX#{group}"


def delivery_group(group: str) -> Key:
    """The counts of a group's deliveries: queued, sent, failed."""
    return Key(outbox_group_pk(group), "COUNTS")


def delivery_group_failure(group: str, delivery_id: str) -> Key:
    return Key(outbox_group_pk(group), f"{DELIVERY_FAILURES}{delivery_id}")


UTILITY = "UTILITY"
_INTERRUPTION = "INTERRUPTION#"


def _utc_seconds(moment: datetime) -> str:
    """A start in one fixed UTC form (whole seconds, ``Z``), so starts sort as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def interruption(starts_at: datetime, interruption_id: str) -> Key:
    return Key(UTILITY, f"{_INTERRUPTION}{_utc_seconds(starts_at)}#{interruption_id}")


def utility_document(published_at: datetime, document_id: str) -> Key:
    """A document published to every customer."""
    return Key(UTILITY, f"{DOCUMENTS}{instant(published_at)}#{document_id}")


def interruptions_starting(first: datetime, last: datetime) -> tuple[str, str]:
    """Sort-key range of interruptions starting from ``first`` up to and including ``last``."""
    return f"{_INTERRUPTION}{_utc_seconds(first)}", f"{_INTERRUPTION}{_utc_seconds(last)}{AFTER_ALL}"


def name_pk(partition: str) -> str:
    """The name-index partition of a token (domain.name_search.partition_of)."""
    return f"NAME#{partition}"


def name_token(partition: str, token: str, customer_number: str) -> Key:
    return Key(name_pk(partition), f"{token}#{customer_number}")


# --- GSI1: lookups by another key --------------------------------------------------------------------


def by_contact_email(email: str, customer_number: str) -> IndexKey:
    """A customer by its e-mail on record (lower-case)."""
    return IndexKey(GSI1, contact_email_pk(email), customer_pk(customer_number))


def contact_email_pk(email: str) -> str:
    return f"CONTACT#{email}"


def by_meter_number(meter_number: str, customer_number: str) -> IndexKey:
    return IndexKey(GSI1, meter_pk(meter_number), customer_pk(customer_number))


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def by_user_membership(user_id: str, customer_number: str) -> IndexKey:
    return IndexKey(GSI1, user_pk(user_id), customer_pk(customer_number))


def by_user_organisation(user_id: str, org_number: str) -> IndexKey:
    return IndexKey(GSI1, user_pk(user_id), org_pk(org_number))


def invoice_number_pk(number: int) -> str:
    return f"INVOICE#{number}"


def by_invoice_number(number: int, customer_number: str) -> IndexKey:
    return IndexKey(GSI1, invoice_number_pk(number), customer_pk(customer_number))


def invitations_pk(customer_number: str) -> str:
    return f"INVITES#{customer_number}"


def by_customer_invitation(customer_number: str, challenge_id: str) -> IndexKey:
    return IndexKey(GSI1, invitations_pk(customer_number), challenge_id)


def contact_request_pk(request_id: str) -> str:
    return f"CONTACTREQ#{request_id}"


def by_contact_request_id(request_id: str) -> IndexKey:
    return IndexKey(GSI1, contact_request_pk(request_id), "CONTACTREQ")


def org_customers_pk(org_number: str) -> str:
    return f"ORGCUST#{org_number}"


def by_company_grant(org_number: str, customer_number: str) -> IndexKey:
    return IndexKey(GSI1, org_customers_pk(org_number), customer_pk(customer_number))


def org_invitations_pk(org_number: str) -> str:
    return f"ORGINVITES#{org_number}"


def by_org_invitation(org_number: str, invitation_id: str) -> IndexKey:
    return IndexKey(GSI1, org_invitations_pk(org_number), invitation_id)


def reminders_of_pk(customer_number: str) -> str:
    return f"REMINDERS#{customer_number}"


def _agreement_sk(meter_number: str, channel: str, address: str) -> str:
    return f"{meter_number}#{channel}#{address}"


def by_customer_agreement(customer_number: str, meter_number: str, channel: str, address: str) -> IndexKey:
    return IndexKey(GSI1, reminders_of_pk(customer_number), _agreement_sk(meter_number, channel, address))


def tokens_of_pk(user_id: str) -> str:
    return f"TOKENS#{user_id}"


def by_user_token(user_id: str, created_at: datetime, token_id: str) -> IndexKey:
    """A person's personal access tokens, oldest first."""
    return IndexKey(GSI1, tokens_of_pk(user_id), f"{instant(created_at)}#{token_id}")


def shares_of_pk(customer_number: str) -> str:
    return f"SHARES#{customer_number}"


def by_customer_share(customer_number: str, created_at: datetime, share_id: str) -> IndexKey:
    """A customer's provider shares, oldest first."""
    return IndexKey(GSI1, shares_of_pk(customer_number), f"{instant(created_at)}#{share_id}")


def facility_pk(facility_id: str) -> str:
    return f"FACILITY#{facility_id}"


def by_facility_supply(facility_id: str, started_on: date, customer_number: str) -> IndexKey:
    """A facility's supplies, oldest first: who is (or was) supplied there."""
    return IndexKey(GSI1, facility_pk(facility_id), f"{SUPPLIES}{started_on.isoformat()}#{customer_number}")


# --- GSI2: lists a scheduled job or customer service walks -----------------------------------------

ACCOUNTS = "ACCOUNTS"
# Accounts to bill are spread over this many partition keys (ACCOUNTS#00 ..
# ACCOUNTS#15), so no single index partition takes every customer's writes.
ACCOUNT_SHARDS = 16
REMINDERS = "REMINDERS"
RUNS = "RUNS"
ALERTS = "ALERTS"
HELD_SMS = "HELDSMS"


def account_shard(customer_number: str) -> int:
    """A customer's shard: stable (CRC-32 of the number), spread evenly."""
    return zlib.crc32(customer_number.encode()) % ACCOUNT_SHARDS


def accounts_pk(shard: int) -> str:
    return f"{ACCOUNTS}#{shard:02d}"


def account_to_bill(customer_number: str) -> IndexKey:
    return IndexKey(GSI2, accounts_pk(account_shard(customer_number)), customer_number)


def run_by_start(started_at: datetime, run_id: str) -> IndexKey:
    """The runs, newest first (a Query in descending order)."""
    return IndexKey(GSI2, RUNS, f"{instant(started_at)}#{run_id}")


def agreement_to_remind(meter_number: str, channel: str, address: str) -> IndexKey:
    return IndexKey(GSI2, REMINDERS, _agreement_sk(meter_number, channel, address))


def alert_settings_listed(customer_number: str, facility_id: str) -> IndexKey:
    """A facility's alert settings in the list the daily evaluation walks."""
    return IndexKey(GSI2, ALERTS, f"{customer_number}#{facility_id}#settings")


def alert_state_listed(customer_number: str, facility_id: str) -> IndexKey:
    """Next to its settings, so the evaluation reads both in one walk."""
    return IndexKey(GSI2, ALERTS, f"{customer_number}#{facility_id}#state")


def held_until(until: datetime, message_id: str) -> IndexKey:
    """A held SMS in the list of those waiting, by the time it may go."""
    return IndexKey(GSI2, HELD_SMS, f"{instant(until)}#{message_id}")


def contact_requests_pk(status: str) -> str:
    return f"CONTACTREQ#{status}"


def contact_request_by_status(status: str, at: datetime, request_id: str) -> IndexKey:
    return IndexKey(GSI2, contact_requests_pk(status), f"{at.isoformat()}#{request_id}")


VACANT = "VACANT"


def vacant_facility(ended_on: date, facility_id: str) -> IndexKey:
    """A facility whose supply ended with nobody moving in yet (customer service's list)."""
    return IndexKey(GSI2, VACANT, f"{ended_on.isoformat()}#{facility_id}")
