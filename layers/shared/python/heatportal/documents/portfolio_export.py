"""Exports of the portfolio's tables: Excel (one sheet per table, headers
with units, number formats, frozen header row) and CSV (one table, in the
notation the person's spreadsheet expects: ``;`` and decimal commas in
Norwegian, Swedish, Dutch and German, ``,`` and points in English; UTF-8 with
a byte-order mark so Excel reads the letters right). xlsxwriter is imported
only when a workbook is written."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from heatportal.domain.model import Language
from heatportal.i18n import format_month, translate, unit_symbol
from heatportal.services.consumption import MeterConsumption
from heatportal.services.portfolio.analysis import Column, Row, Table
from heatportal.services.portfolio.invoices import PortfolioInvoices

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
_SHEET_NAME = 31  # Excel's limit


@dataclass(frozen=True)
class Sheet:
    """A table to export, with its title (the sheet's name) in the person's language."""

    title: str
    table: Table


def column_label(column: Column, lang: Language) -> str:
    """``Energy 2025 (MWh)``: the figure, its year, its unit."""
    if column.key.startswith("cost."):
        name = translate(f"analysis.component.{column.key.removeprefix('cost.')}", lang)
    else:
        name = translate(f"analysis.column.{column.key}", lang)
    year = f" {column.year}" if column.year is not None else ""
    unit = f" ({unit_symbol(column.unit, lang)})" if column.unit else ""
    return f"{name}{year}{unit}"


def row_label(row: Row, lang: Language) -> str:
    if row.label == "total":
        return translate("analysis.total", lang)
    if len(row.label) == 7 and row.label[4] == "-":  # YYYY-MM
        return format_month(date(int(row.label[:4]), int(row.label[5:]), 1), lang)
    return f"{row.name} ({row.label})" if row.name else row.label


def _first_header(table: Table, lang: Language) -> str:
    return translate(f"analysis.first_column.{table.key}", lang)


def workbook(sheets: Sequence[Sheet], lang: Language) -> bytes:
    """An .xlsx file with one sheet per table."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    header = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True, "valign": "top"})
    bold = book.add_format({"bold": True})
    formats: dict[int, object] = {}

    def number(decimals: int, total: bool) -> object:
        key = decimals + (10 if total else 0)
        if key not in formats:
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            formats[key] = book.add_format({"num_format": pattern, "bold": total})
        return formats[key]

    used: set[str] = set()
    for sheet in sheets:
        name = _sheet_name(sheet.title, used)
        ws = book.add_worksheet(name)
        quality = translate("analysis.column.quality", lang)
        headers = [_first_header(sheet.table, lang), *(column_label(c, lang) for c in sheet.table.columns), quality]
        for col, text in enumerate(headers):
            ws.write_string(0, col, text, header)
        ws.set_column(0, 0, 26)
        ws.set_column(1, len(headers) - 1, 16)
        ws.set_row(0, 45)
        ws.freeze_panes(1, 1)
        for index, row in enumerate(sheet.table.rows, start=1):
            total = row.label == "total"
            ws.write_string(index, 0, row_label(row, lang), bold if total else None)
            for col, (column, value) in enumerate(zip(sheet.table.columns, row.values, strict=True), start=1):
                if value is None:
                    ws.write_blank(index, col, None)
                else:
                    ws.write_number(index, col, float(value), number(column.decimals, total))
            if row.quality and row.quality != "measured":
                ws.write_string(index, len(headers) - 1, translate(f"analysis.quality.{row.quality}", lang))
    book.close()
    return buffer.getvalue()


def consumption_table(result: MeterConsumption) -> Table:
    """A meter's consumption page as a table: each bar (month, day or year) with
    the year before, degree days, the weather-normalised figure and the water
    that circulated where the page shows them, and the total."""
    view, unit = result.view, result.unit.value
    decimals = 0 if unit == "kWh" else 3
    year = result.year if view.view == "year" else None
    figures: list[tuple[Column, list[Decimal | None], Decimal | None]] = [
        (Column("consumption", unit, decimals, year), [b.quantity for b in view.bars], view.total),
        (
            Column("consumption", unit, decimals, year - 1 if year else None),
            [b.previous for b in view.bars],
            view.previous_total,
        ),
        (Column("degree_days", "", 0), [b.degree_days for b in view.bars], None),
        (Column("normalised", unit, decimals, year), [b.normalised for b in view.bars], view.normalised_total),
        (Column("volume_m3", "m3", 1), [b.volume for b in view.bars], view.volume_total),
    ]
    shown = [figures[0], *(f for f in figures[1:] if any(v is not None for v in f[1]))]
    rows = [Row(bar.key, tuple(values[i] for _column, values, _total in shown)) for i, bar in enumerate(view.bars)]
    rows.append(Row("total", tuple(total for _column, _values, total in shown)))
    return Table("consumption", tuple(column for column, _values, _total in shown), tuple(rows))


def _sheet_name(title: str, used: set[str]) -> str:
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[:_SHEET_NAME] or "Sheet"
    name, suffix = clean, 2
    while name.casefold() in used:
        name = f"{clean[: _SHEET_NAME - 3]} {suffix}"
        suffix += 1
    used.add(name.casefold())
    return name


_DECIMAL_COMMA = {"nb", "sv", "nl", "de"}


def table_csv(table: Table, lang: Language) -> str:
    """One table as CSV text (the caller encodes it as UTF-8 with a BOM)."""
    comma = lang in _DECIMAL_COMMA
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if comma else ",", lineterminator="\r\n")
    writer.writerow(
        [
            _first_header(table, lang),
            *(column_label(c, lang) for c in table.columns),
            translate("analysis.column.quality", lang),
        ]
    )
    for row in table.rows:
        writer.writerow(
            [
                row_label(row, lang),
                *(_plain(v, c.decimals, comma) for v, c in zip(row.values, table.columns, strict=True)),
                translate(f"analysis.quality.{row.quality}", lang) if row.quality and row.quality != "measured" else "",
            ]
        )
    return out.getvalue()


def csv_bytes(text: str) -> bytes:
    return ("\ufeff" + text).encode("utf-8")


def _plain(value: Decimal | None, decimals: int, comma: bool) -> str:
    """A number without grouping (spreadsheets read it as a number), with the decimal sign of the language."""
    if value is None:
        return ""
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if comma else text


def _invoice_rows(found: PortfolioInvoices, lang: Language) -> tuple[list[str], list[list[object]]]:
    headers = [
        translate("common.customer_number", lang),
        translate("facilities.customer", lang),
        translate("invoices.number", lang),
        translate("invoices.period", lang),
        translate("invoices.issued", lang),
        translate("invoices.due_date", lang),
        translate("invoices.status", lang),
        translate("facilities.facility", lang),
        f"{translate('invoices.amount', lang)} ({found.currency})",
        translate("facilities.invoices.whole_or_share", lang),
    ]
    rows: list[list[object]] = [
        [
            r.customer_number,
            r.customer_name,
            r.invoice.number,
            r.invoice.period.key,
            r.invoice.issued_on,
            r.invoice.due_on,
            translate(f"invoices.status_{r.invoice.status.value}", lang),
            ", ".join(f.facility.name for f in r.facilities),
            r.amount,
            translate("facilities.invoices.whole" if r.whole else "facilities.invoices.share", lang),
        ]
        for r in found.rows
    ]
    return headers, rows


def invoices_workbook(found: PortfolioInvoices, lang: Language) -> bytes:
    """The invoices a portfolio search found, one row each (a partial grant's
    row is the sum of its facilities' shares, and says so)."""
    import xlsxwriter

    headers, rows = _invoice_rows(found, lang)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    header = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet(_sheet_name(translate("nav.invoices", lang), set()))
    for col, text in enumerate(headers):
        sheet.write_string(0, col, text, header)
    sheet.set_column(0, len(headers) - 1, 16)
    sheet.freeze_panes(1, 0)
    for index, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(index, col, datetime.combine(value, time(0)), day)
            elif isinstance(value, Decimal):
                sheet.write_number(index, col, float(value), money)
            elif isinstance(value, int):
                sheet.write_number(index, col, value)
            else:
                sheet.write_string(index, col, str(value))
    book.close()
    return buffer.getvalue()


def invoices_csv(found: PortfolioInvoices, lang: Language) -> str:
    comma = lang in _DECIMAL_COMMA
    headers, rows = _invoice_rows(found, lang)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if comma else ",", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            [
                _plain(v, 2, comma) if isinstance(v, Decimal) else v.isoformat() if isinstance(v, date) else v
                for v in row
            ]
        )
    return out.getvalue()
