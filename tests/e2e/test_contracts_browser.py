"""Contracts, moving, documents, services, sustainability and the
subscription in Debian's Chromium against the local stack, as people see
them. The chain on the Dutch stack: a household moves out (the final reading
with the confirm step, a forwarding address, the incoming party), customer
service bills the eindafrekening at once, its arithmetic is checked, the
incoming party confirms with the code from the e-mail and becomes a customer.
Every new page is shot at 1280 and 390 px wide into artifacts/screenshots/."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path

import pytest
import requests

from tests.e2e.browsing import signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
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


def shots(page, name: str) -> None:
    """The page at desktop and phone width; the phone never scrolls sideways."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")  # the stylesheets (the brand colour is one of its own) are in
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    page.set_viewport_size(DESKTOP)


def log_in(browser, stack, user, locale: str):
    context = browser.new_context(viewport=DESKTOP, locale=locale)
    page = context.new_page()
    page.goto(f"{stack.url}/login")
    page.locator("#username").fill(user["email"])
    page.locator("#password").fill(user["password"])
    page.locator("form[method=post][action='/login'] button.primary").click()
    signed_in(page)
    return context, page


def outbox(stack) -> list[dict]:
    return requests.get(f"{stack.url}/_local/outbox.json", timeout=10).json()


def number(text: str) -> Decimal:
    """``€ 1.234,56`` or ``1 234,5 kWh`` (nl, nb notation) as a Decimal."""
    digits = re.sub(r"[^\d,.-]", "", text.replace("\u2212", "-"))
    return Decimal(digits.replace(".", "").replace(",", "."))


def found(pattern: str, text: str) -> str:
    """The first group of ``pattern`` in ``text``; the test fails when it is not there."""
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in {text!r}"
    return match.group(1)


def household(stack, taken: set[str], roles: tuple[str, ...] = ("admin", "full")) -> tuple[dict, str, str, list[dict]]:
    """A household login of one customer with one of ``roles`` and one facility
    with meters in use, that no other journey uses: (user, customer, facility, meters)."""
    for user in reversed(stack.demo):
        if user["staff"] or len(user["customers"]) != 1 or user["email"] in taken:
            continue
        if user["customers"][0]["role"] not in roles:
            continue
        auth = stack.login(user)
        customer = user["customers"][0]["customer_number"].replace("/", "-")
        contracts = requests.get(f"{stack.url}/api/customers/{customer}/contracts", headers=auth, timeout=30).json()
        active = [c for c in contracts["contracts"] if c["ended_on"] is None]
        meters = requests.get(f"{stack.url}/api/customers/{customer}/meters", headers=auth, timeout=30).json()
        in_use = [m for m in meters if m["removed_on"] is None and m["last_reading"]]
        if len(active) == 1 and in_use and all(m["facility_id"] == active[0]["facility_id"] for m in in_use):
            return user, customer, active[0]["facility_id"], in_use
    raise AssertionError("the demo data has a household with one facility")


def staff_user(stack) -> dict:
    return next(u for u in stack.demo if u["staff"])


def test_move_out_final_invoice_and_the_incoming_party_moving_in(browser, local_stack_nl):
    stack = local_stack_nl
    first_admin = next(u for u in stack.demo if not u["staff"] and u["customers"][0]["role"] == "admin")
    user, customer, facility, meters = household(stack, {first_admin["email"], stack.demo[0]["email"]})
    context, page = log_in(browser, stack, user, "nl-NL")
    page.locator("nav").get_by_role("link", name="Verhuizen", exact=True).click()
    assert page.locator("h1").inner_text() == "Verhuizen"
    shots(page, "moving")
    page.locator("main").get_by_role("link", name=re.compile("^Verhuizen uit")).click()
    assert page.url.endswith(f"/moving/out/{facility}")

    # A final reading far above the history: the confirm step first, nothing recorded yet.
    for meter in meters:
        field = page.locator(f"#readings-{meter['number']}")
        field.fill(str(Decimal(meter["last_reading"]["value"]) + 900000).replace(".", ","))
    page.get_by_label("Straat en huisnummer").fill("Nieuwe Gracht 12")
    page.get_by_label("Postcode").fill("3512LK")
    page.get_by_label("Plaats").fill("Utrecht")
    incoming = f"nieuw-{customer}@example.org"
    page.get_by_label("Naam", exact=True).fill("Sanne Nieuwkomer")
    page.get_by_label("E-mailadres").fill(incoming)
    shots(page, "moving-out-form")
    page.get_by_role("button", name="Verhuizing doorgeven").click()
    assert page.locator(".confirm").is_visible()
    assert "Controleer de gegevens" in page.locator(".confirm").inner_text()
    shots(page, "moving-out-confirm")
    # Correct them as a person would, then send.
    finals = {}
    for meter in meters:
        value = Decimal(meter["last_reading"]["value"]) + Decimal(3 if meter["unit"] != "GJ" else "0.4")
        finals[meter["number"]] = value
        page.locator(f"#readings-{meter['number']}").fill(str(value).replace(".", ","))
    page.get_by_role("button", name="Verhuizing bevestigen").click()
    assert page.locator("h1").inner_text() == "Verhuizing geregistreerd"
    done = page.locator("main").inner_text()
    assert "eindigt op" in done and "We hebben de nieuwe bewoner een code gestuurd." in done
    shots(page, "moving-out-done")
    context.close()

    # Customer service sees the empty home and sends the eindafrekening at once.
    staff = staff_user(stack)
    staff_context, staff_page = log_in(browser, stack, staff, "nl-NL")
    staff_page.goto(f"{stack.url}/staff/moves")
    card = staff_page.locator("section.card", has_text=facility)
    assert card.is_visible()
    shots(staff_page, "staff-moves")
    card.get_by_role("button", name="Eindafrekening nu versturen").click()
    assert "is verstuurd" in staff_page.locator("[role=status]").inner_text()
    staff_context.close()

    # The eindafrekening: the consumption since the last settlement less the advances, and it adds up.
    auth = stack.login(user)
    invoices = requests.get(f"{stack.url}/api/customers/{customer}/invoices", headers=auth, timeout=30).json()
    [final] = [i for i in invoices if i["kind"] == "final"]
    detail = requests.get(
        f"{stack.url}/api/customers/{customer}/invoices/{final['number']}", headers=auth, timeout=30
    ).json()
    lines = detail["lines"]
    for line in lines:
        # As printed: quantity x unit price x the share of a year a yearly charge covers, to the cent.
        with localcontext(prec=40):
            share = Decimal(line["share_numerator"]) / Decimal(line["share_denominator"])
            exact = Decimal(line["quantity"]) * Decimal(line["unit_price"]) * share
        assert Decimal(line["amount"]) == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), line
    # The lines are on the price list's basis: incl. btw on a Dutch consumer list.
    basis = detail["total"] if detail["prices_include_vat"] else detail["net_total"]
    assert sum(Decimal(line["amount"]) for line in lines) == Decimal(basis)
    assert Decimal(detail["total"]) == Decimal(detail["net_total"]) + Decimal(detail["vat_total"])
    assert any(line["component"] == "advances_deducted" for line in lines)
    assert {line["component"] for line in lines} >= {"fixed_fee", "energy"}
    mails = [
        m for m in outbox(stack) if m["to"] == user["email"] and m["attachments"] == [f"invoice-{final['number']}.pdf"]
    ]
    assert len(mails) == 1
    # The invoice as the customer sees it.
    context, page = log_in(browser, stack, user, "nl-NL")
    page.goto(f"{stack.url}/invoices/{final['number']}")
    assert page.locator("h1").inner_text().startswith("Eindafrekening")
    shots(page, "final-invoice")
    page.goto(f"{stack.url}/subscription")
    assert "Beëindigd op" in page.locator("main").inner_text()
    context.close()

    # The incoming party confirms with the code from the e-mail and becomes a customer.
    [code_mail] = [m for m in outbox(stack) if m["to"] == incoming]
    link = found(r"(http\S+/moving/confirm\?id=[0-9A-Za-z_-]+)", code_mail["text"])
    code = found(r"Uw code: (\d{6})", code_mail["text"])
    newcomer = browser.new_context(viewport=DESKTOP, locale="nl-NL")
    page = newcomer.new_page()
    page.goto(link.replace("http://127.0.0.1:3000", stack.url))
    assert page.locator("h1").inner_text() == "Inhuizing bevestigen"
    facts = page.locator("dl.facts").inner_text()
    for meter_number in finals:
        assert meter_number in facts
    shots(page, "moving-confirm")
    page.get_by_label("Code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Bevestigen en klant worden").click()
    assert page.locator(".error-summary").is_visible()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Bevestigen en klant worden").click()
    assert page.locator("h1").inner_text() == "Welkom als klant"
    new_number = page.locator("dl.facts dd strong").inner_text()
    assert re.fullmatch(r"\d{11}", new_number)
    shots(page, "moving-welcome")
    newcomer.close()
    welcome = [m for m in outbox(stack) if m["to"] == incoming and new_number in m["text"]]
    assert len(welcome) == 1 and "Registreer u in Mijn omgeving met uw klantnummer en postcode." in welcome[0]["text"]


def test_contracts_simulator_and_signing_with_the_emailed_code(browser, local_stack):
    stack = local_stack
    taken = {stack.demo[0]["email"], stack.demo[3]["email"]}
    user, _customer, facility, _meters = household(stack, taken, roles=("admin",))
    context, page = log_in(browser, stack, user, "nb-NO")
    page.locator("nav").get_by_role("link", name="Avtaler", exact=True).click()
    assert page.locator("h1").inner_text() == "Våre avtaler og valg"
    shots(page, "contracts")
    page.locator(f"main a.button[href='/contracts/{facility}']").click()
    assert page.locator("h1").inner_text().startswith("Avtale for")
    estimate = number(page.locator("main p.amount").inner_text())
    assert estimate > 0
    shots(page, "contract")
    page.get_by_role("link", name="Test andre valg").click()
    page.get_by_label("Fastpris i 1 år").check()
    page.get_by_label("Grønn varme", exact=True).check()
    page.get_by_role("button", name="Beregn").click()
    rows = page.locator("main table tbody tr")
    texts = [rows.nth(i).inner_text() for i in range(rows.count())]
    assert any(t.startswith("Grønn varme") for t in texts)
    shots(page, "simulator")
    pdf_href = page.get_by_role("link", name="Last ned estimatet med valgene (PDF)").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert requests.get(f"{stack.url}{pdf_href}", cookies=cookies, timeout=30).content.startswith(b"%PDF")
    page.get_by_role("button", name="Signer valgt avtale").click()
    assert page.locator("h1").inner_text() == "Signer avtalen"
    shots(page, "signing-code")
    mail = next(m for m in outbox(stack) if m["to"] == user["email"] and "signere" in m["subject"])
    code = found(r"Din kode: (\d{6})", mail["text"])
    page.get_by_label("Kode").fill(code)
    page.get_by_role("button", name="Signer", exact=True).click()
    assert "Avtalen er signert" in page.locator("[role=status]").inner_text()
    assert page.get_by_role("link", name="signert avtale (PDF)").first.is_visible()
    shots(page, "contract-signed")
    # The signed contract is new on the start page until opened.
    page.goto(f"{stack.url}/")
    assert page.locator("#h-published").is_visible()
    page.goto(f"{stack.url}/documents")
    shots(page, "documents-store")
    context.close()


def test_subscription_services_sustainability_and_moving_pages(browser, local_stack):
    stack = local_stack
    user = stack.demo[0]
    context, page = log_in(browser, stack, user, "nb-NO")
    page.locator("nav").get_by_role("link", name="Abonnement", exact=True).click()
    main = page.locator("main").inner_text()
    assert "Vi tok i bruk systemet" in main and "Det ligger derfor ingen historikk før dette." in main
    shots(page, "subscription")
    page.locator("nav").get_by_role("link", name="Tjenester", exact=True).click()
    assert page.locator("h2", has_text="Funksjonskontroll").is_visible()
    shots(page, "services")
    page.locator("details summary", has_text="Fortsett").first.click()
    page.get_by_role("button", name="Send interessemelding").first.click()
    assert "Takk!" in page.locator("[role=status]").inner_text()
    page.locator("nav").get_by_role("link", name="Bærekraft", exact=True).click()
    assert "netto null" in page.locator("main .lead").inner_text()
    shots(page, "sustainability")
    href = page.locator("a[href$='.pdf']").first.get_attribute("href")
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert requests.get(f"{stack.url}{href}", cookies=cookies, timeout=30).content.startswith(b"%PDF")
    page.goto(f"{stack.url}/moving/in")
    shots(page, "moving-in")
    context.close()


def test_customer_service_publishes_a_document_and_makes_a_customer(browser, local_stack):
    stack = local_stack
    staff = staff_user(stack)
    context, page = log_in(browser, stack, staff, "nb-NO")
    page.goto(f"{stack.url}/staff/documents")
    shots(page, "staff-documents")
    page.goto(f"{stack.url}/staff/customers/new")
    page.get_by_label("Navn").fill("Ny Kunde Testesen")
    page.get_by_label("E-post").fill("ny.kunde.e2e@example.com")
    page.get_by_label("Gateadresse").fill("Nyvegen 3")
    page.get_by_label("Postnummer").fill("2000")
    page.get_by_label("Poststed").fill("Lillestrøm")
    shots(page, "staff-customer-new")
    page.get_by_role("button", name="Opprett kunde").click()
    status = page.locator("[role=status]").inner_text()
    number = found(r"Kunde (\d{6})", status)
    [welcome] = [m for m in outbox(stack) if m["to"] == "ny.kunde.e2e@example.com"]
    assert number in welcome["text"] and welcome["attachments"] == [f"pin-{number}.pdf"]
    context.close()


@pytest.fixture(scope="module")
def local_stack_se(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The Swedish profile: administrators sign with BankID (the local stack's own)."""
    from tests.e2e.conftest import _start

    yield from _start(tmp_path_factory, "se")


@pytest.mark.xdist_group("e2e-se")
def test_a_swedish_administrator_signs_with_bankid_by_scanning_the_qr_code(browser, local_stack_se):
    stack = local_stack_se
    user, _customer, facility, _meters = household(stack, set(), roles=("admin",))
    context, page = log_in(browser, stack, user, "sv-SE")
    page.goto(f"{stack.url}/contracts/{facility}/simulator")
    page.locator("#o-price_agreement-fixed_1y").check()
    page.get_by_role("button", name="Beräkna").click()
    page.get_by_role("button", name="Signera valt avtal").click()
    assert page.locator("h1").inner_text() == "Signera avtalet"
    assert page.locator("img.qr").is_visible()
    assert "Starta BankID-appen och skanna QR-koden." in page.locator(".signing [role=status]").inner_text()
    shots(page, "signing-bankid")
    order_ref = page.url.rstrip("/").rsplit("/", 1)[1]
    # The signer's phone: the code shown now is scanned (the page shows a new one every refresh).
    qr = page.locator("code[data-qr]").text_content() or ""
    device = f"{stack.url}/_local/bankid/device"
    scanned = requests.post(f"{device}/scan", json={"qr": qr.strip()}, timeout=10)
    assert scanned.status_code == 200, scanned.text
    assert scanned.json()["orderRef"] == order_ref
    signed = requests.post(f"{device}/orders/{order_ref}/sign", json={}, timeout=10)
    assert signed.json()["status"] == "complete"
    page.wait_for_url(re.compile(rf"/contracts/{facility}\?signed="), timeout=15000)
    assert "Avtalet är signerat" in page.locator("[role=status]").inner_text()
    assert page.get_by_role("link", name=re.compile("signerat avtal", re.IGNORECASE)).first.is_visible()
    context.close()
