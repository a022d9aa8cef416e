"""More portal journeys in Debian's Chromium against the local stack: the start
page with its interruption banner and new documents, documents and the price
sheet PDF, help with the glossary, the language remembered on the user, the
phone layout of tables and keyboard use. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.browsing import choose_language, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}


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


def own_user(stack) -> dict:
    """A household login no other journey uses (they own demo[0] and demo[3])."""
    return next(u for u in reversed(stack.demo) if not u["staff"] and len(u["customers"]) == 1)


def log_in(browser, stack, user, viewport=None, locale="nb-NO"):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, locale=locale)
    page = context.new_page()
    page.goto(f"{stack.url}/login")
    page.locator("#username").fill(user["email"])
    page.locator("#password").fill(user["password"])
    page.locator("form[method=post][action='/login'] button.primary").click()
    signed_in(page)
    return context, page


def test_start_page_shows_the_planned_interruption_status_and_new_documents(browser, local_stack):
    user = local_stack.demo[0]
    context, page = log_in(browser, local_stack, user)
    banner = page.locator(".banner")
    assert banner.is_visible()
    assert "Planlagte driftsavbrudd de neste 30 dagene" in banner.inner_text()
    assert "Planlagt vedlikehold av fjernvarmenettet" in banner.inner_text()
    banner.get_by_text("Mer informasjon").click()  # <details>: works without script
    assert "ventiler" in banner.inner_text()
    main = page.locator("main").inner_text()
    assert user["customers"][0]["customer_number"] in main
    assert "Utestående beløp" in main and "Nye dokumenter" in main
    shot(page, "start-interruption-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "start-interruption-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()


def test_documents_contract_data_card_and_price_sheet_pdf(browser, local_stack):
    user = local_stack.demo[0]
    context, page = log_in(browser, local_stack, user)
    page.locator("nav").get_by_role("link", name="Dokumenter").click()
    assert page.locator("h1").inner_text() == "Dokumenter"
    assert page.locator("table caption").first.inner_text().startswith("Gjelder fra")
    shot(page, "documents-desktop")
    href = page.get_by_role("link", name="Last ned prislisten (PDF)").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    pdf = requests.get(f"{local_stack.url}{href}", cookies=cookies, timeout=30)
    assert pdf.content.startswith(b"%PDF")
    page.get_by_role("link", name="Vis Kontrakt").click()
    assert user["customers"][0]["customer_number"] in page.locator("main").inner_text()
    page.locator("main table a").first.click()
    assert page.locator("h1").inner_text() == "Teknisk datablad"
    assert page.locator("tbody tr").count() >= 1
    context.close()


def test_help_glossary_in_english_and_on_a_phone(browser, local_stack):
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.goto(f"{local_stack.url}/help")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Glossary").click()
    glossary = page.locator("dl.glossary")
    for term in ("Advance payment", "Settlement", "Trial settlement", "Estimated reading", "Price list"):
        assert glossary.get_by_text(term, exact=True).is_visible()
    shot(page, "help-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "help-desktop")
    context.close()


def test_invoice_table_on_a_phone_names_each_value(browser, local_stack):
    user = local_stack.demo[0]
    context, page = log_in(browser, local_stack, user, viewport=PHONE)
    page.goto(f"{local_stack.url}/invoices")
    cell = page.locator("tbody td[data-label]").nth(3)
    label = page.evaluate("c => getComputedStyle(c, '::before').content", cell.element_handle())
    assert label.strip('"').startswith("Beløp")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()


def test_keyboard_skip_link_comes_first_and_focus_is_visible(browser, local_stack):
    user = local_stack.demo[0]
    context, page = log_in(browser, local_stack, user)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    context.close()


def test_the_chosen_language_follows_the_person_to_another_browser(browser, local_stack):
    user = own_user(local_stack)
    context, page = log_in(browser, local_stack, user)
    choose_language(page, "sv")
    assert page.locator("html").get_attribute("lang") == "sv"
    context.close()

    # A new browser that asks for Norwegian: after sign-in the stored Swedish wins.
    other, page = log_in(browser, local_stack, user, locale="nb-NO")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("nav").get_by_role("link", name="Fakturor").is_visible()
    choose_language(page, "nb")  # leave the demo user as it was
    assert page.locator("html").get_attribute("lang") == "nb"
    other.close()
