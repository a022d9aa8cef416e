"""The invoice PDF (heatportal.documents.invoice_pdf), read back as text."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest

from heatportal.documents import invoice_pdf
from heatportal.documents.invoice_pdf import pdf_filename, render_invoice_pdf
from heatportal.domain.model import (
    Address,
    BillingPeriod,
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Language,
)
from heatportal.domain.payment_reference import payment_reference
from heatportal.domain.profile import UtilityProfile, load_profile
from heatportal.i18n import format_money, translate

PROFILE_OF: dict[str, str] = {"nb": "no", "sv": "se", "nl": "nl", "de": "de", "en": "no"}
INVOICE_NUMBER = 20250117


@dataclass(frozen=True)
class PdfText:
    text: str
    pages: int


def extract(pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> PdfText:
    """The PDF's text: pypdf if installed, else poppler's pdftotext."""
    try:
        import io

        from pypdf import PdfReader
    except ImportError:
        pdftotext = shutil.which("pdftotext")
        if pdftotext is None:
            pytest.skip("neither pypdf nor pdftotext is installed")
        path = tmp_path_factory.mktemp("pdf") / "invoice.pdf"
        path.write_bytes(pdf)
        out = subprocess.run([pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
        text = out.stdout.decode("utf-8")
        pages = text.count("\f")
    else:
        reader = PdfReader(io.BytesIO(pdf))
        pages = len(reader.pages)
        text = "\n".join(page.extract_text() for page in reader.pages)
    return PdfText(text=" ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split()), pages=pages)


def norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def line(text_key: str, quantity: str, unit: str, unit_price: str, vat: str, **params: str) -> InvoiceLine:
    amount = (Decimal(quantity) * Decimal(unit_price)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return InvoiceLine(
        component=text_key.removeprefix("line."),
        text_key=text_key,
        text_params=params,
        quantity=Decimal(quantity),
        unit=unit,
        unit_price=Decimal(unit_price),
        amount=amount,
        vat_rate=Decimal(vat),
        explanation=f"{quantity} {unit} x {unit_price}",
    )


def make_invoice(
    lang: Language,
    profile: UtilityProfile,
    customer: Customer,
    lines: tuple[InvoiceLine, ...],
    kind: InvoiceKind = InvoiceKind.INVOICE,
) -> Invoice:
    net = sum((item.amount for item in lines), Decimal(0))
    vat = (net * lines[0].vat_rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Invoice(
        number=INVOICE_NUMBER,
        customer_number=customer.number,
        kind=kind,
        period=BillingPeriod(year=2025, month=1),
        issued_on=date(2025, 2, 3),
        due_on=date(2025, 2, 17),
        currency=profile.currency,
        language=lang,
        lines=lines,
        net_total=net,
        vat_total=vat,
        total=net + vat,
        payment_reference=payment_reference(profile.payment_reference, customer.number, INVOICE_NUMBER),
    )


def customer_for(lang: Language, profile: UtilityProfile, name: str = "Bjørn Ødegård") -> Customer:
    return Customer(
        number={"NO": "123456", "SE": "1234567", "NL": "14159265359", "DE": "0012345/1"}[profile.country],
        name=name,
        email="bjorn@example.com",
        language=lang,
        address=Address(street="Åsveien 3", postcode="2000", city="Lillestrøm", country=profile.country),
    )


def few_lines(profile: UtilityProfile) -> tuple[InvoiceLine, ...]:
    vat = str(profile.vat_on(date(2025, 1, 1)))
    return (
        line("line.spot_energy", "1234.5", "kWh", "1.2951", vat, zone="NO1"),
        line("line.fixed_fee", "1", "month", "100", vat, name="Fastledd"),
        line("line.volume", "12.345", "m3", "11.23", vat, name="Warmtapwater"),
        line("line.return_bonus", "4.2", "MWh", "-9.00", vat),
    )


@pytest.mark.parametrize("lang", ["nb", "sv", "nl", "de", "en"])
def test_a_few_lines_make_one_page_in_the_customers_language(
    lang: Language, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # Given an invoice with a few lines for a customer whose name is not ASCII
    profile = load_profile(PROFILE_OF[lang])
    customer = customer_for(lang, profile)
    invoice = make_invoice(lang, profile, customer, few_lines(profile))

    # When it is rendered
    pdf = render_invoice_pdf(invoice, customer, profile)

    # Then it is a one-page PDF that says what the customer must know, in their language
    assert pdf.startswith(b"%PDF-")
    read = extract(pdf, tmp_path_factory)
    assert read.pages == 1
    assert str(INVOICE_NUMBER) in read.text
    assert "Bjørn Ødegård" in read.text
    assert "Åsveien 3" in read.text
    assert norm(format_money(invoice.total, invoice.currency, lang)) in read.text
    assert invoice.payment_reference in read.text
    assert translate("invoice_kind.invoice", lang) in read.text
    assert translate("line.spot_energy", lang, zone="NO1") in read.text
    assert translate("line.return_bonus", lang) in read.text
    assert translate("pdf.total_due", lang) in read.text
    assert "m³" in read.text
    assert profile.branding.logo_text in read.text
    assert profile.branding.phone in read.text


def test_the_norwegian_invoice_shows_the_kid_and_norwegian_amounts(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    profile = load_profile("no")
    customer = customer_for("nb", profile)
    invoice = make_invoice("nb", profile, customer, few_lines(profile))

    read = extract(render_invoice_pdf(invoice, customer, profile), tmp_path_factory)

    assert f"KID-nummer: {invoice.payment_reference}" in read.text
    assert "1 234,5 kWh" in read.text
    assert "Mva. 25 %" in read.text
    assert "januar 2025" in read.text
    assert "Å betale" in read.text


def test_the_swedish_invoice_has_an_ocr_number(tmp_path_factory: pytest.TempPathFactory) -> None:
    profile = load_profile("se")
    customer = customer_for("sv", profile)
    invoice = make_invoice("sv", profile, customer, few_lines(profile))

    read = extract(render_invoice_pdf(invoice, customer, profile), tmp_path_factory)

    assert f"OCR-nummer: {invoice.payment_reference}" in read.text
    assert "Att betala" in read.text


def test_many_lines_flow_onto_more_pages(tmp_path_factory: pytest.TempPathFactory) -> None:
    profile = load_profile("nl")
    customer = customer_for("nl", profile)
    lines = tuple(line("line.fixed_fee", "1", "month", "10", "0.21", name=f"Aansluiting {i}") for i in range(60))
    invoice = make_invoice("nl", profile, customer, lines)

    read = extract(render_invoice_pdf(invoice, customer, profile), tmp_path_factory)

    assert read.pages > 1
    assert "Aansluiting 59" in read.text
    assert "Pagina 2" in read.text
    assert norm(format_money(invoice.total, "EUR", "nl")) in read.text


def test_a_credit_note_asks_for_no_payment(tmp_path_factory: pytest.TempPathFactory) -> None:
    profile = load_profile("no")
    customer = customer_for("nb", profile)
    invoice = make_invoice(
        "nb",
        profile,
        customer,
        (line("line.spot_energy", "-100", "kWh", "1.25", "0.25", zone="NO1"),),
        kind=InvoiceKind.CREDIT_NOTE,
    )

    read = extract(render_invoice_pdf(invoice, customer, profile), tmp_path_factory)

    assert "Kreditnota" in read.text
    assert "Til gode" in read.text
    assert "KID" not in read.text
    assert "156,25 kr" in read.text  # 125.00 + 25 % VAT, refunded


def test_customer_text_is_printed_as_written_not_as_markup(tmp_path_factory: pytest.TempPathFactory) -> None:
    profile = load_profile("de")
    customer = customer_for("de", profile, name="<b>Müller</b> & Söhne")
    invoice = make_invoice("de", profile, customer, few_lines(profile))

    read = extract(render_invoice_pdf(invoice, customer, profile), tmp_path_factory)

    assert "<b>Müller</b> & Söhne" in read.text


def test_helvetica_fallback_still_prints_nordic_and_german_letters(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # Given no TrueType font (as on Lambda without a bundled font)
    profile = load_profile("no")
    customer = customer_for("nb", profile, name="Bjørn Ødegård Straße")
    invoice = make_invoice("nb", profile, customer, few_lines(profile))
    helvetica = invoice_pdf._Fonts("Helvetica", "Helvetica-Bold", unicode=False)

    pdf = invoice_pdf._draw(invoice_pdf._view(invoice, customer, profile), helvetica)

    read = extract(pdf, tmp_path_factory)
    assert "Bjørn Ødegård Straße" in read.text
    assert invoice.payment_reference in read.text


def test_the_same_invoice_renders_to_the_same_bytes_with_metadata() -> None:
    profile = load_profile("no")
    customer = customer_for("nb", profile)
    invoice = make_invoice("nb", profile, customer, few_lines(profile))

    first = render_invoice_pdf(invoice, customer, profile)
    second = render_invoice_pdf(invoice, customer, profile)

    assert first == second
    assert b"/Lang (nb-NO)" in first
    assert b"/Author (Fjordvarme AS)" in first
    assert f"/Title (Faktura {INVOICE_NUMBER})".encode() in first


def test_the_file_name_is_in_the_invoices_language() -> None:
    profile = load_profile("de")
    customer = customer_for("de", profile)
    invoice = make_invoice("de", profile, customer, few_lines(profile), kind=InvoiceKind.CREDIT_NOTE)
    assert pdf_filename(invoice) == f"Gutschrift-{INVOICE_NUMBER}.pdf"
