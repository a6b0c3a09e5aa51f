"""Make moto's DynamoDB and S3 as safe under concurrent requests as the services they stand for.

DynamoDB applies a write to an item atomically: of two concurrent conditional writes whose
conditions both held before either ran, one fails, and a reader sees the item wholly before or
wholly after a write. moto does neither: it checks a condition and writes in two steps without a
lock, and an UpdateItem changes the stored item one attribute at a time, so a concurrent read can
see half of it (a loaded test run read an order FAILED without the errorMessage written in the
same UpdateItem). The code under test relies on DynamoDB's guarantees (one conditional write per
change, no read-then-write), so the fake must give them: every DynamoDB request moto answers, read
or write, response included, runs under one process-wide lock.

S3 likewise: moto's ListObjectVersions iterates a key's version list that a concurrent
DeleteObject changes, and failed with a TypeError (a loaded run, four concurrent deletePhoto of one
photo), where S3 answers every request. Every S3 request moto answers runs under a lock of its own.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_lock = threading.RLock()
_s3_lock = threading.RLock()
_installed = False


def serialize_moto_requests() -> None:
    """Patch moto's DynamoDB and S3 once per process; idempotent."""
    global _installed  # noqa: PLW0603 - a process-wide patch, installed once
    with _lock:
        if _installed:
            return
        from moto.dynamodb.responses import DynamoHandler
        from moto.s3.responses import S3Response

        # Each request, from parsing to the serialised answer (a read's answer is built from the
        # stored item, which a concurrent UpdateItem would be changing in place).
        DynamoHandler.call_action = _under_lock(DynamoHandler.call_action)  # type: ignore[method-assign]
        # S3: every bucket- and object-level request (moto routes each through one of these two).
        S3Response.bucket_response = _under_lock(S3Response.bucket_response, _s3_lock)  # type: ignore[method-assign]
        S3Response.key_response = _under_lock(S3Response.key_response, _s3_lock)  # type: ignore[method-assign]
        _installed = True


def _under_lock(method: Callable[..., Any], lock: threading.RLock = _lock) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return method(*args, **kwargs)

    return locked
