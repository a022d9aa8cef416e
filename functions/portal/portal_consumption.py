"""``/consumption``: consumption charts by year, month or in total, heat and hot
water, in the unit the person chooses (server-rendered SVG)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from babel.dates import format_date
from portal_core import Page, meters_in_use, page, signed_in

from heatportal import composition
from heatportal.domain.money import EnergyUnit, is_energy
from heatportal.services.consumption import MeterConsumption, ViewName

router = Router()


CHART_WIDTH = 720


CHART_HEIGHT = 240


LEFT = 64


BOTTOM = 28


TOP = 12


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: str  # "current" or "previous"
    title: str


@dataclass(frozen=True)
class Chart:
    rects: list[Rect]
    ticks: list[tuple[float, Decimal]]  # (y, value)
    labels: list[tuple[float, str]]  # (x, text)
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def _nice_max(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    step = Decimal(1).scaleb(exponent)
    for factor in (1, 2, 5, 10):
        if value <= step * factor:
            return step * factor
    return step * 10


def build_chart(result: MeterConsumption, labels: list[str], fmt: Any) -> Chart:
    bars = result.view.bars
    values = [b.quantity for b in bars] + [b.previous for b in bars]
    top = _nice_max(max((v for v in values if v is not None), default=Decimal(0)))
    plot_height = CHART_HEIGHT - BOTTOM - TOP
    slot = (CHART_WIDTH - LEFT) / max(len(bars), 1)
    paired = any(b.previous is not None for b in bars) and result.view.view == "year"
    rects: list[Rect] = []
    for index, bar in enumerate(bars):
        series = [("previous", bar.previous), ("current", bar.quantity)] if paired else [("current", bar.quantity)]
        width = slot * 0.8 / len(series)
        for position, (name, value) in enumerate(series):
            if value is None:
                continue
            height = float(value / top) * plot_height
            x = LEFT + index * slot + slot * 0.1 + position * width
            rects.append(
                Rect(
                    round(x, 1),
                    round(TOP + plot_height - height, 1),
                    round(width, 1),
                    round(height, 1),
                    name,
                    f"{labels[index]}: {fmt(value)}",
                )
            )
    ticks = [(round(TOP + plot_height * (1 - i / 4), 1), top * i / 4) for i in range(5)]
    step = max(1, len(bars) // 16)  # at most ~16 labels on a month of days
    text = [(round(LEFT + i * slot + slot / 2, 1), labels[i]) for i in range(0, len(bars), step)]
    return Chart(rects, ticks, text)


def _month_name(month: int, pattern: str, lang: str) -> str:
    return str(format_date(date(2000, month, 1), pattern, locale=lang))


def _int(value: str | None, low: int, high: int) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if low <= number <= high else None


@router.get("/consumption/export")
@page(router)
def export(view: Page) -> Response[Any]:
    """The consumption table the page shows, as Excel or CSV."""
    from portal_analysis import download

    from heatportal.documents.portfolio_export import CSV, XLSX, Sheet, consumption_table, csv_bytes, table_csv
    from heatportal.documents.portfolio_export import workbook as make_workbook

    principal, number = signed_in(view)
    if number is None:
        return view.redirect("/consumption")
    scope = view.scope(principal, number)
    meters = meters_in_use(scope)
    if not meters:
        return view.redirect("/consumption")
    result, _view_name, _year, _month = _result(view, scope, meters)
    table = consumption_table(result)
    stem = f"consumption-{result.meter.number}-{result.year or 'total'}" + (
        f"-{result.month:02d}" if result.month else ""
    )
    if view.query.get("format") == "csv":
        return download(view, f"{stem}.csv", CSV, csv_bytes(table_csv(table, view.lang)))
    sheet = Sheet(view.t("consumption.title"), table)
    return download(view, f"{stem}.xlsx", XLSX, make_workbook([sheet], view.lang))


def _result(view: Page, scope: Any, meters: list[Any]) -> tuple[MeterConsumption, ViewName, int, int]:
    """The meter, view, unit and period the query asks for, and its consumption."""
    wanted = view.query.get("meter")
    meter = next((m for m in meters if m.number == wanted), meters[0])
    kind = view.query.get("view")
    view_name: ViewName = "month" if kind == "month" else "total" if kind == "total" else "year"
    unit_text = view.query.get("unit")
    unit = next((u for u in EnergyUnit if u.value == unit_text), None)
    if unit is not None and not (unit == meter.unit or (is_energy(unit) and is_energy(meter.unit))):
        unit = None  # a switch left over from another meter: show its own unit
    today = composition.clock().today()
    year = _int(view.query.get("year"), 2000, 2100) or today.year
    month = _int(view.query.get("month"), 1, 12) or today.month
    result = composition.consumption_service().view(scope, meter.number, view_name, year=year, month=month, unit=unit)
    return result, view_name, year, month


@router.get("/consumption")
@page(router)
def consumption(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    if number is None:
        return view.render("no_customer.html")
    scope = view.scope(principal, number)
    meters = meters_in_use(scope)
    if not meters:
        return view.render("consumption.html", meters=[], result=None)
    result, view_name, year, month = _result(view, scope, meters)
    meter = result.meter
    if view_name == "year":
        labels = [_month_name(b.label, "LLL", view.lang) for b in result.view.bars]
    else:
        labels = [str(b.label) for b in result.view.bars]
    row_labels = labels
    if view_name == "month":
        row_labels = [format_date(date(year, month, b.label), "EEE d. MMM", locale=view.lang) for b in result.view.bars]
    unit_value = result.unit.value

    from heatportal.i18n import format_quantity, unit_symbol

    def fmt(value: Decimal) -> str:
        return format_quantity(value, unit_value, view.lang)

    units = [u for u in EnergyUnit if is_energy(u)] if is_energy(meter.unit) else [meter.unit]
    previous_month = date(year - (month == 1), 12 if month == 1 else month - 1, 1)
    next_month = date(year + (month == 12), 1 if month == 12 else month + 1, 1)
    return view.render(
        "consumption.html",
        meters=meters,
        meter=meter,
        result=result,
        view_name=view_name,
        year=year,
        month_number=month,
        labels=labels,
        row_labels=row_labels,
        chart=build_chart(result, labels, fmt),
        units=units,
        fmt=fmt,
        previous_month=previous_month,
        next_month=next_month,
        month_name=_month_name(month, "LLLL", view.lang),
        unit_symbol=unit_symbol(unit_value, view.lang),  # "m³" as the figures print it, not "m3"
    )
