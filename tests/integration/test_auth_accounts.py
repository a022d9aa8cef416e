"""Accounts over the local API gateway: registration by PIN with an e-mailed
code, lockout after wrong PINs, forgotten and changed passwords, users, roles,
invitations and the audit trail. Codes are read from the outbox (moto's SES)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from heatportal.adapters.dynamo import customer_item, facility_item, meter_item, reading_item
from heatportal.adapters.dynamo_accounts import DynamoRateLimitStore
from heatportal.domain.model import Address, Customer, Facility, Meter, MeterKind, Reading, ReadingSource, Role
from heatportal.domain.money import EnergyUnit
from heatportal.domain.secrets import hash_secret
from heatportal.i18n import translate
from infra.local.stack import outbox_messages
from tests.dates import local_today
from tests.integration.conftest import PASSWORD, body, month_starts, staff_headers

_numbers = itertools.count(700001)
NEW_PASSWORD = "new-secret-42"


def unregistered_customer(repo: Any, pin: str = "482913") -> Customer:
    """A customer with a PIN letter, a heat meter (``L<number>``) with six
    months of readings, and no user yet. The readings keep it an ordinary
    account for the billing run other tests start over every account."""
    number = str(next(_numbers))
    address = Address(street="Kirkegata 2", postcode="2000", city="Lillestrøm", country="NO")
    customer = Customer(
        number=number,
        name="Ola Nordmann",
        email=f"post-{number}@example.com",
        phone="+4791111111",
        language="nb",
        address=address,
    )
    meter = Meter(
        number=f"L{number}",
        customer_number=number,
        facility_id=f"F{number}",
        kind=MeterKind.HEAT,
        unit=EnergyUnit.KWH,
        decimals=0,
        installed_on=date(2020, 1, 1),
        start_value=Decimal(10000),
    )
    until = (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    readings = [
        Reading(
            meter_number=meter.number,
            read_on=day,
            value=Decimal(10000 + 1500 * (i + 1)),
            source=ReadingSource.PORTAL,
            recorded_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        )
        for i, day in enumerate(month_starts(until, 6))
    ]
    repo.table.batch_put(
        [
            customer_item(customer.model_copy(update={"pin_hash": hash_secret(pin)})),
            facility_item(Facility(id=f"F{number}", customer_number=number, name="Kirkegata 2", address=address)),
            meter_item(meter),
            *[reading_item(r) for r in readings],
        ]
    )
    return customer


def meter_of(customer: Customer) -> str:
    return f"L{customer.number}"


def mails_to(address: str) -> list[dict[str, Any]]:
    return [m for m in outbox_messages("email") if m["to"] == address]


def code_in(mail: dict[str, Any], lang: str = "nb") -> str:
    label = re.escape(translate("email.account.code_label", lang))  # type: ignore[arg-type]
    match = re.search(rf"{label}: (\d{{6}})", mail["text"])
    assert match, mail["text"]
    return match.group(1)


def register(http: Any, customer: Customer, email: str, pin: str = "482913") -> Any:
    return http.post("/api/auth/register", json={"customer_number": customer.number, "pin": pin, "email": email})


def login(http: Any, username: str, password: str) -> Any:
    return http.post("/api/auth/login", json={"username": username, "password": password})


def test_registration_with_pin_and_emailed_code_creates_an_administrator(http, repo):
    customer = unregistered_customer(repo)
    email = f"ny-{customer.number}@example.com"

    started = register(http, customer, email)
    assert started.status_code == 202, started.text
    mail = mails_to(email)[0]
    assert customer.number in mail["subject"] or customer.number in mail["text"]
    registration = {"registration_id": body(started)["id"], "code": code_in(mail)}

    differ = http.post(
        "/api/auth/register/confirm", json={**registration, "password": NEW_PASSWORD, "password_confirm": "other-1"}
    )
    assert (differ.status_code, body(differ)["code"]) == (422, "passwords_differ")
    done = http.post(
        "/api/auth/register/confirm",
        json={**registration, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert done.status_code == 201, done.text
    assert body(done)["role"] == "admin"

    signed_in = login(http, email, NEW_PASSWORD)
    assert signed_in.status_code == 200
    me = body(http.get("/api/me", headers={"Authorization": f"Bearer {body(signed_in)['id_token']}"}))
    assert me["customers"] == [
        {"customer_number": customer.number, "customer_path": customer.number, "role": "admin", "via_org": None}
    ]
    # The code is single use.
    again = http.post(
        "/api/auth/register/confirm",
        json={**registration, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert (again.status_code, body(again)["code"]) == (422, "code_invalid")


def test_unknown_number_wrong_pin_and_already_registered_get_the_same_answer(http, repo, seed):
    registered = seed()
    fresh = unregistered_customer(repo)
    unknown = Customer(  # never stored: its number is unknown to the table
        number="799999",
        name="Ukjent Kunde",
        language="nb",
        address=Address(street="Kirkegata 2", postcode="2000", city="Lillestrøm", country="NO"),
    )
    answers = [
        register(http, unknown, "a@example.com"),
        register(http, fresh, "b@example.com", pin="000000"),
        register(http, registered.customer, "c@example.com", pin="123456"),  # right PIN, already registered
    ]
    assert {r.status_code for r in answers} == {401}
    assert len({r.get_data(as_text=True) for r in answers}) == 1
    assert body(answers[0])["code"] == "registration_failed"
    assert mails_to("c@example.com") == []


def test_a_wrong_code_is_refused_and_attempts_are_limited(http, repo):
    customer = unregistered_customer(repo)
    email = f"guess-{customer.number}@example.com"
    started = body(register(http, customer, email))
    right = code_in(mails_to(email)[0])
    wrong = f"{(int(right) + 1) % 1000000:06d}"
    for _ in range(5):
        resp = http.post(
            "/api/auth/register/confirm",
            json={"registration_id": started["id"], "code": wrong, "password": PASSWORD, "password_confirm": PASSWORD},
        )
        assert body(resp)["code"] == "code_invalid"
    # Five wrong guesses used the code up: even the right one no longer works.
    resp = http.post(
        "/api/auth/register/confirm",
        json={"registration_id": started["id"], "code": right, "password": PASSWORD, "password_confirm": PASSWORD},
    )
    assert (resp.status_code, body(resp)["code"]) == (422, "code_invalid")


def test_six_wrong_pins_lock_that_customer_number_only(http, repo):
    locked = unregistered_customer(repo)
    other = unregistered_customer(repo)
    for _ in range(6):
        resp = register(http, locked, "someone@example.com", pin="111111")
        assert (resp.status_code, body(resp)["code"]) == (401, "registration_failed")

    refused = register(http, locked, f"owner-{locked.number}@example.com")  # the right PIN, too late
    assert refused.status_code == 429
    assert body(refused)["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 3600
    assert body(refused)["message"] == translate("error.rate_limited", "en")
    assert mails_to(f"owner-{locked.number}@example.com") == []

    assert register(http, other, f"owner-{other.number}@example.com").status_code == 202


def test_format_errors_are_validation_errors_not_guesses(http, repo):
    resp = http.post(
        "/api/auth/register",
        json={"customer_number": "12", "pin": "1234", "email": "x@example.com"},
        headers={"Accept-Language": "nb"},
    )
    assert (resp.status_code, body(resp)["code"]) == (422, "customer_number_invalid")
    assert body(resp)["message"] == translate("error.customer_number_invalid", "nb")
    bad_email = http.post("/api/auth/register", json={"customer_number": "700000", "pin": "1234", "email": "nope"})
    assert (bad_email.status_code, body(bad_email)["code"]) == (422, "email_invalid")


def test_forgot_password_answers_the_same_and_mails_only_known_users(http, seed):
    seeded = seed()
    known = http.post("/api/auth/password/forgot", json={"email": seeded.email}, headers={"Accept-Language": "en"})
    unknown = http.post(
        "/api/auth/password/forgot",
        json={"email": f"nobody-{seeded.customer.number}@example.com"},
        headers={"Accept-Language": "en"},
    )
    assert (known.status_code, unknown.status_code) == (202, 202)
    assert known.get_data() == unknown.get_data()
    assert mails_to(f"nobody-{seeded.customer.number}@example.com") == []
    code = code_in(mails_to(seeded.email)[0], "en")

    wrong = http.post(
        "/api/auth/password/reset",
        json={
            "email": seeded.email,
            "code": "000000" if code != "000000" else "111111",
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert (wrong.status_code, body(wrong)["code"]) == (422, "code_invalid")
    reset = http.post(
        "/api/auth/password/reset",
        json={"email": seeded.email, "code": code, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert reset.status_code == 200, reset.text
    assert login(http, seeded.email, NEW_PASSWORD).status_code == 200
    assert login(http, seeded.email, PASSWORD).status_code == 401


def test_change_password_needs_the_old_one_and_the_access_token(http, seed):
    seeded = seed()
    tokens = body(login(http, seeded.email, PASSWORD))
    headers = {**seeded.auth, "X-Access-Token": tokens["access_token"]}
    change = {"old_password": "wrong-password-1", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    wrong = http.post("/api/auth/password/change", json=change, headers=headers)
    assert (wrong.status_code, body(wrong)["code"]) == (422, "old_password_wrong")
    short = http.post(
        "/api/auth/password/change",
        json={"old_password": PASSWORD, "password": "short", "password_confirm": "short"},
        headers=headers,
    )
    assert (short.status_code, body(short)["code"]) == (422, "password_too_short")
    ok = http.post("/api/auth/password/change", json={**change, "old_password": PASSWORD}, headers=headers)
    assert ok.status_code == 200, ok.text
    assert login(http, seeded.email, NEW_PASSWORD).status_code == 200
    assert http.post("/api/auth/password/change", json=change).status_code == 401


def test_login_failures_lock_the_username_not_others(http, seed):
    seeded = seed()
    for _ in range(10):
        assert login(http, seeded.email, "wrong-password-1").status_code == 401
    locked = login(http, seeded.email, PASSWORD)
    assert (locked.status_code, body(locked)["code"]) == (429, "rate_limited")
    other = seed()
    assert login(http, other.email, PASSWORD).status_code == 200


def test_admin_invites_a_user_who_joins_then_changes_role_and_removes(http, seed):
    admin = seed()
    customer = admin.customer.number
    invitee = f"kollega-{customer}@example.com"

    invited = http.post(f"/api/customers/{customer}/users", json={"email": invitee, "role": "read"}, headers=admin.auth)
    assert invited.status_code == 202, invited.text
    listed = body(http.get(f"/api/customers/{customer}/users", headers=admin.auth))
    assert [i["email"] for i in listed["invitations"]] == [invitee]
    code = code_in(mails_to(invitee)[0])

    joined = http.post(
        "/api/auth/invitations/accept",
        json={
            "invitation_id": body(invited)["id"],
            "code": code,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert joined.status_code == 201, joined.text
    assert body(joined)["role"] == "read"
    token = body(login(http, invitee, NEW_PASSWORD))["id_token"]
    reader = {"Authorization": f"Bearer {token}"}
    assert http.get(f"/api/customers/{customer}/meters", headers=reader).status_code == 200
    assert http.get(f"/api/customers/{customer}/users", headers=reader).status_code == 403

    users = body(http.get(f"/api/customers/{customer}/users", headers=admin.auth))
    assert users["invitations"] == []
    new_user = next(u for u in users["users"] if u["email"] == invitee)
    promoted = http.put(
        f"/api/customers/{customer}/users/{new_user['user_id']}", json={"role": "admin"}, headers=admin.auth
    )
    assert body(promoted)["role"] == "admin"
    demoted = http.put(
        f"/api/customers/{customer}/users/{new_user['user_id']}", json={"role": "full"}, headers=admin.auth
    )
    assert body(demoted)["role"] == "full"
    removed = http.delete(f"/api/customers/{customer}/users/{new_user['user_id']}", headers=admin.auth)
    assert removed.status_code == 200
    assert http.get(f"/api/customers/{customer}/meters", headers=reader).status_code == 403

    trail = body(http.get(f"/api/customers/{customer}/audit", headers=admin.auth))
    assert [(e["action"], e["subject"], e["actor"]) for e in trail] == [
        ("removed", invitee, admin.email),
        ("role_changed", invitee, admin.email),
        ("role_changed", invitee, admin.email),
        ("joined", invitee, invitee),
        ("invited", invitee, admin.email),
    ]


def test_the_last_administrator_cannot_remove_or_demote_itself(http, seed):
    admin = seed()
    url = f"/api/customers/{admin.customer.number}/users/{admin.user_id}"
    demote = http.put(url, json={"role": "read"}, headers={**admin.auth, "Accept-Language": "nb"})
    assert (demote.status_code, body(demote)["code"]) == (409, "last_admin")
    assert body(demote)["message"] == translate("error.last_admin", "nb")
    assert body(http.delete(url, headers=admin.auth))["code"] == "last_admin"
    users = body(http.get(f"/api/customers/{admin.customer.number}/users", headers=admin.auth))["users"]
    assert users == [{"user_id": admin.user_id, "email": admin.email, "role": "admin"}]


def test_an_existing_user_joins_with_the_current_password(http, seed):
    admin = seed()
    other = seed()  # has an account for another customer
    invited = http.post(
        f"/api/customers/{admin.customer.number}/users",
        json={"email": other.email, "role": "full"},
        headers=admin.auth,
    )
    code = code_in(mails_to(other.email)[0])
    wrong = http.post(
        "/api/auth/invitations/accept",
        json={"invitation_id": body(invited)["id"], "code": code, "password": "not-my-password-1"},
    )
    assert (wrong.status_code, body(wrong)["code"]) == (401, "login_failed")
    joined = http.post(
        "/api/auth/invitations/accept", json={"invitation_id": body(invited)["id"], "code": code, "password": PASSWORD}
    )
    assert joined.status_code == 201, joined.text
    me = body(http.get("/api/me", headers=other.auth))
    assert {c["customer_number"]: c["role"] for c in me["customers"]} == {
        other.customer.number: "admin",
        admin.customer.number: "full",
    }
    assert Role.FULL.value == "full"


def test_forgotten_customer_number_and_pin_by_email_and_sms(http, repo):
    customer = unregistered_customer(repo)
    on_record = customer.email or ""
    asked = [
        http.post("/api/auth/customer-number/forgot", json={"email": f"stranger-{customer.number}@example.com"}),
        http.post("/api/auth/customer-number/forgot", json={"email": on_record.upper()}),
        http.post("/api/auth/customer-number/forgot", json={"phone": "911 11 111", "customer_number": customer.number}),
    ]
    assert {r.status_code for r in asked} == {202}
    assert len({r.get_data() for r in asked}) == 1  # the same answer, match or not
    assert mails_to(f"stranger-{customer.number}@example.com") == []

    mail = mails_to(on_record)[0]
    assert customer.number in mail["text"]
    pin_by_mail = re.search(r"Ny PIN-kode: (\d{6})", mail["text"])
    sms = [m for m in outbox_messages("sms") if customer.number in m["text"]]
    assert sms and sms[0]["to"] == "+4791111111"
    pin_by_sms = re.search(r"PIN-kode er (\d{6})", sms[0]["text"])
    assert pin_by_mail and pin_by_sms
    # The SMS came last, so its PIN is the one on record now; the letter's PIN is void.
    assert register(http, customer, "gammel@example.com").status_code == 401
    assert register(http, customer, f"ny-{customer.number}@example.com", pin=pin_by_sms.group(1)).status_code == 202


def test_link_another_customer_number_by_its_pin_letter_then_unlink(http, repo, seed):
    person = seed()
    other = unregistered_customer(repo)

    wrong = http.post("/api/me/links", json={"customer_number": other.number, "pin": "000000"}, headers=person.auth)
    assert (wrong.status_code, body(wrong)["code"]) == (401, "link_failed")
    linked = http.post("/api/me/links", json={"customer_number": other.number, "pin": "482913"}, headers=person.auth)
    assert linked.status_code == 201, linked.text
    numbers = {c["customer_number"] for c in body(http.get("/api/me", headers=person.auth))["customers"]}
    assert numbers == {person.customer.number, other.number}
    assert http.get(f"/api/customers/{other.number}/meters", headers=person.auth).status_code == 200
    trail = body(http.get(f"/api/customers/{other.number}/audit", headers=person.auth))
    assert [(e["action"], e["subject"]) for e in trail] == [("linked", person.email)]

    assert http.delete(f"/api/me/links/{other.number}", headers=person.auth).status_code == 200
    assert http.get(f"/api/customers/{other.number}/meters", headers=person.auth).status_code == 403
    # Unlinked, the number can be registered again.
    assert register(http, other, f"again-{other.number}@example.com").status_code == 202


def test_linking_an_already_registered_account_needs_its_password(http, repo, seed):
    person = seed()
    registered = seed()  # another account with its own login
    request = {"customer_number": registered.customer.number, "pin": "123456"}
    without = http.post("/api/me/links", json=request, headers=person.auth)
    wrong = http.post("/api/me/links", json={**request, "password": "not-it-1234"}, headers=person.auth)
    assert [body(r)["code"] for r in (without, wrong)] == ["link_failed", "link_failed"]
    linked = http.post("/api/me/links", json={**request, "password": PASSWORD}, headers=person.auth)
    assert linked.status_code == 201, linked.text
    me = body(http.get("/api/me", headers=person.auth))
    assert {c["customer_number"]: c["role"] for c in me["customers"]}[registered.customer.number] == "admin"


def test_staff_find_a_customer_by_number_email_or_meter_and_customers_cannot(http, stack, seed):
    customer = seed()
    staff = staff_headers(stack, http, f"kundeservice-{customer.customer.number}@utility.example")

    for query in (customer.customer.number, customer.email.upper(), customer.meter.number):
        resp = http.get("/api/staff/customers", query_string={"q": query}, headers=staff)
        assert resp.status_code == 200, resp.text
        assert [c["number"] for c in body(resp)] == [customer.customer.number], query
    assert body(http.get("/api/staff/customers", query_string={"q": "nobody@example.com"}, headers=staff)) == []
    refused = http.get("/api/staff/customers", query_string={"q": customer.customer.number}, headers=customer.auth)
    assert refused.status_code == 403
    # Staff see what the customer sees.
    assert http.get(f"/api/customers/{customer.customer.number}/meters", headers=staff).status_code == 200


def test_change_email_needs_the_password_and_a_code_sent_to_the_new_address(http, seed):
    seeded = seed()
    new = f"ny-adresse-{seeded.customer.number}@example.com"
    wrong = http.post("/api/auth/email/change", json={"password": "not-it-1234", "email": new}, headers=seeded.auth)
    assert (wrong.status_code, body(wrong)["code"]) == (422, "old_password_wrong")
    assert mails_to(new) == []

    started = http.post(
        "/api/auth/email/change",
        json={"password": PASSWORD, "email": new},
        headers={**seeded.auth, "Accept-Language": "nb"},
    )
    assert started.status_code == 202, started.text
    code = code_in(mails_to(new)[0])
    assert login(http, seeded.email, PASSWORD).status_code == 200  # nothing changed yet

    done = http.post("/api/auth/email/confirm", json={"id": body(started)["id"], "code": code}, headers=seeded.auth)
    assert done.status_code == 200, done.text
    assert body(done)["email"] == new
    assert login(http, new, PASSWORD).status_code == 200
    assert login(http, seeded.email, PASSWORD).status_code == 401
    tokens = body(login(http, new, PASSWORD))
    users = body(
        http.get(
            f"/api/customers/{seeded.customer.number}/users",
            headers={"Authorization": f"Bearer {tokens['id_token']}"},
        )
    )["users"]
    assert [u["email"] for u in users] == [new]


def test_change_email_to_an_address_in_use_is_refused(http, seed):
    seeded, other = seed(), seed()
    started = http.post(
        "/api/auth/email/change", json={"password": PASSWORD, "email": other.email}, headers=seeded.auth
    )
    code = code_in(mails_to(other.email)[0])
    taken = http.post("/api/auth/email/confirm", json={"id": body(started)["id"], "code": code}, headers=seeded.auth)
    assert (taken.status_code, body(taken)["code"]) == (409, "email_taken")
    assert login(http, seeded.email, PASSWORD).status_code == 200


def test_profile_changes_with_password_and_confirmation_emails(http, seed):
    seeded = seed()
    url = f"/api/customers/{seeded.customer.number}/profile"
    assert body(http.get(url, headers=seeded.auth))["bank_account"] is None

    bank = {"iban": "NO93 8601 1117 947", "holder": "Kari Nordmann", "valid_from": "2099-01-01"}
    wrong = http.put(f"{url}/bank-account", json={**bank, "password": "not-it-123"}, headers=seeded.auth)
    assert (wrong.status_code, body(wrong)["code"]) == (422, "old_password_wrong")
    bad = http.put(
        f"{url}/bank-account", json={**bank, "iban": "NO9386011117948", "password": PASSWORD}, headers=seeded.auth
    )
    assert (bad.status_code, body(bad)["code"]) == (422, "iban_invalid")
    saved = http.put(f"{url}/bank-account", json={**bank, "password": PASSWORD}, headers=seeded.auth)
    assert saved.status_code == 200, saved.text
    assert body(saved)["bank_account"]["iban"] == "NO9386011117947"
    assert any("NO93 8601 1117 947" in m["text"] for m in mails_to(seeded.email))
    # A second change before the first applies: the account in force (none yet) keeps paying until then.
    assert body(saved)["bank_account"]["previous"] is None
    today_change = {"iban": "NO83 3000 1234 567", "holder": "Kari Nordmann", "valid_from": local_today().isoformat()}
    assert (
        http.put(f"{url}/bank-account", json={**today_change, "password": PASSWORD}, headers=seeded.auth).status_code
        == 200
    )
    later = http.put(f"{url}/bank-account", json={**bank, "password": PASSWORD}, headers=seeded.auth)
    assert body(later)["bank_account"]["iban"] == "NO9386011117947"
    assert body(later)["bank_account"]["previous"]["iban"] == "NO8330001234567"  # pays until 2099-01-01

    moved = http.put(
        f"{url}/billing-address",
        json={"street": "Nygata 3", "postcode": "0160", "city": "Oslo", "password": PASSWORD},
        headers=seeded.auth,
    )
    assert body(moved)["address"] == {"street": "Nygata 3", "postcode": "0160", "city": "Oslo", "country": "NO"}

    contact = http.put(f"{url}/contact", json={"phone": "+47 400 00 000"}, headers=seeded.auth)
    assert body(contact)["phone"] == "+4740000000"

    sent = http.post(
        f"/api/customers/{seeded.customer.number}/contact-requests",
        json={"subject": "Måleravlesning", "message": "Hei!", "phone": "40000000"},
        headers=seeded.auth,
    )
    assert sent.status_code == 201
    assert len(mails_to(seeded.email)) == 5  # three bank account changes, billing address, contact form


def test_dynamo_rate_limit_counter_counts_atomically_and_starts_a_new_window(repo):
    store = DynamoRateLimitStore(repo.table)
    key = f"k-{next(_numbers)}"
    assert [store.increment("test", key, 1000, 60)[0] for _ in range(3)] == [1, 2, 3]
    assert store.peek("test", key, 1010) == (3, 1060)
    assert store.peek("test", key, 1060) == (0, 1060)  # the window is over
    assert store.increment("test", key, 1061, 60) == (1, 1121)
    store.clear("test", key)
    assert store.peek("test", key, 1062) == (0, 1062)
