"""Facilities of a portfolio: the list (searched, filtered, a page at a time),
a facility's page, and the person's named groups of facilities."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.facility_groups import (
    FacilityGroup,
    OperatingProtocol,
    PortfolioSettings,
    check_group,
    group_name,
)
from heatportal.domain.portfolio import FacilityAggregate, Supply, SupplyStatus, return_excess, return_summary
from heatportal.domain.power_signature import PowerSignature, SignaturePoint, fit_signature
from heatportal.ports import Clock
from heatportal.services.portfolio.ports import PortfolioSettingsStore, PortfolioStore
from heatportal.services.portfolio.scope import Portfolio, PortfolioFacility

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
# When a facility needs a look (eForsyning's defaults): 20 % above what the
# weather explains over 30 days, a return 3 °C on the wrong side of its
# reference, no data for three days.
DEVIATION_LIMIT = Decimal("0.20")
RETURN_LIMIT = Decimal(3)
STALE_DAYS = 3

Attention = Literal["above_expected", "return_temperature", "no_data"]
StatusFilter = Literal["attention", "ok"]


def attention(facility: PortfolioFacility, today: date) -> list[tuple[Supply, Attention]]:
    """What about the facility's supplies needs a look (empty: all is well)."""
    found: list[tuple[Supply, Attention]] = []
    for supply in facility.facility.supplies:
        status = facility.facility.status.get(supply) or SupplyStatus()
        if status.data_until is None or status.data_until < today - timedelta(days=STALE_DAYS):
            # A facility read by hand has no daily data: nothing to judge, nothing stale.
            if status.data_until is not None:
                found.append((supply, "no_data"))
            continue
        if status.deviation is not None and status.deviation > DEVIATION_LIMIT:
            found.append((supply, "above_expected"))
        excess = return_excess(status, supply)
        if excess is not None and excess > RETURN_LIMIT:
            found.append((supply, "return_temperature"))
    return found


@dataclass(frozen=True)
class FacilityQuery:
    text: str = ""  # name, address, facility id, meter number or customer
    supply: Supply | None = None
    status: StatusFilter | None = None
    group: str | None = None
    page: int = 1
    size: int = PAGE_SIZE


@dataclass(frozen=True)
class FacilityRow:
    facility: PortfolioFacility
    attention: tuple[tuple[Supply, Attention], ...]


@dataclass(frozen=True)
class FacilityList:
    rows: tuple[FacilityRow, ...]  # the page
    total: int  # facilities found by the query
    page: int
    pages: int
    size: int
    all_ids: tuple[str, ...]  # every facility found (for "select all")
    group: FacilityGroup | None


@dataclass(frozen=True)
class SupplyFigures:
    """A facility's supply over the past twelve complete months, against the twelve before."""

    supply: Supply
    aggregate: FacilityAggregate
    energy_kwh: Decimal
    previous_energy_kwh: Decimal | None
    return_temp: Decimal | None
    return_reference: Decimal | None
    return_amount: Decimal | None
    peak_hour_kw: Decimal | None
    volume_m3: Decimal | None
    status: SupplyStatus


@dataclass(frozen=True)
class FacilityPage:
    facility: PortfolioFacility
    figures: tuple[SupplyFigures, ...]
    protocols: tuple[OperatingProtocol, ...]
    attention: tuple[tuple[Supply, Attention], ...]


@dataclass(frozen=True)
class FacilityReport:
    facility: PortfolioFacility
    figures: SupplyFigures
    months: list[str]  # the twelve months reported, oldest first
    signature: PowerSignature | None
    today: date


def _months_back(today: date, count: int) -> list[str]:
    """The ``count`` complete months before ``today``'s month, newest first."""
    result, current = [], (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for _ in range(count):
        result.append(f"{current.year:04d}-{current.month:02d}")
        current = (current - timedelta(days=1)).replace(day=1)
    return result


class FacilityService:
    def __init__(self, store: PortfolioStore, settings: PortfolioSettingsStore, clock: Clock) -> None:
        self.store = store
        self.settings_store = settings
        self.clock = clock

    # --- the list --------------------------------------------------------------------------------
    def search(self, portfolio: Portfolio, settings: PortfolioSettings, query: FacilityQuery) -> FacilityList:
        """The facilities the query finds, a page of them. Reads nothing: the
        portfolio has them, with their status."""
        today = self.clock.today()
        group = None
        facilities = list(portfolio.facilities)
        if query.group:
            group = settings.group(query.group)
            if group is None:
                raise NotFound("This group does not exist.", code="group_not_found")
            facilities = portfolio.chosen(group.facilities)
        needle = query.text.strip().casefold()
        if needle:
            facilities = [f for f in facilities if needle in _haystack(f)]
        if query.supply:
            facilities = [f for f in facilities if query.supply in f.facility.supplies]
        rows = [FacilityRow(f, tuple(attention(f, today))) for f in facilities]
        if query.status == "attention":
            rows = [r for r in rows if r.attention]
        elif query.status == "ok":
            rows = [r for r in rows if not r.attention]
        size = min(max(query.size, 1), MAX_PAGE_SIZE)
        pages = max(1, math.ceil(len(rows) / size))
        page = min(max(query.page, 1), pages)
        shown = rows[(page - 1) * size : page * size]
        return FacilityList(tuple(shown), len(rows), page, pages, size, tuple(r.facility.id for r in rows), group)

    # --- a facility's page ---------------------------------------------------------------------------
    def page(self, portfolio: Portfolio, facility_id: str) -> FacilityPage:
        """The facility with its figures per supply and its operating protocols (one Query)."""
        facility = portfolio.facility(facility_id)
        aggregates, protocols = self.store.facility(facility.customer_number, facility.id)
        today = self.clock.today()
        recent, earlier = _months_back(today, 12), _months_back(today, 24)[12:]
        figures = []
        for aggregate in sorted(aggregates, key=lambda a: a.supply != "heating"):
            if aggregate.supply not in facility.facility.supplies:
                continue
            figures.append(_figures(aggregate, recent, earlier, facility.facility.status.get(aggregate.supply)))
        return FacilityPage(facility, tuple(figures), tuple(protocols), tuple(attention(facility, today)))

    def report(self, portfolio: Portfolio, facility_id: str, supply: Supply) -> FacilityReport:
        """What a facility's district heating (or cooling) report shows: the past
        twelve complete months and the power signature of the past year."""
        page = self.page(portfolio, facility_id)
        figures = next((f for f in page.figures if f.supply == supply), None)
        if figures is None:
            raise NotFound("The facility has no figures for this supply.", code="facility_not_found")
        today = self.clock.today()
        points = [
            SignaturePoint(d.outdoor_temp, d.mean_kw)
            for d in figures.aggregate.days
            if d.outdoor_temp is not None and d.day >= today - timedelta(days=365)
        ]
        return FacilityReport(
            page.facility,
            figures,
            list(reversed(_months_back(today, 12))),
            fit_signature(points, cooling=supply == "cooling"),
            today,
        )

    # --- groups --------------------------------------------------------------------------------------
    def settings(self, portfolio: Portfolio) -> PortfolioSettings:
        """The person's groups and tiles (one GetItem)."""
        return self.settings_store.settings(portfolio.principal.user_id)

    def create_group(
        self, portfolio: Portfolio, settings: PortfolioSettings, name: str, facility_ids: list[str]
    ) -> FacilityGroup:
        chosen = self._chosen(portfolio, facility_ids)
        clean = group_name(name)
        check_group(settings, clean, chosen, replacing=None)
        group = FacilityGroup(id=uuid.uuid4().hex[:12], name=clean, facilities=chosen, created_at=self.clock.now())
        self.settings_store.save_settings(settings.model_copy(update={"groups": (*settings.groups, group)}))
        return group

    def update_group(
        self,
        portfolio: Portfolio,
        settings: PortfolioSettings,
        group_id: str,
        *,
        name: str | None = None,
        facility_ids: list[str] | None = None,
    ) -> FacilityGroup:
        group = settings.group(group_id)
        if group is None:
            raise NotFound("This group does not exist.", code="group_not_found")
        clean = group_name(name) if name is not None else group.name
        # Facilities the person may no longer see stay out of a changed group.
        chosen = self._chosen(portfolio, facility_ids) if facility_ids is not None else group.facilities
        check_group(settings, clean, chosen, replacing=group.id)
        changed = group.model_copy(update={"name": clean, "facilities": chosen})
        groups = tuple(changed if g.id == group.id else g for g in settings.groups)
        self.settings_store.save_settings(settings.model_copy(update={"groups": groups}))
        return changed

    def delete_group(self, settings: PortfolioSettings, group_id: str) -> None:
        if settings.group(group_id) is None:
            raise NotFound("This group does not exist.", code="group_not_found")
        groups = tuple(g for g in settings.groups if g.id != group_id)
        self.settings_store.save_settings(settings.model_copy(update={"groups": groups}))

    @staticmethod
    def _chosen(portfolio: Portfolio, facility_ids: list[str]) -> tuple[str, ...]:
        wanted = list(dict.fromkeys(i.strip() for i in facility_ids if i.strip()))
        known = {f.id for f in portfolio.chosen(wanted)}
        unknown = [i for i in wanted if i not in known]
        if unknown:
            # The same answer for a facility that exists elsewhere and one that does not.
            raise ValidationFailed(
                "One of the chosen facilities is not among yours.",
                code="group_facility_unknown",
                fields=[{"field": "facilities", "code": "group_facility_unknown"}],
            )
        return tuple(f.id for f in portfolio.facilities if f.id in known)


def _haystack(facility: PortfolioFacility) -> str:
    address = facility.facility.address
    meters = " ".join(m.number for m in facility.facility.meters)
    return (
        f"{facility.facility.name} {facility.id} {address.street} {address.postcode} {address.city} "
        f"{facility.customer_name} {facility.customer_number} {meters}"
    ).casefold()


def _figures(
    aggregate: FacilityAggregate, recent: list[str], earlier: list[str], status: SupplyStatus | None
) -> SupplyFigures:
    now = [m for m in aggregate.months if m.month in recent]
    before = [m for m in aggregate.months if m.month in earlier]
    summary = return_summary(now, aggregate.supply)
    volumes = [m.volume_m3 for m in now if m.volume_m3 is not None]
    peaks = [m.peak_hour_kw for m in now if m.peak_hour_kw is not None]
    return SupplyFigures(
        supply=aggregate.supply,
        aggregate=aggregate,
        energy_kwh=summary.energy_kwh,
        previous_energy_kwh=sum((m.energy_kwh for m in before), Decimal(0)) if len(before) == 12 else None,
        return_temp=summary.return_temp,
        return_reference=summary.reference,
        return_amount=summary.amount,
        peak_hour_kw=max(peaks) if peaks else None,
        volume_m3=sum(volumes, Decimal(0)) if volumes else None,
        status=status or SupplyStatus(),
    )
