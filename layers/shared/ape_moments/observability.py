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

Tracing is Lambda's active X-Ray tracing (template Globals ``Tracing: Active``) and AppSync's
(``XrayEnabled``): each request's AppSync and Lambda segments, with no code. Powertools' Tracer
(subsegments per AWS call and per handler) is not used, a measured decision: it needs
``aws-xray-sdk``, which SAM's pip build brings into the layer with botocore (the runtime's boto3
must stay the only one; tests/template/test_built_layer.py), and importing it with its patches
costs 170-185 ms of CPU at every cold start (2026-12-03, beside a cold-start floor of about
200 ms: the cold path would nearly double). The way to add it later: a layer of its own built
with ``pip install --no-deps aws-xray-sdk wrapt``, enabled only where SnapStart takes the import
into the snapshot (staging, prod), added here for every function at once. Locally, the stack logs
each request's segments with every AWS call at debug level (docs/LOCAL_STACK.md, Traces).
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


@overload
def observed[F: Handler](handler: F) -> F: ...


@overload
def observed[F: Handler](*, correlation_id_path: str | None = None) -> Callable[[F], F]: ...


def observed[F: Handler](handler: F | None = None, *, correlation_id_path: str | None = None) -> F | Callable[[F], F]:
    """Wrap a Lambda handler with the logger context and the metrics flush (see the module)."""

    def wrap(function: F) -> F:
        flushed = metrics.log_metrics(function, capture_cold_start_metric=True)
        if correlation_id_path is None:
            return logger.inject_lambda_context(flushed)  # type: ignore[return-value]
        return logger.inject_lambda_context(flushed, correlation_id_path=correlation_id_path)  # type: ignore[return-value]

    return wrap(handler) if handler is not None else wrap
