"""Trial settlement (prøveavregning): what the bill of the running
period would be now, for a reading the person enters or the latest one.

It prices with the pricing service the bill uses (services.billing.pricing),
and stores nothing: no reading, no invoice, no number taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from heatportal.domain.errors import NotFound, ValidationFailed
from heatportal.domain.model import BillingPeriod, MeterPeriodValue, ReadingSource, Role
from heatportal.domain.tariff import MissingPrice, PricedPeriod
from heatportal.ports import BilledInvoices, Clock, ReadingRepository
from heatportal.services.access import Scope
from heatportal.services.billing.pricing import PricingService
from heatportal.services.billing.reads import MeterWindows, RecordBilled
from heatportal.services.plausibility import ImplausibleValue
from heatportal.services.readings import MODEL_HISTORY_DAYS, ReadingService, RegisterValue

# The month's average spot price is known only after the month; a trial in the
# running month uses the newest average of up to this many earlier months.
SPOT_FALLBACK_MONTHS = 3


@dataclass(frozen=True)
class TrialMeter:
    meter_number: str
    start_value: Decimal
    end_value: Decimal
    end_read_on: date
    entered: bool  # the person's own reading, not a stored or estimated one
    estimated: bool
    quantity: Decimal
    unit: str
    # An entered value that looks wrong: what it implies against the meter's
    # history, shown next to the price (the same check as the reading step).
    check: ImplausibleValue | None = None


@dataclass(frozen=True)
class TrialSettlement:
    customer_number: str
    period: BillingPeriod
    as_of: date
    meters: tuple[TrialMeter, ...]
    priced: PricedPeriod


class TrialPricing(Protocol):
    """The bill's pricing on the reads of one trial (composition builds it as
    it builds the bill's): register values from ``readings``, the bill a
    period had from ``billed``."""

    def __call__(
        self, readings: ReadingRepository, billed: BilledInvoices
    ) -> tuple[ReadingService, PricingService]: ...


# What a trial reads of a meter, once: its readings from far enough back for the
# register value at the period's start (the readings around it, the degree-day
# model fitted on two years before it) to the readings after the period that an
# estimate between readings looks at; its daily values of the period and the
# months before it.
READINGS_BEFORE = timedelta(days=MODEL_HISTORY_DAYS + 92)
DAYS_BEFORE = timedelta(days=92)
AFTER = timedelta(days=62)


class TrialSettlementService:
    def __init__(
        self, readings: ReadingRepository, invoices: BilledInvoices, priced_on: TrialPricing, clock: Clock
    ) -> None:
        self.readings = readings
        self.invoices = invoices
        self.priced_on = priced_on
        self.clock = clock

    def trial(self, scope: Scope, entered: Mapping[str, Decimal] | None = None) -> TrialSettlement:
        """The running period priced up to today. ``entered`` maps meter numbers
        to register values the person reads off now; other meters use their
        newest reading in the period, or an estimate for today."""
        today = self.clock.today()
        period = BillingPeriod(year=today.year, month=today.month)
        # Each meter's readings and daily values read once for the whole trial (one Query each), the
        # bill already issued from the record when it was read with its invoices.
        reads = MeterWindows(
            self.readings, period.start - READINGS_BEFORE, period.end + AFTER, days_first=period.start - DAYS_BEFORE
        )
        reading_service, pricing = self.priced_on(reads, RecordBilled(scope.record, self.invoices))
        with pricing.spot_prices_cached():
            return _Trial(reads, reading_service, pricing).settle(scope, entered, today, period)


class _Trial:
    """One trial on its reads."""

    def __init__(self, readings: ReadingRepository, reading_service: ReadingService, pricing: PricingService) -> None:
        self.readings = readings
        self.reading_service = reading_service
        self.pricing = pricing

    def settle(
        self, scope: Scope, entered: Mapping[str, Decimal] | None, today: date, period: BillingPeriod
    ) -> TrialSettlement:
        scope.require(Role.READ, companies="whole")
        customer_number = scope.customer_number
        customer = scope.record.customer
        if customer is None:  # pragma: no cover - a membership without its customer
            raise NotFound("Customer not found.", code="not_found")
        meters = {m.number: m for m in scope.record.meters}
        entered = dict(entered or {})
        unknown = sorted(set(entered) - set(meters))
        if unknown:
            raise NotFound(
                "This meter does not belong to the customer.",
                code="trial_meter_unknown",
                params={"meter": unknown[0]},
            )
        end_values: dict[str, RegisterValue] = {}
        read_on: dict[str, date] = {}
        for number, meter in meters.items():
            if meter.removed_on is not None and meter.removed_on <= period.start:
                continue
            if number in entered:
                value = entered[number]
                if value < 0 or value != value.quantize(Decimal(1).scaleb(-meter.decimals)):
                    raise ValidationFailed(
                        "The reading has too many decimals or is negative.",
                        code="trial_reading_invalid",
                        params={"meter": number, "decimals": str(meter.decimals)},
                    )
                end_values[number] = RegisterValue(value, False, ReadingSource.PORTAL)
                read_on[number] = today
                continue
            latest = self.readings.latest_reading(number, before=today)
            if latest is not None and latest.read_on > period.start:
                end_values[number] = RegisterValue(latest.value, latest.estimated, latest.source)
                read_on[number] = latest.read_on
            else:
                end_values[number] = self.reading_service.value_at(meter, today)
                read_on[number] = today
        try:
            priced, values = self.pricing.price(
                customer, period, end_values, SPOT_FALLBACK_MONTHS, meters=scope.record.meters
            )
        except MissingPrice as error:
            raise NotFound(
                "A price needed for the trial settlement is not loaded yet.", code="price_missing"
            ) from error
        for period_value in values:
            given = entered.get(period_value.meter_number)
            if given is not None and given < period_value.start_value:
                raise ValidationFailed(
                    "The reading is lower than the reading at the start of the period.",
                    code="trial_reading_too_low",
                    params={"meter": period_value.meter_number, "start": str(period_value.start_value)},
                )
        checks = {
            number: self.reading_service.plausibility(meters[number], value, today) for number, value in entered.items()
        }
        return TrialSettlement(
            customer_number=customer_number,
            period=period,
            as_of=today,
            meters=tuple(self._meter(v, read_on, entered, checks.get(v.meter_number)) for v in values),
            priced=priced,
        )

    @staticmethod
    def _meter(
        value: MeterPeriodValue,
        read_on: dict[str, date],
        entered: Mapping[str, Decimal],
        check: ImplausibleValue | None,
    ) -> TrialMeter:
        return TrialMeter(
            meter_number=value.meter_number,
            start_value=value.start_value,
            end_value=value.end_value,
            end_read_on=read_on[value.meter_number],
            entered=value.meter_number in entered,
            estimated=value.end_estimated,
            quantity=value.quantity,
            unit=value.unit.value,
            check=check,
        )
