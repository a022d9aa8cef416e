"""The invoice as a PDF, in the invoice's language, drawn with reportlab.

Two steps: ``_view`` turns the domain objects into the texts the customer
reads (translated and formatted with Babel; pure and cheap), and ``_draw`` lays
them out with reportlab's platypus. reportlab is imported only inside
``_draw`` and ``_fonts``: importing this module costs nothing at a cold start
of functions that never render a PDF.

Output is deterministic (reportlab ``invariant``): the same invoice renders to
the same bytes, so a re-run of a billing step can compare instead of rewrite.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from heatportal.domain.model import Customer, Invoice, InvoiceKind, Language
from heatportal.domain.money import round_money
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import (
    BABEL_LOCALES,
    format_date,
    format_money,
    format_month,
    format_percent,
    format_quantity,
    translate,
    unit_symbol,
)

if TYPE_CHECKING:  # pragma: no cover - typing only; reportlab stays out of import time
    from reportlab.platypus import Flowable

__all__ = ["pdf_filename", "render_invoice_pdf"]

# A bundled font (heatportal/documents/fonts/) wins over the system's; on Lambda
# there is no /usr/share/fonts, and Helvetica (WinAnsi) still covers æøåäöüß€.
_FONT_DIRS = (Path(__file__).parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
_REGULAR_FILE = "DejaVuSans.ttf"
_BOLD_FILE = "DejaVuSans-Bold.ttf"

# Unicode characters CLDR formats may emit that WinAnsi (Helvetica) lacks.
_WINANSI_SUBSTITUTES = str.maketrans(
    {"\u2212": "-", "\u2011": "-", "\u202f": "\u00a0", "\u2009": " ", "\u200e": "", "\u200f": ""}
)

_MM = 72 / 25.4
_PAGE_MARGIN = 18 * _MM
# platypus frames pad their content by 6 pt; margins are set so content starts at _PAGE_MARGIN.
_FRAME_PADDING = 6
_GREY = "#5f6b73"
_RULE = "#c9d1d6"


# -- what the customer reads ----------------------------------------------------


@dataclass(frozen=True)
class _LineView:
    description: str
    quantity: str
    unit_price: str
    amount: str
    explanation: str


@dataclass(frozen=True)
class _View:
    lang: Language
    title: str
    logo_text: str
    utility_name: str
    portal_name: str
    primary_color: str
    contact: tuple[str, ...]
    customer_lines: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    period_line: str
    headings: tuple[str, str, str, str]
    lines: tuple[_LineView, ...]
    totals: tuple[tuple[str, str], ...]
    grand_total: tuple[str, str]
    payment_instruction: str
    payment_reference: tuple[str, str] | None
    explanations_heading: str
    footer: str
    subject: str


def _country_name(country: str, lang: Language) -> str:
    from babel import Locale

    return str(Locale.parse(BABEL_LOCALES[lang]).territories.get(country, country))


def _view(invoice: Invoice, customer: Customer, profile: UtilityProfile) -> _View:
    lang = invoice.language
    currency = invoice.currency
    kind = translate(f"invoice_kind.{invoice.kind.value}", lang)
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE or invoice.total < 0
    period = invoice.period
    month = format_month(period.start, lang)
    last_day = period.end - timedelta(days=1)
    period_range = f"{format_date(period.start, lang)} – {format_date(last_day, lang)}"
    reference_label = translate(f"payment.reference.{profile.payment_reference}", lang)

    def money(amount: Decimal) -> str:
        return format_money(amount, currency, lang)

    lines = tuple(
        _LineView(
            description=translate(line.text_key, lang, **line.text_params),
            quantity=format_quantity(line.quantity, line.unit, lang),
            unit_price=(
                f"{format_money(line.unit_price, currency, lang, max_decimals=4)}/{unit_symbol(line.unit, lang)}"
            ),
            amount=money(line.amount),
            explanation=line.explanation,
        )
        for line in invoice.lines
    )

    net_by_rate: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in invoice.lines:
        net_by_rate[line.vat_rate] += line.amount
    if len(net_by_rate) == 1:
        # One rate: print the invoice's own VAT so the page always adds up to it.
        vat_by_rate = dict.fromkeys(net_by_rate, invoice.vat_total)
    else:
        vat_by_rate = {rate: round_money(net * rate, currency) for rate, net in net_by_rate.items()}
    totals = (
        (translate("pdf.net_total", lang), money(invoice.net_total)),
        *(
            (
                translate("pdf.vat", lang, rate=format_percent(rate, lang), base=money(net_by_rate[rate])),
                money(vat_by_rate[rate]),
            )
            for rate in sorted(net_by_rate, reverse=True)
        ),
    )
    total_label = translate("pdf.total_credit" if credit else "pdf.total_due", lang)

    facts: list[tuple[str, str]] = [
        (translate("invoices.number", lang), str(invoice.number)),
        (translate("common.customer_number", lang), customer.number),
        (translate("pdf.invoice_date", lang), format_date(invoice.issued_on, lang)),
    ]
    if not credit:
        facts.append((translate("invoices.due_date", lang), format_date(invoice.due_on, lang)))
    facts.append((translate("invoices.period", lang), month))
    if not credit:
        facts.append((reference_label, invoice.payment_reference))

    address = customer.address
    customer_lines = [customer.name, address.street, f"{address.postcode} {address.city}"]
    if address.country != profile.country:
        customer_lines.append(_country_name(address.country, lang))

    branding = profile.branding
    if credit:
        instruction = translate("payment.credit_instruction", lang, amount=money(abs(invoice.total)))
    else:
        instruction = translate(
            "payment.instruction",
            lang,
            amount=money(invoice.total),
            due_date=format_date(invoice.due_on, lang),
        )
    return _View(
        lang=lang,
        title=f"{kind} {invoice.number}",
        logo_text=branding.logo_text,
        utility_name=profile.name,
        portal_name=branding.display_name,
        primary_color=branding.primary_color,
        contact=(
            branding.address,
            f"{translate('pdf.customer_service', lang)}: {branding.phone}",
            branding.email,
        ),
        customer_lines=tuple(customer_lines),
        facts=tuple(facts),
        period_line=f"{translate('invoices.period', lang)}: {month} ({period_range})",
        headings=(
            translate("pdf.description", lang),
            translate("pdf.quantity", lang),
            translate("pdf.unit_price", lang),
            translate("invoices.amount", lang),
        ),
        lines=lines,
        totals=totals,
        grand_total=(total_label, money(invoice.total)),
        payment_instruction=instruction,
        payment_reference=None if credit else (reference_label, invoice.payment_reference),
        explanations_heading=translate("pdf.explanations", lang),
        footer=f"{branding.display_name} · {branding.phone} · {branding.email}",
        subject=f"{kind} {invoice.number} · {month}",
    )


def pdf_filename(invoice: Invoice) -> str:
    """The attachment's file name in the invoice's language, e.g. ``Faktura-1234.pdf``."""
    kind = translate(f"invoice_kind.{invoice.kind.value}", invoice.language)
    safe = "".join(ch if ch.isalnum() else "-" for ch in kind).strip("-")
    return f"{safe}-{invoice.number}.pdf"


# -- drawing --------------------------------------------------------------------


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str
    unicode: bool

    def text(self, value: str) -> str:
        """``value`` made drawable in this font (WinAnsi fallback loses only exotic signs)."""
        if self.unicode:
            return value
        value = value.translate(_WINANSI_SUBSTITUTES)
        return value.encode("cp1252", "replace").decode("cp1252")


@cache
def _fonts() -> _Fonts:
    """Register DejaVu Sans once per process if it is available, else use Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for directory in _FONT_DIRS:
        regular, bold = directory / _REGULAR_FILE, directory / _BOLD_FILE
        if not (regular.is_file() and bold.is_file()):
            continue
        try:
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
        except (OSError, TTFError):  # pragma: no cover - a damaged font file; Helvetica still works
            continue
        pdfmetrics.registerFontFamily(
            "DejaVuSans",
            normal="DejaVuSans",
            bold="DejaVuSans-Bold",
            italic="DejaVuSans",
            boldItalic="DejaVuSans-Bold",
        )
        return _Fonts("DejaVuSans", "DejaVuSans-Bold", unicode=True)
    return _Fonts("Helvetica", "Helvetica-Bold", unicode=False)


def _draw(view: _View, fonts: _Fonts) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    primary = colors.HexColor(view.primary_color)
    grey = colors.HexColor(_GREY)
    rule = colors.HexColor(_RULE)
    txt = fonts.text

    base = ParagraphStyle("base", fontName=fonts.regular, fontSize=9.5, leading=12.5)
    bold = ParagraphStyle("bold", parent=base, fontName=fonts.bold)
    small = ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5, textColor=grey)
    small_bold = ParagraphStyle("small_bold", parent=small, fontName=fonts.bold)
    right_small = ParagraphStyle("right_small", parent=small, alignment=TA_RIGHT)
    logo = ParagraphStyle("logo", parent=base, fontName=fonts.bold, fontSize=20, leading=24, textColor=primary)
    title = ParagraphStyle("title", parent=base, fontName=fonts.bold, fontSize=16, leading=20)
    reference = ParagraphStyle("reference", parent=base, fontName=fonts.bold, fontSize=13, leading=16)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        # Every text is escaped: a customer called "<b>Ola</b> & Co" is printed as written.
        return Paragraph(escape(txt(text)), style)

    width = A4[0] - 2 * _PAGE_MARGIN
    story: list[Flowable] = []

    header = Table(
        [
            [
                [para(view.logo_text, logo), para(view.utility_name, base)],
                [para(line, right_small) for line in view.contact],
            ]
        ],
        colWidths=[width * 0.58, width * 0.42],
    )
    header.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.5, primary),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    story += [header, Spacer(1, 9 * _MM)]

    # Labels and values are short (numbers, dates): plain cells, cheaper than Paragraphs.
    facts = Table(
        [[txt(label), txt(value)] for label, value in view.facts],
        colWidths=[width * 0.2, width * 0.25],
    )
    facts.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), fonts.regular),
                ("FONTSIZE", (0, 0), (0, -1), 7.5),
                ("TEXTCOLOR", (0, 0), (0, -1), grey),
                ("FONTNAME", (1, 0), (1, -1), fonts.regular),
                ("FONTSIZE", (1, 0), (1, -1), 9.5),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    customer_block = [para(view.customer_lines[0], bold)] + [para(line, base) for line in view.customer_lines[1:]]
    addressee = Table([[customer_block, facts]], colWidths=[width * 0.55, width * 0.45])
    addressee.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    story += [addressee, Spacer(1, 9 * _MM), para(view.title, title), para(view.period_line, base)]
    story.append(Spacer(1, 5 * _MM))

    rows: list[list[Any]] = [[txt(h) for h in view.headings]]
    rows += [
        [para(line.description, base), txt(line.quantity), txt(line.unit_price), txt(line.amount)]
        for line in view.lines
    ]
    table = Table(
        rows,
        colWidths=[width * 0.35, width * 0.2, width * 0.24, width * 0.21],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), fonts.bold),
                ("FONTNAME", (0, 1), (-1, -1), fonts.regular),
                ("FONTSIZE", (0, 0), (-1, -1), 9.5),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("BACKGROUND", (0, 0), (-1, 0), primary),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, rule),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story.append(table)

    total_rows = [[txt(label), txt(value)] for label, value in view.totals]
    total_rows.append([txt(view.grand_total[0]), txt(view.grand_total[1])])
    totals = Table(total_rows, colWidths=[width * 0.5, width * 0.21], hAlign="RIGHT")
    totals.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.regular),
                ("FONTNAME", (0, -1), (-1, -1), fonts.bold),
                ("FONTSIZE", (0, 0), (-1, -1), 9.5),
                ("FONTSIZE", (0, -1), (-1, -1), 11),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 1, primary),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, -1), (-1, -1), 5),
            ]
        )
    )
    story += [Spacer(1, 2 * _MM), totals, Spacer(1, 7 * _MM)]

    payment: list[list[Any]] = [[para(view.payment_instruction, base)]]
    if view.payment_reference is not None:
        label, value = view.payment_reference
        payment.append([para(f"{label}: {value}", reference)])
    box = Table(payment, colWidths=[width])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, primary),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (0, 0), 7),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
            ]
        )
    )
    story += [KeepTogether([box]), Spacer(1, 7 * _MM)]

    explanations: list[Flowable] = [para(view.explanations_heading, small_bold)]
    for line in view.lines:
        computed = f"{line.description}: {line.quantity} × {line.unit_price} = {line.amount}"
        detail = f"{computed}. {line.explanation}" if line.explanation else computed
        explanations.append(para(detail, small))
    story.append(KeepTogether(explanations))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(fonts.regular, 7.5)
        canvas.setFillColor(grey)
        canvas.drawString(_PAGE_MARGIN, 10 * _MM, txt(view.footer))
        canvas.drawRightString(
            A4[0] - _PAGE_MARGIN, 10 * _MM, txt(translate("pdf.page", view.lang, page=canvas.getPageNumber()))
        )
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_PAGE_MARGIN - _FRAME_PADDING,
        rightMargin=_PAGE_MARGIN - _FRAME_PADDING,
        topMargin=_PAGE_MARGIN - _FRAME_PADDING,
        bottomMargin=_PAGE_MARGIN + 4 * _MM - _FRAME_PADDING,
        title=view.title,
        author=view.utility_name,
        subject=view.subject,
        creator="heatportal",
        lang=BABEL_LOCALES[view.lang].replace("_", "-"),
        invariant=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def render_invoice_pdf(invoice: Invoice, customer: Customer, profile: UtilityProfile) -> bytes:
    """The invoice as PDF bytes: A4, in ``invoice.language``, one page for a usual invoice."""
    return _draw(_view(invoice, customer, profile), _fonts())
