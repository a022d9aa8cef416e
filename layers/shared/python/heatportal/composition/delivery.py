"""The delivery outbox: its store and queue (for whoever queues e-mail or
SMS), and the sender and event recorder the notifications function runs."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from heatportal.adapters.aws import client
from heatportal.composition.core import clock, config, documents, repository, sms

if TYPE_CHECKING:
    from heatportal.adapters.dynamo_delivery import DynamoDeliveryStore
    from heatportal.adapters.messaging import SesMailer
    from heatportal.adapters.queue import SqsDeliveryQueue
    from heatportal.services.delivery.events import DeliveryEvents
    from heatportal.services.delivery.outbox import Outbox
    from heatportal.services.delivery.sender import DeliverySender


@cache
def delivery_store() -> DynamoDeliveryStore:
    from heatportal.adapters.dynamo_delivery import DynamoDeliveryStore

    return DynamoDeliveryStore(repository().table)


@cache
def delivery_queue() -> SqsDeliveryQueue:
    from heatportal.adapters.queue import SqsDeliveryQueue

    url = config().delivery_queue_url
    if not url:
        raise RuntimeError("DELIVERY_QUEUE_URL is not set for this function")
    return SqsDeliveryQueue(client("sqs"), url)


@cache
def outbox() -> Outbox:
    from heatportal.services.delivery.outbox import Outbox

    return Outbox(delivery_store(), delivery_queue())


@cache
def delivery_mailer() -> SesMailer:
    """SES with the outbox's configuration set (its events come back tagged),
    through a client that never repeats a send by itself."""
    from heatportal.adapters.messaging import SesMailer

    return SesMailer(client("sesv2", retries=False), config().sender_email, config().delivery_configuration_set)


@cache
def delivery_sender() -> DeliverySender:
    from heatportal.adapters.pacing import SendRate
    from heatportal.services.delivery.sender import DeliverySender

    settings = config()
    pace = SendRate(settings.ses_send_rate / max(settings.delivery_pollers, 1))
    return DeliverySender(delivery_store(), delivery_mailer(), sms(), documents(), clock(), pace.wait)


@cache
def delivery_events() -> DeliveryEvents:
    from heatportal.services.delivery.events import DeliveryEvents

    return DeliveryEvents(delivery_store(), clock())
