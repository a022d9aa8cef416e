"""SQS: the delivery queue the notifications function drains."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import partial
from typing import Any

from heatportal.adapters.aws import transient_as_failure
from heatportal.domain.errors import TransientFailure

_PER_REQUEST = 10  # SendMessageBatch's limit


def delivery_message(delivery_id: str) -> str:
    return json.dumps({"delivery": delivery_id})


def delivery_of_message(body: str) -> str:
    """The delivery id a message names; ValueError for anything else."""
    value = json.loads(body)
    if not isinstance(value, dict) or not isinstance(value.get("delivery"), str):
        raise ValueError("not a delivery message")
    return str(value["delivery"])


class SqsDeliveryQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.requests = 0

    def send(self, delivery_ids: Sequence[str]) -> None:
        ids = list(dict.fromkeys(delivery_ids))
        for start in range(0, len(ids), _PER_REQUEST):
            self._send_batch(ids[start : start + _PER_REQUEST])

    def _send_batch(self, ids: list[str]) -> None:
        entries = {str(n): i for n, i in enumerate(ids)}
        for _attempt in range(3):
            self.requests += 1
            batch = [{"Id": n, "MessageBody": delivery_message(i)} for n, i in entries.items()]
            resp = transient_as_failure(
                "SQS SendMessageBatch",
                partial(self.sqs.send_message_batch, QueueUrl=self.queue_url, Entries=batch),
            )
            failed = resp.get("Failed") or []
            if any(f.get("SenderFault") for f in failed):
                raise ValueError(f"SQS refused delivery messages: {failed}")
            entries = {f["Id"]: entries[f["Id"]] for f in failed}
            if not entries:
                return
        raise TransientFailure(f"SQS kept failing {len(entries)} delivery messages")
