"""Email through SES v2 (raw MIME, so text, HTML and attachments all arrive),
SMS through SNS, and the alert events on the SNS alerts topic."""

from __future__ import annotations

from typing import Any

from heatportal.documents.emails import RenderedEmail, build_mime
from heatportal.services.alerts.ports import AlertEvent


class SesMailer:
    def __init__(self, sesv2: Any, sender: str) -> None:
        self.sesv2 = sesv2
        self.sender = sender
        self.requests = 0

    def send(
        self,
        recipient: str,
        subject: str,
        text: str,
        html: str,
        attachments: list[tuple[str, bytes, str]] | None = None,
    ) -> str:
        self.requests += 1
        raw = build_mime(
            self.sender, recipient, RenderedEmail(subject=subject, text=text, html=html), attachments or ()
        )
        resp = self.sesv2.send_email(
            FromEmailAddress=self.sender,
            Destination={"ToAddresses": [recipient]},
            Content={"Raw": {"Data": raw}},
        )
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
