"""The price sheet (prisliste, tarievenblad, Preisblatt): the price
list in force, in the reader's language. ``price_sheet_rows`` gives the texts
(pure, used by the portal page too); ``render_price_sheet_pdf`` lays them out
with reportlab, imported only when a PDF is drawn. Output is deterministic."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import get_month_names

from heatportal.domain.model import Language, MeterKind
from heatportal.domain.profile import (
    CapacityCharge,
    EnergyPrice,
    FixedFee,
    MonthPrice,
    PriceList,
    ReturnTemperature,
    SpotEnergyPrice,
    TariffComponent,
    UtilityProfile,
    VolumePrice,
)
from heatportal.i18n import (
    BABEL_LOCALES,
    format_date,
    format_money,
    format_number,
    format_percent,
    translate,
    unit_symbol,
)

PRICE_DECIMALS = 4


@dataclass(frozen=True)
class PriceRow:
    component: str
    price: str


@dataclass(frozen=True)
class PriceSheet:
    title: str
    utility: str
    valid_from: str
    vat: str
    rows: tuple[PriceRow, ...]


def _months(prices: MonthPrice, lang: Language) -> str:
    if len(prices.months) == 12:
        return ""
    names = get_month_names("abbreviated", locale=BABEL_LOCALES[lang])
    return " (" + ", ".join(names[m] for m in sorted(prices.months)) + ")"


def _row(component: TariffComponent, profile: UtilityProfile, lang: Language, on: date) -> list[PriceRow]:
    currency = profile.currency

    def price(amount: Decimal) -> str:
        return format_money(amount, currency, lang, max_decimals=PRICE_DECIMALS)

    if isinstance(component, FixedFee):
        per = translate("unit.year", lang)
        return [
            PriceRow(
                translate("line.fixed_fee", lang, name=component.name), f"{price(component.amount_per_year)} / {per}"
            )
        ]
    cooling = getattr(component, "applies_to", None) == MeterKind.COOLING
    if isinstance(component, EnergyPrice):
        unit = unit_symbol(component.unit.value, lang)
        label = translate("line.cooling_energy" if cooling else "line.energy", lang)
        return [PriceRow(label + _months(p, lang), f"{price(p.price)} / {unit}") for p in component.prices]
    if isinstance(component, SpotEnergyPrice):
        transfer = max(
            (p for p in component.transfer_cost if p.valid_from <= on), key=lambda p: p.valid_from, default=None
        )
        cap = max((p for p in component.max_price if p.valid_from <= on), key=lambda p: p.valid_from, default=None)
        rows = [
            PriceRow(
                translate("line.spot_energy", lang, zone=component.zone),
                translate(
                    "pricesheet.spot",
                    lang,
                    transfer=price(transfer.price) if transfer else "–",
                    discount=format_percent(component.discount_percent / 100, lang),
                ),
            )
        ]
        if cap is not None:
            rows.append(PriceRow(translate("pricesheet.max_price", lang), f"{price(cap.price)} / kWh"))
        return rows
    if isinstance(component, VolumePrice):
        return [PriceRow(translate("line.volume", lang, name=component.name), f"{price(component.price_per_m3)} / m³")]
    if isinstance(component, CapacityCharge):
        return [
            PriceRow(
                translate("line.cooling_capacity" if cooling else "line.capacity", lang),
                translate(
                    "pricesheet.capacity", lang, price=price(component.price_per_kw_year), days=component.top_days
                ),
            )
        ]
    if isinstance(component, ReturnTemperature):
        return [
            PriceRow(
                translate("pricesheet.cooling_return_temperature" if cooling else "pricesheet.return_temperature", lang)
                + _months(p, lang),
                translate(
                    "pricesheet.cooling_return_temperature_price" if cooling else "pricesheet.return_temperature_price",
                    lang,
                    reference=format_number(p.price, lang),
                    price=price(component.price_per_degree_mwh),
                ),
            )
            for p in component.reference_c
        ]
    raise TypeError(f"unknown tariff component {component!r}")  # pragma: no cover - the union is closed


def price_sheet(profile: UtilityProfile, price_list: PriceList, lang: Language, today: date) -> PriceSheet:
    rows = [row for component in price_list.components for row in _row(component, profile, lang, today)]
    return PriceSheet(
        title=translate("documents.price_sheet", lang),
        utility=profile.name,
        valid_from=translate("documents.valid_from", lang, date=format_date(price_list.valid_from, lang)),
        vat=translate("documents.prices_excl_vat", lang, rate=format_percent(profile.vat_on(today), lang)),
        rows=tuple(rows),
    )


def render_price_sheet_pdf(sheet: PriceSheet, lang: Language) -> bytes:
    """One A4 page: heading, validity, the price table, the VAT note."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from heatportal.documents.invoice_pdf import _fonts

    fonts = _fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        style.fontName = fonts.regular
    heading = styles["Heading1"]
    heading.fontName = fonts.bold
    txt = fonts.text
    table = Table(
        [[txt(translate("documents.component", lang)), txt(translate("documents.price", lang))]]
        + [[Paragraph(txt(r.component), styles["BodyText"]), txt(r.price)] for r in sheet.rows],
        colWidths=[100 * mm, 70 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), fonts.bold),
                ("FONTNAME", (1, 1), (-1, -1), fonts.regular),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=txt(sheet.title),
        author=txt(sheet.utility),
        creator="heatportal",
        lang=BABEL_LOCALES[lang].replace("_", "-"),
        invariant=1,
    )
    doc.build(
        [
            Paragraph(txt(sheet.utility), styles["BodyText"]),
            Paragraph(txt(sheet.title), heading),
            Paragraph(txt(sheet.valid_from), styles["BodyText"]),
            Spacer(1, 6 * mm),
            table,
            Spacer(1, 6 * mm),
            Paragraph(txt(sheet.vat), styles["BodyText"]),
        ]
    )
    return buffer.getvalue()
