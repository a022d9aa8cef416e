"""Management companies in Debian's Chromium on the Norwegian demo stack (seed
004): the demo company's administrator accepts a customer's invitation, opens
a customer that granted one facility and sees only that facility's meters,
while the customer's administrator sees the company by name under its
management companies. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.test_portal_journeys import browser, log_in, shot  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NB = ("E-post", "Passord", "Logg inn")


def test_a_management_company_accepts_and_sees_exactly_what_was_granted(browser, local_stack):  # noqa: F811
    company = next(u for u in local_stack.demo if u.get("organisation"))
    org = company["organisation"]
    context, page = log_in(browser, local_stack, company, "nb-NO", NB)
    try:
        page.goto(f"{local_stack.url}/organisation")
        assert page.get_by_role("heading", name=org["name"]).is_visible()
        rows = page.locator("table").first.locator("tbody tr")
        assert rows.count() == 3
        pending = rows.filter(has_text="Invitert, ikke godtatt ennå")
        assert pending.count() == 1
        pending.get_by_role("button", name="Godta").click()
        page.wait_for_load_state()
        assert (
            page.locator("table").first.locator("tbody tr").filter(has_text="Invitert, ikke godtatt ennå").count() == 0
        )
        shot(page, "companies-organisation")

        # The customer that granted one facility: its meters are those of that facility only.
        partial = page.locator("table").first.locator("tbody tr").filter(has_text="1 valgt anlegg")
        customer_text = partial.locator("td").first.inner_text()
        found = re.search(r"\d{6}", customer_text)
        assert found is not None, customer_text
        number = found.group(0)
        partial.get_by_role("button", name="Åpne").click()
        page.wait_for_url(f"{local_stack.url}/")
        assert number in page.locator("header").inner_text()
        assert page.get_by_role("heading", name="Utestående beløp").count() == 0  # no invoices for a partial grant
        shot(page, "companies-start")
        api = local_stack.login(company)
        meters = requests.get(f"{local_stack.url}/api/customers/{number}/meters", headers=api, timeout=30).json()
        all_facilities = {m["facility_id"] for m in meters}
        assert len(all_facilities) == 1
        page.goto(f"{local_stack.url}/meters")
        for meter in meters:
            assert meter["number"] in page.content()
    finally:
        context.close()
