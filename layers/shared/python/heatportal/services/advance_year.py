"""The advance payer's year (voorschot, Abschlag): the advances invoiced and
paid so far against what the year has cost so far, the projected cost of the
whole year, the settlement that is coming (a refund or an extra payment) and
the monthly advance that would make it come out even.

The projected year is the economy overview's (``services.forecast``): the
months billed or measured so far, the rest forecast from degree-day normals.
The advance page bounds a change by the same yearly figure, so the start page,
the economy page, the trial settlement and the advance page agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Protocol

from heatportal.domain.errors import NotFound
from heatportal.domain.model import InvoiceKind, InvoiceStatus, Role
from heatportal.domain.money import round_money
from heatportal.domain.payments import AdvancePayment
from heatportal.domain.profile import BillingMode, UtilityProfile
from heatportal.ports import Clock, InvoiceRepository
from heatportal.services.access import Scope
from heatportal.services.forecast import ForecastService, YearOverview
from heatportal.services.invoices import PaidAmounts, invoices_of


class AdvanceSource(Protocol):
    def list_advances(self, customer_number: str) -> list[AdvancePayment]: ...


@dataclass(frozen=True)
class AdvanceYear:
    year: int
    as_of: date
    currency: str
    advance: Decimal | None  # the monthly advance in force today
    advances_invoiced: Decimal  # incl. VAT, advances cancelled by a credit note left out
    advances_paid: Decimal
    months_invoiced: int
    cost_so_far: Decimal
    projected_cost: Decimal  # the whole year: so far + the forecast of the rest
    advances_planned: Decimal  # invoiced + the advance in force for the months still to come
    months_to_come: int
    settlement: Decimal  # projected cost - advances planned: > 0 to pay, < 0 to get back
    recommended_advance: Decimal  # that, spread over the months to come, rounded up to a whole unit
    overview: YearOverview

    @property
    def refund(self) -> bool:
        return self.settlement < 0


class AdvanceYearService:
    def __init__(
        self,
        profile: UtilityProfile,
        forecast: ForecastService,
        invoices: InvoiceRepository,
        advances: AdvanceSource,
        paid: PaidAmounts | None,
        clock: Clock,
    ) -> None:
        self.profile = profile
        self.forecast = forecast
        self.invoices = invoices
        self.advances = advances
        self.paid = paid
        self.clock = clock

    def year(self, scope: Scope) -> AdvanceYear:
        scope.require(Role.READ, companies="whole")
        if self.profile.billing_mode != BillingMode.ADVANCE_YEARLY:
            raise NotFound("This utility bills monthly in arrears, without advance payments.", code="advance_not_used")
        today = self.clock.today()
        currency = self.profile.currency
        overview = self.forecast.overview(scope)
        invoices = invoices_of(scope, self.invoices)
        advances = [
            i
            for i in invoices
            if i.kind == InvoiceKind.ADVANCE
            and i.period.year == today.year
            and i.credited_by is None
            and i.status != InvoiceStatus.CREDITED
        ]
        paid = self.paid.paid_amounts(scope.customer_number) if self.paid else {}
        invoiced = sum((i.total for i in advances), Decimal(0))
        paid_total = sum((min(paid.get(i.number, Decimal(0)), i.total) for i in advances), Decimal(0))
        in_force = [a for a in self.advances.list_advances(scope.customer_number) if a.valid_from <= today]
        advance = max(in_force, key=lambda a: a.valid_from).amount if in_force else None
        billed_months = {i.period.month for i in advances}
        to_come = [m for m in range(1, 13) if m not in billed_months and (today.year, m) >= (today.year, today.month)]
        planned = invoiced + (advance or Decimal(0)) * len(to_come)
        projected = round_money(overview.year_total, currency)
        settlement = projected - planned
        remaining = projected - invoiced
        recommended = (
            (remaining / len(to_come)).quantize(Decimal(1), rounding=ROUND_CEILING)
            if to_come and remaining > 0
            else Decimal(0)
        )
        return AdvanceYear(
            year=today.year,
            as_of=today,
            currency=currency,
            advance=advance,
            advances_invoiced=invoiced,
            advances_paid=paid_total,
            months_invoiced=len(advances),
            cost_so_far=round_money(overview.so_far, currency),
            projected_cost=projected,
            advances_planned=planned,
            months_to_come=len(to_come),
            settlement=settlement,
            recommended_advance=recommended,
            overview=overview,
        )
