"""What the alert services need from the outside world (adapters:
``adapters.dynamo_alerts``, ``adapters.dynamo_readings``, the SNS alerts
topic and the delivery outbox)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from heatportal.domain.alerts import AlertSettings, AlertState, Channel, Measure, Season, Supply
from heatportal.domain.consumption import MonthlyConsumption
from heatportal.domain.consumption_info import ConsumptionInfo
from heatportal.domain.model import DailyConsumption, Language
from heatportal.domain.notifications import Notification
from heatportal.domain.smart_meter import IntervalValue


class AlertSettingsStore(Protocol):
    def settings_of(self, customer_number: str) -> list[AlertSettings]:
        """The customer's facilities' settings, by facility id."""
        ...

    def put_settings(self, settings: AlertSettings) -> None: ...


class AlertEvaluationStore(Protocol):
    def to_evaluate(self) -> list[tuple[AlertSettings, AlertState | None]]:
        """Every facility with alert settings, with where its evaluation stands."""
        ...

    def record(
        self,
        state: AlertState,
        previous: AlertState | None,
        notifications: list[Notification],
        inbox: Mapping[str, int],
    ) -> bool:
        """At once: the facility's new state (if it is still ``previous``), each
        notification if absent, their inbox counters moved from ``inbox``.
        False when any of it was there already: another run told it first."""
        ...


class NotificationStore(Protocol):
    def notifications(self, customer_number: str, limit: int) -> list[Notification]:
        """The customer's newest notifications first."""
        ...

    def mark_seen(self, customer_number: str, user_id: str, counters: Mapping[str, int]) -> None: ...


class ConsumptionInfoStore(Protocol):
    def put_consumption_info(self, info: ConsumptionInfo, notification: Notification, inbox: Mapping[str, int]) -> bool:
        """The month's information with its notification, once per customer and
        month (False: it was there already)."""
        ...

    def consumption_info(self, customer_number: str, month: str) -> ConsumptionInfo | None: ...

    def consumption_info_months(self, customer_number: str, limit: int) -> list[str]:
        """The months with information, newest first."""
        ...


class MeterData(Protocol):
    """A meter's stored interval data (``adapters.dynamo_readings``)."""

    def days(self, meter_number: str, start: date, end: date) -> list[DailyConsumption]:
        """Daily values with start <= day < end, oldest first (one Query)."""
        ...

    def intervals_between(self, meter_number: str, first: date, last: date) -> list[IntervalValue]:
        """Interval values of the local days first to last, oldest first (one Query)."""
        ...

    def months(self, meter_number: str, first: str, last: str) -> list[MonthlyConsumption]:
        """Monthly aggregates with first <= month <= last (YYYY-MM), oldest first (one Query)."""
        ...


def message_id(purpose: str, customer_number: str, *parts: str) -> str:
    """A message's stable id from what it delivers: letters, digits, ``-`` and
    ``_`` only, at most 90 characters (the outbox and the provider's message
    tags take nothing else)."""
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    safe = "".join(c if c.isascii() and c.isalnum() else "_" for c in customer_number)[:40]
    return f"{purpose}-{safe}-{digest}"


@dataclass(frozen=True)
class OutboundMessage:
    """One e-mail or SMS to one address. ``id`` is stable for the event,
    channel and address: queueing it twice sends it once."""

    id: str
    channel: Literal["email", "sms"]
    to: str
    subject: str
    text: str
    html: str = ""
    not_before: datetime | None = None  # held until then (an SMS in quiet hours)
    customer_number: str | None = None
    purpose: str = "alert"  # alert | consumption-info: the outbox counts them apart


class Deliveries(Protocol):
    """The delivery outbox: e-mail and SMS are queued here, never sent from
    inside a batch (DESIGN.md)."""

    def queue(self, message: OutboundMessage) -> bool:
        """Queue once per message id; False when it was queued before. A
        message with a ``not_before`` still to come is held until then."""
        ...


class HeldMessageStore(Protocol):
    """SMS held for the profile's quiet hours until the time they may go."""

    def hold(self, message: OutboundMessage) -> bool:
        """Keep the message until its ``not_before``, once per id (False: held before)."""
        ...

    def due(self, now: datetime) -> list[OutboundMessage]:
        """The held messages whose time has come (not released), earliest first."""
        ...

    def released(self, message_ids: Sequence[str]) -> None:
        """They went to the outbox: no longer due, and never held again."""
        ...


class AlertEvent(BaseModel):
    """What the evaluation publishes on the alerts topic for each breach that
    starts or ends: everything the deliveries need (texts, recipients,
    language), so they read nothing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["alert"] = "alert"
    customer_number: str
    customer_name: str
    language: Language
    facility_id: str
    facility_name: str
    notification_id: str
    kind: Literal["breach", "normal"]
    meter_number: str
    supply: Supply
    measure: Measure
    day: date
    value: Decimal
    threshold: Decimal
    season: Season | None = None
    since: date | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None
    channels: frozenset[Channel]
    email_to: tuple[str, ...] = ()
    sms_to: tuple[str, ...] = ()


class AlertPublisher(Protocol):
    """The SNS alerts topic."""

    def publish(self, event: AlertEvent) -> None: ...
