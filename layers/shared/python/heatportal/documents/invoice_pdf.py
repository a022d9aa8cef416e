"""The invoice as a PDF, in the invoice's language, drawn with reportlab.

Two steps: ``documents.invoice_text`` turns the invoice into the texts the
customer reads (translated and formatted with Babel; pure and cheap), and
``_draw`` lays them out with reportlab's platypus. reportlab (and segno, for
the payment QR code) are imported only inside the drawing functions:
importing this module costs nothing at a cold start of functions that never
render a PDF.

The page: the seller with its legal identifiers at the top, the customer in
the window of an envelope with the facts beside it, the lines with their
calculation, VAT per rate and the total, the payment box (account and
reference, or the direct-debit date; an EPC QR code for SEPA credit
transfers), then the meter readings, the comparison chart, the fuel mix with
its emissions and where to turn with a question or a complaint.

Output is deterministic (reportlab ``invariant``): the same invoice renders to
the same bytes, so a re-run of a billing step can compare instead of rewrite.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from heatportal.documents.invoice_text import EpcQrData, InvoiceText, invoice_text
from heatportal.domain.model import Customer, Invoice
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import BABEL_LOCALES, translate

if TYPE_CHECKING:  # pragma: no cover - typing only; reportlab stays out of import time
    from reportlab.graphics.shapes import Drawing
    from reportlab.platypus import Flowable

__all__ = ["pdf_filename", "render_invoice_pdf"]

# A bundled font (heatportal/documents/fonts/) wins over the system's; on Lambda
# there is no /usr/share/fonts, and Helvetica (WinAnsi) still covers æøåäöüß€×°.
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
_TINT = "#f2f5f7"
# The EPC QR code: at least 2 x 2 cm with its quiet zone of four modules.
_QR_SIZE = 30 * _MM


def pdf_filename(invoice: Invoice) -> str:
    """The attachment's file name in the invoice's language, e.g. ``Faktura-1234.pdf``."""
    kind = translate(f"invoice_kind.{invoice.kind.value}", invoice.language)
    safe = "".join(ch if ch.isalnum() else "-" for ch in kind).strip("-")
    return f"{safe}-{invoice.number}.pdf"


# -- fonts ----------------------------------------------------------------------


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


# -- graphics -------------------------------------------------------------------


def _qr_drawing(data: EpcQrData, size: float) -> Drawing:
    """The EPC069-12 QR code (payload version 002, error level M) as vector squares."""
    import segno.helpers
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib import colors

    code = segno.helpers.make_epc_qr(
        name=data.name[:70], iban=data.iban, amount=data.amount, text=data.text[:140], bic=data.bic or None
    )
    rows = [list(row) for row in code.matrix_iter(scale=1, border=4)]
    module = size / len(rows)
    drawing = Drawing(size, size)
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            run = x
            while run < len(row) and row[run]:
                run += 1
            # One rectangle per run of dark modules: smaller files, no hairline seams.
            drawing.add(
                Rect(
                    x * module,
                    size - (y + 1) * module,
                    (run - x) * module,
                    module,
                    fillColor=colors.black,
                    strokeColor=None,
                    strokeWidth=0,
                )
            )
            x = run
    return drawing


def _bar_chart(
    bars: tuple[tuple[str, Decimal, str], ...], width: float, fonts: _Fonts, primary: str, *, percent: bool = False
) -> Drawing:
    """Horizontal bars, one per row: the label (above the bar when it is too long
    to sit beside it), the bar and its value."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors
    from reportlab.pdfbase.pdfmetrics import stringWidth

    size = 7.5
    value_width = max((stringWidth(fonts.text(b[2]), fonts.regular, size) for b in bars), default=0) + 6
    label_width = max((stringWidth(fonts.text(b[0]), fonts.regular, size) for b in bars), default=0) + 6
    beside = label_width <= width * 0.45
    row_height = 15.0 if beside else 22.0
    bar_left = label_width if beside else 0.0
    bar_space = width - bar_left - value_width
    height = row_height * len(bars) + 2
    drawing = Drawing(width, height)
    largest = Decimal(100) if percent else (max((b[1] for b in bars), default=Decimal(0)) or Decimal(1))
    shades = [colors.HexColor(primary), colors.HexColor("#8fa3ad"), colors.HexColor("#c9d1d6")]
    for index, (label, value, text) in enumerate(bars):
        top = height - index * row_height
        bar_y = top - row_height + 3
        label_y = bar_y + 2 if beside else bar_y + 11
        drawing.add(String(0, label_y, fonts.text(label), fontName=fonts.regular, fontSize=size))
        length = float(value / largest) * bar_space
        color = shades[0] if percent else shades[min(index, 2)]
        drawing.add(Rect(bar_left, bar_y, max(length, 0.5), 8, fillColor=color, strokeColor=None, strokeWidth=0))
        drawing.add(
            String(width, bar_y + 1.5, fonts.text(text), fontName=fonts.regular, fontSize=size, textAnchor="end")
        )
    return drawing


# -- the page -------------------------------------------------------------------


def _draw(view: InvoiceText, fonts: _Fonts, primary_color: str, logo_text: str) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    primary = colors.HexColor(primary_color)
    grey = colors.HexColor(_GREY)
    rule = colors.HexColor(_RULE)
    tint = colors.HexColor(_TINT)
    txt = fonts.text

    base = ParagraphStyle("base", fontName=fonts.regular, fontSize=9, leading=11.5)
    bold = ParagraphStyle("bold", parent=base, fontName=fonts.bold)
    small = ParagraphStyle("small", parent=base, fontSize=7, leading=8.8, textColor=grey)
    note = ParagraphStyle("note", parent=small, fontSize=6.8, leading=8.4)
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT)
    right_small = ParagraphStyle("right_small", parent=small, alignment=TA_RIGHT)
    logo = ParagraphStyle("logo", parent=base, fontName=fonts.bold, fontSize=19, leading=23, textColor=primary)
    title = ParagraphStyle("title", parent=base, fontName=fonts.bold, fontSize=15, leading=19)
    heading = ParagraphStyle("heading", parent=base, fontName=fonts.bold, fontSize=10, leading=13, textColor=primary)
    big = ParagraphStyle("big", parent=base, fontName=fonts.bold, fontSize=12, leading=15)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        # Every text is escaped: a customer called "<b>Ola</b> & Co" is printed as written.
        return Paragraph(escape(txt(text)), style)

    width = A4[0] - 2 * _PAGE_MARGIN
    story: list[Flowable] = []

    def plain(rows: list[list[Any]], widths: list[float], *styles: tuple[Any, ...]) -> Table:
        table = Table(rows, colWidths=widths, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    *styles,
                ]
            )
        )
        return table

    # The seller, with the identifiers the law asks for.
    seller = [para(view.seller[0], ParagraphStyle("seller", parent=right, fontName=fonts.bold))]
    seller += [para(line, right_small) for line in view.seller[1:]]
    story.append(
        plain(
            [[[para(logo_text, logo)], seller]],
            [width * 0.5, width * 0.5],
            ("LINEBELOW", (0, 0), (-1, 0), 1.5, primary),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
        )
    )
    story.append(Spacer(1, 8 * _MM))

    # The customer (in the envelope's window) and the facts.
    facts = Table(
        [[para(label, small), para(value, base)] for label, value in view.facts],
        colWidths=[width * 0.19, width * 0.27],
    )
    facts.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, rule),
            ]
        )
    )
    customer = [para(view.customer[0], bold)] + [para(line, base) for line in view.customer[1:]]
    story.append(plain([[customer, facts]], [width * 0.54, width * 0.46]))
    story.append(Spacer(1, 8 * _MM))
    story += [para(view.title, title), Spacer(1, 1.5 * _MM), para(view.basis, small), Spacer(1, 4 * _MM)]

    # The lines: what each costs, and how it is calculated.
    rows: list[list[Any]] = [
        [para(h, ParagraphStyle("th", parent=bold, textColor=colors.white)) for h in view.headings]
    ]
    for line in view.lines:
        description: list[Flowable] = [para(line.name, base)]
        if line.period:
            description.append(para(line.period, small))
        description += [para(text, note) for text in line.notes]
        if line.unit_price_other:
            description.append(para(line.unit_price_other, note))
        rows.append([description, para(line.quantity, right), para(line.unit_price, right), para(line.amount, right)])
    table = Table(rows, colWidths=[width * 0.5, width * 0.16, width * 0.18, width * 0.16], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), primary),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, rule),
                ("TOPPADDING", (0, 0), (-1, -1), 3.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story.append(table)

    total_rows = [[para(view.net_total[0], right), para(view.net_total[1], right)]]
    total_rows += [[para(label, right), para(value, right)] for label, value in view.vat_rows]
    total_rows.append(
        [
            para(view.total[0], ParagraphStyle("tl", parent=big, alignment=TA_RIGHT)),
            para(view.total[1], ParagraphStyle("tv", parent=big, alignment=TA_RIGHT)),
        ]
    )
    totals = Table(total_rows, colWidths=[width * 0.52, width * 0.26], hAlign="RIGHT")
    totals.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, -1), (-1, -1), 1, primary),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("TOPPADDING", (0, -1), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story += [Spacer(1, 2 * _MM), totals, Spacer(1, 5 * _MM)]

    # How to pay.
    payment = view.payment
    box: list[Flowable] = [para(payment.heading, heading), Spacer(1, 1.5 * _MM), para(payment.instruction, base)]
    if payment.rows:
        pay_rows = [[para(label, small), para(value, base)] for label, value in payment.rows]
        box += [Spacer(1, 2 * _MM), plain(pay_rows, [width * 0.2, width * 0.45])]
    if payment.reference is not None:
        label, value = payment.reference
        box += [Spacer(1, 2 * _MM), para(f"{label}: {value}", big)]
    if payment.qr is not None:
        qr_cell = [_qr_drawing(payment.qr, _QR_SIZE), para(payment.qr_caption, small)]
        content = plain([[box, qr_cell]], [width * 0.72 - 16, width * 0.28])
    else:
        content = plain([[box]], [width - 16])
    framed = Table([[content]], colWidths=[width])
    framed.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, primary),
                ("BACKGROUND", (0, 0), (-1, -1), tint),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    story += [KeepTogether([framed]), Spacer(1, 4 * _MM)]
    if view.notes:
        story += [para(text, small) for text in view.notes]
        story.append(Spacer(1, 4 * _MM))

    # Meter readings, start and end, how each was read.
    if view.readings:
        star = " *"
        reading_rows: list[list[Any]] = [[para(h, small) for h in view.readings_headings]]
        for row in view.readings:
            start = f"{row.start_value}{star if row.start_estimated else ''}"
            end = f"{row.end_value}{star if row.end_estimated else ''}"
            reading_rows.append(
                [
                    para(row.meter, base),
                    [para(start, base), para(f"{row.start_date} · {row.start_source}", small)],
                    [para(end, base), para(f"{row.end_date} · {row.end_source}", small)],
                    para(row.quantity, right),
                ]
            )
        readings = Table(reading_rows, colWidths=[width * 0.2, width * 0.3, width * 0.3, width * 0.2])
        readings.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, primary),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.3, rule),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                ]
            )
        )
        block: list[Flowable] = [para(view.readings_heading, heading), Spacer(1, 1.5 * _MM), readings]
        block += [para(text, note) for text in view.reading_notes]
        story += [CondPageBreak(45 * _MM), KeepTogether(block), Spacer(1, 5 * _MM)]

    # The comparisons and the fuel mix, side by side.
    info = view.info
    half = (width - 8 * _MM) / 2
    left: list[Flowable] = []
    if view.comparison is not None:
        left += [
            para(view.comparison.heading, heading),
            Spacer(1, 1.5 * _MM),
            _bar_chart(view.comparison.bars, half, fonts, primary_color),
            Spacer(1, 1 * _MM),
            para(view.comparison.note, note),
        ]
    right_column: list[Flowable] = [
        para(info.fuel_heading, heading),
        Spacer(1, 1.5 * _MM),
        _bar_chart(info.fuel_mix, half, fonts, primary_color, percent=True),
        Spacer(1, 1 * _MM),
    ]
    right_column += [para(text, small) for text in info.facts]
    if not left:
        left, right_column = right_column, []
    story += [
        CondPageBreak(55 * _MM),
        para(info.heading, ParagraphStyle("h2", parent=heading, fontSize=11, leading=14)),
        Spacer(1, 2 * _MM),
        plain([[left, right_column]], [half, half + 8 * _MM], ("LEFTPADDING", (1, 0), (1, 0), 8 * _MM)),
        Spacer(1, 5 * _MM),
    ]
    contacts: list[Flowable] = [para(info.contacts_heading, heading), Spacer(1, 1.5 * _MM)]
    contacts += [para(text, small) for text in info.contacts]
    story.append(KeepTogether(contacts))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(rule)
        canvas.setLineWidth(0.5)
        canvas.line(_PAGE_MARGIN, 13 * _MM, A4[0] - _PAGE_MARGIN, 13 * _MM)
        canvas.setFont(fonts.regular, 7)
        canvas.setFillColor(grey)
        canvas.drawString(_PAGE_MARGIN, 9.5 * _MM, txt(view.footer))
        canvas.drawRightString(
            A4[0] - _PAGE_MARGIN,
            9.5 * _MM,
            txt(f"{view.title} · {translate('pdf.page', view.lang, page=canvas.getPageNumber())}"),
        )
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_PAGE_MARGIN - _FRAME_PADDING,
        rightMargin=_PAGE_MARGIN - _FRAME_PADDING,
        topMargin=_PAGE_MARGIN - _FRAME_PADDING,
        bottomMargin=_PAGE_MARGIN + 2 * _MM - _FRAME_PADDING,
        title=view.title,
        author=view.seller[0],
        subject=f"{view.title} · {view.supply_period}",
        creator="heatportal",
        lang=BABEL_LOCALES[view.lang].replace("_", "-"),
        invariant=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def render_invoice_pdf(invoice: Invoice, customer: Customer, profile: UtilityProfile) -> bytes:
    """The invoice as PDF bytes: A4, in ``invoice.language``."""
    branding = profile.branding
    return _draw(invoice_text(invoice, customer, profile), _fonts(), branding.primary_color, branding.logo_text)
