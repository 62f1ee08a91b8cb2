"""Item-level rollback for moto's TransactWriteItems: the cost of a transaction no longer grows with its tables.

moto 5.2 backs up a transaction by deep-copying every table it names, once per item, before it starts, and on a
cancelled transaction puts the copies back. With a few hundred rollout records of a few kB each, one rollout
save (a transaction of 3-6 items) cost 50-150 ms of copying, and the serialized DynamoDB requests queued
behind it: the bench's alarm storm spent most of its 30 s waiting for those copies (README "Logs, metrics
and the bench"). Real DynamoDB's cost does not depend on the table's size.

Here the transaction remembers only the items it touches (a deep copy of each, or their absence) and on any
failure puts exactly those back. That restores the same state as moto's table copy did, because every
DynamoDB request runs alone under serialized-dynamodb's lock: nothing else changed the table in between.
"""

import copy
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table


class _CopyExceptTables:
    """Stands in for the `copy` module inside moto.dynamodb.models: a table is not copied (see above)."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


_original_transact_write_items = DynamoDBBackend.transact_write_items


def _touched(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Table, Any, Any, Any]]:
    """(table, hash key, range key, a copy of the item or None) for each item the transaction names."""
    touched = []
    for entry in transact_items:
        if len(entry) != 1:
            continue  # moto refuses it before writing anything
        op_type, op = next(iter(entry.items()))
        try:
            table = backend.get_table(op.get("TableName"))
        except Exception:  # noqa: BLE001  moto answers the missing table itself
            continue
        attrs = op.get("Item") if op_type == "Put" else op.get("Key")
        if not attrs or table.hash_key_attr not in attrs:
            continue
        hash_key = DynamoType(attrs[table.hash_key_attr])
        range_key = None
        if table.range_key_attr is not None:
            if table.range_key_attr not in attrs:
                continue
            range_key = DynamoType(attrs[table.range_key_attr])
        current = table.get_item(hash_key, range_key)
        touched.append((table, hash_key, range_key, copy.deepcopy(current) if current is not None else None))
    return touched


def _put_back(touched: list[tuple[Table, Any, Any, Any]]) -> None:
    for table, hash_key, range_key, before in reversed(touched):
        if range_key is not None:
            if before is None:
                table.items[hash_key].pop(range_key, None)
            else:
                table.items[hash_key][range_key] = before
        elif before is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = before


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    touched = _touched(self, transact_items)
    try:
        _original_transact_write_items(self, transact_items)
    except BaseException:
        _put_back(touched)
        raise


def install() -> None:
    """Once, at the emulator's start (extensions.py)."""
    dynamodb_models.copy = _CopyExceptTables  # type: ignore[assignment]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
