"""A management company's notifications page and a group's alerts in
Debian's Chromium on the Norwegian demo stack: the demo company's
administrator opens Notifications from the company's menu, goes on to the
alerts of a group holding every facility of its portfolio (full access on one,
read on the others), and saves one setting for the facility it may set.
Screenshots at 1280 and 390 px go to artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.test_alerts_browser import no_sideways_scroll
from tests.e2e.test_portal_browser import browser, log_in, shot  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.mark.parametrize(("width", "height", "suffix"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_a_company_reads_its_notifications_and_sets_a_groups_alerts(
    browser,  # noqa: F811 - the fixture
    local_stack,
    width,
    height,
    suffix,
):
    company = next(u for u in local_stack.demo if u.get("organisation"))
    headers = local_stack.login(company)
    listed = requests.get(f"{local_stack.url}/api/portfolio/facilities?size=100", headers=headers, timeout=30)
    facilities = [f["id"] for f in listed.json()["facilities"]]
    made = requests.post(
        f"{local_stack.url}/api/portfolio/groups",
        json={"name": f"Alle ({suffix})", "facilities": facilities},
        headers=headers,
        timeout=30,
    )
    assert made.status_code == 201, made.text
    group = made.json()["id"]

    context, page = log_in(browser, local_stack, company, width=width, height=height)
    page.goto(f"{local_stack.url}/notifications")
    assert page.locator("h1").inner_text() == "Meldinger"
    assert "alle kunder som har gitt selskapet ditt tilgang" in page.locator("main").inner_text()
    assert page.locator('nav a[href="/notifications"]').count() == 1  # in the company's menu
    assert no_sideways_scroll(page)
    shot(page, f"notifications-company-{suffix}")

    page.get_by_role("link", name="Still inn varsler for en hel gruppe anlegg").click()
    page.get_by_label("Gruppe", exact=True).select_option(group)
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(rf".*/alerts/groups\?group={group}$"))
    assert "får innstillingene" in page.locator("main").inner_text()
    assert "kan du bare se" in page.locator("main").inner_text()  # the customer granted read access
    assert no_sideways_scroll(page)
    shot(page, f"alerts-group-{suffix}")
    page.get_by_role("button", name=re.compile(r"Lagre for \d+ anlegg")).click()
    assert "Varselinnstillingene er lagret for 1 anlegg" in page.locator("[role=status]").inner_text()
    context.close()
