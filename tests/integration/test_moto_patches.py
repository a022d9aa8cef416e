"""The local stack's patches of moto (infra/local/moto_patches.py and
moto_distributed_map.py) do what the bill run relies on; a moto upgrade that
changes the internals they patch fails here first."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from heatportal.adapters.dynamo import DynamoRepository
from heatportal.domain.delivery import Delivery
from heatportal.domain.model import BillingPeriod, Invoice, InvoiceKind
from infra.local import moto_patches
from infra.local.resources import ACCOUNT, REGION, clients
from infra.local.stack import RunningStack

PERIOD = BillingPeriod(year=2026, month=9)


@pytest.fixture
def repo(repo_of_its_own: DynamoRepository) -> DynamoRepository:
    return repo_of_its_own


def a_draft(customer_number: str) -> Invoice:
    return Invoice(
        number=0,
        customer_number=customer_number,
        kind=InvoiceKind.INVOICE,
        period=PERIOD,
        issued_on=date(2026, 10, 2),
        due_on=date(2026, 10, 16),
        currency="NOK",
        language="nb",
        lines=(),
        net_total=Decimal(0),
        vat_total=Decimal(0),
        total=Decimal(0),
        payment_reference="",
    )


def test_dynamodb_transactions_from_many_threads_are_atomic(repo: DynamoRepository) -> None:
    """Without the lock, 8 threads numbering invoices got duplicate numbers in 4 runs of 6."""
    accounts = [str(810000 + n) for n in range(160)]

    def bill(chunk: list[str]) -> list[int]:
        return [repo.create_invoice_once(a_draft(a), kind_key="invoice", reference=str).invoice.number for a in chunk]

    with ThreadPoolExecutor(max_workers=8) as pool:
        returned = [n for numbers in pool.map(bill, [accounts[i::8] for i in range(8)]) for n in numbers]
    stored = sorted(i.number for a in accounts for i in repo.list_invoices(a))
    assert sorted(returned) == stored == list(range(1, len(accounts) + 1))


# --- Distributed Map ------------------------------------------------------------------------------------

PASS_CHILD = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Echo",
    "States": {"Echo": {"Type": "Pass", "End": True}},
}


@pytest.fixture
def machine(stack: RunningStack) -> Any:
    """Creates and runs a state machine of a definition over items put in S3 (JSON Lines)."""
    sfn = clients(stack.resources.endpoint)["stepfunctions"]
    s3 = clients(stack.resources.endpoint)["s3"]
    bucket = stack.resources.bucket_name

    def run(map_state: dict[str, Any], items: list[Any]) -> tuple[dict[str, Any], str]:
        key = f"tests/{time.time_ns()}.jsonl"
        s3.put_object(Bucket=bucket, Key=key, Body="\n".join(json.dumps(i) for i in items).encode())
        state = {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSONL"},
                "Parameters": {"Bucket": bucket, "Key": key},
            },
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": bucket, "Prefix.$": "$.prefix"},
                "WriterConfig": {"Transformation": "NONE", "OutputType": "JSON"},
            },
            "End": True,
            **map_state,
        }
        definition = {"StartAt": "Batches", "States": {"Batches": state}}
        arn = sfn.create_state_machine(
            name=f"patch-{time.time_ns()}", definition=json.dumps(definition), roleArn=f"arn:aws:iam::{ACCOUNT}:role/x"
        )["stateMachineArn"]
        execution = sfn.start_execution(
            stateMachineArn=arn, name=f"x{time.time_ns()}", input=json.dumps({"prefix": "tests/results"})
        )
        for _ in range(600):
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            if described["status"] != "RUNNING":
                return described, bucket
            time.sleep(0.1)
        raise AssertionError("the execution never ended")

    return run


def read(stack: RunningStack, bucket: str, key: str) -> Any:
    s3 = clients(stack.resources.endpoint)["s3"]
    return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_items_are_batched_and_every_child_is_written_to_result_files_in_aws_shape(
    stack: RunningStack, machine: Any
) -> None:
    described, bucket = machine(
        {
            "ItemBatcher": {"MaxItemsPerBatch": 4, "BatchInput": {"prefix.$": "$.prefix"}},
            "MaxConcurrency": 2,
            "ToleratedFailurePercentage": 0,
            "ItemProcessor": PASS_CHILD,
        },
        [f"{n:03d}" for n in range(10)],
    )
    assert described["status"] == "SUCCEEDED", described
    pointer = json.loads(described["output"])
    assert set(pointer) == {"MapRunArn", "ResultWriterDetails"}  # the results are not in the state
    details = pointer["ResultWriterDetails"]
    assert details["Key"].startswith("tests/results/") and details["Key"].endswith("/manifest.json")
    manifest = read(stack, details["Bucket"], details["Key"])
    assert manifest["DestinationBucket"] == bucket and manifest["ResultFiles"]["FAILED"] == []
    [succeeded] = manifest["ResultFiles"]["SUCCEEDED"]
    children = read(stack, bucket, succeeded["Key"])
    batches = sorted(json.loads(c["Input"])["Items"] for c in children)  # Input and Output are JSON text
    assert batches == [["000", "001", "002", "003"], ["004", "005", "006", "007"], ["008", "009"]]
    assert {json.loads(c["Input"])["BatchInput"]["prefix"] for c in children} == {"tests/results"}
    assert all(c["Status"] == "SUCCEEDED" and json.loads(c["Output"]) == json.loads(c["Input"]) for c in children)


def test_more_children_than_tolerated_fail_the_map_after_the_results_are_written(
    stack: RunningStack, machine: Any
) -> None:
    failing = {**PASS_CHILD, "States": {"Echo": {"Type": "Fail", "Error": "Broken", "Cause": "on purpose"}}}
    described, _ = machine(
        {"ItemBatcher": {"MaxItemsPerBatch": 2}, "MaxConcurrency": 2, "ItemProcessor": failing}, [1, 2, 3]
    )
    assert (described["status"], described.get("error")) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    tolerated, bucket = machine(
        {
            "ItemBatcher": {"MaxItemsPerBatch": 2},
            "MaxConcurrency": 2,
            "ToleratedFailurePercentage": 100,
            "ItemProcessor": failing,
        },
        [1, 2, 3],
    )
    assert tolerated["status"] == "SUCCEEDED"
    details = json.loads(tolerated["output"])["ResultWriterDetails"]
    [failed] = read(stack, details["Bucket"], details["Key"])["ResultFiles"]["FAILED"]
    children = read(stack, bucket, failed["Key"])
    assert [(c["Status"], c["Error"], c["Cause"]) for c in children] == [("FAILED", "Broken", "on purpose")] * 2


def test_a_worker_with_more_than_a_thousand_children_finishes(stack: RunningStack, machine: Any) -> None:
    """moto evaluated a worker's jobs by recursion and hung past ~990 of them."""
    described, _ = machine({"MaxConcurrency": 1, "ItemProcessor": PASS_CHILD}, list(range(1_200)))
    assert described["status"] == "SUCCEEDED"


# --- SES events and the delivery queue ------------------------------------------------------------------


def test_a_tagged_send_through_the_configuration_set_yields_ses_events(stack: RunningStack) -> None:
    sesv2 = clients(stack.resources.endpoint)["sesv2"]
    sender = stack.resources.sender_email

    def send(to: str) -> str:
        return str(
            sesv2.send_email(
                FromEmailAddress=sender,
                Destination={"ToAddresses": [to]},
                Content={"Simple": {"Subject": {"Data": "x"}, "Body": {"Text": {"Data": "y"}}}},
                EmailTags=[{"Name": "delivery", "Value": f"test-{to.split('@')[0]}"}],
                ConfigurationSetName="deliveries",
            )["MessageId"]
        )

    while not moto_patches.ses_events.empty():
        moto_patches.ses_events.get_nowait()
    ok, bounced = send("kari@example.com"), send("bounce@simulator.amazonses.com")
    events = [moto_patches.ses_events.get_nowait() for _ in range(moto_patches.ses_events.qsize())]
    seen = [
        (e["detail-type"], e["detail"]["mail"]["messageId"], e["detail"]["mail"]["tags"]["delivery"]) for e in events
    ]
    assert seen == [
        ("Email Sent", ok, ["test-kari"]),
        ("Email Sent", bounced, ["test-bounce"]),
        ("Email Bounced", bounced, ["test-bounce"]),
    ]
    assert events[2]["detail"]["bounce"]["bounceType"] == "Permanent"


def test_the_delivery_queue_and_its_dead_letter_queue_come_from_the_template(stack: RunningStack) -> None:
    sqs = clients(stack.resources.endpoint)["sqs"]
    attributes = sqs.get_queue_attributes(QueueUrl=stack.resources.delivery_queue_url, AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["VisibilityTimeout"] == "180"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 5
    assert redrive["deadLetterTargetArn"] == f"arn:aws:sqs:{REGION}:{ACCOUNT}:heatportal-local-DeliveryDeadLetterQueue"


def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue(stack: RunningStack) -> None:
    from heatportal import composition

    sqs = clients(stack.resources.endpoint)["sqs"]
    before = stack.deliveries.dead_letters()
    now = datetime.now(UTC)
    stuck = Delivery(
        id=f"stuck-{time.time_ns()}", channel="email", recipient="kari@example.com", text="x", created_at=now
    )
    store = composition.delivery_store()
    store.add([stuck])
    store.claim(stuck.id, now, now - timedelta(hours=1))  # being sent by an attempt that never ends
    for body in (json.dumps({"delivery": stuck.id}), json.dumps({"delivery": "no-such-delivery"}), "{not json"):
        sqs.send_message(QueueUrl=stack.resources.delivery_queue_url, MessageBody=body)
    report = stack.deliveries.drain(retry_delay=0)
    # Nothing to retry for an unknown delivery or a malformed message: acknowledged at once.
    # The stuck one comes back five times, then SQS moves it aside.
    assert (report.acknowledged, report.failed) == (2, 5)
    assert stack.deliveries.dead_letters() == before + 1
    assert stack.deliveries.waiting() == (0, 0)
    sqs.purge_queue(QueueUrl=stack.resources.delivery_dead_letter_queue_url)
