"""WCAG 2.1 AA basics checked on the portal templates themselves: every field
has a label, every data table has a caption and column headers, every value
cell names its column for the phone layout (data-label), the page has one
main landmark, a skip link and a language attribute."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "functions" / "portal" / "templates"
_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_INPUT = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)


def sources() -> list[Path]:
    return sorted(TEMPLATES.glob("*.html"))


@pytest.mark.parametrize("template", sources(), ids=lambda p: p.name)
def test_every_visible_field_has_a_label(template: Path):
    source = template.read_text(encoding="utf-8")
    for _tag, attributes in _INPUT.findall(source):
        if 'type="hidden"' in attributes:
            continue
        field_id = re.search(r'\bid="([^"]+)"', attributes)
        assert field_id, f"{template.name}: field without id: {attributes.strip()}"
        assert f'for="{field_id.group(1)}"' in source, f"{template.name}: no <label for> {field_id.group(1)}"


# Templates of areas still in progress whose tables lack a caption or data-label
# (every page should pass it); listed so the gap stays visible, not hidden.
TABLES_PENDING: set[str] = set()


def table_templates() -> list[object]:
    return [
        pytest.param(p, marks=pytest.mark.xfail(reason="table caption/data-label still missing"))
        if p.name in TABLES_PENDING
        else p
        for p in sources()
    ]


@pytest.mark.parametrize("template", table_templates(), ids=lambda p: getattr(p, "name", str(p)))
def test_tables_have_captions_headers_and_labelled_cells(template: Path):
    source = template.read_text(encoding="utf-8")
    for table in _TABLE.findall(source):
        assert "<caption" in table, template.name
        assert '<th scope="col">' in table, template.name
    if _TABLE.search(source):
        # Row macros live outside the <table>, so check every cell of the template.
        # Footer rows are named by their own <th scope="row">.
        cells = re.findall(r"<td\b[^>]*>", re.sub(r"<tfoot>.*?</tfoot>", "", source, flags=re.S))
        assert cells, template.name
        assert all("data-label=" in cell for cell in cells), f"{template.name}: {cells}"


def test_the_layout_has_language_skip_link_and_one_main():
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert '<html lang="{{ lang }}">' in base
    assert 'class="skip" href="#main"' in base
    assert base.count("<main") == 1 and 'id="main"' in base
    assert 'name="viewport"' in base


def test_error_summaries_link_to_the_field_in_error():
    login = (TEMPLATES / "login.html").read_text(encoding="utf-8")
    assert '<a href="#username">' in login and 'aria-describedby="login-error"' in login and 'id="login-error"' in login
    # The shared form parts: one link per field in error, the message next to
    # its field and tied to it; the reading form uses them.
    forms = (TEMPLATES / "forms.html").read_text(encoding="utf-8")
    assert '<li><a href="#{{ target }}">{{ message }}</a></li>' in forms
    assert "{% if error %}{% set _ = described.append(id ~ '-error') %}{% endif %}" in forms
    assert '<span class="field-error" id="{{ id }}-error">' in forms and 'aria-invalid="true"' in forms
    meter = (TEMPLATES / "meter.html").read_text(encoding="utf-8")
    assert "forms.error_summary([(error_field, error)])" in meter and "forms.field('value'" in meter


def test_phone_layout_shows_column_names_and_focus_is_visible():
    css = (TEMPLATES.parent / "static" / "portal.css").read_text(encoding="utf-8")
    assert "content: attr(data-label)" in css
    assert re.search(r"a:focus[^{]*\{[^}]*outline: 3px", css)


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_calculation_matches_wcag_reference_values():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # the classic AA grey on white


@pytest.mark.parametrize("profile_id", ["no", "nl", "de", "se"])
def test_every_utility_brand_colour_meets_aa_contrast_as_used(profile_id: str):
    from heatportal.domain.profile import load_profile

    brand = load_profile(profile_id).branding.primary_color
    # Links and outlined buttons: brand on white; the header and primary buttons: white on brand.
    assert contrast(brand, "#ffffff") >= 4.5
    # Links on the page background.
    assert contrast(brand, "#f6f7f8") >= 4.5


def test_the_fixed_palette_meets_aa_contrast():
    css = (TEMPLATES.parent / "static" / "portal.css").read_text(encoding="utf-8")
    palette = dict(re.findall(r"--(ink|muted|error|ok): (#[0-9a-f]{6})", css))
    assert set(palette) == {"ink", "muted", "error", "ok"}
    for name in ("ink", "muted", "error", "ok"):
        assert contrast(palette[name], "#ffffff") >= 4.5, name
        assert contrast(palette[name], "#f6f7f8") >= 4.5, name
    assert contrast("#8a3b00", "#ffffff") >= 4.5  # .warning text
    assert contrast("#b00020", "#fdecee") >= 4.5  # error text on the alert banner
