"""Work-arounds for moto gaps that the local stack depends on.

moto answers every DynamoDB ``Query`` by sorting all items of the table, so a
query on a designed key costs O(n log n) in the table size: with the demo
data that made each billed account take about a second. The query patch
restricts the candidates to the queried partition (and, on the table's own
key, to the sort-key condition; for a GSI, to the items carrying the queried
key) before moto's own filtering and sorting, which then run unchanged.

moto's ``TransactWriteItems`` deep-copies every table a transaction touches,
once per operation, so it can roll back on failure. With the demo data set
(~75,000 items in the single table) one invoice transaction took seconds. The
patch keeps moto's semantics (all-or-nothing, the same cancellation reasons)
but snapshots only the items the transaction names, and restores those.

moto's DynamoDB backend checks conditions and writes without a lock, and the
moto server answers each request on a thread of its own: two concurrent
transactions could both pass their conditions, and the snapshot restore above
could put a cancelled transaction's items back over another's commit (the
Distributed Map runs batches on threads: duplicate invoice numbers in 4 of 6
runs). One re-entrant lock around every table operation makes each request
atomic, as DynamoDB's are; it wraps the transaction patch, so a restore is
part of the request that needed it.

SES publishes what became of each message (sent, bounced) to a configuration
set's event destination; moto accepts ``ConfigurationSetName`` and
``EmailTags`` and drops them. The SES patch keeps, for every message sent with
tags, the events SES would publish, in ``ses_events``: a Send event, and for
the mailbox simulator's addresses (bounce@, complaint@ and
suppressionlist@simulator.amazonses.com) the bounce or complaint that follows,
as on AWS. The local stack hands them to the notifications function as the
EventBridge rule does (infra.local.deliveries).

Cognito's ``GlobalSignOut`` is an unsigned call (the access token is its
credential), so a moto server on loopback cannot tell its region and looks
for the token in the default region's pools, where it is not: every sign-out
answered NotAuthorized. moto already finds the region by the token for
``ChangePassword``; the patch does the same for ``GlobalSignOut``.

moto (5.2) writes each DynamoDB answer through its generic, shape-driven
serializer, attribute by attribute: a Query of a meter's two years of daily
values (about 700 items) took 450 ms, nearly all of it there. The item
operations' answers are plain JSON in DynamoDB's typed form (binary values
base64), so the patch writes them with ``json.dumps``; anything else (a
timestamp in a table description) still goes through moto's serializer.

moto checks DynamoDB's 400 KB item limit by summing the sizes of all of an
item's attributes each time one is set, so storing an item costs the square
of its attributes (most of the time the demo loader spent on its ~76,000
items). The patch keeps the item's size as attributes are set and removed and
refuses exactly what moto refuses.

moto's SQS builds a queue's whole attribute map, with its three approximate
message counts (each a pass over every message in the queue), to read one
static attribute: once per message sent (content-based deduplication) and
once per message received (the retention period). A queue holding a bill
run's e-mails made every send and receive cost the queue's length: a 4,000
account run spent 39 % of its time there. While moto sends or receives, the
patch leaves the counts out of that map (nothing there reads them);
GetQueueAttributes still counts.
"""

from __future__ import annotations

import copy
import functools
import json
import queue
import threading
from datetime import UTC, datetime
from typing import Any

_state = {"applied": False}


class _NoTableCopy:
    """Stands in for the ``copy`` module inside moto's DynamoDB backend: a
    whole-table deepcopy becomes a no-op; item copies stay deep."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def _key_of(table: Any, operation: str, body: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    attrs = body["Item"] if operation == "Put" else body["Key"]
    hash_value = DynamoType(attrs[table.hash_key_attr])
    range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return hash_value, range_value


def _get(table: Any, hash_value: Any, range_value: Any) -> Any:
    bucket = table.items.get(hash_value)
    if bucket is None:
        return None
    if table.range_key_attr:
        return bucket.get(range_value)
    return bucket


def _restore(table: Any, hash_value: Any, range_value: Any, item: Any) -> None:
    if table.range_key_attr:
        if item is None:
            table.items.get(hash_value, {}).pop(range_value, None)
            if hash_value in table.items and not table.items[hash_value]:
                del table.items[hash_value]
        else:
            table.items[hash_value][range_value] = item
    elif item is None:
        table.items.pop(hash_value, None)
    else:
        table.items[hash_value] = item


_restriction = threading.local()

# DynamoDB orders string keys by their UTF-8 bytes, which is Python's order of code points.
_STRING_COMPARISONS = {
    "BEGINS_WITH": lambda key, values: key.startswith(values[0]),
    "BETWEEN": lambda key, values: values[0] <= key <= values[1],
    "=": lambda key, values: key == values[0],
    "<": lambda key, values: key < values[0],
    "<=": lambda key, values: key <= values[0],
    ">": lambda key, values: key > values[0],
    ">=": lambda key, values: key >= values[0],
}


def _sort_key_matches(key: Any, comparison: str, values: list[Any]) -> bool:
    """moto's own comparison, on plain strings where the key is a string (moto's
    DynamoType comparison costs microseconds per item, on every item of the partition)."""
    compare = _STRING_COMPARISONS.get(comparison.upper())
    if compare is not None and key.type == "S" and all(v.type == "S" for v in values):
        return bool(compare(key.value, [v.value for v in values]))
    return bool(key.compare(comparison, values))


def _patch_query() -> None:
    from moto.dynamodb.models.table import Table

    all_items = Table.all_items
    query = Table.query

    def restricted_all_items(self: Any) -> list[Any]:
        wanted = getattr(_restriction, "value", None)
        if wanted is None or wanted[0] is not self:
            return all_items(self)
        _, attribute, key, sort_key = wanted
        if attribute is None:  # the table's own partition
            bucket = self.items.get(key)
            if bucket is None:
                return []
            if not self.range_key_attr:
                return [bucket]
            if sort_key is None:
                return list(bucket.values())
            return [item for item in bucket.values() if _sort_key_matches(item.range_key, *sort_key)]
        found = []
        for bucket in self.items.values():
            for item in bucket.values() if self.range_key_attr else [bucket]:
                value = item.attrs.get(attribute)
                if value is not None and value == key:
                    found.append(item)
        return found

    def restricted_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        # moto's backend passes index_name positionally (8th parameter).
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        attribute = None
        if index_name:
            index = next((i for i in self.all_indexes() if i.name == index_name), None)
            hash_keys = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"] if index else []
            if len(hash_keys) != 1 or hash_key is None:
                return query(self, hash_key, *args, **kwargs)
            attribute = hash_keys[0]
        elif hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        # On the table's own key, the sort-key condition narrows the partition
        # too (moto applies it again): a begins_with or BETWEEN on a partition
        # holding two years of daily values no longer walks every item.
        comparison, values = (args[0], args[1]) if len(args) > 1 else (None, None)
        sort_key = (comparison, values) if attribute is None and comparison else None
        _restriction.value = (self, attribute, hash_key, sort_key)
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _restriction.value = None

    Table.all_items = restricted_all_items  # type: ignore[method-assign]
    Table.query = restricted_query  # type: ignore[method-assign]


def _patch_global_sign_out() -> None:
    from moto.cognitoidp.models import cognitoidp_backends, find_account_region_by_value
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.responses import EmptyResult

    def global_sign_out(self: Any) -> Any:
        access_token = self._get_param("AccessToken")
        account, region = find_account_region_by_value(
            "access_token", access_token, fallback=(self.current_account, self.region)
        )
        cognitoidp_backends[account][region].global_sign_out(access_token)
        return EmptyResult()

    CognitoIdpResponse.global_sign_out = global_sign_out  # type: ignore[method-assign]


# Every operation that reads or writes a table's items (or the set of tables).
_SERIALIZED = (
    "batch_execute_statement",
    "batch_get_item",
    "batch_write_item",
    "create_table",
    "delete_item",
    "delete_table",
    "execute_statement",
    "execute_transaction",
    "get_item",
    "put_item",
    "query",
    "scan",
    "transact_get_items",
    "transact_write_items",
    "update_item",
)
DYNAMODB_LOCK = threading.RLock()


def _serialize_dynamodb() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    def serialized(original: Any) -> Any:
        @functools.wraps(original)
        def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
            with DYNAMODB_LOCK:
                return original(self, *args, **kwargs)

        return locked

    for name in _SERIALIZED:
        setattr(DynamoDBBackend, name, serialized(getattr(DynamoDBBackend, name)))


# SES events waiting for the local stack to deliver them (EventBridge-shaped).
ses_events: queue.Queue[dict[str, Any]] = queue.Queue()
SIMULATOR = "simulator.amazonses.com"


def _ses_event(
    event_type: str, detail_type: str, message_id: str, tags: dict[str, list[str]], **extra: Any
) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    mail = {"timestamp": now, "messageId": message_id, "tags": tags}
    return {
        "source": "aws.ses",
        "detail-type": detail_type,
        "time": now,
        "detail": {"eventType": event_type, "mail": mail, **extra},
    }


def _patch_ses_events() -> None:
    from moto.sesv2.responses import SESV2Response

    original = SESV2Response.send_email

    def send_email(self: Any) -> str:
        answer = original(self)
        params = json.loads(self.body)
        tags = {t["Name"]: [t["Value"]] for t in params.get("EmailTags") or []}
        if not tags or not params.get("ConfigurationSetName"):
            return answer
        message_id = json.loads(answer)["MessageId"]
        ses_events.put(_ses_event("Send", "Email Sent", message_id, tags))
        for recipient in (params.get("Destination") or {}).get("ToAddresses", []):
            local, _, domain = recipient.partition("@")
            if domain != SIMULATOR:
                continue
            if local in ("bounce", "suppressionlist"):
                sub_type = "General" if local == "bounce" else "OnAccountSuppressionList"
                bounce = {
                    "bounceType": "Permanent",
                    "bounceSubType": sub_type,
                    "bouncedRecipients": [{"emailAddress": recipient}],
                }
                ses_events.put(_ses_event("Bounce", "Email Bounced", message_id, tags, bounce=bounce))
            elif local == "complaint":
                complaint = {"complainedRecipients": [{"emailAddress": recipient}]}
                ses_events.put(
                    _ses_event("Complaint", "Email Complaint Received", message_id, tags, complaint=complaint)
                )
        return answer

    SESV2Response.send_email = send_email  # type: ignore[method-assign]


# Operations whose answer is items in DynamoDB's typed form (and counts, keys, capacity).
_ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)


def _plain_json(value: Any) -> str:
    import base64
    import json

    def binary(data: Any) -> str:
        if isinstance(data, bytes):
            return base64.b64encode(data).decode("ascii")
        raise TypeError(type(data).__name__)

    return json.dumps(value, default=binary, separators=(",", ":"))


def _patch_dynamodb_answers() -> None:
    from moto.dynamodb.responses import DynamoResult

    serialized = DynamoResult.execute_result

    def execute_result(self: Any, context: Any) -> Any:
        operation = context.operation_model
        if operation.name in _ITEM_OPERATIONS:
            try:
                body = _plain_json(self.result)
            except TypeError:
                return serialized(self, context)
            version = operation.service_model.metadata.get("jsonVersion", "1.0")
            return 200, {"Content-Type": f"application/x-amz-json-{version}"}, body
        return serialized(self, context)

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


def _patch_item_size() -> None:
    from moto.dynamodb.models import dynamo_type
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict, bytesize

    check = LimitedSizeDict.__setitem__

    def size_of(key: str, value: Any) -> int:
        return bytesize(key) + (value.size() if type(value) is DynamoType else bytesize(str(value)))

    def setitem(self: Any, key: str, value: Any) -> None:
        known = self.__dict__.get("_size")
        if known is None:
            check(self, key, value)  # moto's own check, once; then kept up to date
            self.__dict__["_size"] = sum(size_of(k, v) for k, v in self.items())
            return
        new_size = size_of(key, value)
        previous = size_of(key, self[key]) if key in self else 0
        if known - previous + new_size > 405000:  # moto's limit (DynamoDB's 400 KB, as measured)
            raise dynamo_type.ItemSizeTooLarge
        dict.__setitem__(self, key, value)
        self.__dict__["_size"] = known - previous + new_size

    def forget(method: Any) -> Any:
        def changed(self: Any, *args: Any, **kwargs: Any) -> Any:
            self.__dict__.pop("_size", None)
            return method(self, *args, **kwargs)

        return changed

    LimitedSizeDict.__setitem__ = setitem  # type: ignore[method-assign]
    for name in ("__delitem__", "pop", "popitem", "clear", "update", "setdefault"):
        setattr(LimitedSizeDict, name, forget(getattr(dict, name)))


_sqs_uncounted = threading.local()
_SQS_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_delayed",
    "approximate_number_of_messages_not_visible",
)


def _patch_sqs_counts() -> None:
    from moto.sqs.models import Queue, SQSBackend

    def uncounted_while(original: Any) -> Any:
        @functools.wraps(original)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            outer = getattr(_sqs_uncounted, "value", False)
            _sqs_uncounted.value = True
            try:
                return original(self, *args, **kwargs)
            finally:
                _sqs_uncounted.value = outer

        return call

    def count_unless_uncounted(original: Any) -> property:
        return property(lambda self: None if getattr(_sqs_uncounted, "value", False) else original.fget(self))

    for name in _SQS_COUNTS:
        setattr(Queue, name, count_unless_uncounted(getattr(Queue, name)))
    for name in ("send_message", "receive_message"):
        setattr(SQSBackend, name, uncounted_while(getattr(SQSBackend, name)))


def apply() -> None:
    if _state["applied"]:
        return
    from moto.dynamodb import models

    from infra.local import moto_distributed_map

    _patch_query()
    _patch_global_sign_out()
    _patch_ses_events()
    moto_distributed_map.apply()
    _patch_dynamodb_answers()
    _patch_item_size()
    _patch_sqs_counts()

    models.copy = _NoTableCopy()  # type: ignore[assignment]
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshots = []
        for entry in transact_items:
            operation, body = next(iter(entry.items()))
            table = self.tables.get(body.get("TableName"))
            if table is None or operation not in {"Put", "Update", "Delete"}:
                continue
            hash_value, range_value = _key_of(table, operation, body)
            snapshots.append((table, hash_value, range_value, copy.deepcopy(_get(table, hash_value, range_value))))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(snapshots):
                _restore(table, hash_value, range_value, item)
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    # Last, so that the lock also covers the snapshot and restore above.
    _serialize_dynamodb()
    _state["applied"] = True
