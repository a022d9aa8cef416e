"""``/sustainability``: the utility's climate goal and key figures per year
(fuel mix, CO2 per MWh, renewable share, network losses) as charts and a
table, the yearly reports as PDFs, and the customer's own footprint."""

from dataclasses import dataclass
from decimal import Decimal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.errors import NotFound
from heatportal.domain.profile import Sustainability

router = Router()
# Colours of the energy carriers in the fuel-mix bars (AA contrast against white labels not needed:
# each bar has its share written next to it in the table).
PALETTE = ("#2e7d32", "#0b5d7a", "#8a5a00", "#6a1b9a", "#b00020", "#37474f", "#00695c", "#5d4037")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]


def _bars(values: list[tuple[str, Decimal]], fmt: str, width: int = 480, height: int = 200) -> Chart:
    top = max((v for _, v in values), default=Decimal(1)) or Decimal(1)
    slot = width / max(len(values), 1)
    bars = []
    for index, (label, value) in enumerate(values):
        h = float(value / top) * (height - 40)
        bars.append(Bar(index * slot + slot * 0.2, height - 20 - h, slot * 0.6, h, label, fmt.format(value)))
    return Chart(width, height, bars)


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    carrier: str
    share: Decimal


def _colours(goal: Sustainability) -> dict[str, str]:
    carriers = sorted({c for y in goal.years for c in y.fuel_mix})
    return {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(carriers)}


def _legend(goal: Sustainability) -> list[Segment]:
    """Every carrier of any year, with its share in the latest year (0 when it
    is no longer used), largest first: a colour the bars use is never unexplained."""
    latest = goal.years[-1].fuel_mix
    colours = _colours(goal)
    order = sorted(colours, key=lambda c: (-latest.get(c, Decimal(0)), c))
    return [Segment(0.0, 0.0, colours[c], c, latest.get(c, Decimal(0))) for c in order]


def _mix(goal: Sustainability) -> list[tuple[int, list[Segment]]]:
    colours = _colours(goal)
    rows = []
    for year in goal.years:
        x = 0.0
        segments = []
        for carrier, share in sorted(year.fuel_mix.items(), key=lambda item: -item[1]):
            w = float(share) * 4.8
            segments.append(Segment(x, w, colours[carrier], carrier, share))
            x += w
        rows.append((year.year, segments))
    return rows


@router.get("/sustainability")
@page(router)
def sustainability(view: Page) -> Response[str]:
    principal, number = signed_in(view)
    service = composition.sustainability_service()
    goal = service.goal()
    footprint = service.footprint(view.scope(principal, number)) if number is not None else []
    return view.render(
        "sustainability.html",
        goal=goal,
        latest=goal.years[-1],
        co2=_bars([(str(y.year), y.co2_kg_per_mwh) for y in goal.years], "{:.1f}"),
        renewable=_bars([(str(y.year), y.renewable_percent) for y in goal.years], "{:.0f} %"),
        mix=_mix(goal),
        legend=_legend(goal),
        footprint=footprint,
    )


@router.get("/sustainability/report-<year>.pdf")
@page(router)
def report(view: Page, year: str) -> Response[str]:
    signed_in(view)
    if not year.isdigit() or len(year) != 4:
        raise NotFound("No report for that year.", code="sustainability_report_not_found")
    body = composition.sustainability_service().report(int(year), view.lang)
    headers = {"Content-Disposition": f'inline; filename="sustainability-{year}.pdf"', **view.security_headers()}
    return Response(200, "application/pdf", body, headers)  # type: ignore[arg-type]  # a PDF body
