"""SnapStart priming: work done once before Lambda snapshots an API function, nothing connected.

With SnapStart (staging, prod; docs/OPERATIONS.md) Lambda initialises a published version once,
snapshots the memory and starts every execution environment from that snapshot. What the
initialisation did is free on every "cold" start after it, so an API handler adds one line:

    priming.prime(app, Order, CreateOrderRequest)

Before the snapshot it: imports what the first request would otherwise import lazily (boto3's
client machinery, Powertools' AppSync event classes, the function's own lazy imports), makes sure
the pydantic models it names are built, and checks the resolvers are registered. It never creates a
boto3 session or client (credentials and connections must belong to the restored environment) and
never draws from a random generator. After the restore it drops anything cached that must be fresh:
the boto3 clients (none are made before the snapshot; cleared in case an init path made one) and
the ``random`` module's state, which every restored copy would otherwise share.

``snapshot_restore_py`` exists only in Lambda's runtime; elsewhere the hooks are kept here, so the
bench and the tests run the same hooks (``run_before_snapshot``, ``run_after_restore``).
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from ape_moments import aws

Hook = Callable[[], None]

try:  # the Lambda runtime's hook registry (SnapStart); absent everywhere else
    from snapshot_restore_py import (  # type: ignore[import-not-found, unused-ignore]
        register_after_restore as _runtime_after_restore,
    )
    from snapshot_restore_py import (  # type: ignore[import-not-found, unused-ignore]
        register_before_snapshot as _runtime_before_snapshot,
    )
except ImportError:
    _runtime_before_snapshot = None
    _runtime_after_restore = None

# What a first request imports lazily (measured with -X importtime): boto3's client machinery
# (the layer imports boto3 only when it needs a client) and Powertools' per-request classes.
FIRST_REQUEST_IMPORTS = (
    "boto3",
    "boto3.session",
    "botocore.client",
    "botocore.config",
    "botocore.endpoint",
    "botocore.parsers",
    "botocore.serialize",
    "botocore.auth",
    "botocore.httpsession",
    "botocore.retries.standard",
    "botocore.credentials",
    "aws_lambda_powertools.utilities.data_classes.appsync_resolver_event",
)

_before: list[Hook] = []
_after: list[Hook] = []


def prime(app: Any, *models: type[BaseModel], imports: Iterable[str] = ()) -> None:
    """Register this function's priming: ``app``'s resolvers, ``models`` built, ``imports`` done."""

    def before_snapshot() -> None:
        for name in (*FIRST_REQUEST_IMPORTS, *imports):
            importlib.import_module(name)
        for model in models:
            model.model_rebuild()  # a no-op for a model pydantic already built; builds one left incomplete
        registered = getattr(app, "_resolver_registry", None)
        if registered is not None and not registered.resolvers:
            raise RuntimeError("priming found no resolver registered: prime after the @app.resolver functions")

    _register(before_snapshot, _after_restore)


def _after_restore() -> None:
    aws.client.cache_clear()
    random.seed()  # fresh entropy: every environment restored from one snapshot would share the state


def _register(before: Hook, after: Hook) -> None:
    _before.append(before)
    if _runtime_before_snapshot is not None:
        _runtime_before_snapshot(before)
    if after not in _after:  # one after-restore hook per process, however many functions prime
        _after.append(after)
        if _runtime_after_restore is not None:
            _runtime_after_restore(after)


def run_before_snapshot() -> None:
    """What SnapStart runs before its snapshot (the bench and the tests simulate it with this)."""
    for hook in _before:
        hook()


def run_after_restore() -> None:
    for hook in _after:
        hook()
