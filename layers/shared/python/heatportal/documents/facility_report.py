"""A facility's district heating or district cooling report as PDF: the past
twelve months by month against the year before (energy, return and supply
temperature, highest hourly power, cost), the year's key figures, the
return-temperature bonus or fee and the power signature. reportlab is
imported only when a report is drawn."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from heatportal.documents.invoice_pdf import _fonts
from heatportal.domain.model import Language
from heatportal.domain.portfolio import FacilityMonth
from heatportal.domain.power_signature import PowerSignature
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import format_date, format_money, format_month, format_number, translate
from heatportal.services.portfolio.facilities import SupplyFigures
from heatportal.services.portfolio.scope import PortfolioFacility

MWH = Decimal(1000)


def render_facility_report(
    facility: PortfolioFacility,
    figures: SupplyFigures,
    months: list[str],
    signature: PowerSignature | None,
    profile: UtilityProfile,
    lang: Language,
    today: date,
) -> bytes:
    """``months``: the twelve months reported, oldest first (YYYY-MM)."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    fonts = _fonts()
    normal = ParagraphStyle("n", fontName=fonts.regular, fontSize=9.5, leading=12.5)
    title = ParagraphStyle("t", parent=normal, fontName=fonts.bold, fontSize=15, leading=19)
    heading = ParagraphStyle("h", parent=normal, fontName=fonts.bold, fontSize=11, leading=14, spaceBefore=4)
    small = ParagraphStyle("s", parent=normal, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444"))
    supply = figures.supply
    by_month = {m.month: m for m in figures.aggregate.months}

    def t(key: str, **params: object) -> str:
        return escape(translate(key, lang, **params))

    def num(value: Decimal | None, decimals: int) -> str:
        return "–" if value is None else escape(format_number(value, lang, decimals))

    def money(value: Decimal | None) -> str:
        return "–" if value is None else escape(format_money(value, profile.currency, lang))

    def earlier(month: str) -> FacilityMonth | None:
        return by_month.get(f"{int(month[:4]) - 1:04d}-{month[5:]}")

    header = [
        t("analysis.first_column.energy"),
        t("report.energy_mwh"),
        t("report.previous_year"),
        t("report.return_c"),
        t("report.supply_c"),
        t("report.peak_kw"),
        t("report.cost"),
    ]
    rows = [header]
    for key in months:
        month = by_month.get(key)
        before = earlier(key)
        rows.append(
            [
                escape(format_month(date(int(key[:4]), int(key[5:]), 1), lang)),
                num(month.energy_kwh / MWH if month else None, 2),
                num(before.energy_kwh / MWH if before else None, 2),
                num(month.return_temp if month else None, 1),
                num(month.supply_temp if month else None, 1),
                num(month.peak_hour_kw if month else None, 1),
                money(month.cost_total if month else None),
            ]
        )
    table = Table(rows, colWidths=[30 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm, 24 * mm, 28 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
                ("FONTNAME", (0, 0), (-1, 0), fonts.bold),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F2F5F9")]),
            ]
        )
    )
    # A bar per month: this year dark, the year before light (MWh).
    chart = Drawing(170 * mm, 48 * mm)
    values = [(by_month.get(k), earlier(k)) for k in months]
    top = max((float(m.energy_kwh) for pair in values for m in pair if m is not None), default=1.0) or 1.0
    slot = 160 * mm / len(months)
    for index, (month, before) in enumerate(values):
        for offset, item, colour in ((0.1, before, "#9AA5B1"), (0.5, month, profile.branding.primary_color)):
            if item is None:
                continue
            height = float(item.energy_kwh) / top * 36 * mm
            chart.add(
                Rect(
                    10 * mm + index * slot + offset * slot,
                    8 * mm,
                    slot * 0.38,
                    height,
                    fillColor=colors.HexColor(colour),
                    strokeColor=None,
                )
            )
        key = months[index]
        chart.add(String(10 * mm + index * slot + slot / 2, 3 * mm, key[5:], fontSize=7, textAnchor="middle"))
    chart.add(String(0, 45 * mm, t("report.chart_legend", unit="MWh"), fontSize=7, fontName=fonts.regular))

    story = [
        Paragraph(escape(profile.branding.display_name), small),
        Paragraph(t(f"report.title.{supply}"), title),
        Paragraph(
            f"{escape(facility.facility.name)} ({escape(facility.id)}) · "
            f"{escape(facility.facility.address.street)}, {escape(facility.facility.address.city)}",
            normal,
        ),
        Paragraph(f"{escape(facility.customer_name)} ({escape(facility.customer_number)})", normal),
        Paragraph(
            t(
                "report.period",
                start=format_month(date(int(months[0][:4]), int(months[0][5:]), 1), lang),
                end=format_month(date(int(months[-1][:4]), int(months[-1][5:]), 1), lang),
                today=format_date(today, lang),
            ),
            small,
        ),
        Spacer(1, 4 * mm),
        Paragraph(t("report.key_figures"), heading),
        Paragraph(
            f"{t('report.energy_year')}: <b>{num(figures.energy_kwh / MWH, 1)} MWh</b>"
            + (
                f" · {t('report.previous_year')}: {num(figures.previous_energy_kwh / MWH, 1)} MWh"
                if figures.previous_energy_kwh is not None
                else ""
            ),
            normal,
        ),
        Paragraph(
            f"{t('report.return_year')}: <b>{num(figures.return_temp, 1)} °C</b>"
            f" · {t('report.reference')}: {num(figures.return_reference, 1)} °C"
            f" · {t(f'report.bonus_fee.{supply}')}: <b>{money(figures.return_amount)}</b>",
            normal,
        ),
        Paragraph(
            f"{t('report.peak_year')}: {num(figures.peak_hour_kw, 1)} kW"
            + (
                f" · {t('report.volume_year')}: {num(figures.volume_m3, 0)} m³" if figures.volume_m3 is not None else ""
            ),
            normal,
        ),
        Spacer(1, 3 * mm),
        chart,
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 4 * mm),
        Paragraph(t("report.signature"), heading),
        Paragraph(
            t(
                f"report.signature_text.{supply}",
                balance=format_number(signature.balance_temp, lang, 1),
                base=format_number(signature.base_kw, lang, 1),
                slope=format_number(signature.slope_kw_per_c, lang, 2),
                r2=format_number(signature.r_squared, lang, 2),
            )
            if signature is not None
            else t("report.signature_none")
        ),
        Spacer(1, 4 * mm),
        Paragraph(t("report.footnote"), small),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=translate(f"report.title.{supply}", lang),
        author=profile.name,
    )
    doc.build(story)
    return buffer.getvalue()
