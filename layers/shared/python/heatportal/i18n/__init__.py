"""Texts and formatting in the customer's language (nb, sv, nl, de, en).

Texts live in flat JSON catalogs, one per language, under ``catalog/``; keys
are stable (``line.energy``, ``error.reading_in_future``, ``nav.invoices``),
values are ``str.format`` templates with named placeholders. A missing key
falls back to English and then to the key itself: a customer sees an English
word rather than an error page. ``tests/unit/test_i18n.py`` keeps the five
catalogs complete and their placeholders identical, so the fallback is a
safety net, not a habit.

A text that names a count has one key per CLDR plural category of the
language (``company.org.facility_count.one`` / ``.other``; a language with
more categories, e.g. ``few`` or ``many``, lists those too). ``plural`` (or
``translate`` with ``count=``, when the catalog has no text under the bare
key) picks the form with ``babel.Locale.plural_form``; ``{count}`` is the
number written in the language.

Numbers, money and dates are formatted by Babel from CLDR data, never by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import get_args

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_interval as _babel_format_interval
from babel.dates import format_skeleton as _babel_format_skeleton
from babel.numbers import NumberFormatError, get_currency_precision, get_currency_symbol
from babel.numbers import format_currency as _babel_format_currency
from babel.numbers import format_decimal as _babel_format_decimal
from babel.numbers import format_percent as _babel_format_percent
from babel.numbers import parse_decimal as _babel_parse_decimal

from heatportal.domain.model import Language

__all__ = [
    "BABEL_LOCALES",
    "FALLBACK_LANGUAGE",
    "PLURAL_CATEGORIES",
    "catalog",
    "format_date",
    "format_date_range",
    "format_input",
    "format_money",
    "format_month",
    "format_months",
    "format_number",
    "format_percent",
    "format_quantity",
    "format_unit_price",
    "language_name",
    "month_name",
    "parse_number",
    "plural",
    "plural_categories",
    "plural_category",
    "plural_translator",
    "t",
    "translate",
    "translator",
    "unit_symbol",
]

BABEL_LOCALES: dict[str, str] = {
    "nb": "nb_NO",
    "sv": "sv_SE",
    "nl": "nl_NL",
    "de": "de_DE",
    "en": "en_GB",
}
FALLBACK_LANGUAGE: Language = "en"
_LANGUAGES: frozenset[str] = frozenset(get_args(Language))

# Each language's name in itself, as a language picker shows it.
_LANGUAGE_NAMES: dict[str, str] = {
    "nb": "Norsk (bokmål)",
    "sv": "Svenska",
    "nl": "Nederlands",
    "de": "Deutsch",
    "en": "English",
}

# Units as printed; anything not listed is printed as given (kWh, MWh, GJ, kW).
_UNIT_SYMBOLS: dict[str, str] = {"m3": "m³", "m2": "m²"}
# Units that are words and therefore translated.
_UNIT_KEYS: dict[str, str] = {"month": "unit.month", "year": "unit.year", "day": "unit.day"}


def _language(lang: str) -> Language:
    return lang if lang in _LANGUAGES else FALLBACK_LANGUAGE  # type: ignore[return-value]  # narrowed by the membership test


def _locale(lang: str) -> str:
    return BABEL_LOCALES[_language(lang)]


# CLDR's plural categories; a catalog key ending in one of them is a plural form.
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


@cache
def _babel_locale(lang: str) -> Locale:
    return Locale.parse(_locale(lang))


def plural_category(count: Decimal | int, lang: Language) -> str:
    """The CLDR plural category of ``count`` in the language (``one``, ``other``, ...)."""
    return str(_babel_locale(lang).plural_form(abs(_as_decimal(count))))


def plural_categories(lang: Language) -> frozenset[str]:
    """The categories the language distinguishes (always with ``other``)."""
    return frozenset(_babel_locale(lang).plural_form.tags) | {"other"}


@cache
def catalog(lang: Language) -> Mapping[str, str]:
    """The catalog of one language, read once per process (read-only view).

    A language's texts are ``catalog/<lang>.json`` plus any ``catalog/<lang>.<area>.json``
    (e.g. ``nb.auth.json``), so each feature area keeps its own file; a key
    defined in two files is an error.
    """
    code = _language(lang)
    folder = resources.files(__package__).joinpath("catalog")
    names = sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.name == f"{code}.json" or (entry.name.startswith(f"{code}.") and entry.name.endswith(".json"))
    )
    merged: dict[str, str] = {}
    for name in names:
        data = json.loads(folder.joinpath(name).read_text("utf-8"))
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ValueError(f"catalog {name} must be a flat object of strings")
        twice = sorted(set(merged) & set(data))
        if twice:
            raise ValueError(f"catalog {name} repeats keys defined elsewhere: {twice[:5]}")
        merged.update(data)
    return MappingProxyType(merged)


class _KeepMissing(dict[str, object]):
    """Leaves an unknown ``{placeholder}`` visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _template(key: str, lang: Language) -> str | None:
    found = catalog(_language(lang)).get(key)
    return found if found is not None else catalog(FALLBACK_LANGUAGE).get(key)


def translate(key: str, lang: Language, **params: object) -> str:
    """The text for ``key`` in ``lang`` with ``params`` filled in; never raises.

    Lookup order: ``lang``, English, the key itself. A placeholder without a
    parameter stays visible as ``{name}`` so the gap is noticed, not hidden.
    A ``Decimal`` parameter is written as a number of the language (``214,82``
    in Dutch), keeping the decimals it has. With ``count=`` and plural forms in
    the catalog (``key.one``, ``key.other``, ...) the form for the count is used.
    """
    template = _template(key, lang)
    if template is None:
        count = params.get("count")
        if isinstance(count, str) and count.isdigit():  # a count kept as text (an invoice line's parameters)
            count = int(count)
        if isinstance(count, int | Decimal) and not isinstance(count, bool):
            return plural(key, lang, count, **{k: v for k, v in params.items() if k != "count"})
        template = key
    return _fill(template, lang, params)


def plural(key: str, lang: Language, count: Decimal | int, **params: object) -> str:
    """The plural form of ``key`` for ``count`` in ``lang`` (``1 selected facility``,
    ``2 selected facilities``; ``1 valgt anlegg``), ``{count}`` written in the
    language. A missing form falls back to the language's ``other`` form, then
    to English, then to the key."""
    category = plural_category(count, lang)
    own, english = catalog(_language(lang)), catalog(FALLBACK_LANGUAGE)
    template = (
        own.get(f"{key}.{category}")
        or own.get(f"{key}.other")
        or english.get(f"{key}.{plural_category(count, FALLBACK_LANGUAGE)}")
        or english.get(f"{key}.other")
        or key
    )
    return _fill(template, lang, {**params, "count": count})


def _fill(template: str, lang: Language, params: dict[str, object]) -> str:
    if not params and "{" not in template:
        return template
    values = {
        name: format_number(value, lang, max(0, -int(value.as_tuple().exponent)))
        if isinstance(value, Decimal) and value.is_finite()
        else format_number(value, lang)
        if isinstance(value, int) and not isinstance(value, bool) and name == "count"
        else value
        for name, value in params.items()
    }
    try:
        return template.format_map(_KeepMissing(values))
    except (ValueError, IndexError, AttributeError, TypeError):
        # A malformed template or a positional placeholder: show the raw text
        # rather than fail a page or an invoice run.
        return template


t = translate


def translator(lang: Language) -> Callable[..., str]:
    """``translate`` bound to one language, e.g. as ``_`` in a Jinja environment."""

    def bound(key: str, /, **params: object) -> str:
        return translate(key, lang, **params)

    return bound


def plural_translator(lang: Language) -> Callable[..., str]:
    """``plural`` bound to one language: ``n_('company.org.facility_count', 3)``."""

    def bound(key: str, count: Decimal | int, /, **params: object) -> str:
        return plural(key, lang, count, **params)

    return bound


def language_name(lang: Language) -> str:
    """The language's own name for itself (Norsk (bokmål), Svenska, ...)."""
    return _LANGUAGE_NAMES[_language(lang)]


# -- numbers and money --------------------------------------------------------


def _round(value: Decimal, decimals: int) -> Decimal:
    # Commercial rounding, like heatportal.domain.money; Babel alone would
    # round half to even.
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _as_decimal(value: Decimal | int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected Decimal, got {type(value).__name__}")
    return Decimal(value)


def format_number(value: Decimal | int, lang: Language, decimals: int | None = None) -> str:
    """A number in the language's notation: ``1 234,5`` (nb), ``1.234,5`` (de).

    ``decimals=None`` prints up to three decimals without trailing zeros;
    a number prints exactly that many decimals, rounded half up.
    """
    number = _as_decimal(value)
    locale = _locale(lang)
    if decimals is None:
        return _babel_format_decimal(number, locale=locale)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return _babel_format_decimal(_round(number, decimals), format=pattern, locale=locale)


def format_input(value: Decimal | int, lang: Language, decimals: int | None = None) -> str:
    """A number as a form field is filled in: the language's decimal sign, no
    grouping (``12345,6`` in nb, ``12345.6`` in en), so ``parse_number`` reads
    it back exactly. ``decimals`` as in ``format_number``."""
    number = _as_decimal(value)
    if decimals is None:
        pattern = "0.###"
    else:
        number = _round(number, decimals)
        pattern = "0" + ("." + "0" * decimals if decimals > 0 else "")
    return _babel_format_decimal(number, format=pattern, locale=_locale(lang), group_separator=False)


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_ONE_DECIMAL_SIGN = re.compile(r"^-?\d+[.,]\d+$")
_DIGITS_AND_SIGNS = re.compile(r"^-?[\d.,]*\d[\d.,]*$")


def parse_number(text: str, lang: Language) -> Decimal:
    """A number a person typed, as their language writes it: ``1 234,5`` and
    ``1234,5`` (nb), ``1.234,5`` (de), ``1,234.5`` (en); spaces are ignored.
    A lone ``.`` or ``,`` that cannot be a thousands separator is the decimal
    sign whichever the language (``1234.5`` typed on an English keyboard in
    German). ValueError when it is no number."""
    cleaned = _SPACES.sub("", text or "")
    if len(cleaned) > 40 or not _DIGITS_AND_SIGNS.match(cleaned):
        raise ValueError(text)
    try:
        number = Decimal(_babel_parse_decimal(cleaned, locale=_locale(lang), strict=True))
    except (NumberFormatError, ArithmeticError):
        if not _ONE_DECIMAL_SIGN.match(cleaned):
            raise ValueError(text) from None
        number = Decimal(cleaned.replace(",", "."))
    if not number.is_finite():
        raise ValueError(text)
    return number


def format_percent(rate: Decimal | int, lang: Language) -> str:
    """A rate given as a fraction (``0.25``) as a percentage: ``25 %`` (nb), ``25%`` (en)."""
    return _babel_format_percent(_as_decimal(rate), locale=_locale(lang), decimal_quantization=False)


def _currency_spacing(text: str, symbol: str) -> str:
    # CLDR asks for a space between a letter symbol and the digits ("NOK 1,234.50");
    # Babel does not implement currencySpacing, so add the no-break space here.
    if not symbol or not (symbol[-1].isalpha() or symbol[0].isalpha()):
        return text
    quoted = re.escape(symbol)
    if symbol[-1].isalpha():
        text = re.sub(rf"(?<![\w])({quoted})(?=[-\u2212]?\d)", "\\1\u00a0", text, count=1)
    if symbol[0].isalpha():
        text = re.sub(rf"(?<=\d)({quoted})", "\u00a0\\1", text, count=1)
    return text


def format_money(amount: Decimal | int, currency: str, lang: Language, *, max_decimals: int | None = None) -> str:
    """An amount with its currency as the language writes it: ``1 234,50 kr`` (nb), ``€ 1.234,50`` (nl).

    The amount is rounded half up to the currency's minor unit. For unit prices
    pass ``max_decimals`` (e.g. 4): up to that many decimals are shown, never
    fewer than the currency's own.
    """
    number = _as_decimal(amount)
    locale = _locale(lang)
    precision = get_currency_precision(currency)
    if max_decimals is None or max_decimals <= precision:
        text = _babel_format_currency(_round(number, precision), currency, locale=locale)
    else:
        text = _babel_format_currency(_round(number, max_decimals), currency, locale=locale, decimal_quantization=False)
    return _currency_spacing(text, get_currency_symbol(currency, locale))


UNIT_PRICE_MAX_DECIMALS = 4


def format_unit_price(price: Decimal, currency: str, lang: Language) -> str:
    """A unit price exactly as it is charged: with the decimals it has (at least
    the currency's, at most four, trailing zeros kept so a column of prices
    lines up): ``1,2416 kr`` (nb), ``€ 43,50`` (nl), ``1.200,00 €`` (de)."""
    number = _as_decimal(price)
    exponent = number.as_tuple().exponent
    own = -exponent if isinstance(exponent, int) else 0
    decimals = min(max(own, get_currency_precision(currency)), UNIT_PRICE_MAX_DECIMALS)
    locale = _locale(lang)
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    fraction = "." + "0" * decimals if decimals else ""
    pattern = re.sub(r"0\.0+", "0" + fraction, pattern)
    text = _babel_format_currency(
        _round(number, decimals), currency, format=pattern, locale=locale, currency_digits=False
    )
    return _currency_spacing(text, get_currency_symbol(currency, locale))


def unit_symbol(unit: str, lang: Language) -> str:
    """How a unit is printed: ``m3`` as ``m³``; word units (``month``) translated."""
    key = _UNIT_KEYS.get(unit)
    if key is not None:
        return translate(key, lang)
    return _UNIT_SYMBOLS.get(unit, unit)


def format_quantity(value: Decimal | int, unit: str, lang: Language, decimals: int | None = None) -> str:
    """A quantity with its unit: ``1 234,5 kWh`` (nb), ``12,3 m³`` (de)."""
    return f"{format_number(value, lang, decimals)}\u00a0{unit_symbol(unit, lang)}"


# -- dates --------------------------------------------------------------------


def format_date(d: date, lang: Language, style: str = "medium") -> str:
    """A date in a CLDR style (short, medium, long, full): ``5. jan. 2025`` (nb medium)."""
    return _babel_format_date(d, format=style, locale=_locale(lang))


def month_name(month: int, lang: Language) -> str:
    """A month's name as it stands alone: ``oktober`` (nb), ``October`` (en)."""
    return _babel_format_date(date(2001, month, 1), format="LLLL", locale=_locale(lang))


def format_month(d: date, lang: Language) -> str:
    """Month and year as a heading says it: ``januar 2025``, ``Januar 2025``."""
    return _babel_format_skeleton("yMMMM", d, locale=_locale(lang))


def format_months(first: date, last: date, lang: Language) -> str:
    """A run of months: ``januar–desember 2025``; one month as ``format_month``."""
    if (first.year, first.month) == (last.year, last.month):
        return format_month(first, lang)
    return str(_babel_format_interval(first, last, "yMMMM", locale=_locale(lang)))


def format_date_range(first: date, last: date, lang: Language) -> str:
    """Two dates as one range: ``1.–31. januar 2025``."""
    return str(_babel_format_interval(first, last, "yMMMMd", locale=_locale(lang)))
