"""Account pages of the portal over the local gateway: register with PIN and
e-mailed code, forgotten password, forgotten customer number, users and roles,
change password. Forms carry the CSRF token; errors show in the person's language."""

from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from heatportal.domain.model import Role
from heatportal.i18n import translate
from tests.integration.conftest import PASSWORD
from tests.integration.test_auth_accounts import code_in, mails_to, meter_of, unregistered_customer

NEW_PASSWORD = "portal-secret-7"


@pytest.fixture
def browser(stack) -> Client:
    return Client(stack.http_server.app)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "form without CSRF field"
    return match.group(1)


def submit(browser: Client, url: str, data: dict[str, str], lang: str = "nb"):
    page = browser.get(url, headers={"Accept-Language": lang})
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    form_url = url.split("?")[0]
    return browser.post(
        form_url, data={"csrf": csrf_of(page.get_data(as_text=True)), **data}, headers={"Accept-Language": lang}
    )


def sign_in(browser: Client, email: str, password: str = PASSWORD):
    resp = submit(browser, "/login", {"username": email, "password": password, "next": "/"})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]


def test_login_page_links_to_register_and_forgot_password(browser):
    html = browser.get("/login", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert 'href="/register"' in html and 'href="/password/forgot"' in html
    register = browser.get("/register", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert translate("account.field.pin", "nb") in register
    assert 'href="/customer-number/forgot"' in register


def test_register_in_the_portal_with_pin_then_code_then_password(browser, repo):
    customer = unregistered_customer(repo)
    email = f"portal-{customer.number}@example.com"

    wrong = submit(browser, "/register", {"customer_number": customer.number, "pin": "000000", "email": email})
    assert wrong.status_code == 400
    assert translate("error.registration_failed", "nb") in wrong.get_data(as_text=True)
    assert "000000" not in wrong.get_data(as_text=True)  # secrets are not echoed

    started = submit(browser, "/register", {"customer_number": customer.number, "pin": "482913", "email": email})
    assert started.status_code == 303
    verify_url = started.headers["Location"]
    assert verify_url.startswith("/register/verify?id=")
    code = code_in(mails_to(email)[0])

    differ = submit(browser, verify_url, {"code": code, "password": NEW_PASSWORD, "password_confirm": "x"})
    assert translate("error.passwords_differ", "nb") in differ.get_data(as_text=True)
    page = browser.get(verify_url)
    found = re.search(r'name="id" value="([^"]+)"', page.get_data(as_text=True))
    assert found is not None
    registration_id = found.group(1)
    done = browser.post(
        "/register/verify",
        data={
            "csrf": csrf_of(page.get_data(as_text=True)),
            "id": registration_id,
            "code": code,
            "password": NEW_PASSWORD,
            "password_confirm": NEW_PASSWORD,
        },
    )
    assert done.status_code == 200
    assert translate("account.verify.done", "nb") in done.get_data(as_text=True)
    sign_in(browser, email, NEW_PASSWORD)


def test_a_form_without_csrf_changes_nothing(browser, repo):
    customer = unregistered_customer(repo)
    email = f"nocsrf-{customer.number}@example.com"
    browser.get("/register")
    resp = browser.post("/register", data={"customer_number": customer.number, "pin": "482913", "email": email})
    assert resp.status_code == 403
    assert mails_to(email) == []


def test_forgot_password_in_the_portal(browser, seed):
    seeded = seed()
    sent = submit(browser, "/password/forgot", {"email": seeded.email})
    assert sent.status_code == 303
    code = code_in(mails_to(seeded.email)[0])
    done = submit(
        browser,
        sent.headers["Location"],
        {"email": seeded.email, "code": code, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert translate("account.reset.done", "nb") in done.get_data(as_text=True)
    sign_in(browser, seeded.email, NEW_PASSWORD)


def test_forgot_customer_number_page_answers_the_same(browser, repo):
    customer = unregistered_customer(repo)
    known = submit(
        browser, "/customer-number/forgot", {"email": customer.email or "", "phone": "", "customer_number": ""}
    )
    unknown = submit(
        browser, "/customer-number/forgot", {"email": "nobody@example.com", "phone": "", "customer_number": ""}
    )
    assert known.status_code == unknown.status_code == 200
    assert translate("account.forgot_number.done", "nb") in known.get_data(as_text=True)
    assert translate("account.forgot_number.done", "nb") in unknown.get_data(as_text=True)
    assert customer.number in mails_to(customer.email or "")[0]["text"]


def test_admin_manages_users_in_the_portal_and_sees_the_audit_trail(browser, seed):
    admin = seed()
    sign_in(browser, admin.email)
    page = browser.get("/account/users", headers={"Accept-Language": "nb"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and admin.email in html
    invitee = f"portal-invitee-{admin.customer.number}@example.com"
    invited = browser.post("/account/users", data={"csrf": csrf_of(html), "email": invitee, "role": "full"})
    assert invited.status_code == 303
    assert mails_to(invitee)

    html = browser.get("/account/users").get_data(as_text=True)
    assert invitee in html
    # The last administrator cannot demote itself: the page says so in Norwegian.
    demote = browser.post(
        f"/account/users/{admin.user_id}/role",
        data={"csrf": csrf_of(html), "role": "read"},
        headers={"Accept-Language": "nb"},
    )
    assert demote.status_code == 400
    assert translate("error.last_admin", "nb") in demote.get_data(as_text=True)
    trail = browser.get("/account/users", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert translate("account.audit.invited", "nb", subject=invitee, role=translate("role.full", "nb")) in trail


def test_a_read_only_user_cannot_open_the_users_page(browser, seed):
    reader = seed(role=Role.READ)
    sign_in(browser, reader.email)
    assert browser.get("/account/users").status_code == 403


def test_change_password_in_the_portal(browser, seed):
    seeded = seed()
    sign_in(browser, seeded.email)
    wrong = submit(
        browser,
        "/account/password",
        {"old_password": "not-it-123", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert translate("error.old_password_wrong", "nb") in wrong.get_data(as_text=True)
    ok = submit(
        browser,
        "/account/password",
        {"old_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert ok.status_code == 303
    other = Client(browser.application)
    sign_in(other, seeded.email, NEW_PASSWORD)


def test_my_account_links_and_unlinks_a_customer_number(browser, repo, seed):
    person = seed(role=Role.READ)
    other = unregistered_customer(repo)
    meter = meter_of(other)
    sign_in(browser, person.email)
    page = browser.get("/account", headers={"Accept-Language": "nb"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'href="/account/users"' not in html  # not an administrator anywhere
    wrong = browser.post(
        "/account/links",
        data={"csrf": csrf_of(html), "customer_number": other.number, "meter_number": meter},
        headers={"Accept-Language": "nb"},
    )
    assert wrong.status_code == 400
    assert translate("error.link_failed", "nb") in wrong.get_data(as_text=True)
    linked = browser.post(
        "/account/links", data={"csrf": csrf_of(html), "customer_number": other.number, "pin": "482913"}
    )
    assert linked.status_code == 303
    html = browser.get("/account").get_data(as_text=True)
    assert other.number in html and 'href="/account/users"' in html
    unlinked = browser.post(f"/account/links/{other.number}/unlink", data={"csrf": csrf_of(html)})
    assert unlinked.status_code == 303
    assert other.number not in browser.get("/account").get_data(as_text=True)


def test_change_email_in_the_portal(browser, seed):
    seeded = seed()
    sign_in(browser, seeded.email)
    new = f"portal-ny-{seeded.customer.number}@example.com"
    started = submit(browser, "/account/email", {"email": new, "password": PASSWORD})
    assert started.status_code == 303, started.get_data(as_text=True)[:300]
    code = code_in(mails_to(new)[0])
    done = submit(
        browser, started.headers["Location"], {"id": started.headers["Location"].split("id=")[1], "code": code}
    )
    assert done.status_code == 200
    assert translate("account.email.done", "nb") in done.get_data(as_text=True)
    sign_in(Client(browser.application), new)


def test_personal_data_page_changes_contact_bank_account_and_sends_the_contact_form(browser, seed):
    seeded = seed()
    sign_in(browser, seeded.email)
    page = browser.get("/account/profile", headers={"Accept-Language": "nb"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and seeded.customer.number in html and "Storgata 1" in html
    phone = browser.post("/account/profile/contact", data={"csrf": csrf_of(html), "email": "", "phone": "+4740000001"})
    assert phone.status_code == 303
    bank = {"iban": "NO9386011117947", "holder": "Kari", "valid_from": "2099-01-01"}
    wrong = browser.post(
        "/account/profile/bank-account",
        data={"csrf": csrf_of(html), **bank, "password": "not-it-123"},
        headers={"Accept-Language": "nb"},
    )
    assert wrong.status_code == 422
    assert translate("error.old_password_wrong", "nb") in wrong.get_data(as_text=True)
    saved = browser.post("/account/profile/bank-account", data={"csrf": csrf_of(html), **bank, "password": PASSWORD})
    assert saved.status_code == 303
    sent = browser.post(
        "/account/profile/contact-request",
        data={"csrf": csrf_of(html), "subject": "Spørsmål", "message": "Hei", "phone": "40000001"},
    )
    assert sent.status_code == 303
    html = browser.get("/account/profile").get_data(as_text=True)
    assert "+4740000001" in html and "NO9386011117947" in html
    assert len(mails_to(seeded.email)) == 2  # bank account confirmation, contact form receipt
