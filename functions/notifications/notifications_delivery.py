"""The delivery outbox's two entries into the notifications function:

- SQS messages from DeliveryQueue (the event source mapping, ten at a time):
  each names a delivery, which the outbox's sender claims, sends at this
  poller's share of the SES rate and records. A message whose delivery should
  be tried again later is reported as a batch item failure (SQS brings it
  back after its visibility timeout; after five receives it goes to the
  dead-letter queue); the others are acknowledged.
- SES events through EventBridge (the configuration set's event destination):
  a message sent, bounced or rejected, recorded on the delivery named by its
  "delivery" tag.
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from heatportal import composition
from heatportal.adapters.queue import delivery_of_message
from heatportal.services.delivery.events import EventKind, ProviderEvent

logger = Logger(child=True)

_KINDS: dict[str, EventKind] = {
    "Send": "send",
    "Delivery": "delivery",
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Reject": "reject",
    "Rendering Failure": "rendering_failure",
}


def _deliver(record: SQSRecord) -> None:
    try:
        delivery_id = delivery_of_message(record.body)
    except ValueError:
        # Not ours to retry: a malformed message would only end in the dead-letter queue later.
        logger.warning("delivery queue message without a delivery", extra={"message_id": record.message_id})
        return
    outcome = composition.delivery_sender().deliver(delivery_id)  # RetryLater: a batch item failure
    logger.info("delivery", extra={"delivery": delivery_id, "outcome": outcome})


def drain(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=_deliver, processor=processor, context=context))


def provider_event(detail: dict[str, Any]) -> ProviderEvent:
    """SES's event (the EventBridge event's detail): its type, its message and the "delivery" tag."""
    mail = detail.get("mail") or {}
    tags = mail.get("tags") or {}
    delivery = (tags.get("delivery") or [None])[0]
    bounce = detail.get("bounce") or {}
    return ProviderEvent(
        kind=_KINDS.get(str(detail.get("eventType", "")), "other"),
        delivery_id=str(delivery) if delivery else None,
        message_id=str(mail.get("messageId", "")),
        permanent=bounce.get("bounceType") == "Permanent",
        detail=" ".join(
            str(part) for part in (bounce.get("bounceSubType"), (detail.get("reject") or {}).get("reason")) if part
        ),
    )


def record_ses_event(event: dict[str, Any]) -> dict[str, Any]:
    recorded = composition.delivery_events().record(provider_event(event.get("detail") or {}))
    return {"job": "ses-event", "recorded": recorded}
