"""Invoices API against moto: filters, open balance with overdue, the property
manager's three-month rule, staff payments and camt.054 bank files (idempotent)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from heatportal import composition
from heatportal.adapters.dynamo import facility_item, meter_item, reading_item
from heatportal.domain.model import Address, BillingPeriod, Facility, Meter, MeterKind
from heatportal.domain.money import EnergyUnit
from tests.dates import local_today

from .conftest import body, staff_headers

STAFF_EMAIL = "kundeservice-invoices@example.com"


@pytest.fixture(scope="module")
def staff_auth(stack, http) -> dict[str, str]:
    return staff_headers(stack, http, STAFF_EMAIL)


def billed(repo, seeded, months: int = 3) -> list:
    """Bill the last ``months`` months before last month, issued at each period's end."""
    service = composition.bill_run()
    today = local_today()
    period = BillingPeriod(year=today.year, month=today.month).previous()
    periods = []
    for _ in range(months):
        period = period.previous()
        periods.append(period)
    for spot_period in periods:
        repo.put_spot_price("NO1", spot_period.key, Decimal("0.7311"))
    invoices = []
    for p in reversed(periods):
        invoice, created = service.bill_account(seeded.customer.number, p, issued_on=p.end + timedelta(days=1))
        assert created
        invoices.append(invoice)
    return invoices


def camt054(entries: list[tuple[str, str, str, str]]) -> bytes:
    """A camt.054.001.08 notification with one credited transaction per entry
    (bank reference, creditor reference (KID), amount, booking date)."""
    rows = "".join(
        f"""<Ntry><Amt Ccy="NOK">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>{booked}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
        <NtryDtls><TxDtls><Refs><AcctSvcrRef>{ref}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
        <Amt Ccy="NOK">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{kid}</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls></NtryDtls></Ntry>"""
        for ref, kid, amount, booked in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>'
        "<GrpHdr><MsgId>MSG1</MsgId><CreDtTm>2026-01-05T08:00:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>N1</Id><Acct><Id><Othr><Id>15030000001</Id></Othr></Id></Acct>{rows}</Ntfctn>"
        "</BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def test_invoices_filter_by_status_number_amount_and_dates(http, repo, seed):
    person = seed()
    first, second, third = billed(repo, person)
    base = f"/api/customers/{person.customer.number}/invoices"

    everything = http.get(base, headers=person.auth)
    assert [i["number"] for i in body(everything)] == [third.number, second.number, first.number]

    assert [i["number"] for i in body(http.get(f"{base}?number={second.number}", headers=person.auth))] == [
        second.number
    ]
    between = http.get(f"{base}?issued_from={second.issued_on}&issued_to={third.issued_on}", headers=person.auth)
    assert {i["number"] for i in body(between)} == {second.number, third.number}
    cheap = http.get(f"{base}?amount_max={min(first.total, second.total, third.total)}", headers=person.auth)
    assert len(body(cheap)) >= 1
    assert all(Decimal(i["total"]) <= min(first.total, second.total, third.total) for i in body(cheap))
    assert body(http.get(f"{base}?status=paid", headers=person.auth)) == []
    assert len(body(http.get(f"{base}?status=unpaid", headers=person.auth))) == 3
    assert body(http.get(f"{base}?measuring_point=NOPE", headers=person.auth)) == []
    by_meter = http.get(f"{base}?measuring_point={person.meter.number}", headers=person.auth)
    assert len(body(by_meter)) == 3

    reversed_dates = http.get(f"{base}?issued_from=2026-05-01&issued_to=2026-01-01", headers=person.auth)
    assert reversed_dates.status_code == 422
    assert body(reversed_dates)["code"] == "invoice_filter_dates"
    bad_status = http.get(f"{base}?status=maybe", headers=person.auth)
    assert bad_status.status_code == 422


def test_overview_shows_open_balance_with_overdue(http, repo, seed):
    person = seed()
    invoices = billed(repo, person)
    overview = http.get(f"/api/customers/{person.customer.number}/invoice-overview", headers=person.auth)
    assert overview.status_code == 200, overview.text
    data = body(overview)
    today = local_today()
    overdue = [i for i in invoices if i.due_on < today]
    assert Decimal(data["balance"]["open_total"]) == sum((i.total for i in invoices), Decimal(0))
    assert Decimal(data["balance"]["overdue_total"]) == sum((i.total for i in overdue), Decimal(0))
    assert data["balance"]["overdue_count"] == len(overdue) >= 1
    assert {i["number"]: i["overdue"] for i in data["invoices"]} == {i.number: i.due_on < today for i in invoices}
    assert data["recent_months_only"] is None


def test_invoices_of_another_customer_are_forbidden(http, repo, seed):
    owner = seed()
    stranger = seed()
    billed(repo, owner, months=1)
    resp = http.get(f"/api/customers/{owner.customer.number}/invoice-overview", headers=stranger.auth)
    assert resp.status_code == 403
    assert body(resp)["code"] == "forbidden"


def test_more_than_twenty_facilities_show_only_three_months_unless_narrowed(http, repo, seed):
    manager = seed()
    number = manager.customer.number
    address = Address(street="Kongens gate 9", postcode="7011", city="Trondheim", country="NO")
    items = []
    for i in range(21):
        facility = Facility(id=f"F{number}-{i}", customer_number=number, name=f"Borettslag {i}", address=address)
        items.append(facility_item(facility))
    extra_meter = Meter(
        number=f"X{number}",
        customer_number=number,
        facility_id=f"F{number}-3",
        kind=MeterKind.HEAT,
        unit=EnergyUnit.KWH,
        decimals=0,
        installed_on=local_today() + timedelta(days=400),  # not yet installed: on no invoice
    )
    items.append(meter_item(extra_meter))
    repo.table.batch_put(items)
    invoices = billed(repo, manager, months=5)
    cutoff = (local_today().replace(day=1) - timedelta(days=62)).replace(day=1)
    overview = body(http.get(f"/api/customers/{number}/invoice-overview", headers=manager.auth))
    assert overview["facilities"] == 22
    assert overview["recent_months_only"] == 3
    shown = {i["number"] for i in overview["invoices"]}
    assert shown == {i.number for i in invoices if i.issued_on >= cutoff}
    assert len(shown) < len(invoices)
    # The balance still counts every open invoice.
    assert Decimal(overview["balance"]["open_total"]) == sum((i.total for i in invoices), Decimal(0))

    narrowed = body(http.get(f"/api/customers/{number}/invoice-overview?issued_from=2000-01-01", headers=manager.auth))
    assert narrowed["recent_months_only"] is None
    assert {i["number"] for i in narrowed["invoices"]} == {i.number for i in invoices}
    by_property = body(
        http.get(f"/api/customers/{number}/invoice-overview?property_name=borettslag%203", headers=manager.auth)
    )
    # Facility "Borettslag 3" has only the extra meter, which no invoice used.
    assert by_property["invoices"] == []
    by_home = body(
        http.get(
            f"/api/customers/{number}/invoice-overview?address=storgata&issued_from=2000-01-01", headers=manager.auth
        )
    )
    assert len(by_home["invoices"]) == len(invoices)


def test_staff_registers_a_payment_once_and_the_invoice_is_paid(http, repo, seed, staff_auth):
    person = seed()
    [invoice] = billed(repo, person, months=1)
    payment = {"payment_reference": invoice.payment_reference, "amount": str(invoice.total), "paid_on": "2026-01-03"}

    refused = http.post("/api/payments", json=payment, headers=person.auth)
    assert refused.status_code == 403
    assert body(refused)["code"] == "staff_only"

    half = {**payment, "amount": str((invoice.total / 2).quantize(Decimal("0.01")))}
    first = http.post("/api/payments", json=half, headers=staff_auth)
    assert first.status_code == 200, first.text
    assert body(first)["status"] == "open"
    again = http.post("/api/payments", json=half, headers=staff_auth)  # a double submit
    assert body(again)["created"] is False
    assert Decimal(body(again)["paid_amount"]) == Decimal(half["amount"])

    rest = {**payment, "amount": str(invoice.total - Decimal(half["amount"])), "payment_id": "giro-77"}
    done = body(http.post("/api/payments", json=rest, headers=staff_auth))
    assert done["status"] == "paid"
    assert Decimal(done["paid_amount"]) == invoice.total
    assert repo.get_invoice(person.customer.number, invoice.number).status.value == "paid"

    unknown = http.post("/api/payments", json={**payment, "payment_reference": "1234567890"}, headers=staff_auth)
    assert unknown.status_code == 404
    assert body(unknown)["code"] == "payment_reference_unknown"
    negative = http.post("/api/payments", json={**payment, "amount": "-5"}, headers=staff_auth)
    assert negative.status_code == 422


def test_camt054_import_marks_invoices_paid_and_reimport_changes_nothing(http, repo, seed, staff_auth):
    alice = seed()
    bob = seed()
    [a_invoice] = billed(repo, alice, months=1)
    [b_invoice] = billed(repo, bob, months=1)
    bank_file = camt054(
        [
            (f"BANK-{a_invoice.number}", a_invoice.payment_reference, str(a_invoice.total), "2026-01-04"),
            (f"BANK-{b_invoice.number}", b_invoice.payment_reference, "10.00", "2026-01-04"),
            ("BANK-X", "00000000000000000", "99.00", "2026-01-04"),
        ]
    )
    headers = {**staff_auth, "Content-Type": "application/xml"}
    first = http.post("/api/payments/camt054", data=bank_file, headers=headers)
    assert first.status_code == 200, first.text
    result = body(first)
    assert (result["transactions"], result["recorded"], result["already_recorded"]) == (3, 2, 0)
    assert result["paid_invoices"] == [a_invoice.number]
    assert [u["reason"] for u in result["unmatched"]] == ["reference_unknown"]
    assert repo.get_invoice(alice.customer.number, a_invoice.number).status.value == "paid"
    assert repo.get_invoice(bob.customer.number, b_invoice.number).status.value == "open"

    second = body(http.post("/api/payments/camt054", data=bank_file, headers=headers))
    assert (second["recorded"], second["already_recorded"]) == (0, 2)
    overview = body(http.get(f"/api/customers/{bob.customer.number}/invoice-overview", headers=bob.auth))
    assert Decimal(overview["invoices"][0]["paid_amount"]) == Decimal("10.00")
    assert Decimal(overview["balance"]["open_total"]) == b_invoice.total - Decimal("10.00")

    for broken in (b"<Document><nope/></Document>", b"not xml", b'<!DOCTYPE x [<!ENTITY a "b">]><Document/>'):
        resp = http.post("/api/payments/camt054", data=broken, headers=headers)
        assert resp.status_code == 422
        assert body(resp)["code"] == "bank_file_invalid"
    assert http.post("/api/payments/camt054", data=bank_file, headers=alice.auth).status_code == 403


def test_staff_corrects_an_invoice_with_a_preview_a_credit_note_and_the_corrected_invoice(
    http, repo, seed, staff_auth, stack
):
    from infra.local.stack import outbox_messages

    person = seed()
    [invoice] = billed(repo, person, months=1)
    # The reading the bill ended on was wrong: customer service corrects it first.
    [value] = invoice.meter_values
    assert value.end_on is not None
    stored_reading = repo.list_readings(value.meter_number, value.end_on, value.end_on)[0]
    repo.table.put(reading_item(stored_reading.model_copy(update={"value": stored_reading.value - 500})))

    preview_path = f"/api/invoices/{invoice.number}/correction/preview"
    assert http.post(preview_path, json={"reason": "feil avlesning"}, headers=person.auth).status_code == 403
    preview = http.post(preview_path, json={"reason": "feil avlesning"}, headers=staff_auth)
    assert preview.status_code == 200, preview.text
    shown = body(preview)
    assert shown["stored"] is False
    assert Decimal(shown["credit_note"]["total"]) == -invoice.total
    assert Decimal(shown["difference"]) < 0
    assert repo.get_invoice(person.customer.number, invoice.number).status.value == "open"  # nothing stored

    path = f"/api/invoices/{invoice.number}/credit-note"
    refused = http.post(path, json={"reason": "feil avlesning"}, headers=person.auth)
    assert refused.status_code == 403

    first = http.post(path, json={"reason": "feil avlesning"}, headers=staff_auth)
    assert first.status_code == 200, first.text
    note = body(first)
    assert note["kind"] == "credit_note"
    assert note["corrects"] == invoice.number
    assert Decimal(note["total"]) == -invoice.total
    assert Decimal(note["net_total"]) == -invoice.net_total
    cancelled = repo.get_invoice(person.customer.number, invoice.number)
    assert cancelled.status.value == "credited"
    assert (cancelled.credited_by, cancelled.replaced_by) == (note["number"], note["number"] + 1)
    corrected = repo.get_invoice(person.customer.number, note["number"] + 1)
    assert corrected.corrects == invoice.number
    assert corrected.total == Decimal(shown["corrected"]["total"])
    assert repo.find_billed(person.customer.number, invoice.period, "invoice") == corrected
    again = body(http.post(path, json={"reason": "feil avlesning"}, headers=staff_auth))
    assert again["number"] == note["number"]  # one credit note per invoice
    stored = repo.get_invoice(person.customer.number, note["number"])
    assert stored.pdf_key and corrected.pdf_key
    stack.deliveries.drain()  # the e-mails went through the delivery outbox
    for number in (note["number"], corrected.number):
        mails = [m for m in outbox_messages() if m["to"] == person.email and str(number) in m["subject"]]
        assert len(mails) == 1
        assert mails[0]["attachments"] == [f"invoice-{number}.pdf"]

    desk = http.get(f"/api/customers/{person.customer.number}/corrections", headers=staff_auth)
    assert desk.status_code == 200, desk.text
    [record] = body(desk)["corrections"]
    assert (record["original"], record["credit_note"], record["corrected"], record["trigger"]) == (
        invoice.number,
        note["number"],
        corrected.number,
        "staff",
    )
    assert record["reason"] == "feil avlesning"
    assert body(desk)["late_readings"] == []

    of_note = http.post(
        f"/api/invoices/{note['number']}/credit-note",
        json={"reason": "x"},
        headers=staff_auth,
    )
    assert of_note.status_code == 422
    assert body(of_note)["code"] == "credit_of_credit_note"
    blank = http.post(path, json={"reason": "   "}, headers=staff_auth)
    assert blank.status_code == 422
    unknown = http.post("/api/invoices/99999999/credit-note", json={"reason": "x"}, headers=staff_auth)
    assert unknown.status_code == 404
