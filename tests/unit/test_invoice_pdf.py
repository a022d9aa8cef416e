"""The invoice PDF (heatportal.documents.invoice_pdf), read back as a customer
and a regulator would read it.

One realistic invoice per shipped profile (tests.invoice_samples: a year of
billing by the real services) is rendered, drawn to PNG in artifacts/invoices/
for a person to look at, and read back with pypdf: the payment details, the
seller's identifiers, the readings with the estimated mark, the bill content
the country's law asks for, and no English in a non-English invoice."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from heatportal.documents import invoice_pdf
from heatportal.documents.invoice_pdf import pdf_filename, render_invoice_pdf
from heatportal.documents.invoice_text import invoice_text
from heatportal.domain.model import Customer, Invoice, InvoiceKind, InvoiceLine, Language
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import format_money
from tests.invoice_samples import STAFF, SampleWorld, monthly_sample, settlement_sample

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "invoices"
CATALOGS = Path(__file__).resolve().parents[2] / "layers" / "shared" / "python" / "heatportal" / "i18n" / "catalog"


@dataclass(frozen=True)
class Rendered:
    sample: SampleWorld
    invoice: Invoice
    pdf: bytes
    text: str
    pages: int


def norm(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def read(pdf: bytes) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return norm("\n".join(page.extract_text() for page in reader.pages)), len(reader.pages)


def to_png(pdf: bytes, name: str) -> list[Path]:
    """Every page as a PNG in artifacts/invoices/, as a person looks at it."""
    import pypdfium2

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(pdf)
    paths = []
    for index in range(len(document)):
        path = ARTIFACTS / f"{name}-{index + 1}.png"
        document[index].render(scale=1.6).to_pil().save(path)
        paths.append(path)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    return paths


def render(sample: SampleWorld, invoice: Invoice, name: str) -> Rendered:
    pdf = render_invoice_pdf(invoice, sample.customer, sample.profile)
    paths = to_png(pdf, name)
    assert all(p.stat().st_size > 10_000 for p in paths)
    text, pages = read(pdf)
    return Rendered(sample, invoice, pdf, text, pages)


@pytest.fixture(scope="module")
def no() -> Rendered:
    sample, invoice = monthly_sample("no")
    return render(sample, invoice, "no-monthly")


@pytest.fixture(scope="module")
def se() -> Rendered:
    sample, invoice = monthly_sample("se")
    return render(sample, invoice, "se-monthly")


@pytest.fixture(scope="module")
def nl() -> Rendered:
    sample, invoice = settlement_sample("nl")
    return render(sample, invoice, "nl-settlement")


@pytest.fixture(scope="module")
def de() -> Rendered:
    sample, invoice = settlement_sample("de")
    return render(sample, invoice, "de-settlement")


@pytest.fixture(scope="module")
def de_direct_debit() -> Rendered:
    sample, invoice = settlement_sample("de", direct_debit=True)
    return render(sample, invoice, "de-settlement-direct-debit")


def amount(r: Rendered, value: Decimal) -> str:
    return norm(format_money(value, r.invoice.currency, r.invoice.language))


# --- payable ---------------------------------------------------------------------------------------


def test_the_norwegian_bill_says_account_number_and_kid(no: Rendered) -> None:
    assert "1506.20.12347" in no.text  # the seller's account, as Norwegian bills print it
    assert f"KID-nummer: {no.invoice.payment_reference}" in no.text
    assert f"Betal {amount(no, no.invoice.total)} til konto 1506.20.12347" in no.text


def test_the_swedish_bill_says_bankgiro_and_ocr(se: Rendered) -> None:
    assert "5691-2348" in se.text and "47 11 23-0" in se.text
    assert f"OCR-nummer: {se.invoice.payment_reference}" in se.text


def test_the_dutch_and_german_bills_say_iban_bic_and_carry_an_epc_qr_code(nl: Rendered, de: Rendered) -> None:
    assert "NL93 DEMO 0123 4567 89" in nl.text and "DEMONL2A" in nl.text
    assert f"Betalingskenmerk: {nl.invoice.payment_reference}" in nl.text
    assert "DE63 9009 9999 0047 1108 15" in de.text and "DEMODEM1XXX" in de.text
    assert f"Verwendungszweck: {de.invoice.payment_reference}" in de.text
    for rendered in (nl, de):
        view = invoice_text(rendered.invoice, rendered.sample.customer, rendered.sample.profile)
        assert view.payment.qr is not None
        assert view.payment.qr.amount == rendered.invoice.total
        assert view.payment.qr.text == rendered.invoice.payment_reference


def test_the_epc_payload_is_the_standard_one() -> None:
    import segno.helpers

    qr = segno.helpers.make_epc_qr(
        name="Warmtenet Duurzaam B.V.",
        iban="NL93DEMO0123456789",
        amount=Decimal("214.82"),
        text="2000000000000042",
        bic="DEMONL2A",
    )
    assert qr.error == "M"
    assert int(qr.version) <= 13


def test_a_direct_debit_customer_is_told_when_and_from_which_account(de_direct_debit: Rendered) -> None:
    text = de_direct_debit.text
    debit = de_direct_debit.invoice.direct_debit
    assert debit is not None and debit.account_masked == "…3000"
    assert "von Ihrem Konto IBAN …3000 abgebucht" in text
    assert "Gläubiger-ID" in text and "DE43ZZZ00000471100" in text
    assert "Bitte überweisen" not in text  # no transfer request
    view = invoice_text(de_direct_debit.invoice, de_direct_debit.sample.customer, de_direct_debit.sample.profile)
    assert view.payment.qr is None


# --- lawful ------------------------------------------------------------------------------------------


def test_each_bill_names_the_seller_with_its_organisation_and_vat_numbers(
    no: Rendered, se: Rendered, nl: Rendered, de: Rendered
) -> None:
    assert "Org.nr. 921 687 427 MVA" in no.text and "Foretaksregisteret" in no.text
    assert "556987-6542" in se.text and "SE556987654201" in se.text and "Godkänd för F-skatt" in se.text
    assert "KvK-nummer 74213587" in nl.text and "NL858712349B01" in nl.text
    assert "DE812345673" in de.text and "Amtsgericht Ansbach, HRB 4711" in de.text
    assert "Dr. Anna Beispiel" in de.text


def test_each_bill_has_its_dates_number_supply_period_and_vat_per_rate(no: Rendered, de: Rendered) -> None:
    assert "Fakturanummer 13" in no.text and "Forfallsdato 16. feb. 2026" in no.text
    assert "1.–31. jan. 2026" in no.text  # the supply period
    assert "Herav mva. 25 %" in no.text
    assert "Abrechnungszeitraum 1. Jan. – 31. Dez. 2025" in de.text
    assert "USt. 19 % auf" in de.text and "Abzüglich USt. der Abschläge 19 %" in de.text


def test_the_readings_with_their_dates_sources_and_the_estimated_mark(no: Rendered, de: Rendered) -> None:
    [values] = no.invoice.meter_values
    assert values.end_estimated  # the customer did not read on 1 February
    assert "Målerstander" in no.text
    assert "1. jan. 2026 · fjernavlest" in no.text
    assert "1. feb. 2026 · stipulert" in no.text
    assert "* Stipulert målerstand" in no.text
    assert "døgnforbruket måleren din har rapportert" in no.text  # how it was estimated
    assert "Zählerstände" in de.text and "fernausgelesen" in de.text and "Ihr Verbrauch wurde gemessen." in de.text


def test_the_bill_content_of_the_energy_efficiency_directive(no: Rendered, nl: Rendered, de: Rendered) -> None:
    for rendered, words in (
        (no, ["Energimiks 2025", "Avfallsforbrenning", "46 %", "24 g CO2e", "Elklagenemnda", "Forbrukerrådet"]),
        (nl, ["Brandstofmix 2025", "Warmtepompen", "62%", "De Geschillencommissie", "Consumentenbond", "ACM"]),
        (
            de,
            [
                "Energieträgermix 2025",
                "Kraft-Wärme-Kopplung",
                "Primärenergiefaktor des Wärmenetzes: 0,45",
                "Anteil erneuerbarer Energien: 37 %",
                "Universalschlichtungsstelle",
                "Verbraucherzentrale",
            ],
        ),
    ):
        for word in words:
            assert word in rendered.text, (rendered.invoice.language, word)
    # The weather-corrected comparison with last year and the average customer
    assert "Samme periode i fjor" in no.text and "temperaturkorrigert" in no.text
    assert "Gleicher Zeitraum im Vorjahr" in de.text and "Durchschnitt: Einfamilienhaus" in de.text


# --- reproducible by hand ------------------------------------------------------------------------------


def test_each_line_prints_quantity_and_unit_price_that_give_its_amount(se: Rendered, de: Rendered) -> None:
    for rendered in (se, de):
        view = invoice_text(rendered.invoice, rendered.sample.customer, rendered.sample.profile)
        for line, text in zip(rendered.invoice.lines, view.lines, strict=True):
            assert line.amount == line.expected_amount()
            assert norm(text.amount) in rendered.text
    assert "3 948,00 kr per år × 1/12 år = 329,00 kr" in se.text
    assert "312,00 € pro Jahr × 12/12 Jahr = 312,00 €" in de.text


# --- in the customer's words ------------------------------------------------------------------------


def english_words() -> set[str]:
    words: set[str] = set()
    for path in CATALOGS.glob("en*.json"):
        for text in json.loads(path.read_text("utf-8")).values():
            words |= {w.lower() for w in re.findall(r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}", " ", text))}
    return words


def own_words(lang: Language) -> set[str]:
    words: set[str] = set()
    for path in CATALOGS.glob(f"{lang}*.json"):
        for text in json.loads(path.read_text("utf-8")).values():
            words |= {w.lower() for w in re.findall(r"[A-Za-z]{4,}", text)}
    return words


def profile_words(profile: UtilityProfile, customer: Customer) -> set[str]:
    dumped = json.dumps(profile.model_dump(mode="json"), ensure_ascii=False) + customer.model_dump_json()
    return {w.lower() for w in re.findall(r"[A-Za-z]{4,}", dumped)}


@pytest.mark.parametrize("which", ["no", "se", "nl", "de"])
def test_a_non_english_invoice_has_no_english_word(which: str, request: pytest.FixtureRequest) -> None:
    rendered: Rendered = request.getfixturevalue(which)
    lang = rendered.invoice.language
    allowed = own_words(lang) | profile_words(rendered.sample.profile, rendered.sample.customer)
    english = english_words() - allowed
    found = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", rendered.text)}
    assert found & english == set()
    assert len(english) > 300  # the check has English words to find


def test_an_english_invoice_reads_in_english(no: Rendered) -> None:
    sample = no.sample
    invoice = no.invoice.model_copy(update={"language": "en"})
    text, _ = read(render_invoice_pdf(invoice, sample.customer, sample.profile))
    assert "Meter readings" in text and "Fuel mix 2025" in text
    assert "Pay " in text and "KID number" in text


# --- corrections on paper ----------------------------------------------------------------------------


def test_a_credit_note_and_its_corrected_invoice_name_each_other() -> None:
    sample, january = monthly_sample("se")
    meter = sample.meter
    sample.world.readings.readings[(meter.number, date(2026, 2, 1))] = sample.world.readings.readings[
        (meter.number, date(2026, 2, 1))
    ].model_copy(update={"value": sample.world.readings.readings[(meter.number, date(2026, 2, 1))].value - 1000})
    result = sample.corrections.correct(STAFF, sample.customer.number, january.number, "felaktig avläsning")
    assert result.corrected is not None
    credit = render(sample, result.credit_note, "se-credit-note")
    corrected = render(sample, result.corrected, "se-corrected")
    assert f"Kreditfaktura {result.credit_note.number}" in credit.text
    assert f"Makulerar faktura {january.number}" in credit.text or str(january.number) in credit.text
    assert "felaktig avläsning" in credit.text
    assert "OCR-nummer:" not in credit.text  # nothing to pay
    assert f"ersätter faktura {january.number}" in corrected.text.lower()
    assert str(result.credit_note.number) in corrected.text


# --- the document itself -------------------------------------------------------------------------------


def test_customer_text_is_printed_as_written_not_as_markup(de: Rendered) -> None:
    customer = de.sample.customer.model_copy(update={"name": "<b>Müller</b> & Söhne"})
    text, _ = read(render_invoice_pdf(de.invoice, customer, de.sample.profile))
    assert "<b>Müller</b> & Söhne" in text


def test_helvetica_fallback_still_prints_nordic_and_german_letters(no: Rendered) -> None:
    # Given no TrueType font (as on Lambda without a bundled font)
    customer = no.sample.customer.model_copy(update={"name": "Bjørn Ødegård Straße"})
    helvetica = invoice_pdf._Fonts("Helvetica", "Helvetica-Bold", unicode=False)
    view = invoice_text(no.invoice, customer, no.sample.profile)
    pdf = invoice_pdf._draw(view, helvetica, "#0b5d7a", "Fjordvarme")
    text, _ = read(pdf)
    assert "Bjørn Ødegård Straße" in text
    assert no.invoice.payment_reference in text
    assert "1/12 år" in text and "×" in text


def test_the_same_invoice_renders_to_the_same_bytes_with_metadata(no: Rendered) -> None:
    again = render_invoice_pdf(no.invoice, no.sample.customer, no.sample.profile)
    assert again == no.pdf
    assert b"/Lang (nb-NO)" in no.pdf
    assert b"/Author (Fjordvarme AS)" in no.pdf
    assert f"/Title (Faktura {no.invoice.number})".encode() in no.pdf


def test_many_lines_flow_onto_more_pages(nl: Rendered) -> None:
    line = nl.invoice.lines[0]
    lines = tuple(
        line.model_copy(update={"text_key": "line.fixed_fee", "text_params": {"name": f"Aansluiting {i}"}})
        for i in range(60)
    )
    invoice = nl.invoice.model_copy(update={"lines": lines})
    text, pages = read(render_invoice_pdf(invoice, nl.sample.customer, nl.sample.profile))
    assert pages > 2
    assert "Aansluiting 59" in text
    assert "Pagina 3" in text


def test_the_file_name_is_in_the_invoices_language(de: Rendered) -> None:
    credit = de.invoice.model_copy(update={"kind": InvoiceKind.CREDIT_NOTE})
    assert pdf_filename(credit) == f"Stornorechnung-{de.invoice.number}.pdf"
    assert pdf_filename(de.invoice) == f"Jahresabrechnung-{de.invoice.number}.pdf"


def test_a_line_without_calculation_notes_still_renders(no: Rendered) -> None:
    bare = InvoiceLine(
        component="energy",
        text_key="line.energy",
        quantity=Decimal("10"),
        unit="kWh",
        unit_price=Decimal("1.5000"),
        amount=Decimal("15.00"),
        vat_rate=Decimal("0.25"),
    )
    invoice = no.invoice.model_copy(update={"lines": (bare,)})
    text, _ = read(render_invoice_pdf(invoice, no.sample.customer, no.sample.profile))
    assert "10 kWh" in text and "1,5000 kr/kWh" in text
