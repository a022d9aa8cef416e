"""Deliveries of what the alert evaluation tells (the alerts topic ->
the notifications function): one e-mail per address and one SMS per phone
the facility's settings name, in the customer's language, queued in the
delivery outbox. No SMS is sent in the profile's quiet hours: it waits in
the outbox until they end. Each message's id is stable (the notice, channel
and address), so an event delivered twice queues each message once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from heatportal.domain.alerts import Channel
from heatportal.domain.profile import QuietHours
from heatportal.ports import Clock
from heatportal.services.alerts.ports import AlertEvent, Deliveries, OutboundMessage, message_id

EmailRenderer = Callable[[AlertEvent], tuple[str, str, str]]
"""(subject, text, html) of an alert's e-mail."""
SmsRenderer = Callable[[AlertEvent], str]


@dataclass
class Delivered:
    queued: list[str] = field(default_factory=list)  # message ids
    already_queued: int = 0
    held_until: datetime | None = None  # the SMS waits for the end of the quiet hours


def quiet_until(moment: datetime, quiet: QuietHours, zone: ZoneInfo) -> datetime | None:
    """When the quiet hours around ``moment`` end (None: they do not cover it)."""
    local = moment.astimezone(zone)
    if not quiet.covers(local.time().replace(tzinfo=None)):
        return None
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end


class AlertDeliveryService:
    def __init__(
        self,
        deliveries: Deliveries,
        clock: Clock,
        *,
        quiet_hours: QuietHours,
        timezone: str,
        render_email: EmailRenderer,
        render_sms: SmsRenderer,
    ) -> None:
        self.deliveries = deliveries
        self.clock = clock
        self.quiet = quiet_hours
        self.zone = ZoneInfo(timezone)
        self.render_email = render_email
        self.render_sms = render_sms

    def deliver(self, event: AlertEvent) -> Delivered:
        result = Delivered()
        notice = (event.facility_id, event.notification_id)
        if Channel.EMAIL in event.channels and event.email_to:
            subject, text, html = self.render_email(event)
            for address in event.email_to:
                self._queue(
                    result,
                    OutboundMessage(
                        id=message_id("alert", event.customer_number, *notice, "email", address),
                        channel="email",
                        to=address,
                        subject=subject,
                        text=text,
                        html=html,
                        customer_number=event.customer_number,
                    ),
                )
        if Channel.SMS in event.channels and event.sms_to:
            text = self.render_sms(event)
            result.held_until = quiet_until(self.clock.now(), self.quiet, self.zone)
            for phone in event.sms_to:
                self._queue(
                    result,
                    OutboundMessage(
                        id=message_id("alert", event.customer_number, *notice, "sms", phone),
                        channel="sms",
                        to=phone,
                        subject="",
                        text=text,
                        not_before=result.held_until,
                        customer_number=event.customer_number,
                    ),
                )
        return result

    def _queue(self, result: Delivered, message: OutboundMessage) -> None:
        if self.deliveries.queue(message):
            result.queued.append(message.id)
        else:
            result.already_queued += 1
