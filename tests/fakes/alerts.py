"""Alert settings, evaluation state, notifications with their inbox
counters and the monthly consumption information in memory
(``services.alerts.ports``), with the semantics of
``adapters.dynamo_alerts.DynamoAlertStore`` (held to it by
tests/contract/ports): what the evaluation tells is kept all or nothing, a
notification once; held SMS by id; the outbox and the alerts topic as lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from heatportal.domain.alerts import AlertSettings, AlertState
from heatportal.domain.consumption_info import ConsumptionInfo
from heatportal.domain.notifications import Notification
from heatportal.services.alerts.ports import (
    AlertEvaluationStore,
    AlertEvent,
    AlertPublisher,
    AlertSettingsStore,
    ConsumptionInfoStore,
    Deliveries,
    HeldMessageStore,
    NotificationStore,
    OutboundMessage,
)


class InMemoryAlertStore(
    AlertSettingsStore, AlertEvaluationStore, NotificationStore, ConsumptionInfoStore, HeldMessageStore
):
    def __init__(self) -> None:
        self.settings: dict[tuple[str, str], AlertSettings] = {}
        self.states: dict[tuple[str, str], AlertState] = {}
        self.notes: dict[tuple[str, str], Notification] = {}
        self.inboxes: dict[str, dict[str, int]] = {}
        self.seen: dict[str, dict[str, dict[str, int]]] = {}
        self.infos: dict[tuple[str, str], ConsumptionInfo] = {}
        self.held: dict[str, tuple[OutboundMessage, bool]] = {}  # id -> (message, released)

    # settings
    def settings_of(self, customer_number: str) -> list[AlertSettings]:
        return [s for (n, _), s in sorted(self.settings.items()) if n == customer_number]

    def put_settings(self, settings: AlertSettings) -> None:
        self.settings[(settings.customer_number, settings.facility_id)] = settings

    # the evaluation
    def to_evaluate(self) -> list[tuple[AlertSettings, AlertState | None]]:
        return [(s, self.states.get(where)) for where, s in sorted(self.settings.items())]

    def record(
        self,
        state: AlertState,
        previous: AlertState | None,
        notifications: list[Notification],
        inbox: Mapping[str, int],
    ) -> bool:
        where = (state.customer_number, state.facility_id)
        stored = self.states.get(where)
        if (stored is None) != (previous is None) or (
            stored is not None and previous is not None and stored.evaluated_through != previous.evaluated_through
        ):
            return False
        if not self._told(state.customer_number, notifications, inbox):
            return False
        self.states[where] = state
        return True

    def _told(self, customer_number: str, notifications: list[Notification], inbox: Mapping[str, int]) -> bool:
        counters = self.inboxes.setdefault(customer_number, {})
        if any((customer_number, n.id) in self.notes for n in notifications):
            return False
        if any(counters.get(n.facility_key, 0) != inbox.get(n.facility_key, 0) for n in notifications):
            return False
        for notification in notifications:
            self.notes[(customer_number, notification.id)] = notification
            counters[notification.facility_key] = notification.seq
        return True

    # notifications
    def notifications(self, customer_number: str, limit: int) -> list[Notification]:
        mine = [n for (c, i), n in sorted(self.notes.items(), reverse=True) if c == customer_number]
        return mine[:limit]

    def mark_seen(self, customer_number: str, user_id: str, counters: Mapping[str, int]) -> None:
        self.seen.setdefault(customer_number, {})[user_id] = dict(counters)

    # monthly consumption information
    def put_consumption_info(self, info: ConsumptionInfo, notification: Notification, inbox: Mapping[str, int]) -> bool:
        if (info.customer_number, info.month) in self.infos:
            return False
        if not self._told(info.customer_number, [notification], inbox):
            return False
        self.infos[(info.customer_number, info.month)] = info
        return True

    def consumption_info(self, customer_number: str, month: str) -> ConsumptionInfo | None:
        return self.infos.get((customer_number, month))

    def consumption_info_months(self, customer_number: str, limit: int) -> list[str]:
        return sorted((m for c, m in self.infos if c == customer_number), reverse=True)[:limit]

    # SMS held for the quiet hours
    def hold(self, message: OutboundMessage) -> bool:
        assert message.not_before is not None
        if message.id in self.held:
            return False
        self.held[message.id] = (message, False)
        return True

    def due(self, now: datetime) -> list[OutboundMessage]:
        waiting = [m for m, released in self.held.values() if not released and m.not_before and m.not_before <= now]
        return sorted(waiting, key=lambda m: (m.not_before or now, m.id))

    def released(self, message_ids: Sequence[str]) -> None:
        for message_id in message_ids:
            self.held[message_id] = (self.held[message_id][0], True)


class RecordingAlertPublisher(AlertPublisher):
    """The alerts topic: what was published, in order."""

    def __init__(self) -> None:
        self.events: list[AlertEvent] = []

    def publish(self, event: AlertEvent) -> None:
        self.events.append(event)


class InMemoryDeliveries(Deliveries):
    """The delivery outbox: each message id queued once."""

    def __init__(self) -> None:
        self.messages: dict[str, OutboundMessage] = {}

    def queue(self, message: OutboundMessage) -> bool:
        if message.id in self.messages:
            return False
        self.messages[message.id] = message
        return True

    def of_channel(self, channel: str) -> list[OutboundMessage]:
        return [m for m in self.messages.values() if m.channel == channel]
