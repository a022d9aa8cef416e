"""``/consumption``: consumption charts by year, month or in total, heat and hot
water, in the unit the person chooses (server-rendered SVG)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from babel.dates import format_date, format_skeleton
from portal_core import Page, meters_in_use, page, signed_in

from heatportal import composition
from heatportal.domain.model import MeterKind
from heatportal.domain.money import EnergyUnit, is_energy
from heatportal.i18n import format_date as format_local_date
from heatportal.i18n import format_quantity, unit_symbol
from heatportal.services.consumption import MeterConsumption, ViewName, shown_decimals

router = Router()


# Two drawings of the same chart: a wide one, and a narrow one for a phone
# whose user units are about screen pixels (labels stay >= 11 px at 360 px).
WIDE = 720


NARROW = 340


CHART_HEIGHT = 260


BOTTOM = 28


TOP = 28  # room for the axis unit above the highest tick


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    series: str  # "current", "previous" or "partial" (a period still running)
    title: str


@dataclass(frozen=True)
class Chart:
    rects: list[Rect]
    ticks: list[tuple[float, Decimal]]  # (y, value)
    labels: list[tuple[float, str]]  # (x, text)
    width: int
    left: int
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


def build_chart(
    result: MeterConsumption,
    labels: list[str],
    fmt: Any,
    *,
    width: int = WIDE,
    axis_labels: list[str] | None = None,
    most_labels: int = 16,
) -> Chart:
    """Bars (this period, the comparison, a running period apart) with a value
    axis and at most ``most_labels`` period labels (``axis_labels`` when the
    axis prints shorter ones than the bars' titles)."""
    bars = result.view.bars
    left = 64 if width >= WIDE else 52
    values = [b.quantity for b in bars] + [b.previous for b in bars]
    top = _nice_max(max((v for v in values if v is not None), default=Decimal(0)))
    plot_height = CHART_HEIGHT - BOTTOM - TOP
    slot = (width - left) / max(len(bars), 1)
    paired = any(b.previous is not None for b in bars) and result.view.view == "year"
    rects: list[Rect] = []
    for index, bar in enumerate(bars):
        series = [("previous", bar.previous), ("current", bar.quantity)] if paired else [("current", bar.quantity)]
        bar_width = slot * 0.8 / len(series)
        for position, (kind, value) in enumerate(series):
            if value is None:
                continue
            name = "partial" if kind == "current" and bar.partial else kind
            height = float(value / top) * plot_height
            x = left + index * slot + slot * 0.1 + position * bar_width
            rects.append(
                Rect(
                    round(x, 1),
                    round(TOP + plot_height - height, 1),
                    round(bar_width, 1),
                    round(height, 1),
                    name,
                    f"{labels[index]}: {fmt(value)}",
                )
            )
    ticks = [(round(TOP + plot_height * (1 - i / 4), 1), top * i / 4) for i in range(5)]
    shown = axis_labels or labels
    step = -(-len(bars) // most_labels) or 1
    text = [(round(left + i * slot + slot / 2, 1), shown[i]) for i in range(0, len(bars), step)]
    return Chart(rects, ticks, text, width, left)


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
    # Nothing asked for: the service opens on the last complete month (and its
    # year); a period after this month is not shown (no paging into the future).
    asked_year = _int(view.query.get("year"), 2000, today.year)
    asked_month = _int(view.query.get("month"), 1, 12)
    if asked_year == today.year and asked_month is not None and asked_month > today.month:
        asked_month = None
    result = composition.consumption_service().view(
        scope, meter.number, view_name, year=asked_year, month=asked_month if asked_year else None, unit=unit
    )
    year = result.year or asked_year or today.year
    month = result.month or asked_month or today.month
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
    today = composition.clock().today()
    if view_name == "year":
        labels = [_month_name(b.label, "LLL", view.lang) for b in result.view.bars]
    else:
        labels = [str(b.label) for b in result.view.bars]
    row_labels = labels
    if view_name == "month":
        # The language's own day label ("tir. 4. juni", "Tue, Jun 4", "di 4 jun").
        row_labels = [format_skeleton("MMMEd", date(year, month, b.label), locale=view.lang) for b in result.view.bars]
    unit_value = result.unit.value
    decimals = shown_decimals(result.unit)

    def fmt(value: Decimal) -> str:
        return format_quantity(value, unit_value, view.lang, decimals)

    units = [u for u in EnergyUnit if is_energy(u)] if is_energy(meter.unit) else [meter.unit]
    previous_month = date(year - (month == 1), 12 if month == 1 else month - 1, 1)
    next_month = date(year + (month == 12), 1 if month == 12 else month + 1, 1)
    this_month = today.replace(day=1)
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
        charts=[
            ("wide", build_chart(result, labels, fmt)),
            (
                "narrow",
                build_chart(
                    result,
                    labels,
                    fmt,
                    width=NARROW,
                    axis_labels=[_month_name(b.label, "LLLLL", view.lang) for b in result.view.bars]
                    if view_name == "year"
                    else None,
                    most_labels=12 if view_name == "year" else 7,
                ),
            ),
        ],
        units=units,
        fmt=fmt,
        previous_month=previous_month,
        next_month=next_month if next_month <= this_month else None,
        next_year=year + 1 if year < today.year else None,
        heat=meter.kind == MeterKind.HEAT,
        through_month=_month_name(result.view.compared_through or 12, "LLLL", view.lang),
        first_month=_month_name(1, "LLLL", view.lang),
        counted_until=format_local_date(result.view.counted_until, view.lang) if result.view.counted_until else None,
        month_name=_month_name(month, "LLLL", view.lang),
        unit_symbol=unit_symbol(unit_value, view.lang),  # "m³" as the figures print it, not "m3"
    )
