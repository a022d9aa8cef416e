"""moto's backends reached in this process, without the HTTP hop, for bulk work.

The demo loader writes tens of thousands of items and bills months of history
before the stack serves anyone: over HTTP each request pays a socket round
trip and the embedded server's request handling on top of moto's own work.
Here the items go straight into moto's DynamoDB table (typed by the same
``dump_item`` the adapter uses), and a boto3 client answered in-process (the
botocore hook moto's own decorator uses) stands in for the HTTP one while the
history is billed, so every request still goes through botocore and the real
adapters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from typing import Any

from boto3.dynamodb.types import DYNAMODB_CONTEXT, TypeSerializer

from heatportal.adapters.dynamo import DynamoTable, dump_item
from infra.local.resources import ACCOUNT, REGION

_SERIALIZER = TypeSerializer()


def put_items(table_name: str, items: Iterable[dict[str, Any]]) -> int:
    """Store the items (plain values, as the adapters' item mappers build them)
    in moto's table directly; returns how many."""
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    table = dynamodb_backends[ACCOUNT][REGION].get_table(table_name)
    hash_attr, range_attr = table.hash_key_attr, table.range_key_attr
    count = 0
    for item in items:
        if range_attr is None or not isinstance(item.get(hash_attr), str) or not isinstance(item.get(range_attr), str):
            table.put_item(dump_item(item))  # moto's checks and its error for a key that is missing
        else:
            # What moto's put_item stores for an unconditional put, without its
            # per-attribute type, key-size and item-size checks (the adapters'
            # own item mappers built these items; tests put them through moto's
            # checks), each attribute typed as ``dump_item`` types it.
            typed = {name: _typed(value, DynamoType) for name, value in item.items() if value is not None}
            stored = Item(typed[hash_attr], typed[range_attr], {})
            dict.update(stored.attrs, typed)
            table.items[stored.hash_key][stored.range_key] = stored
        count += 1
    return count


def _typed(value: Any, dynamo_type: Any) -> Any:
    """moto's ``DynamoType`` of a plain value, as ``DynamoType(dump_item's
    serialization)`` builds it; strings, numbers and booleans directly (they
    are nearly all of the demo's attributes), anything else through it."""
    kind = type(value)
    if kind is str:
        typed, typed.type, typed.value = object.__new__(dynamo_type), "S", value
        return typed
    if kind is Decimal or kind is int:
        number = str(DYNAMODB_CONTEXT.create_decimal(value))  # dump_item's rounding traps and form
        if number in ("Infinity", "NaN"):
            raise TypeError("Infinity and NaN not supported")
        typed, typed.type, typed.value = object.__new__(dynamo_type), "N", number
        return typed
    if kind is bool:
        typed, typed.type, typed.value = object.__new__(dynamo_type), "BOOL", value
        return typed
    return dynamo_type(_SERIALIZER.serialize(value))


@cache
def client(service: str) -> Any:
    """A boto3 client whose requests moto answers in this process (its default
    AWS endpoint, never sent: moto's botocore hook answers before the send);
    one per service, shared (boto3's clients are thread-safe)."""
    import boto3
    from botocore.config import Config
    from moto.core.botocore_stubber import BotocoreStubber

    answer = BotocoreStubber()
    answer.enabled = True
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto accepts any key
        region_name=REGION,
    )
    made = session.client(  # type: ignore[call-overload]  # service name is dynamic
        service,
        endpoint_url=f"https://{service}.{REGION}.amazonaws.com",
        config=Config(retries={"mode": "standard", "max_attempts": 3}),
    )
    made.meta.events.register("before-send", answer)
    return made


@contextmanager
def answered_in_process(table: DynamoTable) -> Iterator[DynamoTable]:
    """The table's requests answered in-process for the duration (its request
    count keeps counting); the HTTP client is back afterwards."""
    http = table.client
    table.client = client("dynamodb")
    try:
        yield table
    finally:
        table.client = http
