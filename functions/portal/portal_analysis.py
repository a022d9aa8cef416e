"""``/analysis``: one facility or a group, district heating and district
cooling in separate tabs, five sections (Energy, Flow, Temperature, Power,
Financial) against the two years before, the power signature, the
return-temperature bonus/fee table ("Show table" under Temperature), and the
exports (``/analysis/export``: Excel with every section, CSV of one)."""

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from babel.dates import format_date
from portal_charts import PALETTES, Chart, month_bars, month_lines, scatter, stacked_months
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.portfolio import SUPPLIES, Supply
from heatportal.i18n import unit_symbol
from heatportal.services.portfolio.analysis import SECTIONS, Analysis, Section, Target

router = Router()


def _choice(value: str | None, options: tuple[str, ...], default: str) -> str:
    return value if value in options else default


def _year(value: str | None, today: date) -> int | None:
    if value and value.isdigit() and 2000 <= int(value) <= today.year + 1:
        return int(value)
    return None


def wanted_target(query: dict[str, str]) -> tuple[str | None, str | None]:
    """(facility, group) from the query: ``facility=`` / ``group=`` in links, or
    the chooser's ``target=facility:<id>`` / ``target=group:<id>``."""
    kind, _, chosen = (query.get("target") or "").partition(":")
    if kind == "facility" and chosen:
        return chosen, None
    if kind == "group" and chosen:
        return None, chosen
    return query.get("facility") or None, query.get("group") or None


def target_query(target: Target) -> dict[str, str]:
    """The query parameters that name the target (a facility or a group)."""
    if target.kind == "facility":
        return {"facility": target.id}
    return {"group": target.id} if target.id else {}


@router.get("/analysis")
@page(router)
def analysis(view: Page) -> Response[str]:
    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    if not portfolio.facilities:
        return view.render("analysis.html", analysis=None, portfolio=portfolio, groups=())
    service = composition.analysis_service()
    settings = composition.facility_service().settings(portfolio)
    facility, group = wanted_target(view.query)
    target = service.target(portfolio, settings, facility=facility, group=group)
    supplies = [s for s in SUPPLIES if any(s in f.facility.supplies for f in target.facilities)] or ["heating"]
    supply: Supply = _choice(view.query.get("supply"), tuple(supplies), supplies[0])  # type: ignore[assignment]  # one of SUPPLIES
    section: Section = _choice(view.query.get("section"), SECTIONS, "energy")  # type: ignore[assignment]  # one of SECTIONS
    today = composition.clock().today()
    found = service.analyse(target, supply, _year(view.query.get("year"), today))
    months = [str(format_date(date(2000, m, 1), "LLL", locale=view.lang)) for m in range(1, 13)]
    charts = _charts(view, found, section, months)
    returns = service.return_table(target, supply, found.aggregates) if section == "temperature" else None
    base = target_query(target)
    return view.render(
        "analysis.html",
        analysis=found,
        portfolio=portfolio,
        groups=settings.groups,
        target=target,
        supplies=supplies,
        supply=supply,
        section=section,
        sections=SECTIONS,
        table=found.table(section),
        charts=charts,
        returns=returns,
        link=lambda **changes: "/analysis?" + urlencode({**base, "supply": supply, "section": section, **changes}),
        export=lambda **changes: "/analysis/export?"
        + urlencode({**base, "supply": supply, "section": section, "year": found.year, **changes}),
        unit=lambda u: unit_symbol(u, view.lang),
        month_label=lambda key: str(format_date(date(int(key[:4]), int(key[5:]), 1), "LLLL yyyy", locale=view.lang)),
    )


def _charts(view: Page, found: Analysis, section: Section, months: list[str]) -> list[Chart]:
    from heatportal.i18n import format_number

    palette = PALETTES[found.supply]

    def fmt(value: Decimal, decimals: int = 0) -> str:
        return format_number(value, view.lang, decimals)

    def years(figure: str) -> list[tuple[str, list[Decimal | None], list[str | None]]]:
        shown: list[tuple[str, list[Decimal | None], list[str | None]]] = [
            (
                str(year),
                found.series(figure, year),
                [m.quality if (m := found.month(year, n)) else None for n in range(1, 13)],
            )
            for year in found.years
        ]
        return shown

    t = view.t
    if section == "energy":
        return [month_bars(t("analysis.chart.energy"), "MWh", years("energy_mwh"), months, palette, fmt)]
    if section == "flow":
        return [
            month_bars(
                t("analysis.chart.volume"), unit_symbol("m3", view.lang), years("volume_m3"), months, palette, fmt
            ),
            month_bars(
                t("analysis.chart.max_flow"),
                unit_symbol("m3", view.lang) + "/h",
                years("max_flow_m3h"),
                months,
                palette,
                lambda v: fmt(v, 1),
            ),
        ]
    if section == "temperature":
        year = found.year
        return [
            month_lines(
                t("analysis.chart.temperature", year=year),
                "°C",
                [
                    (t("analysis.column.supply_temp"), found.series("supply_temp", year), "#b35c00", False),
                    (t("analysis.column.return_temp"), found.series("return_temp", year), palette[0], False),
                    (
                        f"{t('analysis.column.return_temp')} {year - 1}",
                        found.series("return_temp", year - 1),
                        palette[1],
                        False,
                    ),
                    (t("analysis.column.return_reference"), found.series("return_reference", year), "#222222", True),
                ],
                months,
                lambda v: fmt(v, 0),
            )
        ]
    if section == "power":
        charts = [month_bars(t("analysis.chart.peak_hour"), "kW", years("peak_hour_kw"), months, palette, fmt)]
        signature = found.signature
        points = [
            (d.outdoor_temp, d.mean_kw, f"{format_date(d.day, 'd MMM', locale=view.lang)}: {fmt(d.mean_kw)} kW")
            for d in found.days
            if d.outdoor_temp is not None
        ]
        fitted: list[tuple[Decimal, Decimal]] = []
        if signature is not None and points:
            temps = sorted(p[0] for p in points)
            corners = [temps[0], signature.balance_temp, temps[-1]]
            fitted = [(x, signature.power_at(x)) for x in corners if temps[0] <= x <= temps[-1]]
        charts.append(
            scatter(
                t("analysis.chart.signature"),
                "kW",
                "°C",
                points,
                fitted,
                palette[0],
                (t("analysis.signature.days"), t("analysis.signature.line")),
                fmt,
                signature.balance_temp if signature else None,
            )
        )
        return charts
    components = found.components
    return [
        stacked_months(
            t("analysis.chart.cost", year=found.year),
            found.currency,
            [
                (
                    t(f"analysis.component.{c}"),
                    [(m.cost.get(c) if (m := found.month(found.year, n)) else None) for n in range(1, 13)],
                )
                for c in components
            ],
            months,
            fmt,
        )
    ]


@router.get("/analysis/export")
@page(router)
def export(view: Page) -> Response[Any]:
    principal, _ = signed_in(view)
    portfolio = view.portfolio(principal)
    service = composition.analysis_service()
    facility, group = wanted_target(view.query)
    target = service.target(
        portfolio, composition.facility_service().settings(portfolio), facility=facility, group=group
    )
    supply: Supply = _choice(view.query.get("supply"), SUPPLIES, "heating")  # type: ignore[assignment]  # one of SUPPLIES
    section = _choice(view.query.get("section"), SECTIONS, "energy")
    file_format = _choice(view.query.get("format"), ("xlsx", "csv"), "xlsx")
    found = service.analyse(target, supply, _year(view.query.get("year"), composition.clock().today()))
    filename, media, body = composition.analysis_export(found, file_format, section, view.lang)
    return download(view, filename, media, body)


def download(view: Page, filename: str, media: str, body: bytes) -> Response[Any]:
    """CSV (text) straight away; a workbook or a PDF through a short-lived link."""
    if media.startswith("text/"):
        headers = {**view.security_headers(), "Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(200, media, body.decode("utf-8"), headers, cookies=view.set_cookies)
    return view.redirect(composition.download_link(body, filename, media))
