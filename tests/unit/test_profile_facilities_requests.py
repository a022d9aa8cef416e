"""Profile service: a different bank account per facility (a customer pays
for each property from its own account) and the contact requests customer service works through."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pytest

from heatportal.documents.account_emails import profile_notice_email
from heatportal.domain.accounts import BankAccount, account_for_facility
from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import Address, Customer, Facility, Membership, Role
from heatportal.domain.profile import load_profile
from heatportal.services.access import AccessService, Principal
from heatportal.services.profile import ProfileService
from heatportal.services.ratelimit import RateLimiter
from tests.fakes.accounts import InMemoryAccountStore
from tests.fakes.clock import FixedClock
from tests.fakes.customer_records import InMemoryCustomerRecords
from tests.fakes.customers import InMemoryCustomerRepository
from tests.fakes.identity import FakeIdentityAdmin
from tests.fakes.messaging import InMemoryMailer
from tests.fakes.profile import InMemoryProfileStore
from tests.fakes.ratelimit import InMemoryRateLimitStore

PASSWORD = "secret-123"
NUMBER = "0012345/1"
STAFF = Principal(user_id="s1", email="kundenservice@stadtwerke.example", groups=frozenset({"staff"}))
IBAN_CUSTOMER = "DE89370400440532013000"
IBAN_FACILITY = "DE02120300000000202051"


def build(role: Role = Role.FULL):
    profile = load_profile("de")
    customers, store, identity, mailer = (
        InMemoryCustomerRepository(),
        InMemoryAccountStore(),
        FakeIdentityAdmin(),
        InMemoryMailer(),
    )
    address = Address(street="Hauptstr. 1", postcode="91560", city="Heilsbronn", country="DE")
    customers.add_customer(
        Customer(number=NUMBER, name="Jürgen Müller", email="rechnung@example.de", language="de", address=address)
    )
    for facility_id, name in (("F1", "Hauptstr. 1"), ("F2", "Ringstr. 5")):
        customers.add_facility(Facility(id=facility_id, customer_number=NUMBER, name=name, address=address))
    sub = identity.add_user("juergen@example.de", PASSWORD)
    store.add(Membership(user_id=sub, customer_number=NUMBER, role=role, email="juergen@example.de"))
    profiles = InMemoryProfileStore(customers)
    clock = FixedClock(date(2026, 3, 2))
    access = AccessService(InMemoryCustomerRecords(store, customers))
    service = ProfileService(
        profile=profile,
        customers=customers,
        store=profiles,
        identity=identity,
        limiter=RateLimiter(InMemoryRateLimitStore()),
        mailer=mailer,
        render_notice=partial(profile_notice_email, profile=profile),
        clock=clock,
    )
    return service, Principal(user_id=sub, email="juergen@example.de"), profiles, mailer, clock, access


def _change(service, scope, iban: str, facility_id: str | None = None, password: str = PASSWORD) -> BankAccount:
    return service.change_bank_account(
        scope,
        iban=iban,
        holder="Jürgen Müller",
        valid_from=date(2026, 4, 1),
        sepa_mandate=True,
        password=password,
        facility_id=facility_id,
    )


def test_a_facility_account_overrides_the_customers_for_that_facility_only():
    service, me, _profiles, mailer, _, access = build()
    _change(service, access.scope(me, NUMBER), IBAN_CUSTOMER)
    own = _change(service, access.scope(me, NUMBER), IBAN_FACILITY, facility_id="F2")
    assert own.facility_id == "F2"

    _customer, bank = service.view(access.scope(me, NUMBER))
    assert bank is not None and bank.iban == IBAN_CUSTOMER  # the customer's account is unchanged
    rows = {f.facility.id: f for f in service.facility_accounts(access.scope(me, NUMBER))}
    assert rows["F1"].own is None and rows["F1"].paying.iban == IBAN_CUSTOMER
    assert rows["F2"].own.iban == IBAN_FACILITY and rows["F2"].paying.iban == IBAN_FACILITY
    # The confirmation names the facility.
    assert "Ringstr. 5 (F2)" in mailer.sent[-1].text


def test_a_facility_of_another_customer_or_none_is_refused_before_the_password_is_tried():
    service, me, profiles, mailer, _, access = build()
    for unknown in ("F9", ""):
        with pytest.raises(ValidationFailed) as refused:
            _change(service, access.scope(me, NUMBER), IBAN_FACILITY, facility_id=unknown, password="wrong-1")
        assert refused.value.code == "facility_unknown"
        assert refused.value.fields == [{"field": "facility_id", "code": "facility_unknown"}]
    assert profiles.banks == {} and mailer.sent == []


def test_read_only_users_see_facility_accounts_but_do_not_change_them():
    service, me, _, _, _, access = build(role=Role.READ)
    assert [f.paying for f in service.facility_accounts(access.scope(me, NUMBER))] == [None, None]
    with pytest.raises(Forbidden):
        _change(service, access.scope(me, NUMBER), IBAN_FACILITY, facility_id="F1")


def test_removing_a_facility_account_pays_it_from_the_customers_again_and_a_retry_is_silent():
    service, me, profiles, mailer, _, access = build()
    assert profiles.banks == {}
    _change(service, access.scope(me, NUMBER), IBAN_CUSTOMER)
    _change(service, access.scope(me, NUMBER), IBAN_FACILITY, facility_id="F2")
    sent = len(mailer.sent)
    service.remove_facility_bank_account(access.scope(me, NUMBER), "F2")
    rows = {f.facility.id: f for f in service.facility_accounts(access.scope(me, NUMBER))}
    assert rows["F2"].own is None and rows["F2"].paying.iban == IBAN_CUSTOMER
    assert {m.recipient for m in mailer.sent[sent:]} == {"rechnung@example.de", "juergen@example.de"}
    assert "Ringstr. 5 (F2)" in mailer.sent[-1].text and "DE89 3704 0044 0532 0130 00" in mailer.sent[-1].text

    service.remove_facility_bank_account(access.scope(me, NUMBER), "F2")  # a retry: nothing left to remove
    assert len(mailer.sent) == sent + 2
    with pytest.raises(ValidationFailed) as unknown:
        service.remove_facility_bank_account(access.scope(me, NUMBER), "F9")
    assert unknown.value.code == "facility_unknown"
    reader, reader_me, _, _, _, reader_access = build(role=Role.READ)
    with pytest.raises(Forbidden):
        reader.remove_facility_bank_account(reader_access.scope(reader_me, NUMBER), "F2")


def test_account_for_facility_falls_back_to_the_customers():
    at = FixedClock(date(2026, 3, 2)).now()
    customer_account = BankAccount(NUMBER, IBAN_CUSTOMER, "J", date(2026, 4, 1), True, "j", at)
    facility_account = BankAccount(
        NUMBER, IBAN_FACILITY, "J", date(2026, 4, 1), True, "j", customer_account.changed_at, facility_id="F2"
    )
    accounts = [facility_account, customer_account]
    assert account_for_facility(accounts, "F2") is facility_account
    assert account_for_facility(accounts, "F1") is customer_account
    assert account_for_facility(accounts, None) is customer_account
    assert account_for_facility([facility_account], "F1") is None


# --- contact requests for customer service ------------------------------------------------


def test_customer_service_lists_open_requests_newest_first_a_page_at_a_time_and_marks_them_handled():
    service, me, _profiles, _, clock, access = build()
    sent = []
    for n in range(5):  # the limiter allows five an hour
        clock._now += timedelta(minutes=1)  # FixedClock has no minute step; its state is plain
        sent.append(service.contact(access.scope(me, NUMBER), f"Abschlag {n}", "Bitte anpassen", "0151 23456789"))
    assert len({r.id for r in sent}) == 5 and all(len(r.id) == 16 for r in sent)

    first = service.contact_requests(STAFF, "open", None, limit=2)
    assert [r.subject for r in first.requests] == ["Abschlag 4", "Abschlag 3"]
    second = service.contact_requests(STAFF, "open", first.next_cursor, limit=2)
    assert [r.subject for r in second.requests] == ["Abschlag 2", "Abschlag 1"]
    last = service.contact_requests(STAFF, "open", second.next_cursor, limit=2)
    assert [r.subject for r in last.requests] == ["Abschlag 0"] and last.next_cursor is None

    handled = service.mark_contact_request_handled(STAFF, sent[4].id)
    assert (handled.status, handled.handled_by) == ("handled", STAFF.email)
    again = service.mark_contact_request_handled(
        Principal(user_id="s2", email="other@stadtwerke.example", groups=frozenset({"staff"})), sent[4].id
    )
    assert again.handled_by == STAFF.email  # a retry changes nothing
    assert service.contact_requests(STAFF, "open").requests[0].subject == "Abschlag 3"
    assert [r.id for r in service.contact_requests(STAFF, "handled").requests] == [sent[4].id]


def test_only_customer_service_sees_contact_requests_and_unknown_ids_are_not_found():
    service, me, _, _, _, access = build()
    request = service.contact(access.scope(me, NUMBER), "Frage", "Text", "0151 23456789")
    with pytest.raises(Forbidden):
        service.contact_requests(me)
    with pytest.raises(Forbidden):
        service.mark_contact_request_handled(me, request.id)
    with pytest.raises(NotFound) as missing:
        service.mark_contact_request_handled(STAFF, "0" * 16)
    assert missing.value.code == "contact_request_not_found"
    with pytest.raises(ValidationFailed) as cursor:
        service.contact_requests(STAFF, "open", "not-a-cursor")
    assert cursor.value.code == "cursor_invalid"
