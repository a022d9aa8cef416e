"""Notifications: inbound SMS (SNS) and scheduled jobs (reminders, alerts).

This slice acknowledges inbound SMS and scheduled jobs with structured logs;
the SMS keyword conversation and reminders are built in the readings issue.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "Records" in event:
        received = len(event["Records"])
        logger.info("inbound SMS received", extra={"count": received})
        return {"received": received, "handled": 0}
    job = event.get("job")
    logger.info("scheduled job", extra={"job": job})
    return {"job": job, "handled": 0}
