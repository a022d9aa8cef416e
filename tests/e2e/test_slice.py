"""The first slice, over HTTP against the running local stack: log in, list
meters, submit a reading, bill a month through the state machine, find the
invoice email in the outbox, list invoices and download the PDF."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from tests.dates import local_today
from tests.polling import wait_until

pytestmark = pytest.mark.e2e


def previous_month() -> str:
    today = local_today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def test_customer_reads_meters_submits_reading_and_gets_the_billed_invoice(local_stack):
    url = local_stack.url
    user = local_stack.demo[0]
    auth = local_stack.login(user)

    me = requests.get(f"{url}/api/me", headers=auth, timeout=30).json()
    customer = me["customers"][0]["customer_path"]
    assert me["customers"][0]["role"] == "admin"

    meters = requests.get(f"{url}/api/customers/{customer}/meters", headers=auth, timeout=30).json()
    heat = next(m for m in meters if m["kind"] == "heat")
    last = Decimal(heat["last_reading"]["value"])

    submitted = requests.post(
        f"{url}/api/customers/{customer}/meters/{heat['number']}/readings",
        json={"value": str(last + 40)},
        headers=auth,
        timeout=30,
    )
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["reading"]["read_on"] == local_today().isoformat()

    period = previous_month()
    started = requests.post(f"{url}/_local/jobs/billing?period={period}", timeout=60).json()

    def ended() -> dict | None:
        state = requests.get(f"{url}/_local/runs/{started['run_id']}", timeout=30).json()
        return state if state["execution"]["status"] != "RUNNING" else None

    progress = wait_until(ended, timeout=600, what="the bill run to end", every=0.5)
    assert progress is not None
    run = progress["execution"]
    assert run["status"] == "SUCCEEDED", run
    assert run["summary"]["billed"] + run["summary"]["already_billed"] >= 20
    assert run["summary"]["failed"] == 0
    assert progress["done"] == progress["accounts"] == run["summary"]["accounts"]
    # The e-mails wait in the delivery queue: drained now (the stack drains it in the background too)
    requests.post(f"{url}/_local/jobs/deliveries", timeout=600).raise_for_status()

    invoices = requests.get(f"{url}/api/customers/{customer}/invoices", headers=auth, timeout=30).json()
    invoice = next(i for i in invoices if i["period"] == period)
    assert Decimal(invoice["total"]) > 0

    detail = requests.get(
        f"{url}/api/customers/{customer}/invoices/{invoice['number']}", headers=auth, timeout=30
    ).json()
    # Lines are on the price list's own basis (the Norwegian private list includes VAT).
    lines_total = sum(Decimal(line["amount"]) for line in detail["lines"])
    assert detail["prices_include_vat"] is True
    assert lines_total == Decimal(detail["total"]) == Decimal(detail["net_total"]) + Decimal(detail["vat_total"])

    link = requests.get(
        f"{url}/api/customers/{customer}/invoices/{invoice['number']}/pdf", headers=auth, timeout=30
    ).json()
    pdf = requests.get(link["url"], timeout=30)
    assert pdf.content.startswith(b"%PDF")

    outbox = requests.get(f"{url}/_local/outbox.json", timeout=30).json()
    mails = [m for m in outbox if m["to"] == user["email"] and str(invoice["number"]) in m["subject"]]
    assert len(mails) == 1
    assert mails[0]["attachments"] == [f"invoice-{invoice['number']}.pdf"]
    assert "Faktura" in mails[0]["subject"]  # the customer's language (Norwegian)


def test_another_users_customer_is_forbidden(local_stack):
    owner, stranger = local_stack.demo[0], local_stack.demo[3]
    customer = owner["customers"][0]["customer_number"]
    resp = requests.get(
        f"{local_stack.url}/api/customers/{customer}/meters", headers=local_stack.login(stranger), timeout=30
    )
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"


def test_openapi_document_and_swagger_ui_are_served(local_stack):
    doc = requests.get(f"{local_stack.url}/api/openapi.json", timeout=30).json()
    assert "/api/customers/{customer}/meters/{meter}/readings" in doc["paths"] or any(
        "readings" in path for path in doc["paths"]
    )
    page = requests.get(f"{local_stack.url}/api/docs", timeout=30)
    assert page.status_code == 200
    assert "swagger-ui" in page.text
