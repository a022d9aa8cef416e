"""Every visible word of every portal template goes through ``t()``: after the
Jinja tags and expressions and the HTML markup are stripped, no human-readable
word may be left (except brand names, units and "PDF"), and human-readable
attributes (alt, title, placeholder, aria-label) hold only expressions.
Together with tests/unit/test_i18n.py (every key used exists in nb, sv, nl, de
and en with the same placeholders) no page shows an untranslated string in any
of the five languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "functions" / "portal" / "templates"
# Words that are the same in every language: the document format, units, symbols.
ALLOWED = {"PDF", "kWh", "MWh", "GJ", "m3", "m³", "°C", "SVG", "CSV"}
TEXT_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-roledescription", "summary")

_JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
_RAW_BLOCKS = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>", re.S)
_ENTITY = re.compile(r"&[#\w]+;")
_WORD = re.compile(r"[^\W\d_][\w³°/.-]*", re.U)
_ATTRIBUTE = re.compile(r"""\b({})\s*=\s*("([^"]*)"|'([^']*)')""".format("|".join(TEXT_ATTRIBUTES)), re.I)


def untranslated(source: str) -> list[str]:
    """Human-readable words a template shows without t()."""
    found: list[str] = []
    for match in _ATTRIBUTE.finditer(source):
        value = match.group(3) if match.group(3) is not None else match.group(4)
        found += _words(_JINJA.sub(" ", value))
    text = _JINJA.sub(" ", source)
    text = _RAW_BLOCKS.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _ENTITY.sub(" ", text)
    return found + _words(text)


def _words(text: str) -> list[str]:
    return [w.strip(".-/") for w in _WORD.findall(text) if w.strip(".-/") and w.strip(".-/") not in ALLOWED]


def templates() -> list[Path]:
    return sorted(TEMPLATES.glob("*.html"))


def test_there_are_templates_to_check():
    assert len(templates()) >= 10


@pytest.mark.parametrize("template", templates(), ids=lambda p: p.name)
def test_template_has_no_untranslated_text(template: Path):
    assert untranslated(template.read_text(encoding="utf-8")) == []


def test_the_check_finds_plain_text_and_text_attributes():
    assert untranslated("<p>Logg inn</p>") == ["Logg", "inn"]
    assert untranslated('<img alt="Logo" src="/x.png">') == ["Logo"]
    assert untranslated("<input placeholder=\"{{ t('a') }}\">") == []
    assert untranslated("<td>{{ money(x) }} kWh</td><th>PDF</th>") == []
    assert untranslated("{# a comment #}{% if x %}<b>{{ t('k') }}</b>{% endif %}") == []
    assert untranslated("<p>{{ a }} · {{ b }} – 3</p>") == []
