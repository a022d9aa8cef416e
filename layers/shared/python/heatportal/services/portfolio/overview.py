"""The start page for many facilities: a status overview of every facility the
person may see (consumption against expected, return temperature against the
reference, open invoices; interruptions on top), made of tiles the person
chooses, orders and sets up ("Change data", stored on the person).

Tiles are a registry: another area adds its tile with ``register_tile`` (its
name, title, options) and draws it in the start page's template; the person's
choice of tiles is kept whatever the registry holds (an unknown tile in a
stored choice is skipped, a new tile is shown at the end until the person
moves it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from heatportal.domain.errors import ValidationFailed
from heatportal.domain.facility_groups import PortfolioSettings, TileSetting
from heatportal.domain.portfolio import SUPPLIES, InvoiceSummary, Supply, return_excess, weighted_mean
from heatportal.ports import Clock
from heatportal.services.portfolio.facilities import Attention, attention
from heatportal.services.portfolio.ports import PortfolioSettingsStore
from heatportal.services.portfolio.scope import Portfolio, PortfolioFacility


@dataclass(frozen=True)
class TileKind:
    name: str
    # option -> the values it may take, the default first
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)


TILES: dict[str, TileKind] = {}


def register_tile(kind: TileKind) -> None:
    TILES[kind.name] = kind


# The start page's tiles, in their default order.
for _kind in (
    TileKind("status", {"show": ("attention", "all"), "count": ("5", "10", "20")}),
    TileKind("consumption", {"period": ("30d", "month"), "unit": ("MWh", "kWh"), "as": ("chart", "table")}),
    TileKind("return_temperature", {"as": ("chart", "table")}),
    TileKind("portfolio_invoices"),
):
    register_tile(_kind)


def tiles_of(settings: PortfolioSettings) -> list[TileSetting]:
    """The person's tiles in their order, with every option set (defaults
    filled in); tiles the person never placed follow, shown."""
    placed = [t for t in settings.tiles if t.tile in TILES]
    result = [TileSetting(tile=t.tile, shown=t.shown, options=_options(TILES[t.tile], t.options)) for t in placed]
    names = {t.tile for t in placed}
    for kind in TILES.values():
        if kind.name not in names:
            result.append(TileSetting(tile=kind.name, shown=True, options=_options(kind, {})))
    return result


def _options(kind: TileKind, chosen: dict[str, str]) -> dict[str, str]:
    return {
        name: chosen.get(name, values[0]) if chosen.get(name) in values else values[0]
        for name, values in kind.options.items()
    }


@dataclass(frozen=True)
class SupplyOverview:
    supply: Supply
    facilities: int
    last_kwh: Decimal  # the last 30 days with data, every facility that has them
    expected_kwh: Decimal | None  # the same facilities by their weather models
    return_temp: Decimal | None
    return_reference: Decimal | None
    month_kwh: Decimal
    previous_month_kwh: Decimal
    # The facilities furthest above expected, and with the return furthest on the wrong side.
    above_expected: tuple[tuple[PortfolioFacility, Decimal], ...]
    return_worst: tuple[tuple[PortfolioFacility, Decimal], ...]

    @property
    def deviation(self) -> Decimal | None:
        if not self.expected_kwh:
            return None
        return ((self.last_kwh - self.expected_kwh) / self.expected_kwh).quantize(Decimal("0.001"))

    @property
    def return_excess(self) -> Decimal | None:
        if self.return_temp is None or self.return_reference is None:
            return None
        off = self.return_temp - self.return_reference
        return -off if self.supply == "cooling" else off


@dataclass(frozen=True)
class Overview:
    facilities: int
    customers: int
    attention: tuple[tuple[PortfolioFacility, tuple[tuple[Supply, Attention], ...]], ...]
    supplies: tuple[SupplyOverview, ...]
    invoices: InvoiceSummary | None  # customers the person sees whole
    invoices_hidden: int  # customers the person sees only some facilities of
    as_of: datetime | None  # the oldest figures shown
    tiles: tuple[TileSetting, ...]


class OverviewService:
    def __init__(self, settings: PortfolioSettingsStore, clock: Clock, currency: str) -> None:
        self.settings_store = settings
        self.clock = clock
        self.currency = currency

    def overview(self, portfolio: Portfolio, settings: PortfolioSettings, *, top: int = 5) -> Overview:
        """Every facility's status in one look. Reads nothing: the portfolio has it."""
        today = self.clock.today()
        flagged = [(f, tuple(a)) for f in portfolio.facilities if (a := attention(f, today))]
        invoices = None
        hidden = 0
        for number, access in portfolio.customers.items():
            directory = portfolio.directories.get(number)
            if directory is None or directory.invoices is None:
                continue
            if not access.whole:
                hidden += 1
                continue
            invoices = _add(invoices, directory.invoices, self.currency)
        dated = [d.as_of for d in portfolio.directories.values() if d.as_of is not None]
        return Overview(
            facilities=len(portfolio.facilities),
            customers=len(portfolio.customers),
            attention=tuple(flagged),
            supplies=tuple(s for supply in SUPPLIES if (s := _supply(portfolio, supply, top)) is not None),
            invoices=invoices,
            invoices_hidden=hidden,
            as_of=min(dated) if dated else None,
            tiles=tuple(tiles_of(settings)),
        )

    def save_tiles(
        self, portfolio: Portfolio, settings: PortfolioSettings, chosen: list[TileSetting]
    ) -> PortfolioSettings:
        """Store the person's tiles: their order, which are shown, their options."""
        seen: set[str] = set()
        clean = []
        for tile in chosen:
            kind = TILES.get(tile.tile)
            if kind is None or tile.tile in seen:
                raise ValidationFailed("Choose among the tiles shown.", code="tile_unknown", params={"tile": tile.tile})
            for name, value in tile.options.items():
                if name not in kind.options or value not in kind.options[name]:
                    raise ValidationFailed(
                        "Choose among the settings shown.", code="tile_option_invalid", params={"tile": tile.tile}
                    )
            seen.add(tile.tile)
            clean.append(TileSetting(tile=tile.tile, shown=tile.shown, options=_options(kind, tile.options)))
        return self.settings_store.save_settings(settings.model_copy(update={"tiles": tuple(clean)}))


def _add(total: InvoiceSummary | None, more: InvoiceSummary, currency: str) -> InvoiceSummary:
    base = total or InvoiceSummary(currency=more.currency or currency)
    return base.model_copy(
        update={
            "open_count": base.open_count + more.open_count,
            "open_total": base.open_total + more.open_total,
            "overdue_count": base.overdue_count + more.overdue_count,
            "overdue_total": base.overdue_total + more.overdue_total,
        }
    )


def _supply(portfolio: Portfolio, supply: Supply, top: int) -> SupplyOverview | None:
    facilities = [f for f in portfolio.facilities if supply in f.facility.supplies]
    if not facilities:
        return None
    statuses = [(f, f.facility.status.get(supply)) for f in facilities]
    with_model = [(f, s) for f, s in statuses if s is not None and s.last_kwh is not None and s.expected_kwh]
    weighted = [
        (s.return_temp, s.last_kwh)
        for _f, s in statuses
        if s is not None and s.return_temp is not None and s.last_kwh is not None
    ]
    references = [
        (s.return_reference, s.last_kwh)
        for _f, s in statuses
        if s is not None and s.return_reference is not None and s.return_temp is not None and s.last_kwh
    ]
    deviations = sorted(
        ((f, s.deviation) for f, s in with_model if s.deviation is not None and s.deviation > 0),
        key=lambda pair: pair[1],
        reverse=True,
    )
    excess = sorted(
        ((f, e) for f, s in statuses if s is not None and (e := return_excess(s, supply)) is not None and e > 0),
        key=lambda pair: pair[1],
        reverse=True,
    )
    return SupplyOverview(
        supply=supply,
        facilities=len(facilities),
        last_kwh=sum((s.last_kwh for _f, s in with_model if s.last_kwh is not None), Decimal(0)),
        expected_kwh=sum((s.expected_kwh for _f, s in with_model if s.expected_kwh is not None), Decimal(0)) or None,
        return_temp=weighted_mean(weighted),
        return_reference=weighted_mean(references),
        month_kwh=sum((s.month_kwh or Decimal(0) for _f, s in statuses if s is not None), Decimal(0)),
        previous_month_kwh=sum((s.previous_month_kwh or Decimal(0) for _f, s in statuses if s is not None), Decimal(0)),
        above_expected=tuple(deviations[:top]),
        return_worst=tuple(excess[:top]),
    )
