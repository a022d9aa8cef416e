"""Sustainability: the utility's climate goal and its key figures per year
(fuel mix, CO2 per MWh, renewable share, network losses) from the profile,
a report per year as a PDF, and the customer's own footprint: each year's
heat from their meters times that year's CO2 per MWh."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from heatportal.domain.errors import NotFound
from heatportal.domain.model import Language, MeterKind, Role
from heatportal.domain.money import EnergyUnit
from heatportal.domain.profile import KeyFigures, Sustainability, UtilityProfile
from heatportal.ports import Clock
from heatportal.services.access import Scope
from heatportal.services.consumption import ConsumptionService

FOOTPRINT_YEARS = 3
ReportRenderer = Callable[[UtilityProfile, KeyFigures, Language], bytes]


@dataclass(frozen=True)
class FootprintYear:
    year: int
    mwh: Decimal
    co2_kg_per_mwh: Decimal
    figures_year: int  # the year whose figures were used (the latest published for a later year)

    @property
    def co2_kg(self) -> Decimal:
        return (self.mwh * self.co2_kg_per_mwh).quantize(Decimal(1))


class SustainabilityService:
    def __init__(
        self, profile: UtilityProfile, consumption: ConsumptionService, clock: Clock, render_report: ReportRenderer
    ) -> None:
        self.profile = profile
        self.consumption = consumption
        self.clock = clock
        self.render_report = render_report

    def goal(self) -> Sustainability:
        if self.profile.sustainability is None:
            raise NotFound("No sustainability figures are published.", code="sustainability_not_published")
        return self.profile.sustainability

    def report(self, year: int, lang: Language) -> bytes:
        figures = next((y for y in self.goal().years if y.year == year), None)
        if figures is None:
            raise NotFound("No report for that year.", code="sustainability_report_not_found")
        return self.render_report(self.profile, figures, lang)

    def footprint(self, scope: Scope) -> list[FootprintYear]:
        """The last three years (this one so far) of the scope's heat and cooling meters."""
        grant = scope.require(Role.READ, companies="any")
        goal = self.goal()
        meters = [m for m in grant.visible_meters() if m.kind in (MeterKind.HEAT, MeterKind.COOLING)]
        this_year = self.clock.today().year
        years = range(this_year - FOOTPRINT_YEARS + 1, this_year + 1)
        # One read per meter: its whole history by year (the supply's days only, as the consumption page shows).
        mwh = dict.fromkeys(years, Decimal(0))
        for meter in meters:
            if meter.installed_on.year > this_year or (meter.removed_on and meter.removed_on.year < years[0]):
                continue
            by_year = self.consumption.view(
                grant, meter.number, "total", unit=EnergyUnit.MWH, counted_by_register=False
            ).view.bars
            for bar in by_year:
                if int(bar.key) in mwh:
                    mwh[int(bar.key)] += bar.quantity or Decimal(0)
        result = []
        for year in years:
            figures = goal.figures_for(year)
            result.append(FootprintYear(year, mwh[year], figures.co2_kg_per_mwh, figures.year))
        return result
