"""Payments: references back to invoice numbers, the camt.054 reader, and the
payment service's idempotency, against in-memory fakes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heatportal.domain.errors import Forbidden, NotFound, ValidationFailed
from heatportal.domain.model import BillingPeriod, Invoice, InvoiceKind
from heatportal.domain.payment_reference import invoice_number_of, payment_reference
from heatportal.services.access import Principal
from heatportal.services.payments import PaymentService, parse_camt054
from tests.fakes.invoices import InMemoryInvoiceRepository
from tests.fakes.payments import InMemoryPaymentRepository

STAFF = Principal(user_id="s1", email="kundeservice@example.no", groups=frozenset({"staff"}))
CUSTOMER = Principal(user_id="u1", email="kari@example.no")


@given(
    kind=st.sampled_from(["kid", "ocr", "betalingskenmerk", "rf", "text"]),
    customer=st.from_regex(r"[0-9]{6,11}", fullmatch=True),
    number=st.integers(min_value=1, max_value=99_999_999),
)
def test_every_reference_we_issue_leads_back_to_its_invoice_number(kind, customer, number):
    assert invoice_number_of(kind, payment_reference(kind, customer, number)) == number


def test_a_reference_with_a_wrong_check_digit_is_not_ours():
    kid = payment_reference("kid", "200001", 42)
    broken = kid[:-1] + str((int(kid[-1]) + 1) % 10)
    assert invoice_number_of("kid", broken) is None
    assert invoice_number_of("kid", "") is None


CAMT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-02-02T07:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>1</Id>
 <Ntry><Amt Ccy="NOK">1500.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
  <BookgDt><Dt>2026-02-01</Dt></BookgDt><AcctSvcrRef>E1</AcctSvcrRef>
  <NtryDtls>
   <TxDtls><Refs><AcctSvcrRef>T1</AcctSvcrRef></Refs><Amt Ccy="NOK">1000.00</Amt>
    <RmtInf><Strd><CdtrRefInf><Ref>REF-A</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
   <TxDtls><Refs><EndToEndId>T2</EndToEndId></Refs><Amt Ccy="NOK">500.00</Amt>
    <RmtInf><Strd><CdtrRefInf><Ref>REF B</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
  </NtryDtls></Ntry>
 <Ntry><Amt Ccy="NOK">70.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><BookgDt><Dt>2026-02-01</Dt></BookgDt>
  <AcctSvcrRef>E2</AcctSvcrRef><NtryDtls><TxDtls><Amt Ccy="NOK">70.00</Amt>
  <RmtInf><Strd><CdtrRefInf><Ref>REF-C</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>
 <Ntry><Amt Ccy="NOK">9.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-02-01</Dt></BookgDt>
  <AcctSvcrRef>E3</AcctSvcrRef><NtryDtls><TxDtls><Amt Ccy="NOK">9.00</Amt>
  <RmtInf><Ustrd>no structured reference</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


def test_camt054_yields_credits_with_their_structured_reference_or_else_their_text():
    credits = parse_camt054(CAMT)
    assert [(c.entry_id, c.reference, c.amount, c.currency, c.booked_on) for c in credits] == [
        ("T1#REF-A", "REF-A", Decimal("1000.00"), "NOK", date(2026, 2, 1)),
        ("T2#REF B", "REF B", Decimal("500.00"), "NOK", date(2026, 2, 1)),
        ("E3#no structured reference", "no structured reference", Decimal("9.00"), "NOK", date(2026, 2, 1)),
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"<Document><Other/></Document>",
        b"<<<",
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Document/>',
        CAMT.replace(b"1000.00</Amt>", b"ten</Amt>"),
    ],
)
def test_a_broken_bank_file_is_refused_as_a_whole(data):
    with pytest.raises(ValidationFailed) as refused:
        parse_camt054(data)
    assert refused.value.code == "bank_file_invalid"


def an_invoice(invoices: InMemoryInvoiceRepository, customer: str, total: str) -> Invoice:
    draft = Invoice(
        number=0,
        customer_number=customer,
        kind=InvoiceKind.INVOICE,
        period=BillingPeriod(year=2026, month=1),
        issued_on=date(2026, 2, 1),
        due_on=date(2026, 2, 15),
        currency="NOK",
        language="nb",
        lines=(),
        net_total=Decimal(total),
        vat_total=Decimal(0),
        total=Decimal(total),
        payment_reference="",
    )
    return invoices.create_invoice_once(
        draft, kind_key=f"invoice-{customer}", reference=lambda n: payment_reference("kid", customer, n)
    ).invoice


def test_staff_payments_are_recorded_once_and_pay_the_invoice_in_full():
    invoices = InMemoryInvoiceRepository()
    payments = InMemoryPaymentRepository(invoices)
    service = PaymentService(payments, "kid", "NOK")
    invoice = an_invoice(invoices, "200001", "1000.00")

    with pytest.raises(Forbidden):
        service.register(CUSTOMER, invoice.payment_reference, Decimal("1000.00"), date(2026, 2, 3))
    first = service.register(STAFF, invoice.payment_reference, Decimal("400.00"), date(2026, 2, 3))
    again = service.register(STAFF, invoice.payment_reference, Decimal("400.00"), date(2026, 2, 3))
    assert (first.created, again.created) == (True, False)
    assert first.invoice.status.value == "open"
    rest = service.register(STAFF, invoice.payment_reference, Decimal("600.00"), date(2026, 2, 4))
    assert rest.invoice.status.value == "paid"
    assert rest.paid_amount == Decimal("1000.00")
    with pytest.raises(NotFound):
        service.register(STAFF, payment_reference("kid", "999999", invoice.number), Decimal(1), date(2026, 2, 4))


def test_bank_file_import_matches_by_reference_and_is_idempotent():
    invoices = InMemoryInvoiceRepository()
    payments = InMemoryPaymentRepository(invoices)
    service = PaymentService(payments, "kid", "NOK")
    a = an_invoice(invoices, "200001", "1000.00")
    b = an_invoice(invoices, "200002", "900.00")
    data = CAMT.replace(b"REF-A", a.payment_reference.encode()).replace(b"REF B", b.payment_reference.encode())
    first = service.import_camt054(STAFF, data)
    assert (first.transactions, first.recorded, first.already_recorded) == (3, 2, 0)
    assert [u["reference"] for u in first.unmatched] == ["no structured reference"]
    assert first.paid_invoices == [a.number]
    second = service.import_camt054(STAFF, data)
    assert (second.recorded, second.already_recorded) == (0, 2)
    assert payments.paid == {a.number: Decimal("1000.00"), b.number: Decimal("500.00")}


def test_a_german_verwendungszweck_in_the_unstructured_text_finds_its_invoice():
    invoices = InMemoryInvoiceRepository()
    payments = InMemoryPaymentRepository(invoices)
    service = PaymentService(payments, "text", "EUR")
    draft = an_invoice(invoices, "0012345/1", "208.52")  # numbered with a KID: give it the text reference
    reference = payment_reference("text", "0012345/1", draft.number)
    invoice = draft.model_copy(update={"payment_reference": reference, "currency": "EUR"})
    invoices.invoices[("0012345/1", invoice.number)] = invoice
    text = f"Rechnung {invoice.payment_reference}, vielen Dank".encode()
    data = CAMT.replace(b"no structured reference", text).replace(b'Ccy="NOK">9.00', b'Ccy="EUR">208.52')
    result = service.import_camt054(STAFF, data)
    assert result.paid_invoices == [invoice.number]
