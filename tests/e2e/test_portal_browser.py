"""Journeys in the portal, in Debian's Chromium driven by Playwright, against
the local stack: what a person sees. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from tests.e2e.browsing import choose_language, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: make test installs it (scripts/ensure-chromium.sh)")
        pytest.skip("chromium not installed (run scripts/ensure-chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(browser, stack, user, width=1280, height=900):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nb-NO")
    page = context.new_page()
    page.goto(f"{stack.url}/")
    assert "/login" in page.url
    page.get_by_label("E-post").fill(user["email"])
    page.get_by_label("Passord").fill(user["password"])
    page.get_by_role("button", name="Logg inn").click()
    signed_in(page)
    return context, page


def test_log_in_see_the_start_page_and_log_out(browser, local_stack):
    user = local_stack.demo[0]
    context, page = log_in(browser, local_stack, user)
    assert user["name"] in page.locator("h1").inner_text()
    assert user["customers"][0]["customer_number"] in page.locator("header").inner_text()
    shot(page, "start-desktop")
    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(re.compile(r".*/login$"))
    page.goto(f"{local_stack.url}/invoices")
    assert "/login" in page.url  # the session is gone
    context.close()


def test_submit_a_reading_with_the_confirm_step_for_an_implausible_value(browser, local_stack):
    user = local_stack.demo[3]  # admin of a household of its own: the slice test owns demo[0]
    context, page = log_in(browser, local_stack, user)
    page.locator("nav").get_by_role("link", name="Måler").click()
    if not re.search(r"/meters/\w+$", page.url):  # one active meter opens directly
        page.locator("tbody tr", has_text="Fjernvarme").get_by_role("link").click()
    last_text = page.locator("tbody tr").first.locator("td").nth(1).inner_text()
    last = Decimal(re.sub(r"[^\d,]", "", last_text).replace(",", "."))
    implausible = last + 900000
    page.get_by_label(re.compile("Målerstand")).fill(str(implausible))
    page.get_by_role("button", name=re.compile("Registrer")).click()
    confirm = page.locator(".confirm")
    assert confirm.is_visible()
    shot(page, "reading-confirm-desktop")
    page.get_by_role("link", name="Korriger opplysningene").click()  # "Eingaben bearbeiten"
    page.get_by_label(re.compile("Målerstand")).fill(str(last + 12))
    page.get_by_role("button", name=re.compile("Registrer")).click()
    assert page.locator("[role=status]").is_visible()
    assert "?submitted=1" in page.url
    context.close()


def test_open_an_invoice_pdf(browser, local_stack):
    user = local_stack.demo[0]
    context, page = log_in(browser, local_stack, user)
    page.locator("nav").get_by_role("link", name="Faktura").click()
    shot(page, "invoices-desktop")
    link = page.locator("a[href$='.pdf']").first
    href = link.get_attribute("href")
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    resp = requests.get(f"{local_stack.url}{href}", cookies=cookies, timeout=30)
    assert resp.content.startswith(b"%PDF")
    page.locator("tbody a").first.click()
    assert page.locator("h1").inner_text().startswith("Faktura")
    context.close()


def test_switch_language(browser, local_stack):
    user = local_stack.demo[0]
    context, page = log_in(browser, local_stack, user)
    choose_language(page, "de")
    assert page.locator("html").get_attribute("lang") == "de"
    nav = page.locator("nav")
    assert nav.get_by_role("link", name="Rechnungen").is_visible()
    nav.get_by_role("link", name="Rechnungen").click()
    assert page.locator("html").get_attribute("lang") == "de"  # remembered
    # The choice is stored on the user: switch back so other journeys of demo[0] stay in Norwegian.
    choose_language(page, "nb")
    assert page.locator("html").get_attribute("lang") == "nb"
    context.close()


def test_phone_width_screenshots(browser, local_stack):
    user = local_stack.demo[0]
    context, page = log_in(browser, local_stack, user, width=390, height=844)
    shot(page, "start-phone")
    page.goto(f"{local_stack.url}/invoices")
    shot(page, "invoices-phone")
    page.goto(f"{local_stack.url}/meters")
    shot(page, "meters-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()
