"""X-Ray's picture of a request, locally: each request's segments, names and durations, in the log.

On AWS, active tracing (template Globals ``Tracing: Active``, AppSync ``XrayEnabled``) draws one
trace per request: AppSync, the Lambda invocation of each resolver, and each AWS call a function
makes (the runtime hands the function a trace header in ``_X_AMZN_TRACE_ID``; botocore sends it
on every call as ``X-Amzn-Trace-Id``). The local stack draws the same tree from what it sees:

- the GraphQL server opens a trace per request (``request``), or a Lambda invocation with no
  request around it (a queue, a stream, S3, the schedule) opens one of its own;
- the Lambda runtime adds the invocation (``segment``) and passes the trace header to the function;
- the AWS endpoint adds each call that carries a known trace's header (``record_call``).

When the outermost segment ends, the tree is logged at debug level (``--log-level debug``):

    trace 1-6750a1b2-0e5c... AppSync POST /graphql 48.2 ms
      Lambda CreateOrderFunction (Mutation.createOrder) 41.0 ms
        dynamodb PutItem 3.1 ms
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

LOGGER = logging.getLogger("devtools.local_stack.traces")
TRACE_HEADER = "X-Amzn-Trace-Id"
# Traces whose calls may still arrive; older ones are forgotten (bounded memory on a long run).
MAX_OPEN_TRACES = 1000


@dataclass
class Segment:
    name: str
    started: float = field(default_factory=time.perf_counter)
    duration_ms: float | None = None  # None while it runs
    children: list[Segment] = field(default_factory=list)

    def end(self) -> None:
        self.duration_ms = (time.perf_counter() - self.started) * 1000

    def lines(self, depth: int = 0) -> Iterator[str]:
        took = "running" if self.duration_ms is None else f"{self.duration_ms:.1f} ms"
        yield f"{'  ' * depth}{self.name} {took}"
        for child in sorted(self.children, key=lambda segment: segment.started):
            yield from child.lines(depth + 1)


@dataclass
class Trace:
    root_id: str
    root: Segment
    parents: dict[str, Segment] = field(default_factory=dict)  # the header's Parent= id -> its segment

    def header(self, parent: Segment) -> str:
        """The value Lambda puts in ``_X_AMZN_TRACE_ID`` for a function run under ``parent``."""
        parent_id = f"{id(parent):016x}"
        self.parents[parent_id] = parent
        return f"Root={self.root_id};Parent={parent_id};Sampled=1"


def new_root_id() -> str:
    """X-Ray's trace id: version 1, the epoch seconds in hex, 96 random bits."""
    return f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"


def parse_header(header: str) -> dict[str, str]:
    """An ``X-Amzn-Trace-Id`` header (``Root=1-...;Parent=...;Sampled=1``) as its parts."""
    parts = (part.strip().partition("=") for part in header.split(";"))
    return {key: value for key, _, value in parts if key and value}


class TraceLog:
    """The stack's open traces: segments are added from the GraphQL, Lambda and AWS threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: OrderedDict[str, Trace] = OrderedDict()
        # The trace and segment the current thread (a GraphQL request, an invocation) works under.
        self._current: ContextVar[tuple[Trace, Segment] | None] = ContextVar("local_trace", default=None)

    @contextmanager
    def request(self, name: str) -> Iterator[Trace]:
        """A trace for one request: the root segment, logged when the block ends."""
        trace = Trace(new_root_id(), Segment(name))
        with self._lock:
            self._open[trace.root_id] = trace
            while len(self._open) > MAX_OPEN_TRACES:
                self._open.popitem(last=False)
        token = self._current.set((trace, trace.root))
        try:
            yield trace
        finally:
            self._current.reset(token)
            trace.root.end()
            with self._lock:
                self._open.pop(trace.root_id, None)
            if LOGGER.isEnabledFor(logging.DEBUG):
                LOGGER.debug("trace %s %s", trace.root_id, "\n".join(trace.root.lines()))

    @contextmanager
    def segment(self, name: str) -> Iterator[str]:
        """A segment under the current one (a new trace if there is none): yields its trace header."""
        current = self._current.get()
        if current is None:
            with self.request(name) as trace:
                yield trace.header(trace.root)
            return
        trace, parent = current
        child = Segment(name)
        with self._lock:
            parent.children.append(child)
        token = self._current.set((trace, child))
        try:
            yield trace.header(child)
        finally:
            self._current.reset(token)
            child.end()

    def record_call(self, header: str | None, name: str, started: float) -> None:
        """An AWS call that carried ``header`` and began at ``started`` (perf_counter) ends now."""
        parts = parse_header(header or "")
        if "Root" not in parts:
            return
        call = Segment(name, started=started)
        call.end()
        with self._lock:
            trace = self._open.get(parts["Root"])
            if trace is None:  # not one of ours, or its request already ended
                return
            trace.parents.get(parts.get("Parent", ""), trace.root).children.append(call)


TRACES = TraceLog()  # one per stack process: every server thread adds to the same traces
