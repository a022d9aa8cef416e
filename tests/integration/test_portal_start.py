"""The start page and service interruptions: staff announce
them over the API; customers see the ones touching their facilities, now and
in the next 30 days. Help with the glossary in every language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.test import Client

from infra.local.resources import clients
from tests.integration.conftest import PASSWORD, body
from tests.integration.test_portal_session import sign_in


@pytest.fixture
def staff(stack, seed, http) -> dict[str, str]:
    seeded = seed()
    cognito = clients(stack.resources.endpoint)["cognito-idp"]
    cognito.admin_add_user_to_group(UserPoolId=stack.resources.user_pool_id, Username=seeded.email, GroupName="staff")
    resp = http.post("/api/auth/login", json={"username": seeded.email, "password": PASSWORD})
    return {"Authorization": f"Bearer {resp.json['id_token']}"}


def announce(http, headers, **fields):
    now = datetime.now(UTC)
    payload = {
        "planned": True,
        "starts_at": (now + timedelta(days=5)).isoformat(),
        "ends_at": (now + timedelta(days=5, hours=4)).isoformat(),
        "title": "Valve replacement",
        **fields,
    }
    return http.post("/api/interruptions", json=payload, headers=headers)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_only_staff_may_announce_or_list_interruptions(http, seed):
    customer = seed()
    assert announce(http, customer.auth).status_code == 403
    assert http.get("/api/interruptions", headers=customer.auth).status_code == 403
    assert http.get("/api/interruptions").status_code == 401


def test_an_invalid_interruption_is_refused_with_a_code_and_nothing_is_stored(http, staff):
    now = datetime.now(UTC)
    backwards = announce(
        http,
        staff,
        title="Backwards-9f2",
        starts_at=(now + timedelta(days=2)).isoformat(),
        ends_at=(now + timedelta(days=1)).isoformat(),
    )
    assert backwards.status_code == 422
    assert body(backwards)["code"] == "interruption_invalid"
    naive = announce(http, staff, title="No zone", starts_at="2030-01-01T08:00:00")
    assert naive.status_code == 422
    listed = body(http.get("/api/interruptions", headers=staff))
    assert all(i["title"] != "Backwards-9f2" for i in listed["current"] + listed["upcoming"])


def test_the_start_page_shows_name_number_balance_and_the_interruptions_that_touch_the_customer(
    stack, http, seed, staff
):
    seeded = seed()
    postcode = seeded.customer.address.postcode
    now = datetime.now(UTC)
    assert announce(http, staff, title="Planned work Storgata-7c1", postcodes=[postcode]).status_code == 201
    assert (
        announce(
            http,
            staff,
            planned=False,
            title="Pipe burst Storgata-7c1",
            starts_at=(now - timedelta(hours=1)).isoformat(),
            ends_at=None,
            postcodes=[postcode],
        ).status_code
        == 201
    )
    assert announce(http, staff, title="Elsewhere-7c1", postcodes=["9999"]).status_code == 201
    assert (
        announce(
            http,
            staff,
            title="Too far ahead-7c1",
            starts_at=(now + timedelta(days=45)).isoformat(),
            ends_at=(now + timedelta(days=45, hours=2)).isoformat(),
        ).status_code
        == 201
    )

    browser = Client(stack.http_server.app)
    sign_in(browser, seeded.email)
    resp = browser.get("/")
    assert resp.status_code == 200
    page = text_of(resp.get_data(as_text=True))
    assert "Kari Nordmann" in page and seeded.customer.number in page
    assert "Driftsforstyrrelse nå" in page and "Pipe burst Storgata-7c1" in page
    assert "Planlagte driftsavbrudd de neste 30 dagene" in page and "Planned work Storgata-7c1" in page
    assert "Elsewhere-7c1" not in page  # another area
    assert "Too far ahead-7c1" not in page  # more than 30 days ahead
    assert "0 ubetalte fakturaer" in page
    assert "Nye dokumenter" in page

    listed = body(http.get("/api/interruptions", headers=staff))
    titles = {i["title"] for i in listed["upcoming"]} | {i["title"] for i in listed["current"]}
    assert {"Planned work Storgata-7c1", "Pipe burst Storgata-7c1", "Elsewhere-7c1"} <= titles
    assert "Too far ahead-7c1" not in titles


@pytest.mark.parametrize(
    ("lang", "heading", "term"),
    [
        ("nb", "Ordliste", "Prøveavregning"),
        ("sv", "Ordlista", "Förskott"),
        ("nl", "Woordenlijst", "Tarievenblad"),
        ("de", "Glossar", "Abschlag"),
        ("en", "Glossary", "Estimated reading"),
    ],
)
def test_help_has_a_glossary_in_every_language_signed_in_or_not(stack, lang, heading, term):
    anonymous = Client(stack.http_server.app)
    resp = anonymous.get(f"/help?lang={lang}")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert heading in page and term in page
    assert 'href="#glossary"' in page and 'id="glossary"' in page
    assert 'action="/logout"' not in page  # the public layout


def test_help_inside_the_navigation_when_signed_in(stack, seed):
    seeded = seed()
    browser = Client(stack.http_server.app)
    sign_in(browser, seeded.email)
    page = browser.get("/help").get_data(as_text=True)
    assert 'href="/help" aria-current="page"' in page
    assert 'action="/logout"' in page


def test_documents_contract_data_card_and_the_price_sheet_pdf(stack, seed):
    import requests

    seeded = seed()
    other = seed()
    browser = Client(stack.http_server.app)
    sign_in(browser, seeded.email)
    page = text_of(browser.get("/documents").get_data(as_text=True))
    assert "Prisliste" in page and "Gjelder fra" in page and "merverdiavgift (25 %)" in page.replace("\u00a0", " ")
    contract = text_of(browser.get("/documents/contract").get_data(as_text=True))
    assert seeded.customer.number in contract and "Storgata 1" in contract
    card = browser.get(f"/documents/facilities/F{seeded.customer.number}")
    assert card.status_code == 200 and seeded.meter.number in card.get_data(as_text=True)
    # Another customer's facility is not found, never shown.
    foreign = browser.get(f"/documents/facilities/F{other.customer.number}")
    assert foreign.status_code == 404
    assert other.meter.number not in foreign.get_data(as_text=True)

    resp = browser.get("/documents/price-sheet.pdf?lang=de")
    assert resp.status_code == 303
    pdf = requests.get(resp.headers["Location"], timeout=30)
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["Content-Type"] == "application/pdf"


def test_documents_need_a_session(stack):
    resp = Client(stack.http_server.app).get("/documents/price-sheet.pdf")
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/login")
