"""PDFs of contracts and moving: the annual cost estimate (a simulated one
with its change line by line), the signed contract, the PIN letter of a new
customer, the yearly sustainability report. reportlab is imported only when
one is drawn; the output is deterministic (``invariant``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from heatportal.documents.invoice_pdf import _fonts
from heatportal.domain.contracts import Contract, ContractTerms
from heatportal.domain.model import Customer, Language
from heatportal.domain.profile import KeyFigures, UtilityProfile
from heatportal.i18n import format_date, format_money, format_number, format_quantity, translate

if TYPE_CHECKING:  # pragma: no cover - typing only
    from heatportal.services.contracts.estimate import AnnualEstimate, EstimateLine, Simulation
    from heatportal.services.contracts.signing import SignedContract


class _Doc:
    """The styles and helpers every document here shares."""

    def __init__(self, lang: Language, currency: str) -> None:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle

        fonts = _fonts()
        self.fonts = fonts
        self.lang = lang
        self.currency = currency
        self.normal = ParagraphStyle("n", fontName=fonts.regular, fontSize=9.5, leading=12.5)
        self.title = ParagraphStyle("t", parent=self.normal, fontName=fonts.bold, fontSize=15, leading=19)
        self.heading = ParagraphStyle("h", parent=self.normal, fontName=fonts.bold, fontSize=11.5, leading=15)
        self.small = ParagraphStyle(
            "s", parent=self.normal, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444")
        )
        self.big = ParagraphStyle("b", parent=self.normal, fontName=fonts.bold, fontSize=22, leading=28)

    def t(self, key: str, **params: object) -> str:
        return escape(translate(key, self.lang, **params))

    def money(self, amount: Decimal) -> str:
        return escape(format_money(amount, self.currency, self.lang))

    def p(self, text: str, style: Any = None) -> Any:
        from reportlab.platypus import Paragraph

        return Paragraph(text, style or self.normal)

    def table(self, rows: list[list[str]], widths: Sequence[float], numeric_from: int = 1, total: bool = False) -> Any:
        from reportlab.lib import colors
        from reportlab.platypus import Table, TableStyle

        cells = [[self.p(cell) if isinstance(cell, str) else cell for cell in row] for row in rows]
        table = Table(cells, colWidths=list(widths), repeatRows=1)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), self.fonts.regular),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#bbbbbb")),
        ]
        if total:
            style.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black))
        table.setStyle(TableStyle(style))
        return table

    def right(self, text: str) -> Any:
        from reportlab.lib.enums import TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        return self.p(text, ParagraphStyle("r", parent=self.normal, alignment=TA_RIGHT))

    def build(self, story: list[Any], title: str, author: str) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate

        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=title,
            author=author,
            invariant=1,
        )
        doc.build(story)
        return buffer.getvalue()


def _mm(value: float) -> float:
    from reportlab.lib.units import mm

    return float(value * mm)


def _spacer(height: float) -> Any:
    from reportlab.platypus import Spacer

    return Spacer(1, _mm(height))


def line_text(line: EstimateLine, lang: Language) -> str:
    return translate(line.text_key, lang, **line.text_params)


def _quantity(value: Decimal, unit: str, lang: Language) -> str:
    if unit in ("month", "year"):
        return f"{format_number(value, lang, 2)} {translate(f'unit.{unit}', lang)}"
    return format_quantity(value.quantize(Decimal("0.01")), unit, lang)


def terms_facts(doc: _Doc, terms: ContractTerms, profile: UtilityProfile) -> list[list[str]]:
    """(label, value) rows of the terms: product, each option's choice, the term."""
    rows = [[doc.t("contracts.product"), doc.t(f"offer.product.{terms.product}")]]
    for option in profile.offer.options:
        choice = terms.choice(profile.offer, option.id)
        if choice is not None:
            rows.append([doc.t(f"offer.option.{option.id}"), doc.t(f"offer.choice.{option.id}.{choice.id}")])
    rows.append([doc.t("contracts.term"), doc.t("contracts.term_months", months=terms.term_months)])
    return rows


def _estimate_table(doc: _Doc, estimate: AnnualEstimate) -> Any:
    lang = doc.lang
    rows = [
        [doc.t("contracts.line"), doc.t("contracts.quantity"), doc.t("contracts.unit_price"), doc.t("contracts.amount")]
    ]
    for line in estimate.lines:
        rows.append(
            [
                escape(line_text(line, lang)),
                escape(_quantity(line.quantity, line.unit, lang)),
                escape(format_money(line.unit_price, estimate.currency, lang, max_decimals=4)),
                doc.money(line.amount),
            ]
        )
    rows.append([doc.t("contracts.net_total"), "", "", doc.money(estimate.net_total)])
    rows.append([doc.t("contracts.vat"), "", "", doc.money(estimate.vat_total)])
    rows.append([f"<b>{doc.t('contracts.total')}</b>", "", "", f"<b>{doc.money(estimate.total)}</b>"])
    return doc.table(rows, [_mm(78), _mm(32), _mm(32), _mm(28)], total=True)


def _changes_table(doc: _Doc, simulation: Simulation) -> Any:
    lang = doc.lang
    rows = [[doc.t("contracts.line"), doc.t("simulator.current"), doc.t("simulator.chosen"), doc.t("simulator.change")]]
    for change in simulation.changes:
        rows.append(
            [
                escape(translate(change.text_key, lang, **change.text_params)),
                doc.money(change.before.amount) if change.before else "–",
                doc.money(change.after.amount) if change.after else "–",
                doc.money(change.difference),
            ]
        )
    rows.append(
        [
            f"<b>{doc.t('contracts.total')}</b>",
            doc.money(simulation.current.total),
            doc.money(simulation.chosen.total),
            f"<b>{doc.money(simulation.difference)}</b>",
        ]
    )
    return doc.table(rows, [_mm(70), _mm(34), _mm(34), _mm(32)], total=True)


def render_annual_estimate_pdf(
    estimate: AnnualEstimate,
    customer: Customer,
    contract: Contract,
    profile: UtilityProfile,
    lang: Language,
    simulation: Simulation | None,
) -> bytes:
    doc = _Doc(lang, estimate.currency)
    facility = contract.facility
    first = estimate.first_month.start
    story: list[Any] = [
        doc.p(escape(profile.branding.display_name), doc.small),
        doc.p(doc.t("simulator.pdf_title" if simulation else "contracts.estimate_pdf_title"), doc.title),
        doc.p(f"{escape(customer.name)} ({escape(customer.number)})"),
        doc.p(f"{escape(facility.name)} · {escape(facility.address.street)}, {escape(facility.address.city)}"),
        doc.p(doc.t("contracts.estimate_period", start=format_date(first, lang)), doc.small),
        _spacer(4),
        doc.table([[doc.t("contracts.terms"), ""], *terms_facts(doc, estimate.terms, profile)], [_mm(60), _mm(110)]),
        _spacer(5),
        doc.p(doc.t("contracts.estimate_total"), doc.heading),
        doc.p(doc.money(estimate.total), doc.big),
        _spacer(3),
        _estimate_table(doc, estimate),
    ]
    if simulation is not None:
        story += [_spacer(5), doc.p(doc.t("simulator.changes"), doc.heading), _changes_table(doc, simulation)]
    quantities = ", ".join(
        f"{escape(number)}: {escape(format_quantity(q, estimate.units[number], lang, 1))}"
        for number, q in estimate.quantities.items()
    )
    story += [
        _spacer(5),
        doc.p(doc.t("contracts.expected_consumption"), doc.heading),
        doc.p(quantities),
        _spacer(4),
        doc.p(doc.t("contracts.estimate_caution"), doc.small),
    ]
    return doc.build(story, translate("contracts.estimate_pdf_title", lang), profile.name)


def render_signed_contract_pdf(signed: SignedContract, profile: UtilityProfile, lang: Language) -> bytes:
    doc = _Doc(lang, profile.currency)
    version = signed.version
    facility = signed.facility
    customer = signed.customer
    signer = signed.signer
    signed_at = version.signed_at or datetime.min
    story: list[Any] = [
        doc.p(escape(profile.branding.display_name), doc.small),
        doc.p(doc.t("signing.pdf_title"), doc.title),
        doc.p(escape(profile.name) + " · " + escape(profile.branding.address), doc.small),
        _spacer(4),
        doc.table(
            [
                [doc.t("signing.party_customer"), ""],
                [doc.t("common.customer_number"), escape(customer.number)],
                [doc.t("documents.customer"), escape(customer.name)],
                [doc.t("signing.facility"), f"{escape(facility.name)} ({escape(facility.id)})"],
                [
                    doc.t("documents.address"),
                    f"{escape(facility.address.street)}, {escape(facility.address.postcode)} {escape(facility.address.city)}",
                ],
                [doc.t("signing.valid_from"), escape(format_date(version.valid_from, lang))],
            ],
            [_mm(60), _mm(110)],
        ),
        _spacer(4),
        doc.table([[doc.t("contracts.terms"), ""], *terms_facts(doc, version.terms, profile)], [_mm(60), _mm(110)]),
        _spacer(4),
        doc.p(doc.t("contracts.estimate_total"), doc.heading),
        _estimate_table(doc, signed.estimate),
        _spacer(6),
        doc.p(doc.t("signing.signature"), doc.heading),
        doc.table(
            [
                [doc.t("signing.signed_by"), escape(signer.name)],
                [doc.t("signing.signed_at"), escape(f"{format_date(signed_at.date(), lang)} {signed_at:%H:%M} UTC")],
                [doc.t("signing.method"), doc.t(f"signing.method_{version.signature_method}")],
                [doc.t("signing.reference"), escape(version.signature_reference or "")],
                [doc.t("signing.personal_number"), escape(_masked(signer.personal_number))],
                [doc.t("signing.fingerprint"), escape(signed.fingerprint)],
            ],
            [_mm(60), _mm(110)],
        ),
        _spacer(4),
        doc.p(doc.t("signing.pdf_note"), doc.small),
    ]
    return doc.build(story, translate("signing.pdf_title", lang), profile.name)


def _masked(personal_number: str | None) -> str:
    """The signer's personal number with its last four digits hidden."""
    if not personal_number:
        return "–"
    return personal_number[:-4] + "****" if len(personal_number) > 4 else "****"


def render_pin_letter(customer: Customer, pin: str, profile: UtilityProfile) -> bytes:
    lang = customer.language
    doc = _Doc(lang, profile.currency)
    address = customer.address
    story: list[Any] = [
        doc.p(escape(profile.branding.display_name), doc.small),
        doc.p(escape(profile.name) + " · " + escape(profile.branding.address), doc.small),
        _spacer(10),
        doc.p(escape(customer.name)),
        doc.p(escape(address.street)),
        doc.p(f"{escape(address.postcode)} {escape(address.city)}"),
        _spacer(14),
        doc.p(doc.t("pin_letter.title"), doc.title),
        doc.p(doc.t("pin_letter.intro", utility=profile.name)),
        _spacer(4),
        doc.table(
            [
                [doc.t("common.customer_number"), f"<b>{escape(customer.number)}</b>"],
                [doc.t("pin_letter.pin"), f"<b>{escape(pin)}</b>"],
            ],
            [_mm(60), _mm(110)],
        ),
        _spacer(4),
        doc.p(doc.t("pin_letter.how")),
        _spacer(3),
        doc.p(doc.t("pin_letter.keep"), doc.small),
        doc.p(doc.t("email.contact", phone=profile.branding.phone, email=profile.branding.email), doc.small),
    ]
    return doc.build(story, translate("pin_letter.title", lang), profile.name)


def render_sustainability_report(profile: UtilityProfile, figures: KeyFigures, lang: Language) -> bytes:
    doc = _Doc(lang, profile.currency)
    goal = profile.sustainability
    assert goal is not None  # the report is offered only where the profile has the figures
    mix = sorted(figures.fuel_mix.items(), key=lambda item: item[1], reverse=True)
    story: list[Any] = [
        doc.p(escape(profile.branding.display_name), doc.small),
        doc.p(doc.t("sustainability.report_title", year=figures.year), doc.title),
        doc.p(doc.t(f"sustainability.goal.{goal.goal}", year=goal.goal_year)),
        _spacer(5),
        doc.table(
            [
                [doc.t("sustainability.figure"), doc.t("sustainability.value")],
                [doc.t("sustainability.co2"), escape(f"{format_number(figures.co2_kg_per_mwh, lang, 1)} kg/MWh")],
                [doc.t("sustainability.renewable"), escape(f"{format_number(figures.renewable_percent, lang, 1)} %")],
                [doc.t("sustainability.losses"), escape(f"{format_number(figures.network_losses_percent, lang, 1)} %")],
            ],
            [_mm(100), _mm(70)],
        ),
        _spacer(5),
        doc.p(doc.t("sustainability.fuel_mix"), doc.heading),
        doc.table(
            [
                [doc.t("sustainability.carrier"), doc.t("sustainability.share")],
                *([doc.t(f"fuel.{carrier}"), escape(f"{format_number(share, lang, 1)} %")] for carrier, share in mix),
            ],
            [_mm(100), _mm(70)],
        ),
        _spacer(5),
        doc.p(doc.t("sustainability.report_note"), doc.small),
    ]
    return doc.build(story, translate("sustainability.report_title", lang, year=figures.year), profile.name)
