"""Outgoing email and SMS (``ports.Mailer``, ``ports.SmsSender``; SES and SNS in
production), kept in memory for the test to read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from heatportal.ports import Mailer, SmsSender


@dataclass(frozen=True)
class SentEmail:
    recipient: str
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes, str]]
    tags: dict[str, str] = field(default_factory=dict)


class InMemoryMailer(Mailer):
    def __init__(self) -> None:
        self.sent: list[SentEmail] = []
        # Errors raised by the next sends, in order (an SES outage, say).
        self.fail_next: list[Exception] = []

    def send(
        self,
        recipient: str,
        subject: str,
        text: str,
        html: str,
        attachments: list[tuple[str, bytes, str]] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> str:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.sent.append(SentEmail(recipient, subject, text, html, list(attachments or []), dict(tags or {})))
        return f"message-{len(self.sent)}"


class InMemorySmsSender(SmsSender):
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> str:
        self.sent.append((phone, text))
        return f"sms-{len(self.sent)}"
