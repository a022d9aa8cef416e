"""The delivery queue's consumer on one machine.

On AWS an SQS event source mapping polls DeliveryQueue and calls the
notifications function with up to ten records, deleting the ones the
function does not report as failed; an EventBridge rule calls the same
function with SES's events. moto runs neither, so the local stack does both
here, from template.yaml: the event source mapping of DeliveryQueue (its
``BatchSize``), and the events moto_patches kept for each tagged send.

Local-only differences, on purpose: a failed message becomes visible again
after ``retry_delay`` seconds instead of the queue's 180 s visibility
timeout; one poller instead of the mapping's MaximumConcurrency.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from infra.local import lambdas
from infra.local.moto_patches import ses_events
from infra.local.resources import REGION, LocalResources, clients
from infra.local.template import resources_of_type

FUNCTION = "NotificationsFunction"


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event the SQS event source mapping passes to a function."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {
                    k: {
                        "stringValue": v.get("StringValue"),
                        "binaryValue": v.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": v["DataType"],
                    }
                    for k, v in (m.get("MessageAttributes") or {}).items()
                },
                "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324 - SQS's checksum
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


def _mapping() -> dict[str, Any]:
    """The template's event source mapping from DeliveryQueue to the notifications function."""
    for mapping in resources_of_type("AWS::Lambda::EventSourceMapping").values():
        props = mapping["Properties"]
        if props["EventSourceArn"] == {"Fn::GetAtt": ["DeliveryQueue", "Arn"]} and props["FunctionName"] == {
            "Ref": FUNCTION
        }:
            return dict(props)
    raise LookupError(f"template.yaml maps no DeliveryQueue to {FUNCTION}")


@dataclass
class DrainReport:
    invocations: int = 0
    acknowledged: int = 0
    failed: int = 0
    ses_events: int = 0
    outcomes: list[str] = field(default_factory=list)

    def add(self, other: DrainReport) -> None:
        self.invocations += other.invocations
        self.acknowledged += other.acknowledged
        self.failed += other.failed
        self.ses_events += other.ses_events


class DeliveryPoller:
    def __init__(self, resources: LocalResources, retry_delay: int = 1) -> None:
        self.sqs = clients(resources.endpoint)["sqs"]
        self.queue_url = resources.delivery_queue_url
        self.dead_letter_url = resources.delivery_dead_letter_queue_url
        self.queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.batch_size = int(_mapping().get("BatchSize", 10))
        self.retry_delay = retry_delay
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    # --- what AWS would do ---------------------------------------------------------------------------
    def poll_once(self, retry_delay: int | None = None) -> DrainReport:
        """One receive and one call of the function, as one poller of the mapping does."""
        report = DrainReport()
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.batch_size, 10),
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if messages:
            report.invocations = 1
            try:
                answer = lambdas.invoke(FUNCTION, sqs_event(messages, self.queue_arn)) or {}
                failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
            except Exception:  # noqa: BLE001 - a function error returns the whole batch to the queue, as on AWS
                failed = {m["MessageId"] for m in messages}
            done = [m for m in messages if m["MessageId"] not in failed]
            if done:
                self.sqs.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)],
                )
            delay = self.retry_delay if retry_delay is None else retry_delay
            for m in messages:
                if m["MessageId"] in failed:
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=delay
                    )
            report.acknowledged, report.failed = len(done), len(failed)
        report.ses_events = self.publish_ses_events()
        return report

    def publish_ses_events(self) -> int:
        """SES's events so far, to the function, as the EventBridge rule delivers them."""
        published = 0
        while True:
            try:
                event = ses_events.get_nowait()
            except queue.Empty:
                return published
            lambdas.invoke(FUNCTION, event)
            published += 1

    # --- for tests and the job command ----------------------------------------------------------------
    def waiting(self) -> tuple[int, int]:
        """(visible, in flight) messages of the delivery queue."""
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])

    def dead_letters(self) -> int:
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=self.dead_letter_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"])

    def drain(self, retry_delay: int = 0, max_invocations: int = 100_000) -> DrainReport:
        """Poll until the queue is empty (failed messages come back after
        ``retry_delay`` seconds, and end in the dead-letter queue after their
        fifth receive) and SES's events are delivered."""
        total = DrainReport()
        with self._lock:
            while total.invocations < max_invocations:
                report = self.poll_once(retry_delay)
                total.add(report)
                if report.invocations:
                    continue
                visible, in_flight = self.waiting()
                if not visible and not in_flight:
                    total.ses_events += self.publish_ses_events()
                    return total
                time.sleep(0.05 if retry_delay == 0 else 0.2)
        return total

    # --- in the background (make run) ------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="local-delivery-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped.is_set():
            with self._lock:
                try:
                    report = self.poll_once()
                except Exception:  # noqa: BLE001 - the local server stopping under the poller; try again
                    report = DrainReport()
            if not report.invocations:
                self._stopped.wait(0.2)
