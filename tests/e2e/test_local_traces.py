"""The local stack logs each request's trace segments at debug level, as X-Ray would draw them:
AppSync, the resolver, the Lambda invocation and each AWS call the function made, with durations."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Caller, Stack, eventually
from tests.e2e.order_sources import real_photo
from tests.e2e.test_orders import CREATE_ORDER, PROCESS_ORDER

pytestmark = pytest.mark.e2e

TRACE_START = re.compile(
    r"^\[local-stack\] DEBUG devtools\.local_stack\.traces: trace (1-[0-9a-f]{8}-[0-9a-f]{24}) (.*)$"
)
SEGMENT = re.compile(r"^(?P<indent>(?:  )*)(?P<name>.+) (?P<ms>\d+\.\d) ms$")


def traces(stack: Stack) -> list[list[tuple[int, str, float]]]:
    """Every logged trace as its segments: (depth, name, milliseconds), the root first."""
    found: list[list[tuple[int, str, float]]] = []
    lines = stack.log.read_text().splitlines()
    for number, line in enumerate(lines):
        start = TRACE_START.match(line)
        if start is None:
            continue
        root = SEGMENT.match(start.group(2))
        assert root, line
        segments = [(0, root["name"], float(root["ms"]))]
        for following in lines[number + 1 :]:
            segment = SEGMENT.match(following) if following.startswith("  ") else None
            if segment is None:  # the block ended (the next line is another thread's output)
                break
            segments.append((len(segment["indent"]) // 2, segment["name"], float(segment["ms"])))
        found.append(segments)
    return found


def test_a_mutation_and_its_queued_work_are_logged_as_trace_segments(stack: Stack, customer_caller: Caller) -> None:
    items = [{"sku": "PRINT_4X6", "quantity": 1, "photoKey": real_photo(customer_caller)}]
    created = customer_caller.graphql(CREATE_ORDER, {"items": items, "currency": "USD"}).data["createOrder"]
    customer_caller.graphql(PROCESS_ORDER, {"id": created["orderId"]})

    def with_create_order() -> list[tuple[int, str, float]] | None:
        # One read of the log: it grows while the stack works.
        matching = [t for t in traces(stack) if any(name == "resolver Mutation.createOrder" for _, name, _ in t)]
        return matching[-1] if matching else None

    trace = eventually(with_create_order)
    assert trace, "no trace of createOrder in the stack's log"
    depth_of = {name: depth for depth, name, _ in trace}
    assert trace[0][1] == "AppSync POST /graphql"
    assert depth_of["resolver Mutation.createOrder"] == 1
    assert depth_of["Lambda CreateOrderFunction"] == 2
    calls = [(depth, name) for depth, name, _ in trace if name.startswith("dynamodb ")]
    assert calls, trace
    assert all(depth == 3 for depth, _ in calls), trace  # the function's own calls, under it
    assert "dynamodb PutItem" in depth_of or "dynamodb TransactWriteItems" in depth_of, trace
    root_ms = trace[0][2]
    assert all(ms <= root_ms + 0.1 for _, _, ms in trace), trace  # a part never outlasts the whole

    # The worker's invocation (from the queue, no request around it) is a trace of its own.
    def worker_trace() -> list[tuple[int, str, float]] | None:
        found = [t for t in traces(stack) if t[0][1] == "Lambda OrderWorkerFunction" and len(t) > 1]
        return found[-1] if found else None

    worker = eventually(worker_trace)
    assert worker, "no trace of the order worker in the stack's log"
    assert {depth for depth, _, _ in worker[1:]} == {1}, worker
