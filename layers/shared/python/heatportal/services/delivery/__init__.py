"""The delivery outbox: every e-mail or SMS of scheduled and batch work (the
bill run's invoices; alerts and monthly information through
``services.alerts.outbox``) is recorded before
it is sent and sent by one sender that looks the record up first.

- ``outbox.Outbox.enqueue`` stores delivery records (``domain.delivery``) and
  queues their ids (SQS in production); storing an id twice stores it once,
  and a record still waiting is queued again.
- ``sender.DeliverySender.deliver`` is what the queue's consumer (the
  notifications function) calls per message: claim the record, send, record
  the provider's message id; a refusal of the address ends the delivery
  ``failed`` with the reason, a transient error puts it back for a retry.
- ``events.DeliveryEvents`` records what the provider reports afterwards
  (sent, bounced, complained) by the delivery id the message is tagged with.

Ports: ``DeliveryStore``, ``DeliveryQueue``, ``Mailer``, ``SmsSender``,
``DocumentStore`` (attachments), ``Clock`` (heatportal.ports).
"""
