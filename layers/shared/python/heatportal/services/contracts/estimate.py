"""The annual cost estimate of a facility's contract, and the options
simulator: the next twelve months of the facility's expected consumption,
priced month by month by the tariff engine (services.billing.pricing) with the
contract's own price list (its options written in), summed line by line.

The expected consumption of each meter comes from its own history: the
forecast's model from a year of daily values (base load plus a factor times
normal degree days), else the degree-day model fitted on its readings, else
its mean daily consumption, else the profile's default for a meter of its
kind. The history is the meter's, whoever was supplied (a new occupant's
estimate starts from what the home used).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from heatportal.domain.climate import normal_degree_days
from heatportal.domain.contracts import Contract, ContractTerms, price_list_with, terms_from_choices
from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.model import BillingPeriod, Customer, Language, Meter, MeterKind
from heatportal.domain.money import EnergyUnit, convert, is_energy, round_money
from heatportal.domain.profile import PriceList, SpotEnergyPrice, UtilityProfile
from heatportal.domain.tariff import MeterUsage, MissingPrice, PricedPeriod
from heatportal.ports import Clock
from heatportal.services.access import Scope
from heatportal.services.billing.pricing import PricingService
from heatportal.services.billing.reads import SPOT_KEPT_FOR
from heatportal.services.contracts.contracts import ContractService
from heatportal.services.forecast import ForecastService, MeterModel
from heatportal.services.readings import ReadingService

MONTHS = 12
SPOT_LOOKBACK_MONTHS = 12
DAYS_PER_YEAR = Decimal(365)
QUANTITY_STEP = Decimal("0.001")  # a month's expected quantity, as a register shows at most

Basis = Literal["daily", "readings", "average", "default"]


@dataclass(frozen=True)
class ExpectedMeter:
    meter: Meter
    model: MeterModel
    basis: Basis

    def quantity(self, period: BillingPeriod, station: str) -> Decimal:
        expected = self.model.quantity(period, normal_degree_days(station, period.month))
        return max(expected, Decimal(0)).quantize(QUANTITY_STEP)


@dataclass(frozen=True)
class EstimateLine:
    """One line of the year: a tariff component summed over the twelve months."""

    component: str
    text_key: str
    text_params: dict[str, str]
    quantity: Decimal
    unit: str
    unit_price: Decimal  # the amount over the quantity (a mean where the price varies by month)
    amount: Decimal  # on the price list's basis (incl. VAT for a list that includes it)

    @property
    def key(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        return (self.component, self.text_key, tuple(sorted(self.text_params.items())))


@dataclass(frozen=True)
class AnnualEstimate:
    facility_id: str
    terms: ContractTerms
    price_list: PriceList
    first_month: BillingPeriod
    lines: tuple[EstimateLine, ...]
    net_total: Decimal
    vat_total: Decimal
    total: Decimal
    currency: str
    # What the expected consumption rests on, per meter: its own history or the default.
    basis: dict[str, Basis]
    # The expected yearly quantity per meter, in the meter's unit.
    quantities: dict[str, Decimal]
    units: dict[str, str]


@dataclass(frozen=True)
class LineChange:
    key: tuple[str, str, tuple[tuple[str, str], ...]]
    text_key: str
    text_params: dict[str, str]
    before: EstimateLine | None
    after: EstimateLine | None

    @property
    def difference(self) -> Decimal:
        return (self.after.amount if self.after else Decimal(0)) - (self.before.amount if self.before else Decimal(0))


@dataclass(frozen=True)
class Simulation:
    contract: Contract
    current: AnnualEstimate
    chosen: AnnualEstimate
    changes: tuple[LineChange, ...]

    @property
    def difference(self) -> Decimal:
        return self.chosen.total - self.current.total


@dataclass
class Inputs:
    """What an estimate reads, kept for the next estimate of the same meters:
    their expected consumption and the spot average per zone (every month
    ahead is indexed to the newest known one)."""

    expected: list[ExpectedMeter] | None = None
    spots: dict[str | None, Decimal | None] = field(default_factory=dict)


EstimateRenderer = Callable[[AnnualEstimate, Customer, Contract, UtilityProfile, Language, "Simulation | None"], bytes]


class ExpectedConsumption:
    """A meter's expected consumption by month, from its own history."""

    def __init__(self, profile: UtilityProfile, forecast: ForecastService, readings: ReadingService, clock: Clock):
        self.profile = profile
        self.forecast = forecast
        self.readings = readings
        self.clock = clock

    def of(self, meters: Sequence[Meter]) -> list[ExpectedMeter]:
        today = self.clock.today()
        fitted = {meter.number: model for meter, model in self.forecast.models(list(meters))}
        expected = []
        for meter in meters:
            if meter.removed_on is not None and meter.removed_on <= today:
                continue
            model = fitted.get(meter.number)
            if model is not None:
                expected.append(ExpectedMeter(meter, model, "daily"))
                continue
            expected.append(self._from_readings(meter, today))
        return expected

    def _from_readings(self, meter: Meter, today: date) -> ExpectedMeter:
        heat = meter.kind in (MeterKind.HEAT, MeterKind.COOLING)
        degree_days = self.readings.degree_day_model(meter, today) if heat else None
        if degree_days is not None:
            model = MeterModel(
                meter.number, meter.kind, meter.unit.value, degree_days.base_per_day, degree_days.per_degree_day
            )
            return ExpectedMeter(meter, model, "readings")
        daily = self.readings.expected_daily(meter, today)
        if daily is not None and daily > 0:
            return ExpectedMeter(
                meter, MeterModel(meter.number, meter.kind, meter.unit.value, daily, Decimal(0)), "average"
            )
        yearly = self.profile.moving.default_yearly.get(meter.kind, Decimal(0))
        if is_energy(meter.unit):
            yearly = convert(yearly, EnergyUnit.KWH, meter.unit)
        per_day = yearly / DAYS_PER_YEAR
        return ExpectedMeter(
            meter, MeterModel(meter.number, meter.kind, meter.unit.value, per_day, Decimal(0)), "default"
        )


class AnnualEstimateService:
    def __init__(
        self,
        profile: UtilityProfile,
        contracts: ContractService,
        expected: ExpectedConsumption,
        pricing: PricingService,
        clock: Clock,
        render_pdf: EstimateRenderer,
    ) -> None:
        self.profile = profile
        self.contracts = contracts
        self.expected = expected
        self.pricing = pricing
        self.clock = clock
        self.render_pdf = render_pdf
        # (zone, the month known until) -> (read at, the spot average): see SPOT_KEPT_FOR
        self._spot_read: dict[tuple[str | None, str], tuple[datetime, Decimal | None]] = {}

    # --- the contract's estimate ------------------------------------------------------
    def estimate(self, scope: Scope, facility_id: str) -> tuple[Contract, AnnualEstimate]:
        contract = self.contracts.contract(scope, facility_id)
        first = self._first_month()
        terms = contract.version_on(first.start).terms
        return contract, self.estimate_for(scope.record.meters, contract, terms)

    def estimate_for(
        self, meters: Sequence[Meter], contract: Contract, terms: ContractTerms, inputs: Inputs | None = None
    ) -> AnnualEstimate:
        """The next twelve months of the contract's facility with ``terms``."""
        facility_meters = [m for m in meters if m.facility_id == contract.facility.id]
        return self.estimate_meters(contract.facility.id, facility_meters, terms, inputs)

    def estimate_meters(
        self, facility_id: str, meters: Sequence[Meter], terms: ContractTerms, inputs: Inputs | None = None
    ) -> AnnualEstimate:
        """``inputs`` carries what one estimate read for the next of the same
        meters (the simulator prices the same year twice)."""
        inputs = inputs if inputs is not None else Inputs()
        if inputs.expected is None:
            inputs.expected = self.expected.of(meters)
        expected = inputs.expected
        if not expected:
            raise NotFound("This facility has no meter in use to estimate.", code="estimate_no_meter")
        first = self._first_month()
        totals: dict[tuple[str, str, tuple[tuple[str, str], ...]], EstimateLine] = {}
        order: list[tuple[str, str, tuple[tuple[str, str], ...]]] = []
        net = vat = Decimal(0)
        quantities = {e.meter.number: Decimal(0) for e in expected}
        price_list = price_list_with(self.profile.price_list_on(first.start), terms, self.profile.offer)
        periods = [first]
        while len(periods) < MONTHS:
            periods.append(periods[-1].next())
        months = [self._month(period, expected, terms, quantities, inputs.spots) for period in periods]
        for priced in months:
            net += priced.net_total
            vat += priced.vat_total
            for line in priced.lines:
                estimate_line = EstimateLine(
                    line.component,
                    line.text_key,
                    dict(line.text_params),
                    line.quantity,
                    line.unit,
                    line.unit_price,
                    line.amount,
                )
                known = totals.get(estimate_line.key)
                if known is None:
                    order.append(estimate_line.key)
                    totals[estimate_line.key] = estimate_line
                else:
                    totals[estimate_line.key] = _add(known, estimate_line, self.profile.currency)
        lines = tuple(_with_mean_price(totals[key]) for key in order)
        return AnnualEstimate(
            facility_id=facility_id,
            terms=terms,
            price_list=price_list,
            first_month=first,
            lines=lines,
            net_total=net,
            vat_total=vat,
            total=net + vat,
            currency=self.profile.currency,
            basis={e.meter.number: e.basis for e in expected},
            quantities={number: q.quantize(Decimal("0.001")) for number, q in quantities.items()},
            units={e.meter.number: e.meter.unit.value for e in expected},
        )

    def _month(
        self,
        period: BillingPeriod,
        expected: Sequence[ExpectedMeter],
        terms: ContractTerms,
        quantities: dict[str, Decimal],
        spots: dict[str | None, Decimal | None],
    ) -> PricedPeriod:
        """One month ahead priced with the contract's price list of that month;
        the spot average, the same for every month ahead of the same zone, is
        read once per zone into ``spots``."""
        usages = []
        for item in expected:
            quantity = item.quantity(period, self.profile.climate_station)
            quantities[item.meter.number] += quantity
            usages.append(MeterUsage(item.meter.number, item.meter.kind, item.meter.unit, quantity))
        month_list = price_list_with(self.profile.price_list_on(period.start), terms, self.profile.offer)
        base = self.profile.price_list_on(period.start)
        zone = next((c.zone for c in base.components if isinstance(c, SpotEnergyPrice)), None)
        if zone not in spots:
            spots[zone] = self._spot_average(period, zone)
        return self._price(period, usages, spots[zone], month_list)

    def _spot_average(self, period: BillingPeriod, zone: str | None) -> Decimal | None:
        """The newest known spot average of the zone (every month ahead is
        priced with it), as this container read it less than SPOT_KEPT_FOR ago."""
        now = self.clock.now()
        today = self.clock.today()
        this_month = BillingPeriod(year=today.year, month=today.month)
        kept = self._spot_read.get((zone, this_month.key))
        if kept is not None and timedelta(0) <= now - kept[0] < SPOT_KEPT_FOR:
            return kept[1]
        spot = self.pricing.spot_price(period, fallback_months=SPOT_LOOKBACK_MONTHS - 1, known_until=this_month)
        self._spot_read[(zone, this_month.key)] = (now, spot)
        return spot

    def _price(
        self, period: BillingPeriod, usages: list[MeterUsage], spot: Decimal | None, price_list: PriceList
    ) -> PricedPeriod:
        try:
            return self.pricing.price_usages(period, usages, spot, price_list)
        except MissingPrice as error:
            raise ValidationFailed(
                "A price the estimate needs is not published yet.", code="estimate_price_missing"
            ) from error

    def _first_month(self) -> BillingPeriod:
        today = self.clock.today()
        return BillingPeriod(year=today.year, month=today.month).next()

    # --- the simulator ---------------------------------------------------------------------
    def simulate(self, scope: Scope, facility_id: str, product: str | None, choices: Mapping[str, str]) -> Simulation:
        """The estimate with the person's picks against the contract's own, line by line."""
        terms = terms_from_choices(self.profile.offer, product, choices)
        contract = self.contracts.contract(scope, facility_id)
        own = contract.version_on(self._first_month().start).terms
        inputs = Inputs()
        current = self.estimate_for(scope.record.meters, contract, own, inputs)
        chosen = self.estimate_for(scope.record.meters, contract, terms, inputs)
        return Simulation(contract, current, chosen, tuple(compare(current, chosen)))

    # --- the PDF ---------------------------------------------------------------------------------
    def pdf(
        self,
        scope: Scope,
        facility_id: str,
        lang: Language,
        product: str | None = None,
        choices: Mapping[str, str] | None = None,
    ) -> bytes:
        """The contract's estimate as a PDF; with picks, the simulated one
        (with the change against the contract's own, line by line)."""
        customer = scope.record.customer
        if customer is None:  # pragma: no cover - the access check found the customer
            raise NotFound("Customer not found.", code="not_found")
        if choices is None and product is None:
            contract, estimate = self.estimate(scope, facility_id)
            return self.render_pdf(estimate, customer, contract, self.profile, lang, None)
        simulation = self.simulate(scope, facility_id, product, choices or {})
        return self.render_pdf(simulation.chosen, customer, simulation.contract, self.profile, lang, simulation)


def compare(current: AnnualEstimate, chosen: AnnualEstimate) -> list[LineChange]:
    """Line by line: the lines of both, matched by component and text, in the
    order of the current estimate and then the lines only the choice has."""
    before = {line.key: line for line in current.lines}
    after = {line.key: line for line in chosen.lines}
    keys = [line.key for line in current.lines] + [line.key for line in chosen.lines if line.key not in before]
    changes = []
    for key in keys:
        line = after.get(key) or before[key]
        changes.append(LineChange(key, line.text_key, line.text_params, before.get(key), after.get(key)))
    return changes


def _add(known: EstimateLine, line: EstimateLine, currency: str) -> EstimateLine:
    return EstimateLine(
        known.component,
        known.text_key,
        known.text_params,
        known.quantity + line.quantity,
        known.unit,
        known.unit_price,
        round_money(known.amount + line.amount, currency),
    )


def _with_mean_price(line: EstimateLine) -> EstimateLine:
    if line.quantity == 0:
        return line
    mean = (line.amount / line.quantity).quantize(Decimal("0.0001"))
    return EstimateLine(line.component, line.text_key, line.text_params, line.quantity, line.unit, mean, line.amount)


def first_of_month_on_or_after(day: date) -> date:
    if day.day == 1:
        return day
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)
