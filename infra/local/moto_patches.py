"""Work-arounds for moto gaps that the local stack depends on.

moto answers every DynamoDB ``Query`` by sorting all items of the table, so a
query on a designed key costs O(n log n) in the table size: with the demo
data that made each billed account take about a second. The query patch
restricts the candidates to the queried partition (or, for a GSI, the items
carrying the queried key) before moto's own filtering and sorting, which then
run unchanged.

moto's ``TransactWriteItems`` deep-copies every table a transaction touches,
once per operation, so it can roll back on failure. With the demo data set
(~75,000 items in the single table) one invoice transaction took seconds. The
patch keeps moto's semantics (all-or-nothing, the same cancellation reasons)
but snapshots only the items the transaction names, and restores those.

Cognito's ``GlobalSignOut`` is an unsigned call (the access token is its
credential), so a moto server on loopback cannot tell its region and looks
for the token in the default region's pools, where it is not: every sign-out
answered NotAuthorized. moto already finds the region by the token for
``ChangePassword``; the patch does the same for ``GlobalSignOut``.
"""

from __future__ import annotations

import copy
import threading
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


def _patch_query() -> None:
    from moto.dynamodb.models.table import Table

    all_items = Table.all_items
    query = Table.query

    def restricted_all_items(self: Any) -> list[Any]:
        wanted = getattr(_restriction, "value", None)
        if wanted is None or wanted[0] is not self:
            return all_items(self)
        _, attribute, key = wanted
        if attribute is None:  # the table's own partition
            bucket = self.items.get(key)
            if bucket is None:
                return []
            return list(bucket.values()) if self.range_key_attr else [bucket]
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
        _restriction.value = (self, attribute, hash_key)
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


def apply() -> None:
    if _state["applied"]:
        return
    from moto.dynamodb import models

    _patch_query()
    _patch_global_sign_out()

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
    _state["applied"] = True
