"""Alerts in the portal, in Debian's Chromium against the local stack: the
demo's breach in the header and the notifications list (linking to the
analysis), the alert settings changed and refused, the monthly consumption
information after its job. Screenshots at 1280 and 390 px go to
artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.test_portal_browser import browser, log_in, shot  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def no_sideways_scroll(page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


@pytest.mark.parametrize(("width", "height", "suffix"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_the_demo_breach_is_in_the_header_and_the_notifications_link_to_the_analysis(
    browser,  # noqa: F811 - the fixture
    local_stack,
    width,
    height,
    suffix,
):
    # The canonical customer's other people (full, read): each has their own unread count.
    user = local_stack.demo[1] if suffix == "desktop" else local_stack.demo[2]
    context, page = log_in(browser, local_stack, user, width=width, height=height)
    link = page.locator("header a.notifications-link")
    assert re.fullmatch(r"Meldinger, \d+ nye?", link.get_attribute("aria-label") or "")
    link.click()
    page.wait_for_url(re.compile(r".*/notifications$"))
    notice = page.locator(".notice", has_text="Returtemperatur").first
    assert "Returtemperatur" in notice.inner_text() and "over grensen" in notice.inner_text()
    assert notice.locator(".badge").inner_text() == "Ny"
    href = notice.get_by_role("link").get_attribute("href")
    assert href is not None and re.fullmatch(r"/analysis\?facility=F\d+&supply=heating&section=temperature", href)
    assert no_sideways_scroll(page)
    shot(page, f"notifications-{suffix}")
    page.goto(f"{local_stack.url}/")
    assert page.locator("header a.notifications-link").get_attribute("aria-label") is None  # seen
    context.close()


def test_alert_settings_are_saved_and_a_wrong_limit_is_named(browser, local_stack):  # noqa: F811
    user = local_stack.demo[1]  # full access on the canonical customer
    context, page = log_in(browser, local_stack, user)
    page.locator("nav").get_by_role("link", name="Varsler").click()
    assert page.locator("h1").inner_text() == "Varselinnstillinger"
    assert page.get_by_label("Overvåk Returtemperatur").is_checked()
    shot(page, "alerts-desktop")
    page.get_by_label("Overvåk Timeeffekt").check()
    hourly = page.locator("fieldset.alert-rule", has_text="Timeeffekt")
    hourly.get_by_label("Vintergrense (kW)").fill("fem")
    hourly.get_by_label("E-post").check()
    page.get_by_role("button", name="Lagre varselinnstillinger").click()
    summary = page.locator(".error-summary")
    assert "Fyll inn et tall." in summary.inner_text()
    shot(page, "alerts-error-desktop")
    hourly = page.locator("fieldset.alert-rule", has_text="Timeeffekt")
    hourly.get_by_label("Vintergrense (kW)").fill("12,5")
    hourly.get_by_label("Sommergrense (kW)").fill("6")
    page.get_by_role("button", name="Lagre varselinnstillinger").click()
    assert "lagret for 1 anlegg" in page.locator("[role=status]").inner_text()
    assert (
        page.locator("fieldset.alert-rule", has_text="Timeeffekt").get_by_label("Vintergrense (kW)").input_value()
        == "12.5"
    )
    context.close()


def test_alert_settings_at_phone_width_and_read_only_for_the_read_role(browser, local_stack):  # noqa: F811
    user = local_stack.demo[2]  # read
    context, page = log_in(browser, local_stack, user, width=390, height=844)
    page.goto(f"{local_stack.url}/alerts")
    assert page.get_by_label("Overvåk Returtemperatur").is_disabled()
    assert page.get_by_role("button", name="Lagre varselinnstillinger").count() == 0
    assert no_sideways_scroll(page)
    shot(page, "alerts-phone")
    context.close()


@pytest.mark.parametrize(("width", "height", "suffix"), [(1280, 900, "desktop"), (390, 844, "phone")])
def test_the_monthly_consumption_information_after_its_job(browser, local_stack, width, height, suffix):  # noqa: F811
    result = requests.post(f"{local_stack.url}/_local/jobs/monthly-info", timeout=600).json()
    assert result["customers"] >= 1
    # Every customer is accounted for: informed now, before, or without figures for the month
    # (a customer another test moved in this month has none yet).
    assert result["informed"] + result["already_informed"] + result["without_data"] == result["customers"]
    assert result["informed"] + result["already_informed"] >= 20
    user = local_stack.demo[2]
    context, page = log_in(browser, local_stack, user, width=width, height=height)
    page.goto(f"{local_stack.url}/consumption-info")
    shot(page, f"consumption-info-{suffix}")
    heading = page.locator("h1")
    # One word breaks at its soft hyphen on a phone, never inside "informasjon"
    # (measured from its second letter: a line's hyphen belongs to the break before it).
    assert heading.inner_text().replace("\u00ad", "") == "Månedlig forbruksinformasjon"
    word_lines = heading.evaluate(
        "h => { const t = h.firstChild, at = t.data.indexOf('informasjon') + 1, r = document.createRange();"
        " r.setStart(t, at); r.setEnd(t, at + 10); return new Set([...r.getClientRects()].map(x => x.top)).size; }"
    )
    assert word_lines == 1
    facts = page.locator(".facts").first.inner_text()
    assert "kWh" in facts and "Samme måned i fjor" in facts and "Gjennomsnittlig" in facts
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40))"
    )
    assert no_sideways_scroll(page), wide
    context.close()
