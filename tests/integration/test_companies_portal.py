"""Management companies in the portal: the customer's administrator
invites a company with selected facilities, the unregistered company's contact
accepts with the emailed code and registers it, opens the customer and sees only
the granted facility; a company registers a customer itself. Forms carry the
CSRF token; errors show in the person's language."""

from __future__ import annotations

import secrets

import pytest
from werkzeug.test import Client

from heatportal.i18n import translate
from tests.integration.conftest import PASSWORD, create_user
from tests.integration.test_auth_portal import csrf_of, sign_in, submit
from tests.integration.test_companies import code_in, customer_with_two_facilities, invitation_id, mails_to, org_number


@pytest.fixture
def browser(stack) -> Client:
    return Client(stack.http_server.app)


def test_customer_invites_a_company_which_registers_and_sees_the_granted_facility(stack, seed, repo):
    customer, other_meter = customer_with_two_facilities(seed, repo)
    admin = Client(stack.http_server.app)
    sign_in(admin, customer.email)
    page = admin.get("/account/companies", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert translate("company.customer.none", "nb") in page
    assert "Bakgården 3" in page and "Storgata 1" in page  # the facilities to choose from

    org = org_number()
    contact = f"portal-kontakt-{secrets.token_hex(4)}@example.com"
    bad = submit(admin, "/account/companies", {"org_number": "123", "scope": "all", "role": "read"})
    assert bad.status_code == 422
    assert translate("error.org_number_invalid.NO", "nb") in bad.get_data(as_text=True)  # the utility's country
    invited = admin.post(
        "/account/companies",
        data={
            "csrf": csrf_of(page),
            "org_number": org,
            "scope": "some",
            "facility": customer.meter.facility_id,
            "role": "full",
            "contact_email": contact,
        },
        headers={"Accept-Language": "nb"},
    )
    assert invited.status_code == 303, invited.get_data(as_text=True)[:400]
    listed = admin.get("/account/companies", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert translate("company.status.pending", "nb") in listed

    [mail] = mails_to(contact)
    company = Client(stack.http_server.app)
    form = company.get(f"/organisation/invitation?id={invitation_id(mail)}", headers={"Accept-Language": "nb"})
    assert form.status_code == 200
    accepted = company.post(
        "/organisation/invitation",
        data={
            "csrf": csrf_of(form.get_data(as_text=True)),
            "id": invitation_id(mail),
            "code": code_in(mail),
            "company_name": "Portal Forvaltning AS",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
        headers={"Accept-Language": "nb"},
    )
    assert accepted.status_code == 200, accepted.get_data(as_text=True)[:400]
    assert translate("company.invitation.done_title", "nb") in accepted.get_data(as_text=True)

    sign_in(company, contact)
    org_page = company.get("/organisation", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "Portal Forvaltning AS" in org_page and customer.customer.number in org_page
    opened = company.post(
        f"/organisation/{org}/customers/{customer.customer.number}/open", data={"csrf": csrf_of(org_page)}
    )
    assert opened.status_code == 303
    start = company.get("/", headers={"Accept-Language": "nb"})
    assert start.status_code == 200
    # Invoices cover the whole customer: no balance is shown rather than a wrong zero.
    assert translate("invoices.open_balance", "nb") not in start.get_data(as_text=True)
    assert 'href="/invoices"' not in start.get_data(as_text=True)  # nor in the navigation
    assert 'href="/meters"' in start.get_data(as_text=True)
    assert customer.meter.number in start.get_data(as_text=True)
    meters = company.get("/meters", headers={"Accept-Language": "nb"})
    # Only the granted facility's meter: the meter list goes straight to it.
    assert meters.status_code == 303 and meters.headers["Location"] == f"/meters/{customer.meter.number}"
    # Not granted: the meter is not among the company's meters (as for an unknown number).
    assert company.get(f"/meters/{other_meter.number}").status_code == 404
    assert company.get("/invoices").status_code == 403
    assert company.get("/account/users").status_code == 403

    # The customer's administrator now sees the company's name, and removes it.
    listed = admin.get("/account/companies", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert "Portal Forvaltning AS" in listed and translate("company.status.active", "nb") in listed
    removed = admin.post(f"/account/companies/{org}/remove", data={"csrf": csrf_of(listed)})
    assert removed.status_code == 303
    # The chosen customer is no longer among the person's: the portal shows no customer.
    after = company.get(f"/meters/{customer.meter.number}", headers={"Accept-Language": "nb"})
    assert translate("accounts.none", "nb") in after.get_data(as_text=True)
    assert f"/customers/{customer.customer.number}/open" not in company.get("/organisation").get_data(as_text=True)


def test_a_company_registers_itself_and_a_customer_in_the_portal(stack, seed, repo):
    customer_org = org_number()
    customer, _ = customer_with_two_facilities(seed, repo, org=customer_org)
    email = f"portal-forvalter-{secrets.token_hex(4)}@example.com"
    create_user(stack, email)
    browser = Client(stack.http_server.app)
    sign_in(browser, email)

    page = browser.get("/organisation", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert translate("company.org.register", "sv") in page
    org = org_number()
    registered = submit(browser, "/organisation", {"org_number": org, "name": "Förvaltning AB"}, lang="sv")
    assert registered.status_code == 303
    page = browser.get(f"/organisation?org={org}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    refused = browser.post(
        f"/organisation/{org}/customers",
        data={"csrf": csrf_of(page), "customer_number": customer.customer.number, "customer_org_number": org_number()},
        headers={"Accept-Language": "sv"},
    )
    assert refused.status_code == 403
    assert translate("error.company_registration_failed", "sv") in refused.get_data(as_text=True)
    done = browser.post(
        f"/organisation/{org}/customers",
        data={"csrf": csrf_of(page), "customer_number": customer.customer.number, "customer_org_number": customer_org},
        headers={"Accept-Language": "sv"},
    )
    assert done.status_code == 303
    page = browser.get(f"/organisation?org={org}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    # The customer has an administrator: the company waits for its approval.
    assert customer.customer.number in page and translate("company.status.requested", "sv") in page
    approved = browser.post(f"/api/customers/{customer.customer.number}/companies/{org}/approve", headers=customer.auth)
    assert approved.status_code == 200
    chooser = browser.get("/accounts", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert translate("company.via", "sv", org=org) in chooser
    assert "Förvaltning AB" in page


def test_a_company_signs_up_from_the_login_page(stack, browser):
    login = browser.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'href="/organisation/signup"' in login and translate("company.signup.link", "de") in login
    email = f"portal-signup-{secrets.token_hex(4)}@example.com"
    wrong = submit(browser, "/organisation/signup", {"org_number": "1", "name": "X", "email": email}, lang="de")
    assert wrong.status_code == 422
    assert translate("error.org_number_invalid.NO", "de") in wrong.get_data(as_text=True)  # Norwegian, in German
    sent = submit(
        browser,
        "/organisation/signup",
        {"org_number": org_number(), "name": "Verwaltung GmbH", "email": email},
        lang="de",
    )
    assert sent.status_code == 200
    assert translate("company.signup.sent_title", "de") in sent.get_data(as_text=True)
    [mail] = mails_to(email)
    assert f"/organisation/invitation?id={invitation_id(mail)}" in mail["text"]


def test_the_company_administrator_gives_a_manager_selected_customers_in_the_portal(stack, http, seed, repo):
    from tests.integration.test_companies import company

    first, _ = customer_with_two_facilities(seed, repo)
    second, _ = customer_with_two_facilities(seed, repo)
    org, admin_email, admin = company(stack, http)
    for customer in (first, second):
        http.post(
            f"/api/customers/{customer.customer.number}/companies",
            json={"org_number": org, "facilities": None},
            headers=customer.auth,
        )
        http.post(f"/api/organisations/{org}/customers/{customer.customer.number}/accept", headers=admin)
    manager_email = f"portal-manager-{secrets.token_hex(4)}@example.com"
    manager_id = create_user(stack, manager_email)
    from heatportal.adapters.dynamo_companies import org_member_item
    from heatportal.domain.companies import OrgMember, OrgRole

    repo.table.put(org_member_item(OrgMember(org, manager_id, manager_email, OrgRole.MANAGER)))

    browser = Client(stack.http_server.app)
    sign_in(browser, admin_email)
    page = browser.get(f"/organisation?org={org}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert translate("company.org.manager_customers", "en") in page
    saved = browser.post(
        f"/organisation/{org}/members/{manager_id}/customers",
        data={"csrf": csrf_of(page), "scope": "some", "customer": second.customer.number},
    )
    assert saved.status_code == 303
    members = http.get(f"/api/organisations/{org}", headers=admin).json["members"]
    assert next(m for m in members if m["email"] == manager_email)["customers"] == [second.customer.number]


def test_customer_service_marks_a_company_checked_in_the_portal(stack, http):
    from tests.integration.test_companies import company

    org, _email, _admin = company(stack, http)
    staff_email = f"portal-kundeservice-{secrets.token_hex(4)}@example.com"
    create_user(stack, staff_email, staff=True)
    browser = Client(stack.http_server.app)
    sign_in(browser, staff_email)
    page = browser.get(f"/organisation?org={org}", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert translate("company.not_verified", "nb") in page and translate("company.org.verify", "nb") in page
    done = browser.post(f"/organisation/{org}/verification", data={"csrf": csrf_of(page), "verified": "yes"})
    assert done.status_code == 303
    page = browser.get(f"/organisation?org={org}", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert translate("company.org.unverify", "nb") in page
