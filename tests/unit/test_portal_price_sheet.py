"""The price sheet from the price list in force, in every language
and for every demo utility; drawn as a PDF with reportlab."""

from __future__ import annotations

from datetime import date

import pytest

from heatportal.documents.price_sheet import price_sheet, render_price_sheet_pdf
from heatportal.domain.model import LANGUAGES
from heatportal.domain.profile import load_profile

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize("profile_id", ["no", "nl", "de", "se"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_component_of_the_price_list_in_force_has_a_translated_row(profile_id, lang):
    profile = load_profile(profile_id)
    price_list = profile.price_list_on(TODAY)
    sheet = price_sheet(profile, price_list, lang, TODAY)
    assert len(sheet.rows) >= len(price_list.components)
    for row in sheet.rows:
        assert row.component and row.price
        assert "{" not in row.component + row.price  # every placeholder filled
        assert "pricesheet." not in row.component + row.price and "line." not in row.component
    assert str(price_list.valid_from.year) in sheet.valid_from


def test_norwegian_spot_price_row_names_zone_discount_and_cap():
    profile = load_profile("no")
    sheet = price_sheet(profile, profile.price_list_on(TODAY), "nb", TODAY)
    text = " | ".join(f"{r.component}: {r.price}" for r in sheet.rows).replace("\u00a0", " ")
    assert "spotpris" in text and "rabatt" in text
    assert "merverdiavgift (25 %)" in sheet.vat.replace("\u00a0", " ")


def test_seasonal_energy_prices_name_their_months():
    profile = load_profile("se")
    price_list = profile.price_list_on(TODAY)
    sheet = price_sheet(profile, price_list, "sv", TODAY)
    seasonal = [r for r in sheet.rows if r.component.startswith("Energi") and "(" in r.component]
    energy = [c for c in price_list.components if c.type == "energy_price"]
    if energy and len(energy[0].prices) > 1:
        assert len(seasonal) == len(energy[0].prices)


def test_the_pdf_is_deterministic_and_a_pdf():
    profile = load_profile("nl")
    sheet = price_sheet(profile, profile.price_list_on(TODAY), "nl", TODAY)
    first = render_price_sheet_pdf(sheet, "nl")
    assert first.startswith(b"%PDF")
    assert first == render_price_sheet_pdf(sheet, "nl")
