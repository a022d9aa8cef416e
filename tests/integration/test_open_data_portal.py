"""Open data in the portal: a person makes an access token at /account/tokens
(shown once, on the page that answers the form), sees it listed with its last
use, revokes it; the page gives the Home Assistant block for the customer's
meters; an administrator shares data with a provider at /account/sharing
(the token goes to the provider's e-mail) and revokes it."""

from __future__ import annotations

import re
from datetime import timedelta

import yaml
from werkzeug.test import Client

from heatportal.domain.home_assistant import SECRET_NAME
from heatportal.i18n import translate
from tests.dates import local_today
from tests.integration.test_auth_portal import csrf_of, sign_in
from tests.integration.test_open_data_api import token_in_mail

TOKEN = re.compile(r'value="(hp_pat_[A-Za-z0-9_-]{43})"')


class _HomeAssistantLoader(yaml.SafeLoader):
    pass


_HomeAssistantLoader.add_constructor("!secret", lambda loader, node: {"secret": loader.construct_scalar(node)})  # type: ignore[arg-type]


def test_a_person_makes_an_access_token_sees_it_once_and_revokes_it(stack, seed):
    seeded = seed()
    browser = Client(stack.http_server.app)
    sign_in(browser, seeded.email)
    page = browser.get("/account/tokens", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert translate("tokens.none", "nb") in page

    made = browser.post(
        "/account/tokens",
        data={
            "csrf": csrf_of(page),
            "name": "Home Assistant",
            "customer": seeded.customer.number,
            "kind": ["readings", "consumption"],
            "expires_in_days": "90",
        },
        headers={"Accept-Language": "nb"},
    )
    assert made.status_code == 201, made.get_data(as_text=True)[:500]
    shown = made.get_data(as_text=True)
    token = TOKEN.search(shown).group(1)  # type: ignore[union-attr]
    assert f"{SECRET_NAME}: &#34;Bearer {token}&#34;" in shown or f'{SECRET_NAME}: "Bearer {token}"' in shown
    meters = f"/api/v1/data/customers/{seeded.customer.number}/meters"
    assert browser.get(meters, headers={"Authorization": f"Bearer {token}"}).status_code == 200

    listed = browser.get("/account/tokens", headers={"Accept-Language": "nb"}).get_data(as_text=True)
    assert token not in listed and f"…{token[-4:]}" in listed
    assert translate("tokens.never_used", "nb") not in listed  # used a moment ago
    token_id = re.search(r'action="/account/tokens/([0-9a-f]{16})/revoke"', listed).group(1)  # type: ignore[union-attr]
    revoked = browser.post(f"/account/tokens/{token_id}/revoke", data={"csrf": csrf_of(listed)})
    assert revoked.status_code == 303
    assert browser.get(meters, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_form_with_nothing_to_read_says_so_and_makes_nothing(stack, seed):
    seeded = seed()
    browser = Client(stack.http_server.app)
    sign_in(browser, seeded.email)
    page = browser.get("/account/tokens", headers={"Accept-Language": "de"}).get_data(as_text=True)
    refused = browser.post(
        "/account/tokens",
        data={"csrf": csrf_of(page), "name": "x", "customer": seeded.customer.number, "expires_in_days": "30"},
        headers={"Accept-Language": "de"},
    )
    assert refused.status_code == 422
    assert translate("error.data_kinds_invalid", "de") in refused.get_data(as_text=True)
    assert translate("tokens.none", "de") in refused.get_data(as_text=True)


def test_the_home_assistant_block_names_each_meter_with_the_sensor_it_needs(stack, seed):
    seeded = seed()
    browser = Client(stack.http_server.app)
    sign_in(browser, seeded.email)
    page = browser.get("/account/tokens", headers={"Accept-Language": "en"}).get_data(as_text=True)
    block = re.search(r'<textarea id="ha-yaml"[^>]*>(.*?)</textarea>', page, re.S).group(1)  # type: ignore[union-attr]
    config = yaml.load(block.replace("&#34;", '"').replace("&#39;", "'"), Loader=_HomeAssistantLoader)
    [rest] = config["rest"]
    assert rest["resource"].endswith(
        f"/api/v1/data/customers/{seeded.customer.number}/meters/{seeded.meter.number}/home-assistant"
    )
    assert rest["headers"] == {"Authorization": {"secret": SECRET_NAME}}
    [sensor] = rest["sensor"]
    assert (sensor["device_class"], sensor["state_class"], sensor["unit_of_measurement"]) == (
        "energy",
        "total_increasing",
        "kWh",
    )


def test_an_administrator_shares_data_with_a_provider_and_revokes_it(stack, seed):
    seeded = seed()
    browser = Client(stack.http_server.app)
    sign_in(browser, seeded.email)
    page = browser.get("/account/sharing", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert translate("sharing.none", "de") in page
    provider = f"daten-{seeded.customer.number}@energieberatung.example"
    shared = browser.post(
        "/account/sharing",
        data={
            "csrf": csrf_of(page),
            "provider_name": "Energieberatung Müller",
            "provider_email": provider,
            "facility": seeded.meter.facility_id,
            "kind": ["consumption", "readings"],
            "valid_from": local_today().isoformat(),
            "valid_until": (local_today() + timedelta(days=90)).isoformat(),
        },
        headers={"Accept-Language": "de"},
    )
    assert shared.status_code == 303, shared.get_data(as_text=True)[:500]
    listed = browser.get(shared.headers["Location"], headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert translate("sharing.sent", "de", email=provider) in listed and "Energieberatung Müller" in listed
    token = token_in_mail(provider)
    readings = f"/api/v1/data/customers/{seeded.customer.number}/meters/{seeded.meter.number}/readings"
    assert browser.get(readings, headers={"Authorization": f"Bearer {token}"}).status_code == 200

    share_id = re.search(r'action="/account/sharing/([0-9a-f]{16})/revoke"', listed).group(1)  # type: ignore[union-attr]
    assert browser.post(f"/account/sharing/{share_id}/revoke", data={"csrf": csrf_of(listed)}).status_code == 303
    assert browser.get(readings, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    trail = browser.get("/account/users", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert translate("account.audit.share_used", "de", subject=f"readings {seeded.meter.number}") in trail
