"""Make moto's DynamoDB honour DynamoDB's write atomicity.

DynamoDB applies a conditional write to an item atomically: of two concurrent writes whose
conditions both held before either ran, one fails. moto checks the condition and writes in two
steps without a lock, so two threads can both pass the check. The code under test relies on
DynamoDB's guarantee (one conditional write per change, no read-then-write), so the fake must
give it: each write of moto's backend runs under one process-wide lock.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_lock = threading.RLock()
_installed = False


def serialize_dynamodb_writes() -> None:
    """Patch moto's DynamoDB backend once per process; idempotent."""
    global _installed  # noqa: PLW0603 - a process-wide patch, installed once
    with _lock:
        if _installed:
            return
        from moto.dynamodb.models import DynamoDBBackend

        for name in _WRITES:
            original = getattr(DynamoDBBackend, name)
            setattr(DynamoDBBackend, name, _under_lock(original))
        _installed = True


def _under_lock(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return method(*args, **kwargs)

    return locked
