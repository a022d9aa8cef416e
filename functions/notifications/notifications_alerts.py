"""Alerts and the monthly consumption information in the notifications function.

- ``{"job": "alerts"}`` (DailyAlertSchedule; ``"through": "YYYY-MM-DD"`` to
  evaluate up to another day) evaluates every facility's alerts and
  publishes what starts or ends on the alerts topic.
- Records from the alerts topic queue each event's e-mail and SMS.
- ``{"job": "monthly-info"}`` (MonthlyConsumptionInfoSchedule; ``"month":
  "YYYY-MM"`` for another month than the previous one) informs every
  customer with remotely read meters.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from heatportal import composition
from heatportal.services.alerts.ports import AlertEvent


class AlertJob(BaseModel):
    model_config = ConfigDict(extra="ignore")

    through: date | None = None


class MonthlyInfoJob(BaseModel):
    model_config = ConfigDict(extra="ignore")

    month: str | None = Field(default=None, pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def is_alert_record(record: dict[str, Any]) -> bool:
    """An SNS record from the alerts topic (the others are inbound SMS)."""
    return (record.get("Sns") or {}).get("TopicArn") == composition.config().alerts_topic_arn


def run_alerts(event: dict[str, Any]) -> dict[str, Any]:
    job = AlertJob.model_validate(event)
    released = composition.release_held_messages()
    run = composition.alert_evaluation().run(job.through)
    return {
        "job": "alerts",
        "through": run.through.isoformat(),
        "facilities": run.facilities,
        "meters": run.meters,
        "notifications": run.told,
        "published": run.published,
        "already_told": run.already_told,
        "held_sms_released": released,
        "skipped": run.skipped,
    }


def deliver_alerts(records: list[dict[str, Any]]) -> dict[str, Any]:
    service = composition.alert_delivery()
    queued = already = 0
    for record in records:
        delivered = service.deliver(AlertEvent.model_validate_json(record["Sns"]["Message"]))
        queued += len(delivered.queued)
        already += delivered.already_queued
    return {"alerts": len(records), "queued": queued, "already_queued": already}


def run_monthly_info(event: dict[str, Any]) -> dict[str, Any]:
    job = MonthlyInfoJob.model_validate(event)
    run = composition.consumption_info_service().run(job.month)
    return {
        "job": "monthly-info",
        "month": run.month,
        "customers": run.customers,
        "informed": run.informed,
        "already_informed": run.already_informed,
        "emails": run.emails,
        "sms": run.sms,
        "unreachable": run.unreachable,
        "benchmarks": run.benchmarks,
    }
