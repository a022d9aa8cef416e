"""The portfolio's API and pages on the embedded stack: every route of
``/api/portfolio`` called as each kind of person (the customer's people by
role, a company granted every facility or some, another customer, customer
service), what a partial grant sees, and the DynamoDB requests of the list,
the overview and a group's analysis, which stay the same whatever the number
of facilities.

A housing customer with three facilities (a heat meter each, days for the
past months, one invoice) is granted wholly to one management company and
by one facility to another; the people of a second customer see only their
own. The figures are projected as the nightly job does."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from werkzeug.test import Client

from heatportal import composition
from heatportal.adapters.dynamo import customer_item, daily_item, facility_item, membership_item, meter_item
from heatportal.adapters.dynamo_companies import DynamoCompanyStore, grant_item
from heatportal.domain.companies import CompanyGrant, Organisation, OrgAuditEntry, OrgMember, OrgRole
from heatportal.domain.model import (
    Address,
    BillingPeriod,
    Customer,
    DailyConsumption,
    Facility,
    Membership,
    Meter,
    MeterKind,
    Role,
)
from heatportal.domain.money import EnergyUnit
from infra.local.template import api_routes
from tests.dates import local_today
from tests.integration.conftest import bearer, body, create_user
from tests.integration.test_authorization_matrix import _org_number
from tests.integration.test_portal_session import sign_in
from tests.integration.test_request_counts import counted

PERSONAS = ("anonymous", "outsider", "read", "admin", "company_all", "company_some", "staff")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class PortfolioWorld:
    tokens: dict[str, dict[str, str]]
    emails: dict[str, str]
    customer: str
    facilities: list[str]  # the customer's, by name
    other: str  # the outsider's own customer
    invoice: int
    protocol: str
    group: str  # the administrator's group of every facility
    http: Client

    def headers(self, persona: str) -> dict[str, str]:
        return self.tokens[persona]


def _customer_with_facilities(repo: Any, number: str, count: int, *, days: int = 75) -> list[str]:
    """A customer with ``count`` facilities, each with a heat meter and ``days`` daily values."""
    address = Address(street="Porteføljevegen 1", postcode="0155", city="Oslo", country="NO")
    customer = Customer(
        number=number, name=f"Borettslag {number}", email=f"p-{number}@example.com", language="nb", address=address
    )
    items: list[dict[str, Any]] = [customer_item(customer)]
    today = local_today()
    ids = []
    for i in range(count):
        facility = Facility(
            id=f"P{number}-{i:03d}",
            customer_number=number,
            name=f"Blokk {i:03d}",
            address=address.model_copy(update={"street": f"Porteføljevegen {i + 1}"}),
        )
        ids.append(facility.id)
        meter = Meter(
            number=f"PM{number}{i:03d}",
            customer_number=number,
            facility_id=facility.id,
            kind=MeterKind.HEAT,
            unit=EnergyUnit.KWH,
            decimals=0,
            installed_on=date(2020, 1, 1),
            start_value=Decimal(1000),
        )
        items += [facility_item(facility), meter_item(meter)]
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            temp = Decimal(2 + (back % 9))
            kw = 20 + 3 * (16 - temp)
            items.append(
                daily_item(
                    DailyConsumption(
                        meter_number=meter.number,
                        day=day,
                        quantity=Decimal(int(kw * 24)),
                        mean_outdoor_temp=temp,
                        peak_load_kw=kw * Decimal("1.3"),
                        mean_return_temp=Decimal("38.5") + i,
                        mean_supply_temp=Decimal("72.0"),
                        volume_m3=Decimal(int(kw * 24)) / 40,
                        max_flow_m3h=Decimal("1.2"),
                        quality="estimated" if back == 3 else "measured",
                    )
                )
            )
    repo.table.batch_put(items)
    composition.portfolio_projector().refresh(number)
    return ids


def _organisation(repo: Any, user_id: str, email: str) -> str:
    org = _org_number()
    now = datetime.now(UTC)
    admin = OrgMember(org_number=org, user_id=user_id, email=email, role=OrgRole.ADMIN)
    organisation = Organisation(number=org, name=f"Forvaltning {org}", created_at=now, created_by=email)
    assert DynamoCompanyStore(repo.table).create_organisation(
        organisation, admin, OrgAuditEntry(org, now, email, "registered", org)
    )
    return org


def _grant(repo: Any, customer: str, org: str, facilities: frozenset[str] | None) -> None:
    grant = CompanyGrant(
        customer_number=customer,
        org_number=org,
        role=Role.FULL,
        facilities=facilities,
        status="active",
        granted_by="portfolio@example.com",
        granted_at=datetime.now(UTC),
    )
    repo.table.put(grant_item(grant))


_numbers = iter(range(930001, 939999))


@pytest.fixture(scope="module")
def pw(stack, repo, http) -> PortfolioWorld:
    customer, other = str(next(_numbers)), str(next(_numbers))
    facilities = _customer_with_facilities(repo, customer, 3)
    _customer_with_facilities(repo, other, 1, days=10)
    run = secrets.token_hex(3)
    emails = {p: f"pf-{p}-{run}@example.com" for p in PERSONAS if p != "anonymous"}
    users = {p: create_user(stack, e, staff=p == "staff") for p, e in emails.items()}
    roles = {"read": Role.READ, "admin": Role.ADMIN}
    for persona, role in roles.items():
        repo.table.put(
            membership_item(
                Membership(user_id=users[persona], customer_number=customer, role=role, email=emails[persona])
            )
        )
    repo.table.put(
        membership_item(
            Membership(user_id=users["outsider"], customer_number=other, role=Role.ADMIN, email=emails["outsider"])
        )
    )
    _grant(repo, customer, _organisation(repo, users["company_all"], emails["company_all"]), None)
    _grant(
        repo, customer, _organisation(repo, users["company_some"], emails["company_some"]), frozenset({facilities[1]})
    )
    today = local_today()
    period = BillingPeriod(year=today.year, month=today.month).previous().previous()  # closed for billing
    repo.put_spot_price("NO1", period.key, Decimal("0.6000"))
    invoice, _ = composition.bill_run().bill_account(customer, period, issued_on=today)
    composition.portfolio_projector().refresh(customer)
    tokens = {"anonymous": {}, **{p: bearer(http, e) for p, e in emails.items()}}
    stored = http.post(
        f"/api/customers/{customer}/facilities/{facilities[0]}/protocols",
        json={"title": "Funksjonskontroll 2026", "filename": "kontroll.pdf", "content_base64": _b64(PDF)},
        headers=tokens["staff"],
    )
    assert stored.status_code == 201, stored.text
    made = http.post(
        "/api/portfolio/groups", json={"name": "Alle blokker", "facilities": facilities}, headers=tokens["admin"]
    )
    assert made.status_code == 201, made.text
    return PortfolioWorld(
        tokens=tokens,
        emails=emails,
        customer=customer,
        facilities=facilities,
        other=other,
        invoice=invoice.number,
        protocol=body(stored)["id"],
        group=body(made)["id"],
        http=http,
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


Call = Callable[[PortfolioWorld, str], tuple[str, dict[str, Any] | None]]
"""Per cell: the path with its query, and the JSON body."""


def _get(path: str) -> Call:
    """A read; customer service names the customer it opened (``customer=``)."""

    def build(w: PortfolioWorld, persona: str) -> tuple[str, dict[str, Any] | None]:
        url = path.format(facility=w.facilities[0], customer=w.customer, group=w.group, invoice=w.invoice)
        url = url.format(protocol=w.protocol) if "{protocol}" in url else url
        if persona == "staff" and "/customers/" not in url:
            url += ("&" if "?" in url else "?") + f"customer={w.customer}"
        return url, None

    return build


def _fresh_group(w: PortfolioWorld, persona: str) -> str:
    """A group of the person's own (the outsider's of its own facility), to change or delete."""
    facility = f"P{w.other}-000" if persona == "outsider" else w.facilities[1]
    resp = w.http.post(
        "/api/portfolio/groups",
        json={"name": f"G {secrets.token_hex(3)}", "facilities": [facility]},
        headers=w.tokens[persona],
    )
    return str(body(resp)["id"]) if resp.status_code == 201 else "g" + secrets.token_hex(4)


#                 anonymous outsider read admin company_all company_some staff
OWN = (401, 200, 200, 200, 200, 200, 200)  # the person's own portfolio, whatever it holds
FACILITY = (401, 404, 200, 200, 200, 404, 200)  # the first facility: not granted to company_some
STAFF_ONLY = (401, 403, 403, 403, 403, 403, 201)

MATRIX: dict[tuple[str, str], tuple[tuple[int, ...], Call]] = {
    ("GET", "/api/portfolio/facilities"): (OWN, _get("/api/portfolio/facilities")),
    ("GET", "/api/portfolio/facilities/{facility}"): (FACILITY, _get("/api/portfolio/facilities/{facility}")),
    ("GET", "/api/portfolio/facilities/{facility}/report"): (
        FACILITY,
        _get("/api/portfolio/facilities/{facility}/report?supply=heating"),
    ),
    ("GET", "/api/portfolio/facilities/{facility}/protocols/{protocol}"): (
        FACILITY,
        _get("/api/portfolio/facilities/{facility}/protocols/{{protocol}}"),
    ),
    # Groups are the person's own: customer service has no portfolio of its own to group.
    ("GET", "/api/portfolio/groups"): (OWN, _get("/api/portfolio/groups")),
    ("POST", "/api/portfolio/groups"): (
        # A facility the person does not see is refused as unknown (422, the same for a made-up id).
        (401, 422, 201, 201, 201, 422, 422),
        lambda w, p: (
            "/api/portfolio/groups",
            {"name": f"Gruppe {secrets.token_hex(3)}", "facilities": [w.facilities[0]]},
        ),
    ),
    ("PUT", "/api/portfolio/groups/{group}"): (
        (401, 200, 200, 200, 200, 200, 404),
        lambda w, p: (f"/api/portfolio/groups/{_fresh_group(w, p)}", {"name": f"Ny {secrets.token_hex(3)}"}),
    ),
    ("DELETE", "/api/portfolio/groups/{group}"): (
        (401, 200, 200, 200, 200, 200, 404),
        lambda w, p: (f"/api/portfolio/groups/{_fresh_group(w, p)}", None),
    ),
    # One alert setting for every facility of the person's own group they may set (the alerts
    # function): read access may not set (403), customer service has no group of its own (404).
    ("PUT", "/api/portfolio/groups/{group}/alerts"): (
        (401, 200, 403, 200, 200, 200, 404),
        lambda w, p: (
            f"/api/portfolio/groups/{_fresh_group(w, p)}/alerts",
            {
                "rules": [
                    {"supply": "heating", "measure": "no_data", "hours": 48, "channels": ["portal"]},
                ]
            },
        ),
    ),
    ("GET", "/api/portfolio/overview"): (OWN, _get("/api/portfolio/overview")),
    ("GET", "/api/portfolio/start-tiles"): (OWN, _get("/api/portfolio/start-tiles")),
    ("PUT", "/api/portfolio/start-tiles"): (
        OWN,
        lambda w, p: ("/api/portfolio/start-tiles", {"tiles": [{"tile": "status", "shown": True, "options": {}}]}),
    ),
    ("GET", "/api/portfolio/analysis"): (
        FACILITY,
        _get("/api/portfolio/analysis?facility={facility}&supply=heating&section=energy"),
    ),
    ("GET", "/api/portfolio/analysis/export"): (
        FACILITY,
        _get("/api/portfolio/analysis/export?facility={facility}&supply=heating&format=csv&section=energy"),
    ),
    ("GET", "/api/portfolio/return-temperature"): (
        FACILITY,
        _get("/api/portfolio/return-temperature?facility={facility}&supply=heating"),
    ),
    ("GET", "/api/portfolio/invoices"): (OWN, _get("/api/portfolio/invoices")),
    # company_some sees its facility's share of the invoice.
    ("GET", "/api/portfolio/customers/{customer}/invoices/{number}"): (
        (401, 404, 200, 200, 200, 200, 200),
        _get("/api/portfolio/customers/{customer}/invoices/{invoice}"),
    ),
    ("POST", "/api/customers/{customer}/facilities/{facility}/protocols"): (
        STAFF_ONLY,
        lambda w, p: (
            f"/api/customers/{w.customer}/facilities/{w.facilities[0]}/protocols",
            {"title": "Kontroll", "filename": "k.pdf", "content_base64": _b64(PDF)},
        ),
    ),
}


def test_every_portfolio_route_has_a_row():
    routes = {
        (r.method, r.path)
        for r in api_routes()
        if r.path.startswith("/api/portfolio") or r.path.endswith("/facilities/{facility}/protocols")
    }
    assert routes == set(MATRIX)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_a_portfolio_route_answers_each_person_as_the_matrix_says(route, pw, http):
    expected, build = MATRIX[route]
    got: dict[str, int] = {}
    for persona in PERSONAS:
        path, payload = build(pw, persona)
        resp = http.open(path, method=route[0], json=payload, headers=pw.headers(persona))
        got[persona] = resp.status_code
    assert got == dict(zip(PERSONAS, expected, strict=True))


# --- what each person sees ------------------------------------------------------------------------


def test_a_company_granted_one_facility_lists_it_alone_and_sees_only_its_share_of_the_invoice(pw, http):
    some = pw.headers("company_some")
    listed = body(http.get("/api/portfolio/facilities", headers=some))
    assert [f["id"] for f in listed["facilities"]] == [pw.facilities[1]] and listed["total"] == 1
    found = body(http.get("/api/portfolio/invoices", headers=some))["invoices"]
    assert [(i["number"], i["whole"], i["total"]) for i in found] == [(pw.invoice, False, None)]
    assert [s["facility"] for s in found[0]["shares"]] == [pw.facilities[1]]
    detail = body(http.get(f"/api/portfolio/customers/{pw.customer}/invoices/{pw.invoice}", headers=some))
    assert detail["lines"] == [] and Decimal(detail["amount"]) > 0
    whole = body(http.get(f"/api/portfolio/customers/{pw.customer}/invoices/{pw.invoice}", headers=pw.headers("admin")))
    assert whole["whole"] and whole["lines"] and Decimal(detail["amount"]) < Decimal(whole["amount"])
    # The shares of the three facilities add up to the invoice.
    shares = body(http.get("/api/portfolio/invoices", headers=pw.headers("company_all")))["invoices"]
    assert [(i["number"], i["whole"]) for i in shares] == [(pw.invoice, True)]


def test_a_groups_analysis_and_its_excel_file(pw, http):
    admin = pw.headers("admin")
    found = body(http.get(f"/api/portfolio/analysis?group={pw.group}&supply=heating&section=power", headers=admin))
    assert found["target"] == "group" and found["facilities"] == pw.facilities
    assert found["signature"] is not None and found["table"]["rows"]
    xlsx = http.get(
        f"/api/portfolio/analysis/export?group={pw.group}&supply=heating&format=xlsx",
        headers={**admin, "Accept": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    csv = http.get(f"/api/portfolio/analysis/export?group={pw.group}&format=csv&section=energy", headers=admin)
    assert csv.status_code == 200 and "(MWh)" in csv.get_data(as_text=True).splitlines()[0]


def test_a_protocol_is_a_short_lived_link_for_the_facilitys_people(pw, http):
    link = body(
        http.get(f"/api/portfolio/facilities/{pw.facilities[0]}/protocols/{pw.protocol}", headers=pw.headers("read"))
    )
    assert link["expires_in"] <= 900 and "protocols/" in link["url"]
    refused = http.post(
        f"/api/customers/{pw.customer}/facilities/{pw.facilities[0]}/protocols",
        json={"title": "Ikke PDF", "filename": "x.pdf", "content_base64": _b64(b"just some text here")},
        headers=pw.headers("staff"),
    )
    assert refused.status_code == 422 and body(refused)["code"] == "protocol_not_pdf"


# --- requests at portfolio size -------------------------------------------------------------------


def _portal_requests(stack, email: str, paths: list[str]) -> dict[str, tuple[int, int]]:
    browser = Client(stack.http_server.app)
    sign_in(browser, email)
    result = {}
    for path in paths:
        browser.get(path)  # warm: templates compiled
        requests, resp = counted(lambda: browser.get(path))  # noqa: B023 - called at once
        result[path] = (resp.status_code, requests)
    return result


def test_the_list_overview_and_a_groups_analysis_read_the_same_whatever_the_facilities(stack, repo, http, pw):
    """The admin of three facilities and the admin of forty: the same requests per page."""
    number = str(next(_numbers))
    many = _customer_with_facilities(repo, number, 40, days=40)
    email = f"pf-many-{secrets.token_hex(3)}@example.com"
    user = create_user(stack, email)
    repo.table.put(membership_item(Membership(user_id=user, customer_number=number, role=Role.ADMIN, email=email)))
    group = body(
        http.post("/api/portfolio/groups", json={"name": "Alle", "facilities": many}, headers=bearer(http, email))
    )["id"]

    def pages(group_id: str) -> list[str]:
        return ["/facilities", "/", f"/analysis?group={group_id}&supply=heating&section=energy"]

    small = _portal_requests(stack, pw.emails["admin"], pages(pw.group))
    large = _portal_requests(stack, email, pages(group))
    assert list(small.values()) == list(large.values())
    # The list: links with the sign-out (one Query), the customers' directories (one batch), the person's settings and the
    # customer record a single customer's page needs; the overview and the analysis add the figures (one batch),
    # the overview's interruptions come from what the warm container read less than a minute ago.
    assert [count for _status, count in small.values()] == [4, 4, 5], small
    assert all(status == 200 for status, _count in small.values())


def test_customer_service_uploads_a_protocol_on_the_facility_page_and_its_people_see_it(stack, pw):
    from io import BytesIO

    from tests.integration.test_meter_lifecycle import staff_browser_on
    from tests.integration.test_readings_portal import csrf_of, signed_in_browser

    @dataclass
    class _Customer:
        number: str

    @dataclass
    class _Seeded:
        customer: _Customer

    staff = staff_browser_on(stack, pw.emails["staff"], _Seeded(_Customer(pw.customer)))
    facility = pw.facilities[2]
    form = staff.get(f"/facilities/{facility}").get_data(as_text=True)
    sent = staff.post(
        f"/facilities/{facility}/protocols",
        data={
            "csrf": csrf_of(form),
            "title": "Driftprotokoll mars",
            "file": (BytesIO(PDF), "mars.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)[:300]
    refused = staff.post(
        f"/facilities/{facility}/protocols",
        data={
            "csrf": csrf_of(form),
            "title": "Ikke PDF",
            "file": (BytesIO(b"hello there"), "x.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    reader = signed_in_browser(stack, pw.emails["read"])
    page = reader.get(f"/facilities/{facility}").get_data(as_text=True)
    assert "Driftprotokoll mars" in page and "Ikke PDF" not in page


def test_the_consumption_table_exports_to_csv_and_excel(stack, seed):
    from tests.integration.test_readings_portal import signed_in_browser

    person = seed(monthly_kwh=1500, months=14)
    browser = signed_in_browser(stack, person.email)
    year = local_today().year
    page = browser.get(f"/consumption?view=year&year={year}").get_data(as_text=True)
    assert "/consumption/export?" in page and "format=xlsx" in page
    csv = browser.get(f"/consumption/export?view=year&year={year}&format=csv")
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].split(";")[:3] == ["Periode", f"Forbruk {year} (kWh)", f"Forbruk {year - 1} (kWh)"]
    assert (len(lines) == 1 + 12 + 1 and lines[-1].startswith("Sum")) or lines[-1].split(";")[0] != ""
    xlsx = browser.get(f"/consumption/export?view=year&year={year}&format=xlsx")
    assert xlsx.status_code in (302, 303) and "downloads/" in xlsx.headers["Location"]
    # Another customer's meter is not exported: the person's own first meter is.
    other = browser.get("/consumption/export?meter=NOPE&view=total&format=csv")
    assert other.status_code == 200 and person.meter.number not in other.get_data(as_text=True).splitlines()[0]
