"""Economy overview and forecast: cost so far this year, the rest of the year
forecast from degree-day normals with a range, and the expected yearly cost
that bounds the advance payment.

The model per meter is fitted on the past year's daily consumption:
``quantity of a month = base per day x days + factor x normal degree days``
(heating degree days for heat, cooling degree days for district cooling;
other meters use the base only). The range is a mild and a cold year:
the degree-day part 15 % lower or higher. Every month is priced by the tariff
engine through the pricing service the bills use (services.billing.pricing).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from heatportal.domain.climate import normal_month_degree_days
from heatportal.domain.model import BillingPeriod, Invoice, InvoiceKind, Meter, MeterKind, Role
from heatportal.domain.money import round_money
from heatportal.domain.profile import UtilityProfile
from heatportal.domain.tariff import MeterUsage, MissingPrice
from heatportal.ports import Clock, InvoiceRepository, ReadingRepository
from heatportal.services.access import Scope
from heatportal.services.billing.pricing import PricingService
from heatportal.services.invoices import invoices_of

YEAR_SWING = Decimal("0.15")  # degree days of a mild (-) or cold (+) year against the normal
HISTORY_DAYS = 365
SPOT_LOOKBACK_MONTHS = 12


@dataclass(frozen=True)
class MeterModel:
    meter_number: str
    kind: MeterKind
    unit: str
    base_per_day: Decimal
    per_degree_day: Decimal

    def quantity(self, period: BillingPeriod, degree_days: Decimal, swing: Decimal = Decimal(0)) -> Decimal:
        return self.base_per_day * period.days + self.per_degree_day * degree_days * (1 + swing)


@dataclass(frozen=True)
class MonthCost:
    period: BillingPeriod
    source: Literal["invoiced", "estimated", "forecast"]
    total: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class YearOverview:
    customer_number: str
    year: int
    as_of: date
    currency: str
    months: tuple[MonthCost, ...]
    so_far: Decimal
    forecast_rest: Decimal
    year_total: Decimal
    year_low: Decimal
    year_high: Decimal
    station: str


def fit_meter(meter: Meter, days: list[tuple[date, Decimal]], station: str) -> MeterModel | None:
    """Least squares of monthly sums on (days, normal degree days); heat (on
    heating degree days) and cooling (on cooling degree days) get a degree-day
    factor, and a negative factor or base falls back to a flat daily mean. None
    without any daily data."""
    if not days:
        return None
    by_month: dict[tuple[int, int], list[Decimal]] = defaultdict(list)
    for day, quantity in days:
        by_month[(day.year, day.month)].append(quantity)
    total = sum((q for _, q in days), Decimal(0))
    flat = MeterModel(meter.number, meter.kind, meter.unit.value, total / len(days), Decimal(0))
    if meter.kind not in (MeterKind.HEAT, MeterKind.COOLING) or len(by_month) < 3:
        return flat
    # Scale partly covered months to whole months before fitting.
    rows = []
    for (year, month), quantities in by_month.items():
        month_days = calendar.monthrange(year, month)[1]
        rows.append(
            (
                Decimal(month_days),
                normal_month_degree_days(station, month, cooling=meter.kind == MeterKind.COOLING),
                sum(quantities, Decimal(0)) * month_days / len(quantities),
            )
        )
    sxx = sum((d * d for d, _, _ in rows), Decimal(0))
    sxh = sum((d * h for d, h, _ in rows), Decimal(0))
    shh = sum((h * h for _, h, _ in rows), Decimal(0))
    sxy = sum((d * y for d, _, y in rows), Decimal(0))
    shy = sum((h * y for _, h, y in rows), Decimal(0))
    det = sxx * shh - sxh * sxh
    if det == 0:
        return flat
    base = (sxy * shh - shy * sxh) / det
    factor = (sxx * shy - sxh * sxy) / det
    if base < 0 or factor < 0:
        return flat
    return MeterModel(meter.number, meter.kind, meter.unit.value, base, factor)


class ForecastService:
    def __init__(
        self,
        profile: UtilityProfile,
        readings: ReadingRepository,
        invoices: InvoiceRepository,
        pricing: PricingService,
        clock: Clock,
    ) -> None:
        self.profile = profile
        self.readings = readings
        self.invoices = invoices
        self.pricing = pricing
        self.clock = clock

    # --- the model ------------------------------------------------------------------
    def models(self, meters: Sequence[Meter]) -> list[tuple[Meter, MeterModel]]:
        return [(meter, model) for meter, model, _ in self.history(meters)]

    def history(self, meters: Sequence[Meter]) -> list[tuple[Meter, MeterModel, dict[str, tuple[Decimal, int]]]]:
        """Per active meter (of the customer's ``meters``): its fitted model and
        the measured (quantity, days) per month."""
        today = self.clock.today()
        start = today - timedelta(days=HISTORY_DAYS)
        result = []
        for meter in meters:
            if meter.removed_on is not None and meter.removed_on <= today:
                continue
            daily = self.readings.daily_consumption(meter.number, start, today)
            model = fit_meter(meter, [(d.day, d.quantity) for d in daily], self.profile.climate_station)
            if model is None:
                continue
            measured: dict[str, tuple[Decimal, int]] = {}
            for row in daily:
                key = f"{row.day.year:04d}-{row.day.month:02d}"
                quantity, count = measured.get(key, (Decimal(0), 0))
                measured[key] = (quantity + row.quantity, count + 1)
            result.append((meter, model, measured))
        return result

    def price_measured(
        self,
        period: BillingPeriod,
        history: list[tuple[Meter, MeterModel, dict[str, tuple[Decimal, int]]]],
        spot: Decimal | None,
    ) -> Decimal | None:
        """A past month priced on what the meters measured; None unless every meter
        has daily data for nearly the whole month."""
        usages = []
        for meter, _model, measured in history:
            quantity, count = measured.get(period.key, (Decimal(0), 0))
            if count < period.days * Decimal("0.9"):
                return None
            usages.append(MeterUsage(meter.number, meter.kind, meter.unit, quantity * period.days / count))
        if not usages:
            return None
        return self.pricing.price_usages(period, usages, spot).total

    def _spot(self, period: BillingPeriod) -> Decimal | None:
        """The month's average, or the newest known one before it (future months)."""
        today = self.clock.today()
        try:
            return self.pricing.spot_price(
                period,
                fallback_months=SPOT_LOOKBACK_MONTHS - 1,
                known_until=BillingPeriod(year=today.year, month=today.month),
            )
        except LookupError:
            return None

    def price_month(
        self, period: BillingPeriod, models: list[tuple[Meter, MeterModel]], swing: Decimal, spot: Decimal | None
    ) -> Decimal:
        station = self.profile.climate_station
        usages = tuple(
            MeterUsage(
                meter.number,
                meter.kind,
                meter.unit,
                max(
                    model.quantity(
                        period,
                        normal_month_degree_days(station, period.month, cooling=meter.kind == MeterKind.COOLING),
                        swing,
                    ),
                    Decimal(0),
                ),
            )
            for meter, model in models
        )
        if not usages:
            return Decimal(0)
        return self.pricing.price_usages(period, usages, spot).total

    def expected_yearly_cost(self, meters: Sequence[Meter]) -> tuple[Decimal, dict[str, Decimal]]:
        """A normal year's cost of the customer's ``meters`` from next month on, in
        total and per supply type (the share of each meter kind is its energy and
        volume lines; fixed fees go to heat)."""
        with self.pricing.spot_prices_cached():  # twelve months priced, spot averages read once
            return self._expected_yearly_cost(meters)

    def _expected_yearly_cost(self, meters: Sequence[Meter]) -> tuple[Decimal, dict[str, Decimal]]:
        models = self.models(meters)
        today = self.clock.today()
        period = BillingPeriod(year=today.year, month=today.month).next()
        total = Decimal(0)
        by_kind: dict[str, Decimal] = defaultdict(lambda: Decimal(0))
        for _ in range(12):
            spot = self._spot(period)
            try:
                month_total = self.price_month(period, models, Decimal(0), spot)
                for meter, model in models:
                    alone = self.price_month(period, [(meter, model)], Decimal(0), spot)
                    by_kind[meter.kind.value] += alone
            except (MissingPrice, LookupError):
                month_total = Decimal(0)
            total += month_total
            period = period.next()
        currency = self.profile.currency
        # Per-kind sums each carry the fixed fees; scale them to the total.
        raw = sum(by_kind.values(), Decimal(0))
        shares = {k: round_money(total * v / raw, currency) for k, v in by_kind.items()} if raw else {}
        return round_money(total, currency), shares

    def year_cost(self, scope: Scope) -> tuple[Decimal, dict[str, Decimal]]:
        """The year's projected cost (the overview's yearly figure: so far + the
        forecast of the rest), split by supply type as a normal year's cost is.
        The advance page bounds a change by it, so it shows the economy page's figure."""
        total = round_money(self.overview(scope).year_total, self.profile.currency)
        normal, by_kind = self.expected_yearly_cost(scope.record.meters)
        if normal <= 0:
            return total, {}
        return total, {k: round_money(total * v / normal, self.profile.currency) for k, v in by_kind.items()}

    # --- the overview ---------------------------------------------------------------
    def overview(self, scope: Scope) -> YearOverview:
        """The year month by month: invoiced, estimated from measured use, forecast."""
        with self.pricing.spot_prices_cached():  # each month priced, spot averages read once
            return self._overview(scope)

    def _overview(self, scope: Scope) -> YearOverview:
        scope.require(Role.READ, companies="whole")
        customer_number = scope.customer_number
        today = self.clock.today()
        year = today.year
        invoices = invoices_of(scope, self.invoices)
        billed: dict[str, Decimal] = defaultdict(lambda: Decimal(0))
        for invoice in invoices:
            if invoice.period.year == year and _consumption_bill(invoice):
                billed[invoice.period.key] += invoice.total
        history = self.history(scope.record.meters)
        models = [(meter, model) for meter, model, _ in history]
        months: list[MonthCost] = []
        current = BillingPeriod(year=today.year, month=today.month)
        for month in range(1, 13):
            period = BillingPeriod(year=year, month=month)
            if period.key in billed:
                total = billed[period.key]
                months.append(MonthCost(period, "invoiced", total, total, total))
                continue
            spot = self._spot(period)
            past = _key(period) < _key(current)
            try:
                measured = self.price_measured(period, history, spot) if past else None
                if measured is not None:
                    months.append(MonthCost(period, "estimated", measured, measured, measured))
                    continue
                middle = self.price_month(period, models, Decimal(0), spot)
                low = self.price_month(period, models, -YEAR_SWING, spot)
                high = self.price_month(period, models, YEAR_SWING, spot)
            except (MissingPrice, LookupError):
                middle = low = high = Decimal(0)
            source: Literal["estimated", "forecast"] = "estimated" if past else "forecast"
            months.append(MonthCost(period, source, middle, low, high))
        so_far = sum((m.total for m in months if m.source != "forecast"), Decimal(0))
        rest = [m for m in months if m.source == "forecast"]
        forecast_rest = sum((m.total for m in rest), Decimal(0))
        return YearOverview(
            customer_number=customer_number,
            year=year,
            as_of=today,
            currency=self.profile.currency,
            months=tuple(months),
            so_far=so_far,
            forecast_rest=forecast_rest,
            year_total=so_far + forecast_rest,
            year_low=so_far + sum((m.low for m in rest), Decimal(0)),
            year_high=so_far + sum((m.high for m in rest), Decimal(0)),
            station=self.profile.climate_station,
        )


def _key(period: BillingPeriod) -> tuple[int, int]:
    return (period.year, period.month)


def _consumption_bill(invoice: Invoice) -> bool:
    return invoice.kind in (InvoiceKind.INVOICE, InvoiceKind.SETTLEMENT, InvoiceKind.CREDIT_NOTE)
