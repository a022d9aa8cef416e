"""The cost estimate as a PDF: the economy overview's year (invoiced, measured
and forecast months with their range) for the customer to keep. One service
for the portal's link and the API's document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from heatportal.domain.errors import NotFound
from heatportal.domain.model import Customer, Language
from heatportal.domain.profile import UtilityProfile
from heatportal.services.access import Scope
from heatportal.services.forecast import ForecastService, YearOverview

EstimateRenderer = Callable[[YearOverview, Customer, UtilityProfile, Language], bytes]


@dataclass(frozen=True)
class EstimatePdf:
    filename: str
    body: bytes


class EstimatePdfService:
    def __init__(self, profile: UtilityProfile, forecast: ForecastService, render: EstimateRenderer) -> None:
        self.profile = profile
        self.forecast = forecast
        self.render = render

    def pdf(self, scope: Scope, language: Language | None = None) -> EstimatePdf:
        """The year's estimate in ``language`` (the customer's own when None);
        the same access as the overview (a scope that covers the whole customer)."""
        overview = self.forecast.overview(scope)
        customer = scope.record.customer
        if customer is None:  # pragma: no cover - the access check found a membership for it
            raise NotFound("Customer not found.", code="not_found")
        body = self.render(overview, customer, self.profile, language or customer.language)
        return EstimatePdf(f"cost-estimate-{overview.year}.pdf", body)
