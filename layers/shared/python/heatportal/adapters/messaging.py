"""Email through SES v2 (raw MIME, so text, HTML and attachments all arrive)
and SMS through SNS."""

from __future__ import annotations

from typing import Any

from heatportal.documents.emails import RenderedEmail, build_mime


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
