"""Alerts for a group and a management company's notifications, on the
embedded stack.

A group is one of a person's saved groups of facilities (the portfolio's):
one alert setting goes to every facility of it the person may set
(administrators and full access), stored per facility as when set alone; the
facilities the person only sees are named and left as they are. An unknown
group, one with nothing the person may set, and a wrong field in any of the
group's customers are refused before anything is stored.

A management company's person who has not opened a customer sees, under
``/notifications``, the newest notifications of every customer granted to
their company, on the facilities each granted."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from werkzeug.test import Client

from heatportal import composition
from heatportal.adapters.dynamo import customer_item, membership_item
from heatportal.adapters.dynamo_alerts import DynamoAlertStore
from heatportal.adapters.dynamo_companies import grant_item
from heatportal.domain.alerts import AlertState, Measure, Supply
from heatportal.domain.companies import CompanyGrant
from heatportal.domain.model import Membership, Role
from heatportal.domain.notifications import Notification, numbered
from heatportal.i18n import translate
from tests.integration.conftest import bearer, body, create_user
from tests.integration.test_alerts_portal import alert_form
from tests.integration.test_companies import customer_with_two_facilities
from tests.integration.test_portal_session import csrf_of, sign_in
from tests.integration.test_portfolio import _grant, _organisation
from tests.integration.test_request_counts import counted

RULES = {
    "rules": [
        {
            "supply": "heating",
            "measure": "return_temperature",
            "summer": "45",
            "winter": "40",
            "channels": ["portal", "email"],
        }
    ]
}


def _settings(repo: Any, customer: str) -> dict[str, Any]:
    return {s.facility_id: s for s in DynamoAlertStore(repo.table).settings_of(customer)}


def _two_customers(seed: Any, repo: Any, *, second_role: Role = Role.ADMIN, second_email: bool = True) -> Any:
    """A person, administrator of their own customer, linked with ``second_role``
    to a second customer; both customers' directories projected."""
    person = seed()
    other = seed()
    if not second_email:
        repo.table.put(customer_item(other.customer.model_copy(update={"email": None, "phone": None})))
    repo.table.put(
        membership_item(
            Membership(
                user_id=person.user_id, customer_number=other.customer.number, role=second_role, email=person.email
            )
        )
    )
    for number in (person.customer.number, other.customer.number):
        composition.portfolio_projector().refresh(number)
    return person, other


def _group(http: Any, headers: dict[str, str], facilities: list[str]) -> str:
    made = http.post(
        "/api/portfolio/groups",
        json={"name": f"Gruppe {secrets.token_hex(3)}", "facilities": facilities},
        headers=headers,
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    return str(body(made)["id"])


# --- the portal's group page ----------------------------------------------------------------------


def test_a_groups_facilities_across_two_customers_get_one_setting(stack, http, seed, repo):
    person, other = _two_customers(seed, repo)
    facilities = [person.meter.facility_id, other.meter.facility_id]
    group = _group(http, person.auth, facilities)
    browser = Client(stack.http_server.app)
    sign_in(browser, person.email)
    assert 'href="/alerts/groups"' in browser.get("/alerts").get_data(as_text=True)
    page = browser.get(f"/alerts/groups?group={group}").get_data(as_text=True)
    assert translate("alerts.group.will_set.other", "nb").format(count=2) in page

    form = alert_form(csrf_of(page), "")
    requests, resp = counted(lambda: browser.post(f"/alerts/groups/{group}", data=form))

    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"group={group}&saved=2")
    for customer, facility in ((person, facilities[0]), (other, facilities[1])):
        stored = _settings(repo, customer.customer.number)[facility]
        rule = stored.rule(Supply.HEATING, Measure.RETURN_TEMPERATURE)
        assert rule is not None and (rule.summer, rule.winter) == (Decimal("45.5"), Decimal(40))
        assert stored.email_to == ("vakt@example.com",) and stored.updated_by == person.email
        # Stored as when set alone: the facility's own page shows it.
    shown = browser.get(f"/alerts?facility={facilities[0]}").get_data(as_text=True)
    assert 'value="45.5"' in shown
    # links with the sign-out (one Query) + the portfolio's directories (one BatchGetItem) + the groups
    # (GetItem) + each customer's record (2) + one PutItem per facility (2)
    assert requests == 7
    assert "lagret for 2 anlegg" in browser.get(resp.headers["Location"]).get_data(as_text=True)


def test_a_wrong_field_for_any_customer_of_the_group_stores_nothing(stack, http, seed, repo):
    """E-mail wanted and none given: the first customer has an address on
    record, the second none, so the second customer refuses, and the first
    customer's facility is not written either."""
    person, other = _two_customers(seed, repo, second_email=False)
    group = _group(http, person.auth, [person.meter.facility_id, other.meter.facility_id])
    browser = Client(stack.http_server.app)
    sign_in(browser, person.email)
    csrf = csrf_of(browser.get(f"/alerts/groups?group={group}").get_data(as_text=True))
    form = {**alert_form(csrf, ""), "email_to": "", "heating.no_data.on": ""}

    resp = browser.post(f"/alerts/groups/{group}", data=form)

    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'href="#email_to"' in html and translate("error.alert_email_missing", "nb") in html
    assert _settings(repo, person.customer.number) == {} and _settings(repo, other.customer.number) == {}


def test_an_unknown_group_and_a_read_only_group_are_refused_and_nothing_is_stored(stack, http, seed, repo):
    person, other = _two_customers(seed, repo, second_role=Role.READ)
    mixed = _group(http, person.auth, [person.meter.facility_id, other.meter.facility_id])
    read_only = _group(http, person.auth, [other.meter.facility_id])
    browser = Client(stack.http_server.app)
    sign_in(browser, person.email)
    page = browser.get(f"/alerts/groups?group={read_only}").get_data(as_text=True)
    assert translate("alerts.group.read_only.one", "nb") in page and '<button type="submit" class="primary"' not in page
    csrf = csrf_of(page)

    unknown = browser.post("/alerts/groups/finnes-ikke", data=alert_form(csrf, ""))
    assert unknown.status_code == 404
    assert translate("error.alert_group_not_found", "nb") in unknown.get_data(as_text=True)
    refused = browser.post(f"/alerts/groups/{read_only}", data=alert_form(csrf, ""))
    assert refused.status_code == 403
    assert translate("error.alert_group_read_only", "nb") in refused.get_data(as_text=True)
    assert _settings(repo, person.customer.number) == {} and _settings(repo, other.customer.number) == {}

    # A group with both: the facility the person may set is set, the other one named and left.
    saved = browser.post(f"/alerts/groups/{mixed}", data=alert_form(csrf, ""))
    assert saved.status_code == 303 and saved.headers["Location"].endswith("saved=1")
    assert set(_settings(repo, person.customer.number)) == {person.meter.facility_id}
    assert _settings(repo, other.customer.number) == {}


def test_the_form_says_so_in_each_language(stack, http, seed, repo):
    person, other = _two_customers(seed, repo)
    group = _group(http, person.auth, [person.meter.facility_id, other.meter.facility_id])
    browser = Client(stack.http_server.app)
    sign_in(browser, person.email)
    for lang in ("nb", "sv", "nl", "de", "en"):
        resp = browser.post(
            "/alerts/groups/nope",
            data=alert_form(csrf_of(browser.get(f"/alerts/groups?group={group}").get_data(as_text=True)), ""),
            headers={"Accept-Language": lang},
        )
        assert resp.status_code == 404 and translate("error.alert_group_not_found", lang) in resp.get_data(as_text=True)


# --- the API --------------------------------------------------------------------------------------


def test_the_api_sets_a_group_and_refuses_another_persons_group_and_a_read_only_one(stack, http, seed, repo):
    person, other = _two_customers(seed, repo, second_role=Role.READ)
    mixed = _group(http, person.auth, [person.meter.facility_id, other.meter.facility_id])
    read_only = _group(http, person.auth, [other.meter.facility_id])

    requests, resp = counted(lambda: http.put(f"/api/portfolio/groups/{mixed}/alerts", json=RULES, headers=person.auth))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    answer = body(resp)
    assert [f["facility_id"] for f in answer["facilities"]] == [person.meter.facility_id]
    assert answer["left_as_they_are"] == [other.meter.facility_id]
    assert answer["facilities"][0]["rules"][0]["winter"] == "40"
    # sign-out + links (one Query, no organisations) + directories + groups + one record + one PutItem
    assert requests == 6

    refused = http.put(f"/api/portfolio/groups/{read_only}/alerts", json=RULES, headers=person.auth)
    assert (refused.status_code, body(refused)["code"]) == (403, "alert_group_read_only")
    # Another person (an administrator of the second customer) cannot use the first person's group.
    stranger = http.put(f"/api/portfolio/groups/{mixed}/alerts", json=RULES, headers=other.auth)
    assert (stranger.status_code, body(stranger)["code"]) == (404, "alert_group_not_found")
    assert _settings(repo, other.customer.number) == {}


def test_a_company_with_full_access_sets_its_group_and_another_company_cannot(stack, http, seed, repo):
    customer, second_meter = customer_with_two_facilities(seed, repo)
    number = customer.customer.number
    composition.portfolio_projector().refresh(number)
    run = secrets.token_hex(3)
    emails = {k: f"grp-{k}-{run}@example.com" for k in ("full", "read", "other")}
    users = {k: create_user(stack, e) for k, e in emails.items()}
    _grant(repo, number, _organisation(repo, users["full"], emails["full"]), None)
    repo.table.put(grant_item(_read_grant(number, _organisation(repo, users["read"], emails["read"]))))
    _organisation(repo, users["other"], emails["other"])
    headers = {k: bearer(http, e) for k, e in emails.items()}
    facilities = [customer.meter.facility_id, second_meter.facility_id]
    group = _group(http, headers["full"], facilities)

    assert http.put(f"/api/portfolio/groups/{group}/alerts", json=RULES, headers=headers["full"]).status_code == 200
    assert set(_settings(repo, number)) == set(facilities)
    # The other company's person: not their group (and not their customer).
    other = http.put(f"/api/portfolio/groups/{group}/alerts", json=RULES, headers=headers["other"])
    assert other.status_code == 404
    # A company granted read access: its own group of the same facilities is refused.
    read_group = _group(http, headers["read"], facilities)
    read = http.put(f"/api/portfolio/groups/{read_group}/alerts", json=RULES, headers=headers["read"])
    assert (read.status_code, body(read)["code"]) == (403, "alert_group_read_only")


def _read_grant(number: str, org: str) -> CompanyGrant:
    return CompanyGrant(
        customer_number=number,
        org_number=org,
        role=Role.READ,
        facilities=None,
        status="active",
        granted_by="grp@example.com",
        granted_at=datetime.now(UTC),
    )


# --- a management company's notifications ---------------------------------------------------------


def _tell(repo: Any, customer: str, facility: str, meter: str, day: date, value: str) -> None:
    told, _ = numbered(
        [
            Notification(
                customer_number=customer,
                id=f"{day.isoformat()}#{meter}#hourly_power#breach",
                kind="breach",
                facility_id=facility,
                day=day,
                created_at=datetime(day.year, day.month, day.day, 6, tzinfo=UTC),
                meter_number=meter,
                supply=Supply.HEATING,
                measure=Measure.HOURLY_POWER,
                value=Decimal(value),
                threshold=Decimal(25),
            )
        ],
        {},
    )
    assert DynamoAlertStore(repo.table).record(
        AlertState(customer_number=customer, facility_id=facility), None, told, {}
    )


def test_a_company_sees_the_notifications_of_every_granted_customer_newest_first(stack, seed, repo):
    whole, _ = customer_with_two_facilities(seed, repo)
    partly, hidden_meter = customer_with_two_facilities(seed, repo)
    outside = seed()  # not granted to the company
    for c, name in ((whole, "Borettslaget Hele"), (partly, "Sameiet Delvis")):
        repo.table.put(customer_item(c.customer.model_copy(update={"name": name})))
    run = secrets.token_hex(3)
    emails = {k: f"varsel-{k}-{run}@example.com" for k in ("company", "other")}
    users = {k: create_user(stack, e) for k, e in emails.items()}
    org = _organisation(repo, users["company"], emails["company"])
    _grant(repo, whole.customer.number, org, None)
    _grant(repo, partly.customer.number, org, frozenset({partly.meter.facility_id}))
    _grant(repo, outside.customer.number, _organisation(repo, users["other"], emails["other"]), None)
    for c in (whole, partly, outside):
        composition.portfolio_projector().refresh(c.customer.number)
    _tell(repo, whole.customer.number, whole.meter.facility_id, whole.meter.number, date(2026, 1, 10), "31.5")
    _tell(repo, partly.customer.number, partly.meter.facility_id, partly.meter.number, date(2026, 1, 12), "40")
    # The facility not granted, and a customer of another company: not listed.
    _tell(repo, partly.customer.number, hidden_meter.facility_id, hidden_meter.number, date(2026, 1, 13), "77")
    _tell(repo, outside.customer.number, outside.meter.facility_id, outside.meter.number, date(2026, 1, 14), "88")

    browser = Client(stack.http_server.app)
    sign_in(browser, emails["company"])
    start = browser.get("/").get_data(as_text=True)
    assert 'href="/notifications"' in start  # the company's menu
    browser.get("/notifications")  # warm
    requests, resp = counted(lambda: browser.get("/notifications"))

    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html
    assert translate("notifications.company_intro", "nb") in html
    assert "40,0\u00a0kW" in html and "31,5\u00a0kW" in html and "77,0" not in html and "88,0" not in html
    assert html.index("40,0\u00a0kW") < html.index("31,5\u00a0kW")  # newest first
    assert "Kunde: Sameiet Delvis · Storgata 1" in html and "Kunde: Borettslaget Hele · Storgata 1" in html
    link = f'href="/analysis?facility={partly.meter.facility_id}&amp;supply=heating&amp;section=power"'
    assert link in html
    # links with the sign-out (memberships and organisations; the company's grants) + one Query per
    # customer granted (2) + the portfolio's directories (one BatchGetItem)
    assert requests == 5

    # Opening a customer from the list may go on to a page of it (its monthly information);
    # only a path on this site.
    opening = f"/organisation/{org}/customers/{whole.customer.number}/open"
    went = browser.post(opening, data={"csrf": csrf_of(html), "next": "/consumption-info/2026-01"})
    assert (went.status_code, went.headers["Location"]) == (303, "/consumption-info/2026-01")
    away = browser.post(opening, data={"csrf": csrf_of(html), "next": "//evil.example/x"})
    assert away.headers["Location"] == "/"

    # The other company's person sees its own customer's only.
    other = Client(stack.http_server.app)
    sign_in(other, emails["other"])
    theirs = other.get("/notifications").get_data(as_text=True)
    assert "88,0\u00a0kW" in theirs and "31,5\u00a0kW" not in theirs and "40,0\u00a0kW" not in theirs
