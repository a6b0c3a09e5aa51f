"""How every function observes itself, the same way: the one Logger, the one Metrics, one
decorator for every handler.

    from ape_moments.observability import logger, observed

    @observed                      # a stream, queue, S3 or scheduled event
    def lambda_handler(event, context): ...

    @observed(correlation_id_path=correlation_paths.APPSYNC_RESOLVER)   # an AppSync resolver
    def lambda_handler(event, context): ...

``observed`` is the whole stack, in one order: Powertools' logger context (the request id, the
cold start, the correlation id when given), then the metrics flush (``ColdStart`` once per
environment, the invocation's business metrics, named in ``ape_moments.metrics`` only).

Tracing: Lambda's active X-Ray tracing (template Globals ``Tracing: Active``) and AppSync's
(``XrayEnabled``) draw each request's AppSync and Lambda segments. Where tracing is on
(``POWERTOOLS_TRACE_DISABLED=false``: the stages with SnapStart), ``observed`` also runs the handler
under Powertools' Tracer, which patches botocore so that every AWS call is a subsegment, and
records the cold start and the service as annotations. The X-Ray SDK comes from the tracing layer
(layers/tracing: no botocore of its own). Importing it with its patches costs 170-185 ms of CPU
(2026-12-03), nearly a cold-start floor: with SnapStart that cost is in the snapshot; without it
(dev, the local stack) tracing is off and the SDK is never imported. Locally the stack logs each
request's segments, every AWS call included, at debug level (docs/LOCAL_STACK.md, Traces).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any, overload

from aws_lambda_powertools import Logger, Metrics

# The namespace comes from POWERTOOLS_METRICS_NAMESPACE (template Globals: ApeMoments/<Stage>); the
# fallback only serves code run outside a deployed function (unit tests, the bench), which would
# otherwise fail every flush for want of a namespace.
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "ApeMoments/local"

# The function's service is POWERTOOLS_SERVICE_NAME (the template sets it per family).
logger = Logger()
metrics = Metrics(namespace=NAMESPACE)

# Read-only functions (getOrder, listOrders) publish no business metric; Powertools warns about
# that on every invocation, which says nothing useful.
warnings.filterwarnings("ignore", message="No application metrics to publish")

Handler = Callable[..., Any]


def _tracing_on() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").strip().lower() in ("false", "0")


def _tracer() -> Any:
    """Powertools' Tracer where tracing is on, else None (its import is the cost, see the module)."""
    if not _tracing_on():
        return None
    from aws_lambda_powertools import Tracer

    return Tracer()


tracer = _tracer()


@overload
def observed[F: Handler](handler: F) -> F: ...


@overload
def observed[F: Handler](*, correlation_id_path: str | None = None) -> Callable[[F], F]: ...


def observed[F: Handler](handler: F | None = None, *, correlation_id_path: str | None = None) -> F | Callable[[F], F]:
    """Wrap a Lambda handler with the logger context, the metrics flush and, where on, the tracer (see the module)."""

    def wrap(function: F) -> F:
        traced = function if tracer is None else tracer.capture_lambda_handler(function)
        flushed = metrics.log_metrics(traced, capture_cold_start_metric=True)
        if correlation_id_path is None:
            return logger.inject_lambda_context(flushed)  # type: ignore[return-value]
        return logger.inject_lambda_context(flushed, correlation_id_path=correlation_id_path)  # type: ignore[return-value]

    return wrap(handler) if handler is not None else wrap
