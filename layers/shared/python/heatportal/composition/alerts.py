"""Alerts and notifications: settings, the daily evaluation, its deliveries,
the portal's notifications and the monthly consumption information."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from heatportal.adapters.aws import client
from heatportal.composition.core import access, clock, company_store, config, profile, repository
from heatportal.composition.readings import readings_store

if TYPE_CHECKING:
    from heatportal.adapters.dynamo_alerts import DynamoAlertStore
    from heatportal.services.alerts.consumption_info import ConsumptionInfoService
    from heatportal.services.alerts.delivery import AlertDeliveryService
    from heatportal.services.alerts.evaluation import AlertEvaluationService
    from heatportal.services.alerts.inbox import NotificationService
    from heatportal.services.alerts.outbox import OutboxDeliveries
    from heatportal.services.alerts.ports import AlertEvent
    from heatportal.services.alerts.settings import AlertSettingsService


@cache
def alert_store() -> DynamoAlertStore:
    from heatportal.adapters.dynamo_alerts import DynamoAlertStore

    return DynamoAlertStore(repository().table)


@cache
def alert_settings_service() -> AlertSettingsService:
    from heatportal.services.alerts.settings import AlertSettingsService

    return AlertSettingsService(alert_store(), clock(), country=profile().country)


@cache
def notification_service() -> NotificationService:
    from heatportal.services.alerts.inbox import NotificationService

    return NotificationService(alert_store(), company_store())


@cache
def alert_evaluation() -> AlertEvaluationService:
    from heatportal.adapters.messaging import SnsAlertPublisher
    from heatportal.services.alerts.evaluation import AlertEvaluationService

    p = profile()
    return AlertEvaluationService(
        alert_store(),
        access().records,
        readings_store(),
        SnsAlertPublisher(client("sns"), config().alerts_topic_arn),
        clock(),
        policy=p.alerts,
        station=p.climate_station,
        timezone=p.timezone,
    )


@cache
def deliveries() -> OutboxDeliveries:
    """The delivery outbox behind the alerts' port (SMS held for the quiet hours in the alert store)."""
    from heatportal.composition.delivery import outbox
    from heatportal.services.alerts.outbox import OutboxDeliveries

    return OutboxDeliveries(outbox(), alert_store(), clock())


def _facts(event: AlertEvent) -> Any:
    from heatportal.documents.alert_emails import AlertFacts

    return AlertFacts.of(event, event.facility_name)


def _analysis(event: AlertEvent) -> str:
    from heatportal.domain.alerts import SECTION

    return f"/analysis?facility={event.facility_id}&supply={event.supply.value}&section={SECTION[event.measure]}"


def _alert_email(event: AlertEvent) -> tuple[str, str, str]:
    from heatportal.documents.alert_emails import alert_email

    rendered = alert_email(
        _facts(event), event.customer_name, event.language, profile(), config().portal_base_url, _analysis(event)
    )
    return rendered.subject, rendered.text, rendered.html


def _alert_sms(event: AlertEvent) -> str:
    from heatportal.documents.alert_emails import alert_sms

    return alert_sms(_facts(event), event.language, profile(), config().portal_base_url, _analysis(event))


@cache
def alert_delivery() -> AlertDeliveryService:
    from heatportal.services.alerts.delivery import AlertDeliveryService

    p = profile()
    return AlertDeliveryService(
        deliveries(),
        clock(),
        quiet_hours=p.alerts.sms_quiet_hours,
        timezone=p.timezone,
        render_email=_alert_email,
        render_sms=_alert_sms,
    )


@cache
def consumption_info_service() -> ConsumptionInfoService:
    from heatportal.documents.alert_emails import consumption_info_email, consumption_info_sms
    from heatportal.services.alerts.consumption_info import ConsumptionInfoService

    p = profile()
    portal = config().portal_base_url

    def email(customer: Any, info: Any, facilities: dict[str, str]) -> tuple[str, str, str]:
        rendered = consumption_info_email(customer, info, facilities, p, portal)
        return rendered.subject, rendered.text, rendered.html

    return ConsumptionInfoService(
        repository(),
        access().records,
        readings_store(),
        alert_store(),
        deliveries(),
        clock(),
        station=p.climate_station,
        timezone=p.timezone,
        min_customers=p.alerts.benchmark_min_customers,
        render_email=email,
        render_sms=lambda customer, info: consumption_info_sms(customer, info, p, portal),
    )


def release_held_messages() -> int:
    """SMS held for the quiet hours whose time has come, to the outbox."""
    return deliveries().release_due()
