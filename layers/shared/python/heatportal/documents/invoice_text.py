"""An invoice as the customer reads it: every text in the invoice's language,
numbers, money, units, dates and months as the language writes them.

One view model (``invoice_text``) for every place an invoice is shown: the
PDF, the portal's invoice page, the invoice e-mail and the API's rendered
texts. It is pure (no I/O) and cheap; reportlab stays in ``invoice_pdf``.

What it shows, from the stored invoice and the profile:

- the seller with the identifiers the country requires, the customer, the
  facts (number, dates, supply period, reference);
- the lines with quantity, unit price and amount such that quantity x unit
  price (x share of a year) = amount, each with its calculation note; for a
  VAT-inclusive list the unit price excl. VAT as information;
- VAT per rate, the VAT basis, totals;
- how to pay (account and reference, a QR code where the country uses one)
  or, for a direct-debit customer, when the amount is collected;
- the meter readings with their dates and how each was obtained, estimates
  marked and explained;
- the comparisons, fuel mix and emissions (and for Germany the primary
  energy factor and renewable share), taxes, complaints, ADR and consumer
  bodies (EU 2023/1791 billing annex; DE FFVAV § 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from babel.dates import get_month_names

from heatportal.domain import notes
from heatportal.domain.model import (
    ConsumptionComparison,
    Customer,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    Language,
    LineNote,
    MeterPeriodValue,
    ReadingBasis,
)
from heatportal.domain.money import round_money
from heatportal.domain.profile import UtilityProfile
from heatportal.i18n import (
    BABEL_LOCALES,
    format_date,
    format_date_range,
    format_money,
    format_month,
    format_months,
    format_number,
    format_percent,
    format_quantity,
    format_unit_price,
    translate,
    unit_symbol,
)

REFERENCE_KEYS = {
    "kid": "payment.reference.kid",
    "ocr": "payment.reference.ocr",
    "betalingskenmerk": "invoice.pay.reference.betalingskenmerk",
    "rf": "invoice.pay.reference.rf",
    "text": "invoice.pay.reference.text",
}


# -- parameters and notes ---------------------------------------------------------


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _month_date(key: str) -> date:
    year, month = key.split("-")
    return date(int(year), int(month), 1)


def render_param(param: str, lang: Language, currency: str) -> str:
    """One typed note parameter (``domain.notes``) written in ``lang``."""
    kind, value = notes.split(param)
    match kind:
        case "money":
            return format_money(Decimal(value), currency, lang)
        case "price":
            number = Decimal(value)
            if _decimals(number) > 4:  # an unrounded intermediate: every digit it has
                return format_number(number.normalize(), lang, _decimals(number.normalize()))
            return format_unit_price(number, currency, lang)
        case "qty":
            unit, _, amount = value.partition(":")
            number = Decimal(amount)
            return format_quantity(number, unit, lang, _decimals(number))
        case "qtylist":
            unit, _, amounts = value.partition(":")
            return ", ".join(
                format_quantity(Decimal(a), unit, lang, _decimals(Decimal(a))) for a in amounts.split(";") if a
            )
        case "num":
            number = Decimal(value)
            return format_number(number, lang, _decimals(number))
        case "pct":
            return format_percent(Decimal(value), lang)
        case "temp":
            number = Decimal(value)
            return f"{format_number(number, lang, _decimals(number))}\u00a0°C"
        case "date":
            return format_date(date.fromisoformat(value), lang, "long")
        case "month":
            return format_month(_month_date(value), lang)
        case "months":
            first, _, last = value.partition("..")
            return format_months(_month_date(first), _month_date(last or first), lang)
        case "monthset":
            names = get_month_names("wide", locale=BABEL_LOCALES[lang])
            return ", ".join(names[int(m)] for m in value.split(",") if m)
        case "frac":
            return value
        case "key":
            return translate(value, lang)
        case _:
            return value


def render_note(note: LineNote, lang: Language, currency: str) -> str:
    params = {name: render_param(value, lang, currency) for name, value in note.params.items()}
    return translate(note.key, lang, **params)


# -- one line ---------------------------------------------------------------------


def line_name(line: InvoiceLine, lang: Language) -> str:
    params = dict(line.text_params)
    if line.component == "advance" and "month" in params:
        params["month"] = format_month(_month_date(params["month"]), lang)
    return translate(line.text_key, lang, **params)


def _share(line: InvoiceLine) -> str:
    return f"{line.share_numerator}/{line.share_denominator}"


def quantity_text(line: InvoiceLine, lang: Language) -> str:
    """The quantity column: ``1 200 kWh``; a yearly charge ``1/12 år``, a capacity ``42,50 kW × 1/12 år``."""
    year = unit_symbol("year", lang)
    if line.unit == "year" and line.quantity == 1 and line.has_share:
        return f"{_share(line)}\u00a0{year}"
    text = format_quantity(line.quantity, line.unit, lang, _decimals(line.quantity))
    if line.has_share:
        text += f" × {_share(line)}\u00a0{year}"
    return text


def unit_price_text(line: InvoiceLine, lang: Language, currency: str) -> str:
    unit = line.unit
    per = unit_symbol(unit, lang)
    if line.has_share and unit != "year":
        per += "/" + unit_symbol("year", lang)
    return f"{format_unit_price(line.unit_price, currency, lang)}/{per}"


@dataclass(frozen=True)
class LineText:
    name: str
    quantity: str
    unit_price: str
    amount: str
    notes: tuple[str, ...]
    period: str  # the line's own days, when they are not the invoice's whole period
    unit_price_other: str  # the unit price on the other VAT basis, as information


def _line_text(line: InvoiceLine, invoice: Invoice, lang: Language, private: bool) -> LineText:
    currency = invoice.currency
    period = ""
    if (
        line.period_start
        and line.period_end
        and (line.period_start, line.period_end)
        != (
            invoice.supply_first_day,
            invoice.supply_last_day,
        )
    ):
        period = _date_range(line.period_start, line.period_end, lang)
    other = ""
    if line.vat_amount is None and line.vat_rate and line.component != "advance":
        # The EU VAT invoice names the unit price excl. VAT (art. 226); a consumer
        # reads prices incl. VAT (PAngV): the other basis, as information.
        places = Decimal(1).scaleb(-min(max(_decimals(line.unit_price), 2), 4))
        price = "{}/" + unit_symbol(line.unit, lang)
        if line.includes_vat:
            net_price = (line.unit_price / (1 + line.vat_rate)).quantize(places)
            other = translate(
                "invoice.vat.unit_price_excl", lang, price=price.format(format_unit_price(net_price, currency, lang))
            )
        elif private:
            gross_price = (line.unit_price * (1 + line.vat_rate)).quantize(places)
            other = translate(
                "invoice.vat.unit_price_incl", lang, price=price.format(format_unit_price(gross_price, currency, lang))
            )
    deduction = line.vat_amount is not None
    amount = line.amount
    extra: tuple[str, ...] = ()
    if line.vat_amount is not None and not _gross_column(invoice, line.vat_rate):
        # Advances are deducted as invoiced, incl. VAT; in a column of net amounts
        # the line shows their net part, and its note how the gross divides.
        amount = line.amount - line.vat_amount
        extra = (
            translate(
                "invoice.note.advances_deducted_net",
                lang,
                gross=format_money(line.amount, currency, lang),
                net=format_money(amount, currency, lang),
                vat=format_money(line.vat_amount, currency, lang),
            ),
        )
    return LineText(
        name=line_name(line, lang),
        quantity="" if deduction else quantity_text(line, lang),
        unit_price="" if deduction else unit_price_text(line, lang, currency),
        amount=format_money(amount, currency, lang),
        notes=(*(render_note(n, lang, currency) for n in line.notes), *extra),
        period=period,
        unit_price_other=other,
    )


def _gross_column(invoice: Invoice, rate: Decimal) -> bool:
    """Whether the invoice's amounts at a VAT rate are printed incl. VAT (its priced lines are)."""
    priced = [line for line in invoice.lines if line.vat_amount is None and line.vat_rate == rate]
    return all(line.includes_vat for line in priced) if priced else True


def describe_line(line: InvoiceLine, lang: Language, currency: str) -> LineText:
    """A line on its own (a trial settlement's): name, quantity, unit price, amount and notes."""
    return LineText(
        name=line_name(line, lang),
        quantity=quantity_text(line, lang),
        unit_price=unit_price_text(line, lang, currency),
        amount=format_money(line.amount, currency, lang),
        notes=tuple(render_note(n, lang, currency) for n in line.notes),
        period="",
        unit_price_other="",
    )


def _date_range(first: date, last: date, lang: Language) -> str:
    return translate(
        "invoice.fact.supply_period_value",
        lang,
        start=format_date(first, lang, "long"),
        end=format_date(last, lang, "long"),
    )


# -- readings ---------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingRow:
    meter: str
    start_date: str
    start_value: str
    start_source: str
    start_estimated: bool
    end_date: str
    end_value: str
    end_source: str
    end_estimated: bool
    quantity: str


def _source(basis: ReadingBasis | None, estimated: bool, lang: Language) -> str:
    if estimated:
        return translate("invoice.reading.source.estimated", lang)
    key = {
        ReadingBasis.CUSTOMER: "invoice.reading.source.customer",
        ReadingBasis.REMOTE: "invoice.reading.source.remote",
        ReadingBasis.UTILITY: "invoice.reading.source.utility",
        ReadingBasis.INSTALLED: "invoice.reading.source.meter_change",
        ReadingBasis.ESTIMATED: "invoice.reading.source.estimated",
    }.get(basis or ReadingBasis.UTILITY, "invoice.reading.source.utility")
    return translate(key, lang)


def _reading_row(value: MeterPeriodValue, lang: Language) -> ReadingRow:
    unit = value.unit.value

    def register(number: Decimal) -> str:
        return format_quantity(number, unit, lang, _decimals(number))

    return ReadingRow(
        meter=value.meter_number,
        start_date=format_date(value.start_on, lang) if value.start_on else "",
        start_value=register(value.start_value),
        start_source=_source(value.start_source, value.start_estimated, lang),
        start_estimated=value.start_estimated,
        end_date=format_date(value.end_on, lang) if value.end_on else "",
        end_value=register(value.end_value),
        end_source=_source(value.end_source, value.end_estimated, lang),
        end_estimated=value.end_estimated,
        quantity=register(value.quantity),
    )


# -- payment ----------------------------------------------------------------------


def _capital(label: str) -> str:
    """A label that also sits inside sentences, as a heading writes it."""
    return label[:1].upper() + label[1:]


@dataclass(frozen=True)
class EpcQrData:
    """What an EPC069-12 QR code (GiroCode) carries."""

    name: str
    iban: str
    bic: str
    amount: Decimal
    text: str


@dataclass(frozen=True)
class PaymentText:
    heading: str
    instruction: str
    rows: tuple[tuple[str, str], ...]
    reference: tuple[str, str] | None
    qr: EpcQrData | None
    qr_caption: str
    direct_debit: bool


def _payment(invoice: Invoice, profile: UtilityProfile, lang: Language) -> PaymentText:
    currency = invoice.currency
    payment = profile.payment
    transfer = payment.transfer
    amount = format_money(abs(invoice.total), currency, lang)
    due = format_date(invoice.due_on, lang, "long")
    reference_label = translate(REFERENCE_KEYS[payment.reference], lang)
    heading = translate("invoice.pay.heading" if invoice.total > 0 else "invoice.pay.heading_refund", lang)
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        text = translate("invoice.pay.credit_note", lang, amount=amount)
        if invoice.replaced_by:
            text += " " + translate(
                "invoice.pay.credit_note.replaced_by", lang, corrected_number=str(invoice.replaced_by)
            )
        return PaymentText(heading, text, (), None, None, "", False)
    if invoice.total < 0:
        return PaymentText(
            heading, translate("payment.credit_instruction", lang, amount=amount), (), None, None, "", False
        )
    if invoice.total == 0:
        return PaymentText(heading, translate("invoice.pay.nothing_due", lang), (), None, None, "", False)
    debit = invoice.direct_debit
    if debit is not None:
        key = {
            "sepa_core": "invoice.pay.direct_debit.sepa",
            "avtalegiro": "invoice.pay.direct_debit.avtalegiro",
            "autogiro": "invoice.pay.direct_debit.autogiro",
        }[debit.scheme]
        text = translate(
            key,
            lang,
            amount=amount,
            account=f"IBAN {debit.account_masked}" if debit.scheme == "sepa_core" else debit.account_masked,
            collection_date=format_date(debit.collection_on, lang, "long"),
        )
        text += " " + translate("invoice.pay.direct_debit.no_action", lang)
        rows: tuple[tuple[str, str], ...] = ()
        if debit.creditor_id:
            rows = (
                (translate("invoice.pay.label.creditor_id", lang), debit.creditor_id),
                (translate("invoice.pay.label.mandate_reference", lang), debit.mandate_reference),
            )
        return PaymentText(heading, text, rows, None, None, "", True)
    reference = (_capital(reference_label), invoice.payment_reference)
    payee = profile.seller.legal_name
    if transfer.account_number:
        text = translate(
            "invoice.pay.transfer.kid",
            lang,
            amount=amount,
            account=transfer.account_printed,
            due_date=due,
            reference=invoice.payment_reference,
        )
        rows = (
            (translate("invoice.pay.label.account_number", lang), transfer.account_printed),
            (translate("invoice.pay.label.payee", lang), payee),
        )
        return PaymentText(heading, text, rows, reference, None, "", False)
    if transfer.bankgiro or transfer.plusgiro:
        giro = "bankgiro" if transfer.bankgiro else "plusgiro"
        account = transfer.bankgiro_printed if transfer.bankgiro else transfer.plusgiro_printed
        text = translate(
            f"invoice.pay.transfer.{giro}",
            lang,
            amount=amount,
            account=account,
            due_date=due,
            reference=invoice.payment_reference,
        )
        rows = ((translate(f"invoice.pay.label.{giro}", lang), account),)
        if transfer.bankgiro and transfer.plusgiro:
            rows += ((translate("invoice.pay.label.plusgiro", lang), transfer.plusgiro_printed),)
        rows += ((translate("invoice.pay.label.payee", lang), payee),)
        return PaymentText(heading, text, rows, reference, None, "", False)
    text = translate(
        "invoice.pay.transfer.sepa",
        lang,
        amount=amount,
        due_date=due,
        iban=transfer.iban_printed,
        bic=transfer.bic or "",
        payee=payee,
        reference_label=reference_label,
        reference=invoice.payment_reference,
    )
    rows = (
        (translate("invoice.pay.label.payee", lang), payee),
        ("IBAN", transfer.iban_printed),
        ("BIC", transfer.bic or ""),
    )
    qr = None
    if payment.epc_qr is not None and invoice.currency == "EUR":
        qr = EpcQrData(payee, transfer.iban or "", transfer.bic or "", invoice.total, invoice.payment_reference)
    caption = translate("invoice.pay.qr_caption", lang) if qr else ""
    return PaymentText(heading, text, rows, reference, qr, caption, False)


# -- the seller -------------------------------------------------------------------


def seller_lines(profile: UtilityProfile, lang: Language) -> tuple[str, ...]:
    """The seller's name, address and the identifiers the country requires."""
    seller = profile.seller
    address = seller.address
    lines = [seller.legal_name, address.street, f"{address.postcode} {address.city}"]
    country = profile.country
    if country == "NO" and seller.organisation_number:
        from stdnum.no import orgnr as no_orgnr

        number = str(no_orgnr.format(seller.organisation_number))
        lines.append(translate("invoice.seller.no.organisation", lang, number=number))
        if seller.register_text:
            lines.append(translate("invoice.seller.no.register", lang))
    elif country == "SE":
        from stdnum.se import orgnr as se_orgnr

        lines.append(
            translate(
                "invoice.seller.organisation_number",
                lang,
                number=str(se_orgnr.format(seller.organisation_number or "")),
            )
        )
        lines.append(translate("invoice.seller.vat_number", lang, number=seller.vat_number or ""))
        lines.append(translate("invoice.seller.se.registered_office", lang, city=seller.registered_office or ""))
        if seller.f_tax_approved:
            lines.append(translate("invoice.seller.se.f_tax", lang))
    elif country == "NL":
        lines.append(translate("invoice.seller.nl.kvk", lang, number=seller.kvk_number or ""))
        lines.append(translate("invoice.seller.vat_number", lang, number=seller.vat_number or ""))
    elif country == "DE":
        lines.append(translate("invoice.seller.vat_number", lang, number=seller.vat_number or ""))
        register = seller.commercial_register
        if register is not None:
            lines.append(translate("invoice.seller.de.register", lang, court=register.court, number=register.number))
        lines.append(translate("invoice.seller.de.registered_office", lang, city=seller.registered_office or ""))
        lines.append(
            translate("invoice.seller.de.managing_directors", lang, names=", ".join(seller.managing_directors))
        )
    return tuple(lines)


# -- what the bill tells besides the amounts ---------------------------------------


@dataclass(frozen=True)
class ComparisonText:
    heading: str
    bars: tuple[tuple[str, Decimal, str], ...]  # label, quantity, quantity as text
    note: str


def _comparison(comparison: ConsumptionComparison, invoice: Invoice, lang: Language) -> ComparisonText:
    unit = comparison.unit
    labels = {
        "this_period": translate("invoice.info.comparison.this_period", lang),
        "last_year": translate("invoice.info.comparison.last_year", lang),
    }
    bars = []
    for bar in comparison.bars:
        if bar.key == "average":
            category = translate(f"invoice.info.category.{bar.category}", lang)
            label = translate("invoice.info.comparison.average", lang, category=category)
        else:
            label = labels.get(bar.key, bar.key)
        bars.append((label, bar.quantity, format_quantity(bar.quantity, unit, lang, _decimals(bar.quantity))))
    if comparison.weather_corrected:
        note = translate(
            "invoice.info.comparison_method",
            lang,
            degree_days=format_number(comparison.degree_days, lang, 1),
            normal=format_number(comparison.normal_degree_days, lang, 1),
            factor=format_quantity(comparison.per_degree_day, unit, lang, 2 if unit != "GJ" else 4),
        )
    else:
        note = translate("invoice.info.comparison_uncorrected", lang)
    heading_key = (
        "invoice.info.comparison_heading"
        if comparison.weather_corrected
        else "invoice.info.comparison_heading_uncorrected"
    )
    return ComparisonText(translate(heading_key, lang), tuple(bars), note)


@dataclass(frozen=True)
class InfoText:
    heading: str
    fuel_heading: str
    fuel_mix: tuple[tuple[str, Decimal, str], ...]  # carrier name, percent, percent as text
    facts: tuple[str, ...]  # emissions, primary energy factor, renewables, taxes, the country's price rule
    contacts_heading: str
    contacts: tuple[str, ...]


def _info(profile: UtilityProfile, invoice: Invoice, lang: Language) -> InfoText:
    info = profile.bill_information
    mix = tuple(
        (
            translate(f"invoice.info.fuel.{share.carrier}", lang),
            share.percent,
            format_percent(share.percent / 100, lang),
        )
        for share in info.fuel_mix
    )
    emissions = info.emissions
    facts = [
        translate(
            "invoice.info.emissions",
            lang,
            year=str(emissions.year),
            grams=format_number(emissions.grams_co2e_per_kwh, lang, _decimals(emissions.grams_co2e_per_kwh)),
            tonnes=format_number(emissions.tonnes_co2e, lang, _decimals(emissions.tonnes_co2e)),
        )
    ]
    if info.primary_energy_factor is not None:
        facts.append(
            translate(
                "invoice.info.primary_energy_factor",
                lang,
                factor=format_number(info.primary_energy_factor, lang, _decimals(info.primary_energy_factor)),
            )
        )
    if info.renewable_share_percent is not None:
        facts.append(
            translate(
                "invoice.info.renewable_share", lang, percent=format_percent(info.renewable_share_percent / 100, lang)
            )
        )
    facts.append(translate("invoice.info.taxes_none", lang))
    if profile.compliance.electric_heating_comparison is not None:
        facts.append(translate("invoice.info.price_rule_no", lang))
    if profile.compliance.energy_in_arrears:
        facts.append(translate("invoice.info.energy_in_arrears", lang))
    acm = profile.compliance.acm_for(invoice.period.year)
    if acm is not None:
        facts.append(
            translate(
                "invoice.info.acm_maximum",
                lang,
                year=str(acm.year),
                price_per_gj=format_unit_price(acm.energy_per_gj[0].price, invoice.currency, lang),
                fixed=format_money(acm.fixed_total_per_year, invoice.currency, lang),
            )
        )
    contacts = info.contacts
    complaints = contacts.complaints
    lines = [
        translate(
            "invoice.info.complaints",
            lang,
            name=complaints.name,
            phone=complaints.phone,
            email=complaints.email,
            web=complaints.web,
        )
    ]
    lines += [
        translate("invoice.info.adr", lang, body=body.name, web=body.web) for body in contacts.adr if body.takes_part
    ]
    lines.append(
        translate(
            "invoice.info.consumer_bodies",
            lang,
            bodies="; ".join(f"{b.name} ({b.web})" for b in (*contacts.consumer_bodies, *contacts.energy_agencies)),
        )
    )
    if contacts.regulator is not None:
        lines.append(
            translate("invoice.info.regulator", lang, body=contacts.regulator.name, web=contacts.regulator.web)
        )
    return InfoText(
        heading=translate("invoice.info.heading", lang),
        fuel_heading=translate("invoice.info.fuel_mix", lang, year=str(info.fuel_mix_year)),
        fuel_mix=mix,
        facts=tuple(facts),
        contacts_heading=translate("invoice.info.contacts_heading", lang),
        contacts=tuple(lines),
    )


# -- the whole invoice --------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceText:
    lang: Language
    kind: str
    title: str
    seller: tuple[str, ...]
    customer: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    supply_period: str
    basis: str
    headings: tuple[str, str, str, str]
    lines: tuple[LineText, ...]
    vat_rows: tuple[tuple[str, str], ...]
    net_total: tuple[str, str]
    total: tuple[str, str]
    payment: PaymentText
    notes: tuple[str, ...]
    readings_heading: str
    readings_headings: tuple[str, str, str, str]
    readings: tuple[ReadingRow, ...]
    reading_notes: tuple[str, ...]
    estimated_mark: str
    comparison: ComparisonText | None
    info: InfoText
    footer: str


def _customer_lines(customer: Customer, profile: UtilityProfile, lang: Language) -> tuple[str, ...]:
    from babel import Locale

    address = customer.address
    lines = [customer.name, address.street, f"{address.postcode} {address.city}"]
    if address.country != profile.country:
        lines.append(str(Locale.parse(BABEL_LOCALES[lang]).territories.get(address.country, address.country)))
    return tuple(lines)


def _vat_rows(invoice: Invoice, lang: Language) -> tuple[tuple[str, str], ...]:
    """VAT per rate as it was computed: on the priced lines (carved out of a
    VAT-inclusive sum or added to a VAT-exclusive one), and, in a settlement, less
    the VAT invoiced with the advances, so each row can be checked by hand."""
    from heatportal.domain.tariff import vat_breakdown

    currency = invoice.currency
    priced = tuple(line for line in invoice.lines if line.vat_amount is None)
    deducted = [line for line in invoice.lines if line.vat_amount is not None]
    rows = []
    for row in vat_breakdown(priced, currency):
        gross_basis = all(line.includes_vat for line in priced if line.vat_rate == row.rate)
        key = "invoice.vat.included" if gross_basis else "invoice.vat.added"
        base = row.gross if gross_basis else row.net
        percent = format_percent(row.rate, lang)
        rows.append(
            (
                translate(key, lang, rate=percent, base=format_money(base, currency, lang)),
                format_money(row.vat, currency, lang),
            )
        )
        fixed = [line.vat_amount for line in deducted if line.vat_rate == row.rate and line.vat_amount is not None]
        if fixed:
            rows.append(
                (
                    translate("invoice.vat.deducted", lang, rate=percent),
                    format_money(sum(fixed, Decimal(0)), currency, lang),
                )
            )
    for rate in sorted({line.vat_rate for line in deducted} - {line.vat_rate for line in priced}, reverse=True):
        fixed_only = sum((line.vat_amount or Decimal(0) for line in deducted if line.vat_rate == rate), Decimal(0))
        rows.append(
            (
                translate("invoice.vat.deducted", lang, rate=format_percent(rate, lang)),
                format_money(fixed_only, currency, lang),
            )
        )
    return tuple(rows)


def _facts(
    invoice: Invoice, customer: Customer, profile: UtilityProfile, lang: Language
) -> tuple[tuple[str, str], ...]:
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    facts = [
        (translate("invoice.fact.invoice_number", lang), str(invoice.number)),
        (translate("common.customer_number", lang), customer.number),
        (translate("invoice.fact.invoice_date", lang), format_date(invoice.issued_on, lang)),
    ]
    if not credit and invoice.total > 0:
        facts.append((translate("invoice.fact.due_date", lang), format_date(invoice.due_on, lang)))
    label = "invoice.fact.settlement_period" if invoice.kind == InvoiceKind.SETTLEMENT else "invoice.fact.supply_period"
    facts.append((translate(label, lang), format_date_range(invoice.supply_first_day, invoice.supply_last_day, lang)))
    if invoice.corrects is not None:
        key = "invoice.fact.cancels_invoice" if credit else "invoice.fact.replaces_invoice"
        facts.append((translate(key, lang), str(invoice.corrects)))
    if not credit and invoice.total > 0 and invoice.direct_debit is None:
        facts.append((_capital(translate(REFERENCE_KEYS[profile.payment.reference], lang)), invoice.payment_reference))
    return tuple(facts)


def _invoice_notes(invoice: Invoice, lang: Language) -> tuple[str, ...]:
    texts = [render_note(n, lang, invoice.currency) for n in invoice.notes]
    if invoice.kind != InvoiceKind.CREDIT_NOTE and invoice.corrects is not None:
        texts.append(
            translate(
                "invoice.note.rebill",
                lang,
                invoice_number=str(invoice.corrects),
                credit_number=str(invoice.credit_note or ""),
            )
        )
    if any(line.has_share or line.component not in ("advance", "advances_deducted") for line in invoice.lines):
        texts.append(translate("invoice.note.rounding", lang))
    return tuple(texts)


def invoice_text(invoice: Invoice, customer: Customer, profile: UtilityProfile) -> InvoiceText:
    """The invoice in its own language (``invoice.language``)."""
    lang = invoice.language
    currency = invoice.currency
    kind = translate(f"invoice_kind.{invoice.kind.value}", lang)
    basis = invoice.prices_include_vat
    amount_heading = "invoice.column.amount_incl" if basis else "invoice.column.amount_excl"
    price_heading = "invoice.column.unit_price_incl" if basis else "invoice.column.unit_price_excl"
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE or invoice.total < 0
    readings = tuple(_reading_row(v, lang) for v in invoice.meter_values)
    reading_notes = [render_note(n, lang, currency) for v in invoice.meter_values for n in v.estimate_notes]
    if any(r.start_estimated or r.end_estimated for r in readings):
        reading_notes.insert(0, translate("invoice.reading.estimated_footnote", lang))
        reading_notes.append(translate("invoice.reading.estimate_trueup", lang))
        reading_notes.append(translate("invoice.info.estimated_bill", lang))
    elif readings and profile.bill_information.billing_rules.show_measured_or_calculated:
        reading_notes.append(translate("invoice.reading.basis_measured", lang))
    branding = profile.branding
    net_total = (translate("invoice.vat.total_excl", lang), format_money(invoice.net_total, currency, lang))
    total_label = "pdf.total_credit" if credit else "invoice.fact.amount_due"
    return InvoiceText(
        lang=lang,
        kind=kind,
        title=f"{kind} {invoice.number}",
        seller=seller_lines(profile, lang),
        customer=_customer_lines(customer, profile, lang),
        facts=_facts(invoice, customer, profile, lang),
        supply_period=_date_range(invoice.supply_first_day, invoice.supply_last_day, lang),
        basis=translate("invoice.vat.prices_include" if basis else "invoice.vat.prices_exclude", lang),
        headings=(
            translate("pdf.description", lang),
            translate("pdf.quantity", lang),
            translate(price_heading, lang),
            translate(amount_heading, lang),
        ),
        lines=tuple(_line_text(line, invoice, lang, customer.org_number is None) for line in invoice.lines),
        vat_rows=_vat_rows(invoice, lang),
        net_total=net_total,
        # "To be credited" names the direction: the amount is printed without a minus.
        total=(translate(total_label, lang), format_money(round_money(abs(invoice.total), currency), currency, lang)),
        payment=_payment(invoice, profile, lang),
        notes=_invoice_notes(invoice, lang),
        readings_heading=translate("invoice.reading.heading", lang),
        readings_headings=(
            translate("invoice.fact.meter", lang),
            translate("invoice.reading.column.start", lang),
            translate("invoice.reading.column.end", lang),
            translate("invoice.reading.column.consumption", lang),
        ),
        readings=readings,
        reading_notes=tuple(reading_notes),
        estimated_mark=translate("invoice.reading.estimated_mark", lang),
        comparison=_comparison(invoice.comparison, invoice, lang) if invoice.comparison else None,
        info=_info(profile, invoice, lang),
        footer=f"{profile.seller.legal_name} · {branding.phone} · {branding.email}",
    )
