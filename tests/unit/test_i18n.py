"""Catalogs and locale formatting (heatportal.i18n)."""

from __future__ import annotations

import re
import string
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel import Locale
from babel.numbers import (
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    get_minus_sign_symbol,
    parse_decimal,
)
from hypothesis import given
from hypothesis import strategies as st

import heatportal.i18n as i18n
from heatportal.domain import errors
from heatportal.domain.model import (
    LANGUAGES,
    InvoiceKind,
    InvoiceStatus,
    Language,
    MeterKind,
    ReadingSource,
    Role,
)
from heatportal.i18n import (
    BABEL_LOCALES,
    catalog,
    format_date,
    format_money,
    format_month,
    format_number,
    format_percent,
    format_quantity,
    language_name,
    t,
    translate,
)

SHARED = Path(i18n.__file__).resolve().parents[2]
REPO = SHARED.parents[2]
TARIFF_SOURCE = SHARED / "heatportal" / "domain" / "tariff.py"
PORTAL_TEMPLATES = REPO / "functions" / "portal" / "templates"

ERROR_CODES = [
    "validation_failed",
    "not_found",
    "unauthorized",
    "forbidden",
    "conflict",
    "rate_limited",
    "transient_failure",
    "internal_error",
    "reading_in_future",
    "reading_before_previous",
    "reading_below_previous",
    "reading_too_many_decimals",
    "reading_implausible",
    "reading_duplicate",
    "meter_not_found",
    "invoice_not_found",
    "login_failed",
    "registration_failed",
    "password_too_short",
    "passwords_differ",
    "session_expired",
    "csrf_failed",
]

PORTAL_KEYS = [
    "nav.my_page",
    "nav.start",
    "nav.meters",
    "nav.consumption",
    "nav.invoices",
    "nav.profile",
    "nav.logout",
    "login.title",
    "login.submit",
    "login.email",
    "login.password",
    "login.remember_me",
    "login.forgot_password",
    "login.new_user",
    "login.register",
    "meters.title",
    "meters.meter_number",
    "meters.submit_reading",
    "meters.reading_date",
    "meters.reading_value",
    "meters.last_reading",
    "invoices.title",
    "invoices.number",
    "invoices.period",
    "invoices.amount",
    "invoices.due_date",
    "invoices.status",
    "invoices.status_open",
    "invoices.status_paid",
    "invoices.download_pdf",
    "common.customer_number",
    "common.language",
    "common.save",
    "common.cancel",
    "common.confirm",
    "common.correct_entry",
    "common.send_data",
]


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def plain(text: str) -> str:
    """Babel's no-break spaces as ordinary spaces, for readable comparisons."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


# -- catalogs -------------------------------------------------------------------


def test_every_key_is_in_all_five_catalogs() -> None:
    keys = {lang: set(catalog(lang)) for lang in LANGUAGES}
    reference = keys["en"]
    for lang, own in keys.items():
        assert own - reference == set(), f"{lang} has keys English lacks"
        assert reference - own == set(), f"{lang} lacks keys"


def test_every_key_has_the_same_placeholders_in_all_languages() -> None:
    for key, english in catalog("en").items():
        expected = placeholders(english)
        for lang in LANGUAGES:
            assert placeholders(catalog(lang)[key]) == expected, f"{lang}: {key}"


def test_no_text_is_empty_or_has_stray_whitespace() -> None:
    for lang in LANGUAGES:
        for key, text in catalog(lang).items():
            assert text, f"{lang}: {key}"
            assert text.strip() == text, f"{lang}: {key}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_catalogs_are_translated_not_copied_from_english(lang: str) -> None:
    english = catalog("en")
    # Placeholder-only texts ("{name}") and international words (Status) may match.
    same = [key for key, text in catalog(lang).items() if text == english[key]]
    assert len(same) <= len(english) * 0.1, same


BILL_SOURCES = [
    TARIFF_SOURCE,
    *(SHARED / "heatportal" / "domain").glob("*.py"),
    *(SHARED / "heatportal" / "services" / "billing").glob("*.py"),
    *(SHARED / "heatportal" / "documents").glob("invoice_*.py"),
]


def test_the_tariff_engine_and_the_bill_text_keys_are_translated() -> None:
    # Every sentence a bill prints is a catalog key the engine, the drafts or the view emits.
    emitted = {
        key
        for path in BILL_SOURCES
        for key in re.findall(r'"((?:line|invoice)\.[a-z_]+(?:\.[a-z_]+)*)"', path.read_text("utf-8"))
    }
    assert {"line.spot_energy", "invoice.note.fixed_fee", "invoice.note.spot_rounded"} <= emitted
    assert len(emitted) > 60
    for key in emitted:
        if key.endswith("."):
            continue
        assert key in catalog("en"), key


def test_every_domain_error_code_and_service_code_has_a_message() -> None:
    codes = set(ERROR_CODES)
    codes |= {
        cls.code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.DomainError) and cls is not errors.DomainError
    }
    for code in codes:
        for lang in LANGUAGES:
            assert f"error.{code}" in catalog(lang), f"{lang}: error.{code}"


def test_error_codes_raised_anywhere_in_the_code_base_have_a_message() -> None:
    # Services and adapters raise DomainError(..., code="..."); the portal and the
    # API translate "error.<code>", so a new code without a text shows English or the key.
    sources = [*(SHARED / "heatportal").rglob("*.py"), *(REPO / "functions").rglob("*.py")]
    raised = {code for path in sources for code in re.findall(r'\bcode="([a-z_]+)"', path.read_text("utf-8"))}
    assert "reading_in_future" in raised
    missing = sorted(code for code in raised if f"error.{code}" not in catalog("en"))
    assert missing == []


def test_portal_words_and_enum_names_exist() -> None:
    enums = [
        *(f"invoice_kind.{kind.value}" for kind in InvoiceKind),
        *(f"invoices.status_{status.value}" for status in InvoiceStatus),
        *(f"meter_kind.{kind.value}" for kind in MeterKind),
        *(f"source.{source.value}" for source in ReadingSource),
        *(f"role.{role.value}" for role in Role),
    ]
    for key in PORTAL_KEYS + enums:
        assert key in catalog("en"), key


def test_every_key_the_portal_templates_use_exists() -> None:
    if not PORTAL_TEMPLATES.is_dir():
        pytest.skip("no portal templates in this checkout")
    used = {
        key
        for path in PORTAL_TEMPLATES.glob("*.html")
        for key in re.findall(r"\bt\(['\"]([a-z_]+\.[a-z_.]+)['\"]\s*[,)]", path.read_text("utf-8"))
    }
    assert "nav.invoices" in used
    english = catalog("en")
    assert sorted(key for key in used if key not in english and f"{key}.other" not in english) == []


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nb", ["Min side", "Kundenummer", "Måleravlesning", "Målerstand", "Faktura", "Prøveavregning", "Husk meg"]),
        ("nl", ["Mijn gegevens", "Verbruiken", "Facturen", "Klantnummer", "Voorschot", "Aangemeld blijven"]),
        ("de", ["Kundennummer", "Zählerstand", "Abschlag", "Eingaben bearbeiten", "Daten senden"]),
        ("sv", ["Mina sidor", "Fakturor", "Mätarställning"]),
    ],
)
def test_the_seeds_own_words_are_used(lang: str, words: list[str]) -> None:
    texts = set(catalog(lang).values())
    for word in words:
        assert word in texts, word


def plural_groups(lang: Language) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for key in catalog(lang):
        base, _, form = key.rpartition(".")
        if form in i18n.PLURAL_CATEGORIES:
            groups.setdefault(base, set()).add(form)
    return groups


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_counted_text_has_exactly_the_plural_forms_of_the_language(lang: Language) -> None:
    groups = plural_groups(lang)
    assert "company.org.facility_count" in groups
    for base, forms in groups.items():
        assert forms == i18n.plural_categories(lang), f"{lang}: {base}"
        assert base not in catalog(lang), f"{lang}: {base} is both a text and plural forms"


# A count in brackets or after a colon, behind a noun phrase that does not change with it
# ("Advances invoiced so far (3)", "Facilities found: 3").
COUNTS_WITHOUT_PLURAL_FORMS = {
    "line.advances_deducted",
    "advance_year.advances_invoiced",
    "analysis.signature.days_count",
    "facilities.count",
    "facilities.found",
    "facilities.invoices.and_more",
    "facilities.invoices.found",
    "facilities.lead",
    "facilities.select_all",
    "overview.all_attention",
    "overview.invoices_partial",
    "overview.ok_count",
    "overview.overdue",
    "runs.pdfs",
    "runs.retried",
    "runs.without_address",
    "start.affects_facilities",
}


def test_a_text_with_a_count_is_a_plural_form() -> None:
    for lang in LANGUAGES:
        counted = {
            key
            for key, text in catalog(lang).items()
            if "count" in placeholders(text) and key.rpartition(".")[2] not in i18n.PLURAL_CATEGORIES
        }
        assert counted <= COUNTS_WITHOUT_PLURAL_FORMS, f"{lang}: {sorted(counted - COUNTS_WITHOUT_PLURAL_FORMS)}"


@pytest.mark.parametrize(
    ("lang", "one", "three"),
    [
        ("nb", "1 valgt anlegg", "3 valgte anlegg"),
        ("sv", "1 vald anläggning", "3 valda anläggningar"),
        ("nl", "1 gekozen aansluiting", "3 gekozen aansluitingen"),
        ("de", "1 ausgewählte Anlage", "3 ausgewählte Anlagen"),
        ("en", "1 selected facility", "3 selected facilities"),
    ],
)
def test_plural_forms_follow_the_languages_rules(lang: Language, one: str, three: str) -> None:
    assert i18n.plural("company.org.facility_count", lang, 1) == one
    assert i18n.plural("company.org.facility_count", lang, 3) == three
    # translate with count= finds the plural forms of a key that has no bare text.
    assert translate("company.org.facility_count", lang, count=1) == one
    assert translate("company.org.facility_count", lang, count=0) == three.replace("3", "0")
    assert i18n.plural_translator(lang)("company.org.facility_count", 3) == three


def test_the_count_is_written_in_the_language_and_its_category_chosen_by_cldr() -> None:
    assert plain(i18n.plural("staff.customers.results", "nb", 1200)) == "1 200 kunder funnet"
    assert i18n.plural("staff.customers.results", "de", 1200) == "1.200 Kunden gefunden"
    assert i18n.plural_category(1, "en") == "one"
    assert i18n.plural_category(Decimal("1.5"), "en") == "other"
    assert i18n.plural_category(21, "nb") == "other"
    assert translate("staff.customers.results", "en", count="1") == "1 customer found"  # a count kept as text


def test_a_missing_plural_form_falls_back_to_other_then_english_then_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sparse = {"x.things.other": "{count} Dinge"}
    english = {"x.things.one": "{count} thing", "x.things.other": "{count} things", "y.only.other": "{count} y"}
    monkeypatch.setattr(i18n, "catalog", lambda lang: english if lang == "en" else sparse)
    assert i18n.plural("x.things", "de", 1) == "1 Dinge"  # German's own "other" before English's "one"
    assert i18n.plural("y.only", "de", 1) == "1 y"
    assert i18n.plural("z.none", "de", 2) == "z.none"


# -- translate --------------------------------------------------------------------


def test_translate_fills_in_parameters_in_the_language() -> None:
    assert translate("line.spot_energy", "nb", zone="NO1") == "Fjernvarme, spotpris NO1"
    assert translate("line.fixed_fee", "nl", name="Vastrecht") == "Vastrecht"
    assert t("nav.invoices", "sv") == "Fakturor"
    assert t("common.customer_number", "de") == "Kundennummer"


def test_a_missing_key_falls_back_to_english_then_to_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    english = {"only.english": "Only in English, {name}"}
    monkeypatch.setattr(i18n, "catalog", lambda lang: english if lang == "en" else {})
    assert translate("only.english", "nb", name="Ola") == "Only in English, Ola"
    assert translate("nowhere.at.all", "nb") == "nowhere.at.all"


def test_translate_never_raises_on_missing_or_odd_parameters() -> None:
    assert translate("line.spot_energy", "nb") == "Fjernvarme, spotpris {zone}"
    assert translate("line.energy", "de", unused="x") == "Arbeitspreis Wärme"
    assert translate("error.not_found", "xx") == translate("error.not_found", "en")  # type: ignore[arg-type]  # an unknown language on purpose


def test_language_names_are_written_in_the_language_itself() -> None:
    assert [language_name(lang) for lang in LANGUAGES] == [
        "Norsk (bokmål)",
        "Svenska",
        "Nederlands",
        "Deutsch",
        "English",
    ]


# -- numbers and money ------------------------------------------------------------


def _money_digits(lang: str) -> str:
    locale = BABEL_LOCALES[lang]
    return f"1{get_group_symbol(locale)}234{get_decimal_symbol(locale)}50"


@pytest.mark.parametrize(
    ("lang", "currency"),
    [("nb", "NOK"), ("sv", "SEK"), ("nl", "EUR"), ("de", "EUR"), ("en", "NOK"), ("en", "EUR")],
)
def test_money_uses_the_locales_separators_and_currency_sign(lang: Language, currency: str) -> None:
    locale = BABEL_LOCALES[lang]
    text = format_money(Decimal("1234.5"), currency, lang)
    symbol = get_currency_symbol(currency, locale)
    assert _money_digits(lang) in text
    assert symbol in text
    symbol_first = Locale.parse(locale).currency_formats["standard"].pattern.startswith("¤")
    assert text.startswith(symbol) if symbol_first else text.endswith(symbol)


def test_money_in_norwegian_and_dutch_reads_as_customers_expect() -> None:
    assert plain(format_money(Decimal("1234.50"), "NOK", "nb")) == "1 234,50 kr"
    assert plain(format_money(Decimal("1234.50"), "EUR", "nl")) == "€ 1.234,50"
    assert "," in format_money(Decimal("0.5"), "SEK", "sv")


def test_a_letter_currency_code_is_separated_from_the_digits() -> None:
    assert plain(format_money(Decimal("1234.5"), "NOK", "en")) == "NOK 1,234.50"
    assert plain(format_money(Decimal("-1234.5"), "NOK", "en")).endswith("NOK 1,234.50")


def test_money_rounds_half_up_to_the_minor_unit() -> None:
    # Babel alone rounds half to even (0.12); the currency rule is half up.
    assert format_money(Decimal("0.125"), "EUR", "en") == "€0.13"
    assert format_money(Decimal("2.5"), "JPY", "en").endswith("3")


def test_unit_prices_keep_up_to_the_requested_decimals() -> None:
    assert plain(format_money(Decimal("0.857139"), "NOK", "nb", max_decimals=4)) == "0,8571 kr"
    assert plain(format_money(Decimal("1.25"), "NOK", "nb", max_decimals=4)) == "1,25 kr"


def test_money_refuses_float() -> None:
    with pytest.raises(TypeError):
        format_money(1.5, "NOK", "nb")  # type: ignore[arg-type]  # float on purpose


@given(
    amount=st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2, allow_nan=False),
    lang=st.sampled_from(LANGUAGES),
)
def test_a_formatted_number_parses_back_to_the_same_amount(amount: Decimal, lang: Language) -> None:
    locale = BABEL_LOCALES[lang]
    text = format_number(amount, lang, decimals=2).replace(get_minus_sign_symbol(locale), "-")
    assert parse_decimal(text, locale=locale, strict=True) == amount


def test_numbers_and_quantities() -> None:
    assert plain(format_number(Decimal("1234.5"), "nb")) == "1 234,5"
    assert format_number(Decimal("1234.5"), "de", decimals=2) == "1.234,50"
    assert plain(format_quantity(Decimal("1234.5"), "kWh", "nb")) == "1 234,5 kWh"
    assert plain(format_quantity(Decimal("12.3"), "m3", "de")) == "12,3 m³"
    assert plain(format_quantity(Decimal(1), "month", "nb")) == "1 mnd."
    assert plain(format_percent(Decimal("0.25"), "en")) == "25%"
    assert plain(format_percent(Decimal("0.125"), "nb")) == "12,5 %"


# -- dates ------------------------------------------------------------------------


def test_dates_and_months_in_each_language() -> None:
    day = date(2025, 1, 5)
    assert format_month(day, "nb") == "januar 2025"
    assert format_month(day, "sv") == "januari 2025"
    assert format_month(day, "nl") == "januari 2025"
    assert format_month(day, "de") == "Januar 2025"
    assert format_month(day, "en") == "January 2025"
    for lang in LANGUAGES:
        assert "2025" in format_date(day, lang)
    assert "januar" in format_date(day, "nb", style="long")


# -- cold start -------------------------------------------------------------------


def test_importing_i18n_and_documents_does_not_import_reportlab() -> None:
    code = (
        "import sys, heatportal.i18n, heatportal.documents.invoice_pdf, heatportal.documents.emails;"
        "print('reportlab' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SHARED)},
    )
    assert result.stdout.strip() == "False"


def test_decimal_parameters_are_written_as_numbers_of_the_language() -> None:
    from decimal import Decimal

    from heatportal.i18n import translate

    dutch = translate(
        "error.advance_out_of_range", "nl", minimum=Decimal("1234.50"), maximum=Decimal("2000.00"), currency="EUR"
    )
    english = translate(
        "error.advance_out_of_range", "en", minimum=Decimal("1234.50"), maximum=Decimal("2000.00"), currency="EUR"
    )
    assert "1.234,50" in dutch and "2.000,00" in dutch
    assert "1,234.50" in english


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_company_number_is_named_as_the_utilitys_country_names_it(lang: Language) -> None:
    # The portal's t() picks <key>.<country> for these keys (portal_core.BY_COUNTRY).
    for key in ("company.field.org_number", "company.field.customer_org_number", "error.org_number_invalid"):
        for country in ("NO", "SE", "NL", "DE"):
            assert translate(f"{key}.{country}", lang) != f"{key}.{country}", (key, country)
    assert "KvK" in translate("company.field.org_number.NL", lang)  # not "USt-IdNr." in German
    assert "USt-IdNr." in translate("company.field.org_number.DE", lang)
    assert "USt-IdNr." not in translate("company.field.org_number.NL", lang)
