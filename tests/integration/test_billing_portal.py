"""The portal's money pages through the real portal handler: invoices with
filters and open balance, trial settlement, economy overview and its PDF."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from werkzeug.test import Client

from heatportal import composition
from heatportal.domain.model import BillingPeriod
from tests.dates import local_today
from tests.integration.conftest import PASSWORD


@pytest.fixture
def browser(stack) -> Client:
    return Client(stack.http_server.app)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "form without CSRF field"
    return match.group(1)


def sign_in(browser: Client, email: str) -> None:
    page = browser.get("/login")
    resp = browser.post(
        "/login",
        data={"csrf": csrf_of(page.get_data(as_text=True)), "username": email, "password": PASSWORD, "next": "/"},
    )
    assert resp.status_code == 303


@pytest.fixture
def billed_person(seed, repo):
    person = seed()
    today = local_today()
    last = BillingPeriod(year=today.year, month=today.month).previous()
    first = last.previous()
    for period in (first.previous(), first, last):
        repo.put_spot_price("NO1", period.key, Decimal("0.5000"))
    invoice, _ = composition.bill_run().bill_account(
        person.customer.number, first, issued_on=first.end + timedelta(days=1)
    )
    return person, invoice


def test_invoices_page_shows_balance_and_filters(browser, billed_person):
    person, invoice = billed_person
    sign_in(browser, person.email)
    page = browser.get("/invoices").get_data(as_text=True)
    assert f'href="/invoices/{invoice.number}"' in page
    assert 'name="measuring_point"' in page
    none = browser.get("/invoices?status=paid").get_data(as_text=True)
    assert f'href="/invoices/{invoice.number}"' not in none
    bad = browser.get("/invoices?issued_from=2026-05-01&issued_to=2026-01-01")
    assert bad.status_code == 200
    assert "Fra-datoen er etter til-datoen." in bad.get_data(as_text=True)


def test_trial_settlement_page_computes_without_storing(browser, billed_person, repo):
    person, _ = billed_person
    sign_in(browser, person.email)
    page = browser.get("/trial-settlement")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    html = page.get_data(as_text=True)
    assert "Prøveavregning" in html
    before = repo.list_invoices(person.customer.number)
    entered = browser.post(
        "/trial-settlement", data={"csrf": csrf_of(html), f"reading-{person.meter.number}": "999999999"}
    )
    assert entered.status_code == 200
    priced = entered.get_data(as_text=True)
    assert "999999999" in priced
    # An absurd reading is priced, but not without a word: what it implies, against what is usual.
    check = re.search(rf'<div class="confirm" id="reading-{person.meter.number}-check">(.*?)</div>', priced, re.S)
    assert check and "Kontroller målerstanden" in check.group(1) and "Vanlig for disse dagene" in check.group(1)
    assert re.search(
        rf'id="reading-{person.meter.number}"[^>]*aria-describedby="reading-{person.meter.number}-check"', priced
    )
    assert repo.list_invoices(person.customer.number) == before
    usual = browser.post("/trial-settlement", data={"csrf": csrf_of(html), f"reading-{person.meter.number}": "21 000"})
    assert usual.status_code == 200 and 'class="confirm"' not in usual.get_data(as_text=True)
    no_csrf = browser.post("/trial-settlement", data={f"reading-{person.meter.number}": "1"})
    assert no_csrf.status_code == 403
    too_low = browser.post("/trial-settlement", data={"csrf": csrf_of(html), f"reading-{person.meter.number}": "1"})
    assert too_low.status_code == 422
    assert "lavere enn målerstanden" in too_low.get_data(as_text=True)
    assert f'<a href="#reading-{person.meter.number}">' in too_low.get_data(as_text=True)  # the summary links the field


def test_economy_page_has_the_caution_and_a_pdf(browser, billed_person):
    person, _ = billed_person
    sign_in(browser, person.email)
    page = browser.get("/economy")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Vi ber om at økonomioversikt brukes med varsomhet" in html
    # The chart names its unit, months and what each colour means (readable on a phone: 12 px text).
    assert "<svg" in html and "Kostnad per måned" in html and ">NOK</text>" in html
    assert ">jan</text>" in html and ">des</text>" in html and 'font-size="10"' not in html
    assert '<figcaption class="legend">' in html and "Prognose" in html
    pdf = browser.get("/economy.pdf")
    assert pdf.status_code == 200
    assert pdf.get_data().startswith(b"%PDF")
    anonymous = Client(browser.application).get("/economy.pdf")
    assert anonymous.status_code == 302
    assert browser.get("/advance").status_code == 404  # Norway bills in arrears


# --- the invoice page and customer service's corrections ------------------------------------------------


def test_the_invoice_page_shows_the_whole_bill_in_the_readers_language(browser, billed_person):
    person, invoice = billed_person
    sign_in(browser, person.email)
    html = browser.get(f"/invoices/{invoice.number}").get_data(as_text=True).replace("\xa0", " ")
    # Who sends it, and how to pay it
    assert "Org.nr. 921 687 427 MVA" in html and "Foretaksregisteret" in html
    assert "1506.20.12347" in html and f"KID-nummer: {invoice.payment_reference}" in html
    # Each line with its calculation in Norwegian, with Norwegian numbers
    assert "Fastledd: 1 200,00 kr per år × 1/12 år = 100,00 kr." in html
    assert "Pris per kWh for" in html and "overføringskostnad" in html
    assert "Alle priser er inkludert merverdiavgift." in html
    # The readings with their dates and sources, the comparison and the bill information
    assert "Målerstander" in html and "avlest av deg" in html
    assert "Energimiks 2025" in html and "Elklagenemnda" in html
    assert "<svg" in html  # the comparison chart
    assert "Korriger fakturaen" not in html  # customers do not correct invoices
    english = ["Meter readings", "per year", "Pay ", "Fuel mix", "How to pay"]
    assert [word for word in english if word in html] == []


def test_customer_service_corrects_an_invoice_after_a_preview(stack, browser, billed_person, repo):
    from heatportal.adapters.dynamo import reading_item
    from tests.integration.conftest import create_user
    from tests.integration.test_meter_settings import staff_browser_on

    person, invoice = billed_person
    staff_email = f"kundeservice-portal-{person.customer.number}@example.com"
    create_user(stack, staff_email, staff=True)
    staff = staff_browser_on(stack, staff_email, person)
    page = staff.get(f"/invoices/{invoice.number}").get_data(as_text=True)
    assert f'href="/invoices/{invoice.number}/correct"' in page
    desk = staff.get("/invoices").get_data(as_text=True)
    assert "Kundeservice: fakturering" in desk and "Ingen faktura er holdt tilbake." in desk

    # Unchanged readings: the preview shows a correction that changes nothing, and issuing it is refused
    same = staff.get(f"/invoices/{invoice.number}/correct?reason=sjekk").get_data(as_text=True)
    assert "Dette utsteder korrigeringen" in same and "0,00" in same.replace("\xa0", " ")
    refused = staff.post(f"/invoices/{invoice.number}/correct", data={"csrf": csrf_of(same), "reason": "sjekk"})
    assert refused.status_code == 409
    assert "Beregnet på nytt blir fakturaen den samme" in refused.get_data(as_text=True)

    [value] = invoice.meter_values
    assert value.end_on is not None
    stored = repo.list_readings(value.meter_number, value.end_on, value.end_on)[0]
    repo.table.put(reading_item(stored.model_copy(update={"value": stored.value - 300})))
    preview = staff.get(f"/invoices/{invoice.number}/correct?reason=feil+avlesning").get_data(as_text=True)
    assert "Dette utsteder korrigeringen" in preview and "Kreditnota" in preview
    assert repo.get_invoice(person.customer.number, invoice.number).status.value == "open"  # nothing stored
    done = staff.post(
        f"/invoices/{invoice.number}/correct",
        data={"csrf": csrf_of(preview), "reason": "feil avlesning"},
    )
    assert done.status_code == 303
    cancelled = repo.get_invoice(person.customer.number, invoice.number)
    assert cancelled.status.value == "credited"
    assert done.headers["Location"] == f"/invoices/{cancelled.replaced_by}"
    corrected_page = staff.get(done.headers["Location"]).get_data(as_text=True)
    assert "Erstatter faktura" in corrected_page and str(invoice.number) in corrected_page
    history = staff.get("/invoices").get_data(as_text=True)
    assert f"Faktura {invoice.number} kreditert med kreditnota {cancelled.credited_by}" in history

    # The customer sees both documents and cannot open the correction page
    sign_in(browser, person.email)
    assert f'href="/invoices/{cancelled.credited_by}"' in browser.get("/invoices").get_data(as_text=True)
    refused = browser.get(f"/invoices/{invoice.number}/correct?reason=x")
    assert refused.status_code == 403
