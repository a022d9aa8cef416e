"""The annual cost estimate as PDF: month by month, invoiced,
measured or forecast, the year's range and the caution text. reportlab is
imported only when a PDF is drawn."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from heatportal.documents.invoice_pdf import _fonts
from heatportal.domain.model import Customer, Language
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import format_date, format_money, format_month, translate

if TYPE_CHECKING:  # pragma: no cover - typing only
    from heatportal.services.forecast import YearOverview


def render_estimate_pdf(overview: YearOverview, customer: Customer, profile: UtilityProfile, lang: Language) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    fonts = _fonts()
    normal = ParagraphStyle("n", fontName=fonts.regular, fontSize=9.5, leading=12.5)
    title = ParagraphStyle("t", parent=normal, fontName=fonts.bold, fontSize=15, leading=19)
    small = ParagraphStyle("s", parent=normal, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444"))

    def t(key: str, **params: object) -> str:
        return escape(translate(key, lang, **params))

    def money(amount: object) -> str:
        return escape(format_money(amount, overview.currency, lang))  # type: ignore[arg-type]  # Decimal

    rows = [[t("economy.month"), t("invoices.status"), t("invoices.amount")]]
    for month in overview.months:
        rows.append(
            [
                escape(format_month(month.period.start, lang)),
                t(f"economy.source.{month.source}"),
                money(month.total),
            ]
        )
    table = Table(rows, colWidths=[60 * mm, 65 * mm, 40 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
                ("FONTNAME", (0, 0), (-1, 0), fonts.bold),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEBELOW", (0, -1), (-1, -1), 0.3, colors.grey),
            ]
        )
    )
    story = [
        Paragraph(escape(profile.branding.display_name), small),
        Paragraph(t("economy.pdf_title", year=overview.year), title),
        Paragraph(f"{escape(customer.name)} ({escape(customer.number)})", normal),
        Paragraph(escape(format_date(overview.as_of, lang)), small),
        Spacer(1, 6 * mm),
        Paragraph(f"{t('economy.so_far')}: <b>{money(overview.so_far)}</b>", normal),
        Paragraph(f"{t('economy.forecast_rest')}: <b>{money(overview.forecast_rest)}</b>", normal),
        Paragraph(f"{t('economy.year_total')}: <b>{money(overview.year_total)}</b>", normal),
        Paragraph(
            escape(
                translate(
                    "economy.range",
                    lang,
                    low=format_money(overview.year_low, overview.currency, lang),
                    high=format_money(overview.year_high, overview.currency, lang),
                )
            ),
            normal,
        ),
        Spacer(1, 5 * mm),
        table,
        Spacer(1, 6 * mm),
        Paragraph(t("economy.caution"), small),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=translate("economy.pdf_title", lang, year=overview.year),
        author=profile.name,
    )
    doc.build(story)
    return buffer.getvalue()
