"""Notices by e-mail (and a short SMS where a person has only a phone): the
services describe them (domain.notices), the composition root draws them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from heatportal.domain.notices import Notice
from heatportal.ports import Mailer, SmsSender


class Rendered(Protocol):
    @property
    def subject(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def html(self) -> str: ...


NoticeRenderer = Callable[[Notice], Rendered]
SmsText = Callable[[Notice], str]


class Notices:
    def __init__(
        self, mailer: Mailer, render: NoticeRenderer, sms: SmsSender | None = None, sms_text: SmsText | None = None
    ):
        self.mailer = mailer
        self.render = render
        self.sms = sms
        self.sms_text = sms_text

    def email(self, recipient: str, notice: Notice) -> str:
        rendered = self.render(notice)
        attachments = [(a.filename, a.body, a.content_type) for a in notice.attachments]
        return self.mailer.send(recipient, rendered.subject, rendered.text, rendered.html, attachments or None)

    def text(self, phone: str, notice: Notice) -> str | None:
        """An SMS of the notice (its code and link); None without an SMS sender."""
        if self.sms is None or self.sms_text is None:
            return None
        return self.sms.send(phone, self.sms_text(notice))
