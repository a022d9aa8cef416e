"""Two more journeys in Debian's Chromium against the local stack,
asserting what a person sees: view consumption (chart and table, heat and hot
tap water, kWh and MWh) on the Norwegian stack, and change the advance payment
(voorschot) on the Dutch stack, with the confirmation email in the outbox.
Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest
import requests

from tests.e2e.browsing import signed_in
from tests.polling import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NB_MONTHS = ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"]


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


def log_in(browser, stack, user, locale: str, labels: tuple[str, str, str]):
    """Sign in through the login form as a person does, with the form's visible labels."""
    email, password, button = labels
    context = browser.new_context(viewport=DESKTOP, locale=locale)
    page = context.new_page()
    page.goto(f"{stack.url}/")
    assert "/login" in page.url
    page.get_by_label(email, exact=True).fill(user["email"])
    page.get_by_label(password, exact=True).fill(user["password"])
    page.get_by_role("button", name=button, exact=True).click()
    signed_in(page)
    return context, page


def number(text: str) -> Decimal:
    """``1 234,567 kWh`` or ``€ 288,00`` (nb, nl notation) as a Decimal."""
    digits = re.sub(r"[^\d,.-]", "", text.replace("\u2212", "-"))
    return Decimal(digits.replace(".", "").replace(",", "."))


def flat(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def table(page) -> list[tuple[str, str]]:
    """(period, consumption) of every row of the consumption table, as shown."""
    rows = page.locator("main table tbody tr")
    return [
        (rows.nth(i).locator("th").inner_text(), rows.nth(i).locator("td").first.inner_text())
        for i in range(rows.count())
    ]


# --- view consumption (Norwegian profile) -------------------------------------------------------


def test_view_consumption_chart_and_table_heat_and_hot_water_kwh_and_mwh(browser, local_stack):
    user = local_stack.demo[0]  # the canonical demo customer has heat and hot tap water meters
    context, page = log_in(browser, local_stack, user, "nb-NO", ("E-post", "Passord", "Logg inn"))
    page.locator("nav").get_by_role("link", name="Forbruk", exact=True).click()
    assert page.locator("h1").inner_text() == "Forbruk"
    heading = re.fullmatch(r"Forbruk i (\d{4}) per måned", page.locator("h2").first.inner_text())
    assert heading is not None  # the year of the last complete month opens first
    year = int(heading.group(1))

    # The chart: an SVG image named by its title, one bar per month with values, month names on the axis
    # (the wide drawing on a wide screen; a phone gets the narrow one).
    chart = page.locator("main svg.chart-wide[role=img]")
    assert chart.is_visible()
    assert chart.locator("title").first.text_content() == "Forbruk i kWh"
    assert page.get_by_role("img", name="Forbruk i kWh").is_visible()  # what a screen reader announces
    axis = chart.locator("text").all_text_contents()
    assert "kWh" in axis  # the value axis names its unit
    assert all(name in axis for name in NB_MONTHS)

    # The same figures as a table for screen readers: the twelve months by name, values in kWh.
    assert page.locator("main table caption").inner_text() == "Forbruk i kWh som tabell"
    heat_kwh = table(page)
    assert [period.removesuffix(" (så langt)") for period, _ in heat_kwh] == NB_MONTHS
    shown = [(period, value) for period, value in heat_kwh if value != "–"]
    assert len(shown) >= 3  # at least this year's winter months so far
    assert all(flat(value).endswith(" kWh") for _, value in shown)
    assert any(number(value) > 0 for _, value in shown)
    # Every bar of this year tells the same figure as its table row (hover title); a month still
    # running is drawn apart and left out of the total, which compares like with like.
    bars = chart.locator("rect.bar-current > title, rect.bar-partial > title").all_text_contents()
    assert sorted(bars) == sorted(f"{period.removesuffix(' (så langt)')}: {value}" for period, value in shown)
    complete = [value for period, value in shown if not period.endswith("(så langt)")]
    total_kwh = number(page.locator("main .card strong").first.inner_text())
    assert abs(total_kwh - sum(number(v) for v in complete)) <= Decimal("0.01") * len(shown)
    shot(page, "consumption-desktop")

    # Unit switch kWh -> MWh: the same months, every figure a thousandth, the title and caption say MWh.
    page.locator("nav.switch").get_by_role("link", name="MWh", exact=True).click()
    assert "unit=MWh" in page.url
    assert page.locator("main table caption").inner_text() == "Forbruk i MWh som tabell"
    assert chart.locator("title").first.text_content() == "Forbruk i MWh"
    heat_mwh = table(page)
    assert [period.removesuffix(" (så langt)") for period, _ in heat_mwh] == NB_MONTHS
    for (_, kwh), (_, mwh) in zip(heat_kwh, heat_mwh, strict=True):
        if kwh == "–":
            assert mwh == "–"
            continue
        assert flat(mwh).endswith(" MWh")
        assert abs(number(mwh) * 1000 - number(kwh)) <= 1, (kwh, mwh)  # MWh shown to three decimals
    total_mwh = number(page.locator("main .card strong").first.inner_text())
    assert abs(total_mwh * 1000 - total_kwh) <= 1

    # Heat / hot tap water switch: the hot water meter counts m³, has no energy unit switch, other figures.
    page.locator("nav.switch").get_by_role("link", name=re.compile(r"^Varmtvann \d+")).click()
    assert page.locator("nav.switch [aria-current] strong").first.inner_text().startswith("Varmtvann")
    assert page.locator("main table caption").inner_text() == "Forbruk i m³ som tabell"
    assert page.locator("nav.switch").get_by_role("link", name="MWh").count() == 0
    water = table(page)
    assert [period.removesuffix(" (så langt)") for period, _ in water] == NB_MONTHS
    water_shown = [value for _, value in water if value != "–"]
    assert water_shown and all(flat(value).endswith(" m³") for value in water_shown)
    assert [v for _, v in water] != [v for _, v in heat_kwh]

    # Month by day: one row per day of the month, named by weekday and date.
    page.locator("nav.switch").get_by_role("link", name="Måned", exact=True).click()
    heading = re.fullmatch(rf"Forbruk i (\w+) {year} per dag", page.locator("h2").first.inner_text())
    assert heading is not None
    days = table(page)
    assert 28 <= len(days) <= 31
    for day, (period, _) in enumerate(days, start=1):  # "søn. 1. nov."
        assert re.fullmatch(rf"\w+\.? {day}\. {heading.group(1)[:3]}\.?", period), period

    # On a phone: the year view fits the width, the table names each value.
    page.goto(f"{local_stack.url}/consumption")
    page.set_viewport_size(PHONE)
    assert page.locator("main svg.chart-narrow[role=img]").is_visible()
    assert page.locator("main svg.chart-wide").is_hidden()
    smallest = page.evaluate(
        "Math.min(...[...document.querySelectorAll('main svg.chart-narrow text')]"
        ".map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= 11, smallest  # labels readable on the phone
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "consumption-phone")
    context.close()


# --- change the advance payment (Dutch profile) ---------------------------------------------------


def outbox(stack) -> list[dict]:
    return requests.get(f"{stack.url}/_local/outbox.json", timeout=10).json()


def test_change_the_advance_payment_with_range_check_and_confirmation_email(browser, local_stack_nl):
    stack = local_stack_nl
    user = next(u for u in stack.demo if not u["staff"] and u["customers"][0]["role"] == "admin")
    context, page = log_in(browser, stack, user, "nl-NL", ("E-mail", "Wachtwoord", "Inloggen"))
    assert page.locator("html").get_attribute("lang") == "nl"
    page.locator("nav").get_by_role("link", name="Voorschot", exact=True).click()
    assert page.url.endswith("/advance")
    assert page.locator("h1").inner_text() == "Voorschot"

    # The current monthly amount and the allowed range, in euros the Dutch way.
    main = page.locator("main")
    assert main.get_by_role("heading", name="Huidig maandbedrag").is_visible()
    current_text = flat(page.locator("main p.amount").inner_text())
    assert re.fullmatch(r"€ \d{1,3}(\.\d{3})*,\d{2}", current_text)
    current = number(current_text)
    assert current > 0
    allowed = re.search(r"Toegestaan bedrag: € ([\d.,]+) tot € ([\d.,]+) per maand", flat(main.inner_text()))
    assert allowed is not None
    minimum, maximum = number(allowed.group(1)), number(allowed.group(2))
    assert 0 < minimum < maximum
    shot(page, "advance-desktop")
    sent_before = len(outbox(stack))
    seen_before = {m["id"] for m in outbox(stack)}  # the outbox lists the newest first

    # Too high: the form comes back with an error summary naming the allowed range; nothing is recorded.
    too_high = maximum + 100
    page.get_by_label("Nieuw maandbedrag").fill(f"{too_high:.2f}".replace(".", ","))
    page.get_by_role("button", name="Opslaan").click()
    summary = page.locator(".error-summary[role=alert]")
    assert summary.is_visible()
    assert "Er staat een fout in het formulier" in summary.inner_text()
    assert f"Het bedrag moet tussen {allowed.group(1)} en {allowed.group(2)} EUR per maand liggen" in flat(
        summary.inner_text()
    )
    assert page.get_by_label("Nieuw maandbedrag").get_attribute("aria-invalid") == "true"
    assert "changed=" not in page.url
    assert "Geplande wijziging" not in main.inner_text()
    assert len(outbox(stack)) == sent_before
    shot(page, "advance-error-desktop")

    # A valid amount, typed with a decimal comma: confirmation on the page, planned from the next period.
    new = ((minimum + maximum) / 2).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    if new == current:
        new += Decimal("1.00")
    new_text = f"{new:.2f}".replace(".", ",")
    earliest = page.locator("#desired_from").input_value()
    page.get_by_label("Nieuw maandbedrag").fill(new_text)
    page.get_by_label("Opmerking").fill("Nieuwe warmtepompboiler")
    page.get_by_role("button", name="Opslaan").click()
    assert f"changed={earliest}" in page.url
    notice = page.locator("main [role=status]")
    assert notice.is_visible()
    assert "De wijziging is verwerkt en geldt vanaf" in notice.inner_text()
    assert "U ontvangt een bevestiging per e-mail." in notice.inner_text()
    assert page.locator(".error-summary").count() == 0
    planned = flat(main.inner_text())
    assert f"Geplande wijziging: € {new_text}" in planned
    assert number(flat(page.locator("main p.amount").inner_text())) == current  # this month stays as it was

    # The confirmation email, in Dutch, with the previous and the new amount.
    mails = wait_until(
        lambda: [
            m
            for m in outbox(stack)
            if m["id"] not in seen_before
            if m.get("channel") == "email" and m.get("subject", "").startswith("Bevestiging: nieuw voorschotbedrag")
        ],
        timeout=15,
        what="the confirmation email",
    )
    assert len(mails) == 1, mails
    text = flat(mails[0]["text"])
    assert f"Nieuw maandbedrag: € {new_text}" in text
    assert f"Vorig bedrag: € {current_text[2:]}" in text
    assert "Opmerking: Nieuwe warmtepompboiler" in text
    assert "@" in mails[0]["to"]

    # On a phone: the page with the planned change fits the width.
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "advance-phone")
    context.close()


# --- a reading with the volume register (Norwegian profile) -------------------------------------


def test_submit_a_reading_with_the_volume_register_and_see_it_in_the_history(browser, local_stack):
    """A heat meter with a volume register: one input per register, an error on the
    volume input itself, then energy and volume stored and listed together."""
    others = {local_stack.demo[0]["email"], local_stack.demo[3]["email"]}  # other journeys submit readings for these
    candidates = [
        u for u in local_stack.demo[1:] if not u["staff"] and len(u["customers"]) == 1 and u["email"] not in others
    ]
    user = meter = None
    for candidate in candidates[:-1]:  # the last single-customer login belongs to test_portal_pages
        if candidate["customers"][0]["role"] != "admin":
            continue
        auth = local_stack.login(candidate)
        customer = candidate["customers"][0]["customer_number"]
        meters = requests.get(f"{local_stack.url}/api/customers/{customer}/meters", headers=auth, timeout=30).json()
        with_volume = [m for m in meters if len(m["registers"]) > 1 and m["removed_on"] is None and m["last_reading"]]
        if with_volume:
            user, meter = candidate, with_volume[0]
            break
    assert user is not None and meter is not None, "the demo data has heat meters with a volume register"
    energy, volume = meter["registers"]
    context, page = log_in(browser, local_stack, user, "nb-NO", ("E-post", "Passord", "Logg inn"))
    page.goto(f"{local_stack.url}/meters/{meter['number']}")
    assert page.get_by_role("group", name="Andre telleverk på måleren").is_visible()
    page.get_by_label(re.compile("^Målerstand")).fill(str(Decimal(energy["last_value"]) + 25))
    page.get_by_label("Volum (m³)").fill(str(Decimal(volume["last_value"]) - 1).replace(".", ","))
    page.get_by_role("button", name=re.compile("Registrer")).click()
    field = page.get_by_label("Volum (m³)")
    assert field.get_attribute("aria-invalid") == "true"
    assert "lavere enn forrige avlesning av dette telleverket" in page.locator("#register_volume-error").inner_text()
    page.locator(".error-summary a").click()  # the summary leads to the volume input
    assert page.evaluate("document.activeElement.id") == "register_volume"
    shot(page, "reading-registers-error-desktop")
    new_volume = Decimal(volume["last_value"]) + Decimal("0.6")
    field.fill(str(new_volume).replace(".", ","))
    page.get_by_role("button", name=re.compile("Registrer")).click()
    if page.locator(".confirm").count():  # a short period can look unusual: confirm as a person would
        page.locator(".confirm").get_by_role("button").click()
    assert "?submitted=1" in page.url
    first = page.locator("table tbody tr").first.locator("td")  # date, meter reading, volume, source
    assert flat(first.nth(2).inner_text()).endswith(" m³")
    assert number(first.nth(2).inner_text()) == new_volume
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "reading-registers-phone")
    context.close()
