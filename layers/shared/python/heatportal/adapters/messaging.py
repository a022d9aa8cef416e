"""Email through SES v2 (raw MIME, so text, HTML and attachments all arrive),
SMS through SNS, and the alert events on the SNS alerts topic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
)

from heatportal.adapters.aws import is_transient
from heatportal.documents.emails import RenderedEmail, build_mime
from heatportal.domain.delivery import OutcomeUnknown, Undeliverable
from heatportal.domain.errors import TransientFailure
from heatportal.services.alerts.ports import AlertEvent

# SES's answers about the recipient or the message itself.
_UNDELIVERABLE = frozenset({"MessageRejected", "BadRequestException", "InvalidParameterValue"})
# The account cannot send now (paused, daily quota used up): a later attempt can.
_LATER = frozenset({"SendingPausedException", "LimitExceededException", "AccountSendingPausedException"})


def _not_sent(error: Exception) -> bool:
    """Errors raised before the request reached the service."""
    return isinstance(error, EndpointConnectionError | ConnectTimeoutError)


class SesMailer:
    """``configuration_set``: SES then reports each message's fate (sent,
    delivered, bounced) as events carrying the message's tags; the outbox's
    mailer has one, and a client that never repeats a send by itself."""

    def __init__(self, sesv2: Any, sender: str, configuration_set: str | None = None) -> None:
        self.sesv2 = sesv2
        self.sender = sender
        self.configuration_set = configuration_set
        self.requests = 0

    def send(
        self,
        recipient: str,
        subject: str,
        text: str,
        html: str,
        attachments: list[tuple[str, bytes, str]] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        self.requests += 1
        raw = build_mime(
            self.sender, recipient, RenderedEmail(subject=subject, text=text, html=html), attachments or ()
        )
        extra: dict[str, Any] = {}
        if tags:
            extra["EmailTags"] = [{"Name": k, "Value": v} for k, v in tags.items()]
        if self.configuration_set:
            extra["ConfigurationSetName"] = self.configuration_set
        try:
            resp = self.sesv2.send_email(
                FromEmailAddress=self.sender,
                Destination={"ToAddresses": [recipient]},
                Content={"Raw": {"Data": raw}},
                **extra,
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _UNDELIVERABLE:
                raise Undeliverable(f"SES refused the message: {code}: {error}") from error
            if code in _LATER or is_transient(error):
                raise TransientFailure(f"SES cannot send now: {code}") from error
            raise
        except (ConnectionError, HTTPClientError) as error:
            if _not_sent(error):
                raise TransientFailure(f"SES not reached: {type(error).__name__}") from error
            raise OutcomeUnknown(f"SES did not answer: {type(error).__name__}") from error
        return str(resp["MessageId"])


class SnsSmsSender:
    def __init__(self, sns: Any, sender_id: str | None = None) -> None:
        self.sns = sns
        self.sender_id = sender_id
        self.requests = 0

    def send(self, phone: str, text: str) -> str:
        self.requests += 1
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        resp = self.sns.publish(PhoneNumber=phone, Message=text, MessageAttributes=attributes)
        return str(resp["MessageId"])


class SnsAlertPublisher:
    """The alerts topic (``AlertsTopic``): the evaluation publishes each breach
    that starts or ends; the notifications function and any other subscriber
    (the utility's operations) receive it."""

    def __init__(self, sns: Any, topic_arn: str) -> None:
        self.sns = sns
        self.topic_arn = topic_arn

    def publish(self, event: AlertEvent) -> None:
        self.sns.publish(
            TopicArn=self.topic_arn,
            Message=event.model_dump_json(),
            Subject=f"{event.kind}: {event.measure.value}"[:100],
            MessageAttributes={
                "type": {"DataType": "String", "StringValue": event.type},
                "kind": {"DataType": "String", "StringValue": event.kind},
                "measure": {"DataType": "String", "StringValue": event.measure.value},
            },
        )
