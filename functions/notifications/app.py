"""Notifications: inbound SMS (SNS topic) and scheduled jobs.

- SNS records from the inbound SMS topic carry AWS End User Messaging two-way
  SMS messages (JSON with ``originationNumber`` and ``messageBody``); each is
  answered by the SMS reading service.
- ``{"job": "reminders", "days_before": 3}`` sends reading reminders before
  the billing cut-off.
- S3 "Object Created" events (EventBridge) for ``imports/*`` import
  smart-meter interval data; ``{"job": "import", "key": "imports/..."}`` does
  the same by hand. A report goes to ``import-reports/<file>.json``.
- The same events for ``spot-prices/*`` load monthly spot prices per zone
  (``notifications_spot``); ``{"job": "spot-prices", "key": ...}`` by hand.
- ``{"job": "portfolio"}`` (nightly) refreshes every customer's portfolio
  figures (facility status, open invoices, last readings), those an import
  has not refreshed during the day included.
- ``{"job": "alerts"}`` evaluates every facility's alerts; records from the
  alerts topic queue their e-mail and SMS; ``{"job": "monthly-info"}``
  informs every customer with remotely read meters of last month
  (``notifications_alerts``).
- SQS messages from the delivery queue and SES events through EventBridge
  (``notifications_delivery``): the delivery outbox's sender and its record
  of what SES did with each message.
"""

import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from notifications_alerts import deliver_alerts, is_alert_record, run_alerts, run_monthly_info
from notifications_delivery import drain, record_ses_event
from notifications_spot import PREFIX as SPOT_PREFIX
from notifications_spot import import_spot_prices
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from heatportal import composition

logger = Logger()
tracer = Tracer()
metrics = Metrics()


class InboundSms(BaseModel):
    """The two-way SMS message AWS End User Messaging publishes to the topic."""

    model_config = ConfigDict(extra="ignore")

    origination_number: str = Field(alias="originationNumber", min_length=3, max_length=32)
    message_body: str = Field(alias="messageBody", max_length=1600)
    inbound_message_id: str | None = Field(default=None, alias="inboundMessageId", max_length=200)


class ReminderJob(BaseModel):
    model_config = ConfigDict(extra="ignore")

    job: str
    days_before: int = Field(default=3, ge=0, le=31)


def _inbound(records: list[dict[str, Any]]) -> dict[str, Any]:
    outcomes: list[str] = []
    service = composition.sms_reading_service()
    for record in records:
        sns = record.get("Sns") or {}
        try:
            message = InboundSms.model_validate(json.loads(sns.get("Message") or "{}"))
        except (ValueError, ValidationError):
            # Not a two-way SMS message: nothing to answer, and a retry would not help.
            logger.warning("inbound SNS record is not an SMS message", extra={"message_id": sns.get("MessageId")})
            outcomes.append("ignored")
            continue
        outcome = service.handle(
            message.origination_number, message.message_body, message.inbound_message_id or sns.get("MessageId")
        )
        # The phone number and text stay out of the logs.
        logger.info("inbound SMS answered", extra={"outcome": outcome.outcome})
        metrics.add_metric(name=f"Sms_{outcome.outcome}", unit=MetricUnit.Count, value=1)
        outcomes.append(outcome.outcome)
    return {"received": len(records), "outcomes": outcomes}


def _reminders(event: dict[str, Any]) -> dict[str, Any]:
    job = ReminderJob.model_validate(event)
    run = composition.reminder_service().run(days_before=job.days_before)
    logger.info(
        "reminders sent",
        extra={"period": run.period, "sent": len(run.sent), "already_sent": run.already_sent, "failed": run.failed},
    )
    metrics.add_metric(name="RemindersSent", unit=MetricUnit.Count, value=len(run.sent))
    return {
        "job": "reminders",
        "period": run.period,
        "cutoff": run.cutoff.isoformat() if run.cutoff else None,
        "sent": len(run.sent),
        "sms": sum(1 for channel, _, _ in run.sent if channel == "sms"),
        "email": sum(1 for channel, _, _ in run.sent if channel == "email"),
        "already_read": run.already_read,
        "already_sent": run.already_sent,
        "failed": run.failed,
    }


class ImportJob(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(pattern=r"^imports/[^\s]{1,500}$")


def _import(key: str) -> dict[str, Any]:
    job = ImportJob(key=key)
    report = composition.smart_meter_import_service().run(job.key, composition.documents().get(job.key))
    summary = {
        "job": "import",
        "key": report.key,
        "rows": report.rows,
        "stored": report.stored,
        "duplicates": report.duplicates,
        "corrected": report.corrected,
        "days": report.days,
        "rejected": len(report.problems),
        "error": report.error,
    }
    details = {**summary, "problems": [{"line": p.line, "code": p.code, "meter": p.meter} for p in report.problems]}
    name = job.key.removeprefix("imports/")
    composition.documents().put(f"import-reports/{name}.json", json.dumps(details).encode("utf-8"), "application/json")
    logger.info("smart-meter file imported", extra=summary)
    metrics.add_metric(name="IntervalValuesStored", unit=MetricUnit.Count, value=report.stored)
    return summary


def _spot_prices(key: str) -> dict[str, Any]:
    summary = import_spot_prices(key)
    logger.info("spot-price file imported", extra=summary)
    metrics.add_metric(name="SpotPricesStored", unit=MetricUnit.Count, value=int(summary["stored"]))
    return summary


def _portfolio() -> dict[str, Any]:
    refreshed = composition.portfolio_projector().refresh_all(composition.repository().list_account_numbers())
    logger.info("portfolio figures refreshed", extra={"customers": refreshed})
    metrics.add_metric(name="PortfolioCustomersRefreshed", unit=MetricUnit.Count, value=refreshed)
    return {"job": "portfolio", "refreshed": refreshed}


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("Records") or []
    if records and records[0].get("eventSource") == "aws:sqs":
        return drain(event, context)
    if "Records" in event:
        alerts = [r for r in event["Records"] if is_alert_record(r)]
        if alerts:
            result = deliver_alerts(alerts)
            logger.info("alerts delivered", extra=result)
            metrics.add_metric(name="AlertMessagesQueued", unit=MetricUnit.Count, value=result["queued"])
            return result
        return _inbound(event["Records"])
    if event.get("source") == "aws.ses":
        return record_ses_event(event)
    if event.get("source") == "aws.s3" and event.get("detail-type") == "Object Created":
        key = str(event.get("detail", {}).get("object", {}).get("key", ""))
        return _spot_prices(key) if key.startswith(SPOT_PREFIX) else _import(key)
    job = event.get("job")
    if job == "reminders":
        return _reminders(event)
    if job == "import":
        return _import(str(event.get("key", "")))
    if job == "spot-prices":
        return _spot_prices(str(event.get("key", "")))
    if job == "portfolio":
        return _portfolio()
    if job == "alerts":
        result = run_alerts(event)
        logger.info("alerts evaluated", extra=result)
        metrics.add_metric(name="AlertNotifications", unit=MetricUnit.Count, value=result["notifications"])
        return result
    if job == "monthly-info":
        result = run_monthly_info(event)
        logger.info("monthly consumption information", extra=result)
        metrics.add_metric(name="ConsumptionInfoSent", unit=MetricUnit.Count, value=result["informed"])
        return result
    logger.info("scheduled job acknowledged", extra={"job": job})
    return {"job": job, "handled": 0}
