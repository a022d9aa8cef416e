"""The daily alert evaluation (EventBridge Scheduler -> the notifications
function): every facility with alert settings is judged on its meters'
stored interval data up to yesterday; what starts or ends is published on
the alerts topic for its e-mail and SMS deliveries and written as portal
notifications with the facility's new state (one transaction).

Its cost is bounded per facility, whatever the history: one Query of the
customer's record (shared by the customer's facilities), per meter one Query
of its daily values and one of its recent interval values, and one
transaction; plus the pages of the settings list (GSI2 ``ALERTS``). A
facility evaluated up to the day already costs nothing more.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from heatportal.domain.alerts import (
    MAX_CATCH_UP_DAYS,
    WEIGHTED_DAYS,
    AlertSettings,
    AlertState,
    Channel,
    Measure,
    MeterSeries,
    Transition,
    days_to_evaluate,
    evaluate,
    supply_of,
)
from heatportal.domain.customer_record import CustomerRecord
from heatportal.domain.model import Meter
from heatportal.domain.notifications import alert_notification, numbered
from heatportal.domain.profile import AlertPolicy
from heatportal.ports import Clock
from heatportal.services.access import CustomerRecords
from heatportal.services.alerts.ports import AlertEvaluationStore, AlertEvent, AlertPublisher, MeterData

# Daily values read per meter: a year for the degree-day model, and the
# longest window a rule looks back (30 days weighted, 60 days above expected)
# plus the days a late run catches up.
HISTORY_DAYS = 365 + 60 + MAX_CATCH_UP_DAYS
assert HISTORY_DAYS >= WEIGHTED_DAYS


@dataclass
class EvaluationRun:
    through: date
    facilities: int = 0
    meters: int = 0
    told: int = 0  # notices written
    published: int = 0
    already_told: int = 0  # facilities another run had told first
    skipped: list[str] = field(default_factory=list)  # customers without a record


class AlertEvaluationService:
    def __init__(
        self,
        store: AlertEvaluationStore,
        records: CustomerRecords,
        data: MeterData,
        publisher: AlertPublisher,
        clock: Clock,
        *,
        policy: AlertPolicy,
        station: str,
        timezone: str,
    ) -> None:
        self.store = store
        self.records = records
        self.data = data
        self.publisher = publisher
        self.clock = clock
        self.policy = policy
        self.station = station
        self.zone = ZoneInfo(timezone)

    def run(self, through: date | None = None) -> EvaluationRun:
        """Evaluate every facility up to ``through`` (default: yesterday, local)."""
        now = self.clock.now()
        through = through or now.astimezone(self.zone).date() - timedelta(days=1)
        run = EvaluationRun(through=through)
        by_customer: dict[str, list[tuple[AlertSettings, AlertState | None]]] = {}
        for settings, state in self.store.to_evaluate():
            if state is not None and not days_to_evaluate(through, state):
                continue  # evaluated up to ``through`` already: nothing to read or write
            by_customer.setdefault(settings.customer_number, []).append((settings, state))
        for customer_number, facilities in sorted(by_customer.items()):
            record = self.records.customer_record(customer_number)
            if record.customer is None:
                run.skipped.append(customer_number)
                continue
            inbox = dict(record.inbox)
            for settings, state in facilities:
                inbox = self._facility(run, record, settings, state, inbox, now)
        return run

    def _facility(
        self,
        run: EvaluationRun,
        record: CustomerRecord,
        settings: AlertSettings,
        previous: AlertState | None,
        inbox: dict[str, int],
        now: datetime,
    ) -> dict[str, int]:
        run.facilities += 1
        meters = [m for m in record.meters if m.facility_id == settings.facility_id and self._watched(m, settings)]
        run.meters += len(meters)
        state = previous or AlertState(customer_number=settings.customer_number, facility_id=settings.facility_id)
        series = [self._series(m, settings, run.through, now) for m in meters]
        result = evaluate(
            settings,
            state,
            series,
            through=run.through,
            now=now,
            zone=self.zone,
            winter_months=self.policy.winter_months,
            station=self.station,
        )
        pushed = [t for t in result.transitions if Channel.PORTAL in self._channels(settings, t)]
        name = next((f.name for f in record.facilities if f.id == settings.facility_id), settings.facility_id)
        notifications, counters = numbered(
            (alert_notification(settings.customer_number, settings.facility_id, name, t, now) for t in pushed), inbox
        )
        # Published before the state is written: a run that fails in between is
        # retried and publishes again, and the outbox queues each message once.
        for transition in result.transitions:
            channels = self._channels(settings, transition)
            if channels - {Channel.PORTAL}:
                self.publisher.publish(self._event(record, settings, transition, channels))
                run.published += 1
        if not self.store.record(result.state, previous, notifications, inbox):
            run.already_told += 1
            return inbox
        run.told += len(notifications)
        return counters

    @staticmethod
    def _watched(meter: Meter, settings: AlertSettings) -> bool:
        supply = supply_of(meter.kind)
        return meter.removed_on is None and supply is not None and bool(settings.rules_for(supply))

    @staticmethod
    def _channels(settings: AlertSettings, transition: Transition) -> frozenset[Channel]:
        rule = settings.rule(transition.supply, transition.measure)
        return rule.channels if rule is not None else frozenset()

    def _series(self, meter: Meter, settings: AlertSettings, through: date, now: datetime) -> MeterSeries:
        """Two Queries: the daily values the rules look back over, and the
        interval values of the days the hourly measures and silence need."""
        supply = supply_of(meter.kind)
        assert supply is not None  # watched meters only
        today = now.astimezone(self.zone).date()
        daily = self.data.days(meter.number, through - timedelta(days=HISTORY_DAYS), through + timedelta(days=1))
        hours = max((r.hours or 0 for r in settings.rules_for(supply) if r.measure == Measure.NO_DATA), default=0)
        back = max(MAX_CATCH_UP_DAYS, math.ceil(hours / 24) + 1)
        intervals = self.data.intervals_between(meter.number, min(through, today) - timedelta(days=back), today)
        return MeterSeries(meter.number, meter.unit, supply, daily, intervals)

    @staticmethod
    def _event(
        record: CustomerRecord, settings: AlertSettings, transition: Transition, channels: frozenset[Channel]
    ) -> AlertEvent:
        customer = record.customer
        assert customer is not None  # checked by the run
        facility = next((f for f in record.facilities if f.id == settings.facility_id), None)
        return AlertEvent.model_validate(
            {
                "customer_number": settings.customer_number,
                "customer_name": customer.name,
                "language": customer.language,
                "facility_id": settings.facility_id,
                "facility_name": facility.name if facility else settings.facility_id,
                "notification_id": transition.notice_id,
                "channels": channels,
                "email_to": recipients(settings.email_to, customer.email),
                "sms_to": recipients(settings.sms_to, customer.phone),
                **transition.facts(),
            }
        )


def recipients(chosen: Sequence[str], on_record: str | None) -> tuple[str, ...]:
    """The addresses the settings name, or else the customer's on record."""
    if chosen:
        return tuple(chosen)
    return (on_record,) if on_record else ()
