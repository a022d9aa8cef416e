"""What the provider reports about a message after it accepted it, recorded
on the delivery the message is tagged with: SES's events (through
EventBridge) say a message was sent, bounced or rejected."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from heatportal.ports import Clock, DeliveryStore

EventKind = Literal["send", "delivery", "bounce", "complaint", "reject", "rendering_failure", "other"]


@dataclass(frozen=True)
class ProviderEvent:
    kind: EventKind
    delivery_id: str | None  # the message's "delivery" tag
    message_id: str
    # A bounce's type: only a permanent bounce fails the delivery (SES retries the others itself).
    permanent: bool = False
    detail: str = ""


class DeliveryEvents:
    def __init__(self, store: DeliveryStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def record(self, event: ProviderEvent) -> str:
        """What the event changed: ``sent``, ``failed`` or ``ignored``."""
        if not event.delivery_id:
            return "ignored"  # a message sent without the outbox (an interactive confirmation)
        now = self.clock.now()
        if event.kind == "send":
            self.store.confirm_sent(event.delivery_id, event.message_id, now)
            return "sent"
        if event.kind in ("reject", "rendering_failure") or (event.kind == "bounce" and event.permanent):
            delivery = self.store.get(event.delivery_id)
            if delivery is None:
                return "ignored"
            reason = {"reject": "rejected by SES", "rendering_failure": "SES could not render it"}.get(
                event.kind, "bounced: the address does not accept mail"
            )
            self.store.mark_failed(delivery, f"{reason}{': ' + event.detail if event.detail else ''}", now)
            return "failed"
        return "ignored"
