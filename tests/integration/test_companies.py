"""Management companies over HTTP on the local stack (seed 004 "Permissions"):
a customer's administrator grants a company selected facilities, the company
accepts or registers itself through the emailed code, a company registers the
customers it manages with customer + organisation number, and the company's
people see exactly what was granted."""

from __future__ import annotations

import itertools
import re
import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from heatportal.adapters.dynamo import customer_item, facility_item, meter_item
from heatportal.domain.model import Address, Facility, Meter, MeterKind
from heatportal.domain.money import EnergyUnit
from heatportal.i18n import translate
from infra.local.stack import outbox_messages
from tests.dates import local_today
from tests.integration.conftest import PASSWORD, bearer, create_user

_orgs = itertools.count(1)


def org_number() -> str:
    """A fresh, check-digit valid Norwegian organisation number."""
    from stdnum.no import orgnr

    while True:
        body = f"9{secrets.randbelow(10**7):07d}"
        for check in "0123456789":
            if orgnr.is_valid(body + check):
                return body + check


def customer_with_two_facilities(seed: Any, repo: Any, *, org: str | None = None) -> tuple[Any, Meter]:
    """A seeded customer (its administrator signed in) with a second facility and meter."""
    seeded = seed()
    number = seeded.customer.number
    address = Address(street="Bakgården 3", postcode="0155", city="Oslo", country="NO")
    second = Meter(
        number=f"B{number}",
        customer_number=number,
        facility_id=f"G{number}",
        kind=MeterKind.HEAT,
        unit=EnergyUnit.KWH,
        decimals=0,
        installed_on=date(2020, 1, 1),
        start_value=Decimal(500),
    )
    items = [
        facility_item(Facility(id=f"G{number}", customer_number=number, name="Bakgården 3", address=address)),
        meter_item(second),
    ]
    if org:
        items.append(customer_item(seeded.customer.model_copy(update={"org_number": org})))
    repo.table.batch_put(items)
    return seeded, second


def company(stack: Any, http: Any, name: str = "Forvaltning AS") -> tuple[str, str, dict[str, str]]:
    """A registered company with a signed-in administrator: (org number, e-mail, headers)."""
    email = f"forvalter-{secrets.token_hex(4)}@example.com"
    create_user(stack, email)
    headers = bearer(http, email)
    number = org_number()
    resp = http.post("/api/organisations", json={"org_number": number, "name": name}, headers=headers)
    assert resp.status_code == 201, resp.text
    assert resp.json == {"org_number": number, "name": name, "my_role": "admin", "verified_at": None}
    return number, email, headers


def mails_to(address: str) -> list[dict[str, Any]]:
    return [m for m in outbox_messages("email") if m["to"] == address]


def code_in(mail: dict[str, Any]) -> str:
    label = re.escape(translate("email.account.code_label", "nb"))
    match = re.search(rf"{label}: (\d{{6}})", mail["text"])
    assert match, mail["text"]
    return match.group(1)


def invitation_id(mail: dict[str, Any]) -> str:
    match = re.search(r"/organisation/invitation\?id=([A-Za-z0-9_-]+)", mail["text"])
    assert match, mail["text"]
    return match.group(1)


def test_a_company_granted_one_facility_sees_exactly_that_facility(stack, http, seed, repo):
    customer, other_meter = customer_with_two_facilities(seed, repo)
    number = customer.customer.number
    org, company_email, company_headers = company(stack, http)

    invited = http.post(
        f"/api/customers/{number}/companies",
        json={"org_number": org, "facilities": [customer.meter.facility_id], "role": "full"},
        headers=customer.auth,
    )
    assert invited.status_code == 201, invited.text
    assert invited.json["status"] == "pending"
    assert invited.json["name"] == "Forvaltning AS"

    # Pending: no access yet.
    assert http.get(f"/api/customers/{number}/meters", headers=company_headers).status_code == 403
    detail = http.get(f"/api/organisations/{org}", headers=company_headers).json
    assert [(c["customer_number"], c["status"]) for c in detail["customers"]] == [(number, "pending")]

    accepted = http.post(f"/api/organisations/{org}/customers/{number}/accept", headers=company_headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json["status"] == "active"

    me = http.get("/api/me", headers=company_headers).json
    assert [(c["customer_number"], c["role"], c["via_org"]) for c in me["customers"]] == [(number, "full", org)]
    meters = http.get(f"/api/customers/{number}/meters", headers=company_headers)
    assert meters.status_code == 200
    assert [m["number"] for m in meters.json] == [customer.meter.number]
    granted = f"/api/customers/{number}/meters/{customer.meter.number}"
    assert http.get(f"{granted}/readings", headers=company_headers).status_code == 200
    assert http.get(f"{granted}/consumption", headers=company_headers).status_code == 200
    stored = http.post(
        f"{granted}/readings",
        json={"value": "19500", "read_on": local_today().isoformat()},
        headers=company_headers,
    )
    assert stored.status_code == 201, stored.text
    # Not granted: the other facility's meter, and what covers the whole customer.
    denied = f"/api/customers/{number}/meters/{other_meter.number}"
    assert http.get(f"{denied}/readings", headers=company_headers).status_code == 403
    assert http.get(f"{denied}/consumption", headers=company_headers).status_code == 403
    for path in ("invoices", "profile", "users", "audit", "companies", "economy"):
        assert http.get(f"/api/customers/{number}/{path}", headers=company_headers).status_code == 403, path

    listed = http.get(f"/api/customers/{number}/companies", headers=customer.auth).json
    assert [(c["org_number"], c["status"], c["facilities"]) for c in listed] == [
        (org, "active", [customer.meter.facility_id])
    ]
    # Who registered the organisation number is shown: nothing else proves it.
    assert listed[0]["administrators"] == [company_email]
    trail = http.get(f"/api/customers/{number}/audit", headers=customer.auth).json
    assert {"company_invited", "company_accepted"} <= {e["action"] for e in trail}

    # Widening the grant to every facility opens the invoices, revoking closes everything.
    changed = http.put(
        f"/api/customers/{number}/companies/{org}", json={"facilities": None, "role": "read"}, headers=customer.auth
    )
    assert changed.status_code == 200 and changed.json["facilities"] is None
    assert http.get(f"/api/customers/{number}/invoices", headers=company_headers).status_code == 200
    assert http.get(f"{denied}/readings", headers=company_headers).status_code == 200
    read_only = http.post(
        f"{granted}/readings", json={"value": "19600", "read_on": local_today().isoformat()}, headers=company_headers
    )
    assert read_only.status_code == 403

    assert http.delete(f"/api/customers/{number}/companies/{org}", headers=customer.auth).status_code == 200
    assert http.get(f"/api/customers/{number}/meters", headers=company_headers).status_code == 403
    assert http.get("/api/me", headers=company_headers).json["customers"] == []
    actions = [e["action"] for e in http.get(f"/api/customers/{number}/audit", headers=customer.auth).json]
    assert actions[:2] == ["company_removed", "company_changed"]


def test_an_unregistered_company_accepts_with_the_emailed_code_and_becomes_registered(stack, http, seed, repo):
    customer, _ = customer_with_two_facilities(seed, repo)
    number = customer.customer.number
    org = org_number()
    contact = f"kontakt-{secrets.token_hex(4)}@example.com"

    missing_contact = http.post(
        f"/api/customers/{number}/companies", json={"org_number": org, "facilities": None}, headers=customer.auth
    )
    assert missing_contact.status_code == 422
    assert missing_contact.json["code"] == "contact_email_required"

    invited = http.post(
        f"/api/customers/{number}/companies",
        json={"org_number": org, "facilities": None, "role": "read", "contact_email": contact},
        headers=customer.auth,
    )
    assert invited.status_code == 201, invited.text
    assert invited.json["name"] is None
    [mail] = mails_to(contact)
    code, invitation = code_in(mail), invitation_id(mail)

    wrong = http.post(
        "/api/organisations/invitations/accept",
        json={
            "invitation_id": invitation,
            "code": "000000",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "company_name": "Nye Forvaltning AS",
        },
    )
    assert wrong.status_code == 422 and wrong.json["code"] == "code_invalid"
    no_name = http.post(
        "/api/organisations/invitations/accept",
        json={"invitation_id": invitation, "code": code, "password": PASSWORD, "password_confirm": PASSWORD},
    )
    assert no_name.status_code == 422 and no_name.json["code"] == "org_name_invalid"
    accepted = http.post(
        "/api/organisations/invitations/accept",
        json={
            "invitation_id": invitation,
            "code": code,
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "company_name": "Nye Forvaltning AS",
        },
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json["role"] == "admin"

    headers = bearer(http, contact)
    orgs = http.get("/api/organisations", headers=headers).json
    assert orgs == [{"org_number": org, "name": "Nye Forvaltning AS", "my_role": "admin", "verified_at": None}]
    meters = http.get(f"/api/customers/{number}/meters", headers=headers)
    assert meters.status_code == 200 and len(meters.json) == 2  # all facilities were granted
    assert http.get(f"/api/customers/{number}/invoices", headers=headers).status_code == 200
    # The code is single use.
    again = http.post(
        "/api/organisations/invitations/accept",
        json={"invitation_id": invitation, "code": code, "password": PASSWORD, "company_name": "X"},
    )
    assert again.status_code == 422


def test_a_company_registers_a_customer_by_customer_and_organisation_number(stack, http, seed, repo):
    customer_org = org_number()
    customer, _ = customer_with_two_facilities(seed, repo, org=customer_org)
    number = customer.customer.number
    org, _email, headers = company(stack, http, name="Eiendomsdrift AS")

    def register(org_of_customer: str, who: str = number) -> Any:
        return http.post(
            f"/api/organisations/{org}/customers",
            json={"customer_number": who, "customer_org_number": org_of_customer},
            headers=headers,
        )

    bad_format = register("123")
    assert bad_format.status_code == 422 and bad_format.json["code"] == "org_number_invalid"
    # A valid but wrong number and an unknown customer get one answer.
    wrong = register(org_number())
    unknown = register(customer_org, who="999991")
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json["code"] == unknown.json["code"] == "company_registration_failed"
    assert wrong.json["message"] == unknown.json["message"]

    # The customer has portal administrators: they approve first (organisation numbers are public).
    done = register(customer_org)
    assert done.status_code == 201, done.text
    assert (done.json["status"], done.json["role"], done.json["facilities"]) == ("requested", "read", None)
    assert register(customer_org).json["status"] == "requested"  # a retry changes nothing
    notices = [m for m in mails_to(customer.email) if "Eiendomsdrift AS" in m["subject"]]
    assert len(notices) == 1
    assert http.get(f"/api/customers/{number}/meters", headers=headers).status_code == 403
    approved = http.post(f"/api/customers/{number}/companies/{org}/approve", headers=customer.auth)
    assert approved.status_code == 200 and approved.json["status"] == "active"
    assert http.get(f"/api/customers/{number}/invoices", headers=headers).status_code == 200
    trail = [e["action"] for e in http.get(f"/api/customers/{number}/audit", headers=customer.auth).json]
    assert trail[:2] == ["company_approved", "company_requested"]


def test_a_customer_without_portal_users_is_registered_at_once_and_told_at_its_address(stack, http, repo):
    from tests.integration.test_auth_accounts import unregistered_customer

    customer_org = org_number()
    customer = unregistered_customer(repo)
    repo.table.put(customer_item(customer.model_copy(update={"org_number": customer_org})))
    org, _email, headers = company(stack, http, name="Ubemannet Forvaltning AS")
    done = http.post(
        f"/api/organisations/{org}/customers",
        json={"customer_number": customer.number, "customer_org_number": customer_org},
        headers=headers,
    )
    assert done.status_code == 201 and done.json["status"] == "active"
    assert customer.email is not None
    [notice] = [m for m in mails_to(customer.email) if "Ubemannet Forvaltning AS" in m["subject"]]
    assert customer.number in notice["subject"]
    assert http.get(f"/api/customers/{customer.number}/meters", headers=headers).status_code == 200


def test_a_company_cannot_widen_its_grant_nor_come_back_after_a_revoke(stack, http, seed, repo):
    customer_org = org_number()
    customer, other_meter = customer_with_two_facilities(seed, repo, org=customer_org)
    number = customer.customer.number
    org, _email, headers = company(stack, http)
    http.post(
        f"/api/customers/{number}/companies",
        json={"org_number": org, "facilities": [customer.meter.facility_id], "role": "full"},
        headers=customer.auth,
    )
    assert http.post(f"/api/organisations/{org}/customers/{number}/accept", headers=headers).status_code == 200

    def register() -> Any:
        return http.post(
            f"/api/organisations/{org}/customers",
            json={"customer_number": number, "customer_org_number": customer_org},
            headers=headers,
        )

    # Leaving and registering again gives a request for the customer to approve, not more access.
    assert http.delete(f"/api/organisations/{org}/customers/{number}", headers=headers).status_code == 200
    again = register()
    assert again.status_code == 201 and again.json["status"] == "requested"
    assert http.get(f"/api/customers/{number}/meters/{other_meter.number}/readings", headers=headers).status_code == 403
    assert http.get(f"/api/customers/{number}/invoices", headers=headers).status_code == 403

    # After the customer removes it, the company cannot register the customer itself any more.
    assert http.delete(f"/api/customers/{number}/companies/{org}", headers=customer.auth).status_code == 200
    blocked = register()
    assert blocked.status_code == 403 and blocked.json["code"] == "company_registration_failed"
    # Until the customer invites it again.
    invited = http.post(
        f"/api/customers/{number}/companies",
        json={"org_number": org, "facilities": [customer.meter.facility_id], "role": "read"},
        headers=customer.auth,
    )
    assert invited.status_code == 201
    accepted = register()  # proving the relationship accepts the customer's own invitation, on its terms
    assert accepted.status_code == 201
    assert (accepted.json["status"], accepted.json["facilities"]) == ("active", [customer.meter.facility_id])


def test_company_registration_never_resets_the_pin_lock(stack, http, repo):
    from tests.integration.test_auth_accounts import register, unregistered_customer

    customer_org = org_number()
    customer = unregistered_customer(repo)
    repo.table.put(customer_item(customer.model_copy(update={"org_number": customer_org})))
    for _ in range(5):
        assert register(http, customer, f"gjett-{secrets.token_hex(3)}@example.com", pin="000000").status_code == 401
    org, _email, headers = company(stack, http)
    done = http.post(
        f"/api/organisations/{org}/customers",
        json={"customer_number": customer.number, "customer_org_number": customer_org},
        headers=headers,
    )
    assert done.status_code == 201
    assert register(http, customer, f"gjett-{secrets.token_hex(3)}@example.com", pin="000000").status_code == 401
    locked = register(http, customer, f"riktig-{secrets.token_hex(3)}@example.com")  # the right PIN, too late
    assert locked.status_code == 429 and locked.json["code"] == "rate_limited"


def test_revoking_an_invitation_kills_its_emailed_code_and_creates_nothing(stack, http, seed, repo):
    customer, _ = customer_with_two_facilities(seed, repo)
    number = customer.customer.number
    org = org_number()
    contact = f"sen-{secrets.token_hex(4)}@example.com"
    http.post(
        f"/api/customers/{number}/companies",
        json={"org_number": org, "facilities": None, "contact_email": contact},
        headers=customer.auth,
    )
    [mail] = mails_to(contact)
    assert http.delete(f"/api/customers/{number}/companies/{org}", headers=customer.auth).status_code == 200
    late = http.post(
        "/api/organisations/invitations/accept",
        json={
            "invitation_id": invitation_id(mail),
            "code": code_in(mail),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "company_name": "Sen AS",
        },
    )
    assert late.status_code == 422 and late.json["code"] == "code_invalid"
    assert http.post("/api/auth/login", json={"username": contact, "password": PASSWORD}).status_code == 401
    stranger = f"stranger-{secrets.token_hex(4)}@example.com"
    create_user(stack, stranger)
    assert (
        http.post(
            "/api/organisations", json={"org_number": org, "name": "Andre AS"}, headers=bearer(http, stranger)
        ).status_code
        == 201
    )  # the organisation was never created by the dead invitation


def test_six_wrong_organisation_numbers_lock_the_customer_number_not_others(stack, http, seed, repo):
    customer_org = org_number()
    target, _ = customer_with_two_facilities(seed, repo, org=customer_org)
    bystander_org = org_number()
    bystander, _ = customer_with_two_facilities(seed, repo, org=bystander_org)
    org, _email, headers = company(stack, http)

    def register(number: str, given: str) -> Any:
        return http.post(
            f"/api/organisations/{org}/customers",
            json={"customer_number": number, "customer_org_number": given},
            headers=headers,
        )

    for _ in range(6):
        assert register(target.customer.number, org_number()).status_code == 403
    locked = register(target.customer.number, customer_org)
    assert locked.status_code == 429
    assert locked.json["code"] == "rate_limited"
    assert register(bystander.customer.number, bystander_org).status_code == 201


def test_company_people_managers_and_the_last_administrator(stack, http, seed, repo):
    customer, _ = customer_with_two_facilities(seed, repo)
    org, admin_email, admin = company(stack, http)
    http.post(
        f"/api/customers/{customer.customer.number}/companies",
        json={"org_number": org, "facilities": [customer.meter.facility_id]},
        headers=customer.auth,
    )
    http.post(f"/api/organisations/{org}/customers/{customer.customer.number}/accept", headers=admin)

    manager_email = f"manager-{secrets.token_hex(4)}@example.com"
    invited = http.post(
        f"/api/organisations/{org}/members", json={"email": manager_email, "role": "manager"}, headers=admin
    )
    assert invited.status_code == 202, invited.text
    [mail] = mails_to(manager_email)
    short = http.post(
        "/api/organisations/invitations/accept",
        json={
            "invitation_id": invitation_id(mail),
            "code": code_in(mail),
            "password": "kort",
            "password_confirm": "kort",
        },
    )
    assert short.status_code == 422 and short.json["code"] == "password_too_short"
    joined = http.post(
        "/api/organisations/invitations/accept",
        json={
            "invitation_id": invitation_id(mail),
            "code": code_in(mail),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert joined.status_code == 201, joined.text
    assert joined.json["role"] == "manager"

    manager = bearer(http, manager_email)
    # A manager sees what the company was granted, but manages nothing.
    meters = http.get(f"/api/customers/{customer.customer.number}/meters", headers=manager)
    assert [m["number"] for m in meters.json] == [customer.meter.number]
    assert (
        http.post(f"/api/organisations/{org}/members", json={"email": "x@example.com"}, headers=manager).status_code
        == 403
    )
    detail = http.get(f"/api/organisations/{org}", headers=manager).json
    assert detail["my_role"] == "manager" and detail["audit"] == [] and detail["invitations"] == []

    admin_id = next(m["user_id"] for m in detail["members"] if m["email"] == admin_email)
    manager_id = next(m["user_id"] for m in detail["members"] if m["email"] == manager_email)
    last = http.delete(f"/api/organisations/{org}/members/{admin_id}", headers=admin)
    assert last.status_code == 409 and last.json["code"] == "last_admin"
    assert (
        http.put(f"/api/organisations/{org}/members/{manager_id}", json={"role": "admin"}, headers=admin).status_code
        == 200
    )
    assert http.delete(f"/api/organisations/{org}/members/{admin_id}", headers=admin).status_code == 200
    actions = [e["action"] for e in http.get(f"/api/organisations/{org}", headers=manager).json["audit"]]
    assert actions[:3] == ["removed", "role_changed", "joined"]


def test_company_rejections_are_clear_and_store_nothing(stack, http, seed, repo):
    customer, _ = customer_with_two_facilities(seed, repo)
    number = customer.customer.number
    org, _email, company_headers = company(stack, http)
    path = f"/api/customers/{number}/companies"
    cases = [
        ({"org_number": "123456789", "facilities": None}, 422, "org_number_invalid"),
        ({"org_number": org, "facilities": ["F-not-theirs"]}, 422, "facilities_invalid"),
        ({"org_number": org, "facilities": []}, 422, "facilities_invalid"),
        ({"org_number": org, "facilities": None, "role": "admin"}, 422, "validation_failed"),
        ({"org_number": org}, 422, "validation_failed"),  # what the company may see is never implied
        ({"org_number": org, "facilities": None, "contact_email": "not-an-address"}, 422, "email_invalid"),
    ]
    for payload, status, code in cases:
        resp = http.post(path, json=payload, headers=customer.auth)
        assert (resp.status_code, resp.json["code"]) == (status, code), payload
    assert http.get(path, headers=customer.auth).json == []

    assert http.post(path, json={"org_number": org, "facilities": None}, headers=customer.auth).status_code == 201
    twice = http.post(path, json={"org_number": org, "facilities": None}, headers=customer.auth)
    assert twice.status_code == 409 and twice.json["code"] == "company_exists"
    # Registering the same organisation again is refused to anyone but its people.
    stranger_email = f"stranger-{secrets.token_hex(4)}@example.com"
    create_user(stack, stranger_email)
    squat = http.post(
        "/api/organisations", json={"org_number": org, "name": "Falsk AS"}, headers=bearer(http, stranger_email)
    )
    assert squat.status_code == 409 and squat.json["code"] == "org_registered"
    assert http.get(f"/api/organisations/{org}", headers=bearer(http, stranger_email)).status_code == 403
    again = http.post("/api/organisations", json={"org_number": org, "name": "Forvaltning AS"}, headers=company_headers)
    assert again.status_code == 201  # its own administrator: a retry


def test_a_company_member_who_changes_e_mail_stays_in_the_company_under_the_new_address(stack, http):
    org, _email, headers = company(stack, http)
    new = f"ny-{secrets.token_hex(4)}@example.com"
    started = http.post("/api/auth/email/change", json={"password": PASSWORD, "email": new}, headers=headers)
    assert started.status_code == 202, started.text
    [mail] = mails_to(new)
    done = http.post("/api/auth/email/confirm", json={"id": started.json["id"], "code": code_in(mail)}, headers=headers)
    assert done.status_code == 200, done.text
    after = bearer(http, new)
    detail = http.get(f"/api/organisations/{org}", headers=after).json
    assert [m["email"] for m in detail["members"]] == [new]
    assert detail["audit"][0]["action"] == "email_changed"


def test_a_registered_company_is_told_and_only_its_administrators_accept(stack, http, seed, repo):
    customer, _ = customer_with_two_facilities(seed, repo)
    number = customer.customer.number
    org, admin_email, admin = company(stack, http, name="Registrert Forvaltning AS")
    outsider = f"utenfor-{secrets.token_hex(4)}@example.com"
    invited = http.post(
        f"/api/customers/{number}/companies",
        json={"org_number": org, "facilities": None, "contact_email": outsider},
        headers=customer.auth,
    )
    assert invited.status_code == 201
    assert invited.json["name"] == "Registrert Forvaltning AS"
    # The company's administrator is told; the contact person got a code.
    assert any(number in m["text"] for m in mails_to(admin_email))
    [mail] = mails_to(outsider)
    refused = http.post(
        "/api/organisations/invitations/accept",
        json={
            "invitation_id": invitation_id(mail),
            "code": code_in(mail),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert refused.status_code == 403 and refused.json["code"] == "org_admin_required"
    assert http.post("/api/auth/login", json={"username": outsider, "password": PASSWORD}).status_code == 401
    assert http.get(f"/api/customers/{number}/meters", headers=admin).status_code == 403  # still pending
    assert http.post(f"/api/organisations/{org}/customers/{number}/accept", headers=admin).status_code == 200
    assert http.get(f"/api/customers/{number}/meters", headers=admin).status_code == 200


def test_a_management_company_signs_up_without_being_a_customer(stack, http, seed, repo):
    email = f"signup-{secrets.token_hex(4)}@example.com"
    org = org_number()
    bad = http.post("/api/organisations/signup", json={"org_number": "123", "name": "X AS", "email": email})
    assert bad.status_code == 422 and bad.json["code"] == "org_number_invalid"
    started = http.post(
        "/api/organisations/signup", json={"org_number": org, "name": "Egen Forvaltning AS", "email": email}
    )
    assert started.status_code == 202, started.text
    [mail] = mails_to(email)
    assert invitation_id(mail) == started.json["id"]
    done = http.post(
        "/api/organisations/invitations/accept",
        json={
            "invitation_id": started.json["id"],
            "code": code_in(mail),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert done.status_code == 201, done.text
    assert done.json["role"] == "admin"
    headers = bearer(http, email)
    assert http.get("/api/organisations", headers=headers).json == [
        {"org_number": org, "name": "Egen Forvaltning AS", "my_role": "admin", "verified_at": None}
    ]
    # Then it registers a customer it manages.
    customer_org = org_number()
    customer, _ = customer_with_two_facilities(seed, repo, org=customer_org)
    registered = http.post(
        f"/api/organisations/{org}/customers",
        json={"customer_number": customer.customer.number, "customer_org_number": customer_org},
        headers=headers,
    )
    assert registered.status_code == 201


def test_signing_up_a_registered_company_answers_the_same_and_grants_nothing(stack, http):
    org, _email, _admin = company(stack, http, name="Første Forvaltning AS")
    squatter = f"squatter-{secrets.token_hex(4)}@example.com"
    started = http.post("/api/organisations/signup", json={"org_number": org, "name": "Falsk AS", "email": squatter})
    assert started.status_code == 202
    assert set(started.json) == {"id", "expires_at", "status"}
    [mail] = mails_to(squatter)
    assert "/organisation/invitation" not in mail["text"]  # no code, no link: it says whom to ask
    guessed = http.post(
        "/api/organisations/invitations/accept",
        json={
            "invitation_id": started.json["id"],
            "code": "123456",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    assert guessed.status_code == 422 and guessed.json["code"] == "code_invalid"
    assert http.post("/api/auth/login", json={"username": squatter, "password": PASSWORD}).status_code == 401


def test_the_first_of_two_sign_ups_wins_and_the_second_cannot_join(stack, http):
    org = org_number()
    first, second = (f"{who}-{secrets.token_hex(4)}@example.com" for who in ("first", "second"))
    ids = {}
    for email in (first, second):
        resp = http.post("/api/organisations/signup", json={"org_number": org, "name": "Kappløp AS", "email": email})
        ids[email] = resp.json["id"]

    def accept(email: str) -> Any:
        [mail] = mails_to(email)
        return http.post(
            "/api/organisations/invitations/accept",
            json={
                "invitation_id": ids[email],
                "code": code_in(mail),
                "password": PASSWORD,
                "password_confirm": PASSWORD,
            },
        )

    assert accept(first).status_code == 201
    late = accept(second)
    assert late.status_code == 409 and late.json["code"] == "org_registered"
    members = http.get(f"/api/organisations/{org}", headers=bearer(http, first)).json["members"]
    assert [m["email"] for m in members] == [first]


def test_the_access_check_of_a_company_person_costs_three_requests_and_members_pay_nothing_more(
    stack, http, seed, repo
):
    from heatportal import composition
    from heatportal.domain.model import Role
    from heatportal.services.access import Principal

    customer, _ = customer_with_two_facilities(seed, repo)
    number = customer.customer.number
    org, email, headers = company(stack, http)
    http.post(
        f"/api/customers/{number}/companies",
        json={"org_number": org, "facilities": [customer.meter.facility_id]},
        headers=customer.auth,
    )
    http.post(f"/api/organisations/{org}/customers/{number}/accept", headers=headers)
    me = http.get("/api/me", headers=headers).json
    person = Principal(user_id=me["user_id"], email=email)
    owner = Principal(user_id=customer.user_id, email=customer.email)
    access = composition.access()
    table = composition.repository().table

    def cost(check: Any) -> int:
        before = table.requests
        check()
        return table.requests - before

    # membership GetItem (miss) + organisations Query (GSI1 USER#) + grant GetItem
    assert cost(lambda: access.require(person, number, Role.READ, companies="any")) == 3
    # ... + the customer's facilities Query, to see whether the grant covers them all
    assert cost(lambda: _refused(lambda: access.require(person, number, Role.READ, companies="whole"))) == 4
    # The customer's own people: the membership GetItem only, as before companies existed.
    assert cost(lambda: access.require(owner, number, Role.READ, companies="whole")) == 1
    # Choosing among customers: one GSI1 Query for own and company links, one per company.
    assert cost(lambda: access.customers_of(owner)) == 1
    assert cost(lambda: access.customers_of(person)) == 2


def _refused(call: Any) -> None:
    from heatportal.domain.errors import Forbidden

    try:
        call()
    except Forbidden:
        return
    raise AssertionError("expected Forbidden")


def test_a_manager_sees_only_the_customers_the_administrator_gave_them(stack, http, seed, repo):
    first, _ = customer_with_two_facilities(seed, repo)
    second, _ = customer_with_two_facilities(seed, repo)
    org, _email, admin = company(stack, http)
    for customer in (first, second):
        http.post(
            f"/api/customers/{customer.customer.number}/companies",
            json={"org_number": org, "facilities": None},
            headers=customer.auth,
        )
        http.post(f"/api/organisations/{org}/customers/{customer.customer.number}/accept", headers=admin)
    manager_email = f"manager-{secrets.token_hex(4)}@example.com"
    http.post(f"/api/organisations/{org}/members", json={"email": manager_email, "role": "manager"}, headers=admin)
    [mail] = mails_to(manager_email)
    http.post(
        "/api/organisations/invitations/accept",
        json={
            "invitation_id": invitation_id(mail),
            "code": code_in(mail),
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    manager = bearer(http, manager_email)
    manager_id = next(
        m["user_id"]
        for m in http.get(f"/api/organisations/{org}", headers=admin).json["members"]
        if m["email"] == manager_email
    )
    member_url = f"/api/organisations/{org}/members/{manager_id}"

    # By default a manager works on every customer of the company.
    assert {c["customer_number"] for c in http.get("/api/me", headers=manager).json["customers"]} == {
        first.customer.number,
        second.customer.number,
    }
    foreign = http.put(member_url, json={"role": "manager", "customers": ["999999"]}, headers=admin)
    assert foreign.status_code == 422 and foreign.json["code"] == "customers_invalid"
    only = http.put(member_url, json={"role": "manager", "customers": [first.customer.number]}, headers=admin)
    assert only.status_code == 200
    assert [c["customer_number"] for c in http.get("/api/me", headers=manager).json["customers"]] == [
        first.customer.number
    ]
    assert http.get(f"/api/customers/{first.customer.number}/meters", headers=manager).status_code == 200
    assert http.get(f"/api/customers/{second.customer.number}/meters", headers=manager).status_code == 403
    listed = http.get(f"/api/organisations/{org}", headers=manager).json["customers"]
    assert [c["customer_number"] for c in listed] == [first.customer.number]
    # A role change keeps the choice; null gives every customer again.
    assert http.put(member_url, json={"role": "manager"}, headers=admin).status_code == 200
    assert http.get(f"/api/customers/{second.customer.number}/meters", headers=manager).status_code == 403
    assert http.put(member_url, json={"role": "manager", "customers": None}, headers=admin).status_code == 200
    assert http.get(f"/api/customers/{second.customer.number}/meters", headers=manager).status_code == 200
    # A manager cannot change their own customers.
    assert http.put(member_url, json={"role": "manager", "customers": []}, headers=manager).status_code == 403


def test_customer_service_checks_a_company_and_customers_see_it(stack, http, seed, repo):
    from tests.integration.conftest import staff_headers

    customer, _ = customer_with_two_facilities(seed, repo)
    org, _email, admin = company(stack, http)
    http.post(
        f"/api/customers/{customer.customer.number}/companies",
        json={"org_number": org, "facilities": None},
        headers=customer.auth,
    )
    [listed] = http.get(f"/api/customers/{customer.customer.number}/companies", headers=customer.auth).json
    assert listed["verified_at"] is None
    assert http.put(f"/api/organisations/{org}/verification", json={"verified": True}, headers=admin).status_code == 403
    staff = staff_headers(stack, http, f"kundeservice-{secrets.token_hex(4)}@example.com")
    checked = http.put(f"/api/organisations/{org}/verification", json={"verified": True}, headers=staff)
    assert checked.status_code == 200 and checked.json["verified_at"] is not None
    [listed] = http.get(f"/api/customers/{customer.customer.number}/companies", headers=customer.auth).json
    assert listed["verified_at"] == checked.json["verified_at"]
    assert http.get(f"/api/organisations/{org}", headers=admin).json["audit"][0]["action"] == "verified"
    withdrawn = http.put(f"/api/organisations/{org}/verification", json={"verified": False}, headers=staff)
    assert withdrawn.json["verified_at"] is None
    missing = http.put(f"/api/organisations/{org_number()}/verification", json={"verified": True}, headers=staff)
    assert missing.status_code == 404 and missing.json["code"] == "company_not_found"
