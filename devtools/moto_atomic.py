"""Make moto's DynamoDB honour DynamoDB's item-level atomicity.

DynamoDB applies a write to an item atomically: of two concurrent conditional writes whose
conditions both held before either ran, one fails, and a reader sees the item wholly before or
wholly after a write. moto does neither: it checks a condition and writes in two steps without a
lock, and an UpdateItem changes the stored item one attribute at a time, so a concurrent read can
see half of it (a loaded test run read an order FAILED without the errorMessage written in the
same UpdateItem). The code under test relies on DynamoDB's guarantees (one conditional write per
change, no read-then-write), so the fake must give them: every DynamoDB request moto answers, read
or write, response included, runs under one process-wide lock.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
_lock = threading.RLock()
_installed = False


def serialize_dynamodb() -> None:
    """Patch moto's DynamoDB once per process; idempotent."""
    global _installed  # noqa: PLW0603 - a process-wide patch, installed once
    with _lock:
        if _installed:
            return
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.responses import DynamoHandler

        # Each request, from parsing to the serialised answer (a read's answer is built from the
        # stored item, which a concurrent UpdateItem would be changing in place).
        DynamoHandler.call_action = _under_lock(DynamoHandler.call_action)  # type: ignore[method-assign]
        # And the backend's writes, for callers that reach the backend without a request.
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
