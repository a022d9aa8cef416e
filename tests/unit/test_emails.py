"""Customer emails (heatportal.documents.emails) and their MIME packing."""

from __future__ import annotations

import email
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default

import pytest

from heatportal.documents.emails import (
    RenderedEmail,
    build_mime,
    invoice_email,
    reading_confirmation_email,
)
from heatportal.domain.model import (
    LANGUAGES,
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
from heatportal.i18n import format_date, format_money, format_quantity, translate

PORTAL_URL = "https://minside.fjordvarme.example/faktura"
PROFILE_OF: dict[str, str] = {"nb": "no", "sv": "se", "nl": "nl", "de": "de", "en": "no"}


def customer(lang: Language, name: str = "Bjørn Ødegård") -> Customer:
    return Customer(
        number="123456",
        name=name,
        email="bjorn@example.com",
        language=lang,
        address=Address(street="Åsveien 3", postcode="2000", city="Lillestrøm", country="NO"),
    )


def invoice(lang: Language, profile: UtilityProfile, kind: InvoiceKind = InvoiceKind.INVOICE) -> Invoice:
    sign = Decimal(-1) if kind == InvoiceKind.CREDIT_NOTE else Decimal(1)
    net = sign * Decimal("1837.44")
    vat = sign * Decimal("459.36")
    return Invoice(
        number=1234,
        customer_number="123456",
        kind=kind,
        period=BillingPeriod(year=2025, month=1),
        issued_on=date(2025, 2, 3),
        due_on=date(2025, 2, 17),
        currency=profile.currency,
        language=lang,
        lines=(
            InvoiceLine(
                component="energy",
                text_key="line.energy",
                quantity=sign * Decimal("1234.5"),
                unit="kWh",
                unit_price=Decimal("1.4884"),
                amount=net,
                vat_rate=Decimal("0.25"),
            ),
        ),
        net_total=net,
        vat_total=vat,
        total=net + vat,
        payment_reference=payment_reference(profile.payment.reference, "123456", 1234),
    )


def test_the_invoice_email_speaks_norwegian_to_a_norwegian_customer() -> None:
    # Given a Norwegian invoice
    profile = load_profile("no")
    bill = invoice("nb", profile)

    # When its email is rendered
    mail = invoice_email(bill, customer("nb"), profile, PORTAL_URL)

    # Then subject and text are Norwegian and carry amount, due date, account and KID
    assert mail.subject == "Faktura 1234 fra Fjordvarme AS"
    assert "Hei Bjørn Ødegård," in mail.text
    assert format_money(bill.total, "NOK", "nb") in mail.text
    assert format_date(bill.due_on, "nb") in mail.text
    assert f"KID-nummer: {bill.payment_reference}" in mail.text
    assert "Kontonummer: 1506.20.12347" in mail.text
    assert f"til konto 1506.20.12347 innen {format_date(bill.due_on, 'nb', 'long')}, med KID" in mail.text
    assert "Min side" in mail.text
    assert PORTAL_URL in mail.text
    assert "vedlagt som PDF" in mail.text
    assert f'href="{PORTAL_URL}"' in mail.html
    assert '<html lang="nb">' in mail.html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_invoice_email_is_in_the_invoices_language(lang: Language) -> None:
    profile = load_profile(PROFILE_OF[lang])
    bill = invoice(lang, profile)

    mail = invoice_email(bill, customer(lang), profile, PORTAL_URL)

    assert translate("invoice_kind.invoice", lang) in mail.subject
    assert profile.name in mail.subject
    for key in ("email.invoice.attached", "email.closing", "invoice.fact.due_date", "invoice.pay.heading"):
        assert translate(key, lang) in mail.text
    assert translate("email.greeting", lang, name="Bjørn Ødegård") in mail.text
    assert format_money(bill.total, profile.currency, lang) in mail.text


def test_a_credit_note_email_asks_for_no_payment() -> None:
    profile = load_profile("de")
    bill = invoice("de", profile, InvoiceKind.CREDIT_NOTE)

    mail = invoice_email(bill, customer("de"), profile, PORTAL_URL)

    assert mail.subject.startswith("Stornorechnung 1234 von ")
    assert "Ihr Guthaben" in mail.text  # not "Gutschrift": in UStG that is a self-billed invoice
    assert format_money(-bill.total, profile.currency, "de") in mail.text  # without a minus
    assert "Fällig am" not in mail.text
    assert bill.payment_reference not in mail.text
    assert "erstattet oder mit Ihrer nächsten Rechnung verrechnet" in mail.text


def test_the_dutch_invoice_email_names_iban_bic_and_betalingskenmerk() -> None:
    profile = load_profile("nl")
    bill = invoice("nl", profile)
    mail = invoice_email(bill, customer("nl"), profile, PORTAL_URL)
    assert "IBAN: NL93 DEMO 0123 4567 89" in mail.text
    assert "BIC: DEMONL2A" in mail.text
    assert f"Betalingskenmerk: {bill.payment_reference}" in mail.text
    assert "NL93 DEMO 0123 4567 89" in mail.html


def test_html_escapes_what_the_customer_typed_and_text_keeps_it() -> None:
    profile = load_profile("no")
    name = "<script>alert('x')</script> & Co"

    mail = invoice_email(invoice("nb", profile), customer("nb", name), profile, PORTAL_URL)

    assert "<script>" not in mail.html
    assert "&lt;script&gt;" in mail.html
    assert "&amp; Co" in mail.html
    assert name in mail.text
    assert "\n" not in mail.subject


def test_the_reading_confirmation_is_in_the_customers_language() -> None:
    profile = load_profile("se")
    reader = customer("sv", "Åsa Öberg")

    mail = reading_confirmation_email(reader, "M-4711", date(2025, 3, 1), Decimal("12345.678"), "kWh", profile)

    assert mail.subject == "Bekräftelse på mätaravläsning för mätare M-4711"
    assert "Hej Åsa Öberg," in mail.text
    assert f"Mätarställning: {format_quantity(Decimal('12345.678'), 'kWh', 'sv')}" in mail.text
    assert f"Avläsningsdatum: {format_date(date(2025, 3, 1), 'sv')}" in mail.text
    assert "Åsa Öberg" in mail.html
    assert "Mina sidor" not in mail.text  # no portal link unless one is given


def test_the_reading_confirmation_links_the_portal_when_given() -> None:
    profile = load_profile("nl")
    mail = reading_confirmation_email(
        customer("nl"), "W-1", date(2025, 3, 1), Decimal("42.5"), "m3", profile, portal_url="https://mijn.example"
    )
    assert "Mijn omgeving: https://mijn.example" in mail.text
    assert "42,5 m³" in mail.text.replace("\u00a0", " ")
    assert 'href="https://mijn.example"' in mail.html


# -- MIME ---------------------------------------------------------------------------


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    return message


def test_mime_has_text_html_and_the_pdf_attachment() -> None:
    # Given a rendered invoice email and its PDF
    profile = load_profile("no")
    mail = invoice_email(invoice("nb", profile), customer("nb"), profile, PORTAL_URL)
    pdf = b"%PDF-1.4\n\xe2\xe3\xcf\xd3 binary\n%%EOF"

    # When it is packed for SES
    raw = build_mime(
        "Fjordvarme AS <minside@fjordvarme.example>",
        "Bjørn Ødegård <bjorn@example.com>",
        mail,
        [("Faktura-1234.pdf", pdf, "application/pdf")],
    )

    # Then it is a 7-bit multipart/mixed message: alternative(text, html) + PDF
    assert all(byte < 128 for byte in raw)
    assert b"\r\n" in raw
    message = parse(raw)
    assert message.get_content_type() == "multipart/mixed"
    assert message["Subject"] == "Faktura 1234 fra Fjordvarme AS"
    assert message["To"].addresses[0].display_name == "Bjørn Ødegård"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html = alternative.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert text.get_content().replace("\r\n", "\n") == mail.text
    assert "Bjørn Ødegård" in html.get_content()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "Faktura-1234.pdf"
    assert attachment.get_content() == pdf


def test_mime_without_attachments_is_still_mixed() -> None:
    mail = RenderedEmail(subject="Hei", text="Hei\n", html="<p>Hei</p>")
    message = parse(build_mime("a@example.com", "b@example.com", mail, []))
    assert message.get_content_type() == "multipart/mixed"
    (alternative,) = message.iter_parts()
    assert [part.get_content_type() for part in alternative.iter_parts()] == ["text/plain", "text/html"]


def test_mime_refuses_header_injection() -> None:
    mail = RenderedEmail(subject="Faktura\r\nBcc: evil@example.com", text="x", html="<p>x</p>")
    message = parse(build_mime("a@example.com", "b@example.com", mail, []))
    assert message["Bcc"] is None
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        build_mime("a@example.com", "b@example.com\r\nBcc: evil@example.com", mail, [])
