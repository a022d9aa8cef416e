"""The bill's consumption comparisons (EED billing annex; FFVAV § 5 (1) Nr. 3
and 6): this period against the same period last year, both corrected to a
normal year's weather, and against a normalised average customer of the
customer's category.

Weather correction uses the customer's own degree-day factor, fitted on the
past year's daily values of each heat meter (``domain.estimation.fit``):
``corrected = measured - factor x (degree days - normal degree days)``; the
degree days come from the daily rows' measured outdoor temperature (the
station's normal where a day has none). One Query per heat meter reads the
year of daily values the fit, last year's period and this period need. A
meter without daily values is compared uncorrected with last year's bill.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from heatportal.domain.bill_information import AverageCustomer
from heatportal.domain.climate import DEFAULT_BASE, heating_degree_days, normal_temperature
from heatportal.domain.estimation import fit, observations_from_daily
from heatportal.domain.model import (
    BillingPeriod,
    ComparisonBar,
    ConsumptionComparison,
    Customer,
    MeterKind,
)
from heatportal.domain.money import EnergyUnit, convert
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.tariff import MeterUsage
from heatportal.ports import InvoiceRepository, ReadingRepository

HISTORY_DAYS = 365
COVERED = Decimal("0.9")  # last year's period counts when its daily values cover this share of its days


def category_of(customer: Customer, profile: UtilityProfile) -> AverageCustomer:
    """The average customer a customer is compared with: a business (an
    organisation number) with the business category where the profile has one,
    anyone else with the profile's default category."""
    comparison = profile.bill_information.comparison
    if customer.org_number:
        business = comparison.for_category("business")
        if business is not None:
            return business
    found = comparison.for_category(comparison.default_category)
    assert found is not None  # the profile checks its default category is listed
    return found


def _degree_days(station: str, start: date, end: date, temps: dict[date, Decimal]) -> Decimal:
    total = Decimal(0)
    day = start
    while day < end:
        temp = temps.get(day)
        total += heating_degree_days(temp if temp is not None else normal_temperature(station, day), DEFAULT_BASE)
        day += timedelta(days=1)
    return total


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


class ConsumptionComparisons:
    def __init__(self, profile: UtilityProfile, readings: ReadingRepository, invoices: InvoiceRepository) -> None:
        self.profile = profile
        self.readings = readings
        self.invoices = invoices

    def compare(
        self,
        customer: Customer,
        usages: Sequence[MeterUsage],
        start: date,
        end: date,
        *,
        last_year_kind_key: str = "invoice",
    ) -> ConsumptionComparison | None:
        """The comparison for the heat the customer's meters counted in [start, end);
        None without a heat meter."""
        heat = [u for u in usages if u.kind == MeterKind.HEAT]
        if not heat:
            return None
        station = self.profile.climate_station
        average = category_of(customer, self.profile)
        unit = average.unit
        before_start, before_end = _year_earlier(start), _year_earlier(end)
        quantity = sum((convert(u.quantity, u.unit, unit) for u in heat), Decimal(0))
        temps: dict[date, Decimal] = {}
        factor = Decimal(0)
        last_year: Decimal | None = Decimal(0)
        corrected = True
        for usage in heat:
            rows = self.readings.daily_consumption(usage.meter_number, start - timedelta(days=HISTORY_DAYS), end)
            for row in rows:
                if row.mean_outdoor_temp is not None:
                    temps.setdefault(row.day, row.mean_outdoor_temp)
            earlier = [r for r in rows if before_start <= r.day < before_end]
            if not rows or len(earlier) < COVERED * (before_end - before_start).days:
                last_year = None
            elif last_year is not None:
                last_year += sum((convert(r.quantity, usage.unit, unit) for r in earlier), Decimal(0))
            history = [r for r in rows if r.day < start]
            model = fit(observations_from_daily(history, station)) if history else None
            if model is None:
                corrected = False
            else:
                factor += convert(model.per_degree_day, usage.unit, unit)
        if last_year is None:
            last_year = self._last_years_bill(customer, heat, start, unit, last_year_kind_key)
            corrected = False
        degree_days = _degree_days(station, start, end, temps)
        degree_days_before = _degree_days(station, before_start, before_end, temps)
        normal = _degree_days(station, start, end, {})
        if not corrected:
            factor = Decimal(0)
        places = Decimal(1) if unit == EnergyUnit.KWH else Decimal("0.01")

        def rounded(value: Decimal) -> Decimal:
            return max(value, Decimal(0)).quantize(places, rounding=ROUND_HALF_UP)

        bars = [ComparisonBar(key="this_period", quantity=rounded(quantity - factor * (degree_days - normal)))]
        if last_year is not None:
            bars.append(
                ComparisonBar(key="last_year", quantity=rounded(last_year - factor * (degree_days_before - normal)))
            )
        bars.append(
            ComparisonBar(
                key="average",
                quantity=rounded(self._average_for(average, start, end)),
                category=average.category,
            )
        )
        return ConsumptionComparison(
            unit=unit.value,
            bars=tuple(bars),
            quantity=rounded(quantity),
            quantity_last_year=rounded(last_year) if last_year is not None else None,
            degree_days=degree_days.quantize(Decimal("0.1")),
            degree_days_last_year=degree_days_before.quantize(Decimal("0.1")) if last_year is not None else None,
            normal_degree_days=normal.quantize(Decimal("0.1")),
            per_degree_day=factor.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP),
            weather_corrected=corrected,
            station=station,
        )

    def _average_for(self, average: AverageCustomer, start: date, end: date) -> Decimal:
        share = self.profile.bill_information.comparison.base_load_share
        station = self.profile.climate_station
        year_start = date(start.year, 1, 1)
        year_degree_days = _degree_days(station, year_start, date(start.year + 1, 1, 1), {})
        days = Decimal((end - start).days)
        weather = _degree_days(station, start, end, {}) / year_degree_days if year_degree_days else days / 365
        return average.annual * (share * days / Decimal(365) + (1 - share) * weather)

    def _last_years_bill(
        self, customer: Customer, heat: Sequence[MeterUsage], start: date, unit: EnergyUnit, kind_key: str
    ) -> Decimal | None:
        """Last year's billed heat for the same period, from its invoice's register values."""
        earlier = _year_earlier(start)
        period = BillingPeriod(year=earlier.year, month=earlier.month if kind_key != "settlement" else 12)
        invoice = self.invoices.find_billed(customer.number, period, kind_key)
        if invoice is None:
            return None
        numbers = {u.meter_number for u in heat}
        values = [v for v in invoice.meter_values if v.meter_number in numbers]
        if not values:
            return None
        return sum((convert(v.quantity, v.unit, unit) for v in values), Decimal(0))
