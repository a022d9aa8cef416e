"""The property manager's portfolio in Debian's Chromium on the Swedish stack
(seed 004): the management company's manager sees the status overview of
every facility granted to it, selects facilities and saves them as a group,
opens the group's analysis in the heating and the cooling tab, downloads the
Excel file (a sheet per section) and opens a facility. Screenshots at 1280
and 390 px go to artifacts/screenshots/."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import requests

from tests.e2e.test_portal_journeys import DESKTOP, PHONE, browser, log_in, shot  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SV = ("E-post", "Lösenord", "Logga in")


def both(page, name: str) -> None:
    """The page at 1280 px and at 390 px, then back to the desktop."""
    shot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    shot(page, f"{name}-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a phone"


def test_a_manager_groups_facilities_analyses_heat_and_cooling_and_downloads_excel(browser, local_stack_se):  # noqa: F811
    company = requests.get(f"{local_stack_se.url}/_local/demo-portfolio.json", timeout=30).json()
    assert company is not None and company["facilities"] >= 20
    context, page = log_in(browser, local_stack_se, company["manager"], "sv-SE", SV)
    try:
        # The start page: the status overview of every facility granted to the company.
        assert page.locator("#h-status").is_visible()
        both(page, "portfolio-start")

        page.goto(f"{local_stack_se.url}/facilities")
        rows = page.locator("table.facilities tbody tr")
        assert rows.count() >= 20
        both(page, "portfolio-facilities")
        # The offices with district cooling (and heating): the filter, then three of them.
        page.locator("#supply").select_option("cooling")
        page.locator("form.filters button[type=submit]").click()
        page.wait_for_url(re.compile(r".*supply=cooling.*"))
        assert rows.count() >= 3
        for i in range(3):
            rows.nth(i).locator("input[type=checkbox]").check()
        page.locator("#group-name").fill("Kontor söder")
        page.locator("form.selection button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/facilities\?group=.*saved=1"))
        assert page.locator("table.facilities tbody tr").count() == 3
        group = re.search(r"group=([A-Za-z0-9_-]+)", page.url)
        assert group is not None

        # The group's analysis: heating, then the cooling tab.
        page.goto(f"{local_stack_se.url}/analysis?group={group.group(1)}&supply=heating&section=energy")
        assert page.locator("h2.target-name").inner_text().startswith("Kontor söder")
        assert page.locator("svg").count() >= 1 and page.locator("table.figures tbody tr").count() >= 12
        both(page, "portfolio-analysis-heating")
        tabs = page.locator("nav.tabs").first
        assert tabs.locator("[aria-current=page]").inner_text() == "Fjärrvärme"
        tabs.get_by_role("link", name="Fjärrkyla").click()
        page.wait_for_url(re.compile(r".*supply=cooling.*"))
        assert tabs.locator("[aria-current=page]").inner_text() == "Fjärrkyla"
        assert page.locator("table.figures tbody tr").count() >= 12
        both(page, "portfolio-analysis-cooling")
        page.goto(f"{local_stack_se.url}/analysis?group={group.group(1)}&supply=heating&section=power")
        assert page.locator("#h-signature").is_visible()
        both(page, "portfolio-analysis-power")

        # The Excel file: one sheet per section, the power signature and the bonus/fee table.
        with page.expect_download() as download:
            page.locator("p.exports a").first.click()
        path = download.value.path()
        assert path is not None and download.value.suggested_filename.endswith(".xlsx")
        with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as workbook:
            sheets = re.findall(r"<sheet [^>]*name=\"([^\"]+)\"", workbook.read("xl/workbook.xml").decode())
        assert len(sheets) == 7, sheets

        # A facility of the group.
        page.goto(f"{local_stack_se.url}/facilities?group={group.group(1)}")
        page.locator("table.facilities tbody tr th a").first.click()
        page.wait_for_url(re.compile(r".*/facilities/[^/?]+$"))
        assert page.locator("#h-meters").is_visible()
        both(page, "portfolio-facility")

        page.goto(f"{local_stack_se.url}/facilities/invoices")
        both(page, "portfolio-invoices")
    finally:
        context.close()
