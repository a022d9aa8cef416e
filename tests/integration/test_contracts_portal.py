"""The portal pages of contracts, moving, documents, services, sustainability
and the subscription through the real portal handler: each page in the five
languages, the simulator changing the estimate line by line, signing with the
e-mail code (the Norwegian profile's method) to a new contract version with
its signed PDF in the documents, an expression of interest reaching customer
service, a document published by customer service marked new until opened."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from werkzeug.test import Client

from heatportal import composition
from heatportal.domain.model import LANGUAGES, BillingPeriod
from infra.local.resources import clients
from infra.local.stack import outbox_messages
from tests.dates import local_today
from tests.integration.test_portal_session import csrf_of, sign_in

PAGES = ["/contracts", "/subscription", "/moving", "/services", "/sustainability", "/documents", "/moving/in"]


@pytest.fixture
def browser(stack) -> Client:
    return Client(stack.http_server.app)


def signed_in(stack, seed, repo, **seed_args):
    seeded = seed(**seed_args)
    for period in (BillingPeriod(year=local_today().year, month=local_today().month),):
        month = period
        for _ in range(14):
            repo.put_spot_price("NO1", month.key, Decimal("0.7000"))
            month = month.previous()
    browser = Client(stack.http_server.app)
    assert sign_in(browser, seeded.email).status_code == 303
    return seeded, browser


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_renders_in_each_language(stack, seed, repo, lang):
    seeded, browser = signed_in(stack, seed, repo)
    facility = f"F{seeded.customer.number}"
    for path in [*PAGES, f"/contracts/{facility}", f"/contracts/{facility}/simulator", f"/moving/out/{facility}"]:
        resp = browser.get(f"{path}?lang={lang}")
        assert resp.status_code == 200, (path, resp.get_data(as_text=True)[:500])
        html = resp.get_data(as_text=True)
        assert f'lang="{lang}"' in html
        # No catalog key leaks onto the page.
        assert not re.search(
            r"\b(contracts|moving|simulator|signing|subscription|services|sustainability|store|offer)\.[a-z_]+\b",
            text_of(html),
        ), path


def test_the_contract_shows_its_annual_estimate_and_a_pdf(stack, seed, repo):
    seeded, browser = signed_in(stack, seed, repo)
    facility = f"F{seeded.customer.number}"
    page = browser.get(f"/contracts/{facility}?lang=en").get_data(as_text=True)
    assert "Annual cost estimate" in page
    assert "Fixed price for 1 year" not in page  # the current terms: spot price
    pdf = browser.get(f"/contracts/{facility}/estimate.pdf")
    assert pdf.status_code == 200 and pdf.get_data().startswith(b"%PDF")


def test_the_simulator_shows_the_change_line_by_line(stack, seed, repo):
    seeded, browser = signed_in(stack, seed, repo)
    facility = f"F{seeded.customer.number}"
    resp = browser.get(
        f"/contracts/{facility}/simulator?lang=en&option.price_agreement=fixed_1y&option.green_heat=green"
    )
    assert resp.status_code == 200
    text = text_of(resp.get_data(as_text=True))
    assert "Green heat" in text  # the green-heat line joins
    assert "Energy" in text  # the fixed energy price replaces the spot line
    bad = browser.get(f"/contracts/{facility}/simulator?lang=en&option.price_agreement=forever")
    assert bad.status_code == 422
    pdf = browser.get(f"/contracts/{facility}/estimate.pdf?option.price_agreement=fixed_3y&product=district_heating")
    assert pdf.get_data().startswith(b"%PDF")


def test_an_administrator_signs_with_the_code_and_gets_a_new_version_and_its_pdf(stack, seed, repo):
    seeded, browser = signed_in(stack, seed, repo)
    facility = f"F{seeded.customer.number}"
    page = browser.get(f"/contracts/{facility}/simulator?option.price_agreement=fixed_1y").get_data(as_text=True)
    first = (local_today().replace(day=1) + timedelta(days=32)).replace(day=1)
    resp = browser.post(
        f"/contracts/{facility}/sign",
        data={
            "csrf": csrf_of(page),
            "product": "district_heating",
            "option.price_agreement": "fixed_1y",
            "option.green_heat": "standard",
            "valid_from": first.isoformat(),
        },
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:400]
    signing_page = browser.get(resp.headers["Location"])
    assert signing_page.status_code == 200
    [mail] = [m for m in outbox_messages("email") if m["to"] == seeded.email and "signere" in m["subject"]]
    code = _found(r"Din kode: (\d{6})", mail["text"], 1)
    done = browser.post(
        resp.headers["Location"] + "/code", data={"csrf": csrf_of(signing_page.get_data(as_text=True)), "code": code}
    )
    assert done.status_code == 303
    final = browser.get(done.headers["Location"])
    assert final.status_code == 303  # completed: back to the contract
    contract = browser.get(final.headers["Location"]).get_data(as_text=True)
    assert "signed" in contract.lower() or "signert" in contract.lower()
    record = composition.access().records.customer_record(seeded.customer.number)
    [version] = [v for v in record.contract_versions if v.valid_from == first]
    assert version.terms.options["price_agreement"] == "fixed_1y"
    assert version.signature_method == "email_code"
    [document] = record.documents
    assert document.type.value == "contract" and document.id == version.document_id
    # The signed contract is new for the signer until opened.
    start = browser.get("/").get_data(as_text=True)
    assert document.title in start
    opened = browser.get(f"/documents/files/{document.id}")
    assert opened.status_code == 303
    assert document.title not in browser.get("/").get_data(as_text=True)


def test_a_read_only_person_cannot_sign_or_move(stack, seed, repo):
    seeded, browser = signed_in(stack, seed, repo, role="read")
    facility = f"F{seeded.customer.number}"
    page = browser.get(f"/contracts/{facility}/simulator").get_data(as_text=True)
    resp = browser.post(
        f"/contracts/{facility}/sign",
        data={"csrf": csrf_of(page), "option.price_agreement": "fixed_1y", "valid_from": date.today().isoformat()},
    )
    assert resp.status_code == 403
    moving = browser.post(
        f"/moving/out/{facility}", data={"csrf": csrf_of(page), "moving_on": local_today().isoformat()}
    )
    assert moving.status_code == 403


def test_an_expression_of_interest_reaches_customer_service(stack, seed, repo):
    seeded, browser = signed_in(stack, seed, repo)
    page = browser.get("/services").get_data(as_text=True)
    resp = browser.post(
        "/services/energy_advice",
        data={"csrf": csrf_of(page), "facility_id": f"F{seeded.customer.number}", "message": "Ring meg", "phone": ""},
    )
    assert resp.status_code == 303
    from heatportal.adapters.dynamo_accounts import DynamoProfileStore

    requests, _ = DynamoProfileStore(repo.table).list_contact_requests("open", 100, None)
    mine = [r for r in requests if r.customer_number == seeded.customer.number]
    assert [(r.topic, r.facility_id) for r in mine] == [("service:energy_advice", f"F{seeded.customer.number}")]
    assert [m["subject"] for m in outbox_messages("email") if m["to"] == seeded.email] == [
        "Vi har mottatt interessen din – Fjordvarme AS"
    ]


def test_customer_service_publishes_a_pdf_to_one_customer(stack, seed, repo, http):
    seeded, browser = signed_in(stack, seed, repo)
    staff, staff_browser = signed_in(stack, seed, repo)
    cognito = clients(stack.resources.endpoint)["cognito-idp"]
    cognito.admin_add_user_to_group(UserPoolId=stack.resources.user_pool_id, Username=staff.email, GroupName="staff")
    staff_browser = Client(stack.http_server.app)
    assert sign_in(staff_browser, staff.email).status_code == 303
    form = staff_browser.get("/staff/documents").get_data(as_text=True)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    from io import BytesIO

    resp = staff_browser.post(
        "/staff/documents",
        data={
            "csrf": csrf_of(form),
            "audience": "customer",
            "customer_number": seeded.customer.number,
            "type": "letter",
            "title": "Varsel om prisendring",
            "file": (BytesIO(pdf), "varsel.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    documents = browser.get("/documents").get_data(as_text=True)
    assert "Varsel om prisendring" in documents
    not_pdf = staff_browser.post(
        "/staff/documents",
        data={
            "csrf": csrf_of(form),
            "audience": "customer",
            "customer_number": seeded.customer.number,
            "type": "letter",
            "title": "Ikke PDF",
            "file": (BytesIO(b"hello"), "x.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert not_pdf.status_code == 422
    assert "Ikke PDF" not in browser.get("/documents").get_data(as_text=True)


def _found(pattern: str, text: str, group: int = 1) -> str:
    match = re.search(pattern, text)
    assert match, (pattern, text)
    return match.group(group)
