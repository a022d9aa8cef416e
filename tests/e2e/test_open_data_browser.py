"""Open data in Debian's Chromium against the local stack: the demo customer
makes an access token (shown once), reads its meter's hourly values with it,
copies the Home Assistant block; its administrator shares data with a
provider. Both pages fit a phone. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.test_portal_pages import PHONE, browser, log_in, shot

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
__all__ = ["browser"]  # the module's Chromium, shared with the portal pages' journeys


def fits(page) -> bool:
    return bool(page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"))


def test_an_access_token_is_made_shown_once_and_reads_the_meters_hours(browser, local_stack):
    user = local_stack.demo[0]
    customer = user["customers"][0]["customer_number"]
    context, page = log_in(browser, local_stack, user, locale="en-GB")
    page.goto(f"{local_stack.url}/account/tokens")
    shot(page, "account-tokens")
    assert "rest:" in page.locator("#ha-yaml").input_value()

    page.locator("#token-name").fill("Home Assistant")
    page.locator("form[action='/account/tokens'] button.primary").click()
    token = page.locator("#new-token").input_value()
    assert re.fullmatch(r"hp_pat_[A-Za-z0-9_-]{43}", token)
    shot(page, "account-tokens-created")
    page.goto(f"{local_stack.url}/account/tokens")
    assert token not in page.content()
    context.close()

    headers = {"Authorization": f"Bearer {token}"}
    meters = requests.get(f"{local_stack.url}/api/v1/data/customers/{customer}/meters", headers=headers, timeout=30)
    heat = next(m["number"] for m in meters.json()["meters"] if m["kind"] == "heat" and m["removed_on"] is None)
    hours = requests.get(
        f"{local_stack.url}/api/v1/data/customers/{customer}/meters/{heat}/consumption?resolution=hour",
        headers=headers,
        timeout=30,
    ).json()
    assert len(hours["values"]) >= 24
    assert all(v["supply_temp_c"] and v["return_temp_c"] and v["flow_m3h"] for v in hours["values"])
    assert {v["quality"] for v in hours["values"]} <= {"measured", "estimated"}


def test_the_open_data_pages_fit_a_phone_and_a_provider_share_is_sent(browser, local_stack):
    user = local_stack.demo[0]
    context, page = log_in(browser, local_stack, user, viewport=PHONE)
    page.goto(f"{local_stack.url}/account/tokens")
    assert fits(page)
    shot(page, "account-tokens-phone")

    page.goto(f"{local_stack.url}/account/sharing")
    assert fits(page)
    page.locator("#provider_name").fill("Energirådgiveren AS")
    page.locator("#provider_email").fill("data@energiradgiveren.example")
    page.locator("input[name=facility]").first.check()
    page.locator("form[action='/account/sharing'] button.primary").click()
    page.wait_for_url(re.compile(r".*/account/sharing\?sent=.*"))
    assert "Energirådgiveren AS" in page.content()
    shot(page, "account-sharing-phone")
    context.close()

    desktop, page = log_in(browser, local_stack, user)
    page.goto(f"{local_stack.url}/account/sharing")
    shot(page, "account-sharing")
    desktop.close()
