"""The local stack's moto patches keep DynamoDB's answers what moto answers
without them: the same items for every sort-key condition, binary values,
the 400 KB item limit, and the demo loader's in-process writes and client."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.local import in_process
from infra.local.resources import clients

pytestmark = pytest.mark.integration


@pytest.fixture
def ddb(stack) -> Any:
    return clients(stack.resources.endpoint)["dynamodb"]


@pytest.fixture
def partition(stack, ddb) -> str:
    pk = f"TEST#{uuid.uuid4().hex}"
    for sk in ("A#1", "A#2", "B#1", "B#2", "B#3", "C"):
        ddb.put_item(
            TableName=stack.resources.table_name,
            Item={"PK": {"S": pk}, "SK": {"S": sk}, "blob": {"B": b"\x00\xff" + sk.encode()}},
        )
    return pk


def sort_keys(ddb, table: str, condition: str, values: dict[str, Any], forward: bool = True) -> list[str]:
    resp = ddb.query(
        TableName=table,
        KeyConditionExpression=f"PK = :pk AND {condition}",
        ExpressionAttributeValues=values,
        ScanIndexForward=forward,
    )
    return [item["SK"]["S"] for item in resp["Items"]]


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        ("begins_with(SK, :a)", {":a": "B#"}, ["B#1", "B#2", "B#3"]),
        ("SK BETWEEN :a AND :b", {":a": "A#2", ":b": "B#2"}, ["A#2", "B#1", "B#2"]),
        ("SK = :a", {":a": "C"}, ["C"]),
        ("SK < :a", {":a": "B"}, ["A#1", "A#2"]),
        ("SK <= :a", {":a": "B#1"}, ["A#1", "A#2", "B#1"]),
        ("SK > :a", {":a": "B#3"}, ["C"]),
        ("SK >= :a", {":a": "B#3"}, ["B#3", "C"]),
    ],
)
def test_a_sort_key_condition_answers_the_same_items_in_order(stack, ddb, partition, condition, values, expected):
    typed = {":pk": {"S": partition}, **{k: {"S": v} for k, v in values.items()}}
    table = stack.resources.table_name
    assert sort_keys(ddb, table, condition, typed) == expected
    assert sort_keys(ddb, table, condition, typed, forward=False) == list(reversed(expected))


def test_binary_values_come_back_as_they_were_stored(stack, ddb, partition):
    item = ddb.get_item(TableName=stack.resources.table_name, Key={"PK": {"S": partition}, "SK": {"S": "B#2"}})
    assert item["Item"]["blob"]["B"] == b"\x00\xffB#2"


def test_an_item_over_400_kb_is_refused_also_when_it_grows_by_an_update(stack, ddb):
    table = stack.resources.table_name
    key = {"PK": {"S": f"TEST#{uuid.uuid4().hex}"}, "SK": {"S": "BIG"}}
    with pytest.raises(ClientError, match="Item size has exceeded"):
        ddb.put_item(TableName=table, Item={**key, "text": {"S": "x" * 410_000}})
    ddb.put_item(TableName=table, Item={**key, "a": {"S": "x" * 200_000}, "b": {"S": "y" * 150_000}})
    # Replacing an attribute counts its new size instead of the old one ...
    ddb.update_item(
        TableName=table, Key=key, UpdateExpression="SET b = :b", ExpressionAttributeValues={":b": {"S": "z" * 190_000}}
    )
    # ... and a removed attribute no longer counts.
    ddb.update_item(TableName=table, Key=key, UpdateExpression="REMOVE a")
    ddb.update_item(
        TableName=table, Key=key, UpdateExpression="SET c = :c", ExpressionAttributeValues={":c": {"S": "w" * 200_000}}
    )
    with pytest.raises(ClientError, match="Item size"):
        ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET d = :d",
            ExpressionAttributeValues={":d": {"S": "v" * 30_000}},
        )


def test_the_demo_loader_writes_in_process_what_a_client_reads_over_http(stack, ddb):
    pk = f"TEST#{uuid.uuid4().hex}"
    stored = in_process.put_items(stack.resources.table_name, [{"PK": pk, "SK": f"N#{n}", "n": n} for n in range(3)])
    assert stored == 3
    over_http = sort_keys(ddb, stack.resources.table_name, "begins_with(SK, :a)", {":pk": {"S": pk}, ":a": {"S": "N#"}})
    assert over_http == ["N#0", "N#1", "N#2"]
    answered_here = in_process.client("dynamodb").get_item(
        TableName=stack.resources.table_name, Key={"PK": {"S": pk}, "SK": {"S": "N#2"}}
    )
    assert answered_here["Item"]["n"] == {"N": "2"}


def test_the_demo_history_bills_from_the_daily_values_the_store_answers(stack):
    """The demo loader bills its history with each meter's daily values answered
    from the rows it has just stored: the answers equal the store's, for any
    range, for a meter with days and one without."""
    from datetime import date, timedelta

    from heatportal import composition
    from heatportal.adapters.dynamo import daily_item
    from infra.local.demo import generate
    from infra.local.demo.intervals import with_hours
    from infra.local.demo_loader import days_answered_from

    today = date(2026, 11, 20)
    dataset = generate(composition.profile(), customers=12, today=today, months=14, seed=11)
    meter = next(m for m in dataset.meters if any(d.meter_number == m.number for d in dataset.daily))
    _, days = with_hours([meter], [d for d in dataset.daily if d.meter_number == meter.number], today, "Europe/Oslo")
    number = f"T{uuid.uuid4().hex[:10]}"  # a meter of its own in the shared table
    stored = [d.model_copy(update={"meter_number": number}) for d in days]
    in_process.put_items(stack.resources.table_name, [daily_item(d) for d in stored])
    repo = composition.repository()
    ranges = [
        (today - timedelta(days=400), today),
        (date(2026, 2, 1), date(2026, 3, 1)),
        (today - timedelta(days=3), today + timedelta(days=30)),
        (date(2020, 1, 1), date(2020, 2, 1)),
    ]
    from_store = {(m, r): repo.daily_consumption(m, *r) for m in (number, "nobody") for r in ranges}
    assert sum(len(v) for v in from_store.values()) > 300
    with days_answered_from(repo, stored):
        answered = {(m, r): repo.daily_consumption(m, *r) for m in (number, "nobody") for r in ranges}
    assert answered == from_store
    assert repo.daily_consumption.__func__ is type(repo).daily_consumption  # type: ignore[attr-defined]  # restored


def test_sqs_sends_and_receives_without_counting_the_queue_and_still_counts_when_asked(stack):
    """moto built a queue's approximate counts (a pass over every message) to
    read one static attribute per message sent and received; the patch leaves
    them out there, and GetQueueAttributes still counts."""
    from moto.sqs.models import Message

    sqs = clients(stack.resources.endpoint)["sqs"]
    url = sqs.create_queue(QueueName=f"test-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    for batch in range(5):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"{batch}-{n}"} for n in range(10)])
    checks = {"n": 0}
    delayed = Message.delayed

    def counting(self: Any) -> bool:
        checks["n"] += 1
        return delayed.fget(self)  # type: ignore[attr-defined]

    Message.delayed = property(counting)  # type: ignore[method-assign,assignment]
    try:
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        sqs.send_message(QueueUrl=url, MessageBody="one more")
    finally:
        Message.delayed = delayed  # type: ignore[method-assign]
    assert len(received) == 10
    # One pass over the 50 messages to find the visible ones (moto's), not one per message received.
    assert checks["n"] <= 60, checks
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("41", "10")
    assert counts["ApproximateNumberOfMessagesDelayed"] == "0" and int(counts["MessageRetentionPeriod"]) > 0


def test_the_demo_loader_stores_each_kind_of_value_as_a_put_through_moto_does(stack, ddb):
    """Strings, numbers (Decimal and int), booleans, lists, maps, sets and
    binary stored in-process read back exactly as the same item put through
    moto's PutItem (None attributes left out, as ``dump_item`` leaves them)."""
    from decimal import Decimal

    from heatportal.adapters.dynamo import dump_item

    table = stack.resources.table_name
    values = {
        "s": "é ✓",
        "n": Decimal("-12.340"),
        "i": 7,
        "t": True,
        "f": False,
        "l": ["a", Decimal("1.5"), {"x": 1}],
        "m": {"k": "v", "n": Decimal(3), "deep": {"b": False}},
        "ss": {"a", "b"},
        "ns": {Decimal(1), Decimal("2.5")},
        "b": b"\x00\x01",
        "gone": None,
    }
    here, there = f"TEST#{uuid.uuid4().hex}", f"TEST#{uuid.uuid4().hex}"
    in_process.put_items(table, [{"PK": here, "SK": "V", **values}])
    ddb.put_item(TableName=table, Item=dump_item({"PK": there, "SK": "V", **values}))
    read = [ddb.get_item(TableName=table, Key={"PK": {"S": pk}, "SK": {"S": "V"}})["Item"] for pk in (here, there)]
    assert {k: v for k, v in read[0].items() if k != "PK"} == {k: v for k, v in read[1].items() if k != "PK"}
    assert "gone" not in read[0] and read[0]["n"] == {"N": "-12.340"} and read[0]["t"] == {"BOOL": True}
