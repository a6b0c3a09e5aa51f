"""Warm overhead: many in-process invocations against moto, against a bare boto3 function.

The floor is ``child.replay``: boto3 clients made once, then exactly the calls the handler made
in its calibration run. Both start every run from the same restored state; their difference is
what our validation, routing, (de)serialisation and logging cost per request. Runs alternate
handler-first and floor-first so drift hits both alike; the first ``warmup`` runs are dropped.
"""

from __future__ import annotations

import copy
import statistics
import time
from dataclasses import dataclass
from typing import Any

from devtools.bench import calls as calls_mod
from devtools.bench.child import make_clients, prepare_calls, replay
from devtools.bench.harness import Harness, Prepared
from devtools.bench.stack import FakeContext


@dataclass
class WarmResult:
    handler_ms: list[float]
    floor_ms: list[float]
    errors: int
    first_error: str | None

    @staticmethod
    def _p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def stats(self) -> dict[str, Any]:
        handler_p50 = statistics.median(self.handler_ms)
        floor_p50 = statistics.median(self.floor_ms)
        return {
            "runs": len(self.handler_ms),
            "handler_p50": handler_p50,
            "handler_p99": self._p(self.handler_ms, 0.99),
            "floor_p50": floor_p50,
            "floor_p99": self._p(self.floor_ms, 0.99),
            "ratio": handler_p50 / floor_p50 if floor_p50 else None,
            "overhead_ms": handler_p50 - floor_p50,
            "errors": self.errors,
            "first_error": self.first_error,
        }


def measure(harness: Harness, prepared: Prepared, *, runs: int, warmup: int = 10) -> WarmResult:
    handler = harness.handler(prepared.case.function)
    floor_calls = prepare_calls(calls_mod.jsonable(prepared.calls))
    clients = make_clients(floor_calls)
    handler_ms: list[float] = []
    floor_ms: list[float] = []
    errors, first_error = 0, None

    def run_handler(event: dict[str, Any]) -> float:
        nonlocal errors, first_error
        context = FakeContext(prepared.case.function)
        harness.restore(prepared)
        start = time.perf_counter()
        try:
            handler(event, context)
        except Exception as error:
            errors += 1
            first_error = first_error or f"{type(error).__name__}: {error}"
        return (time.perf_counter() - start) * 1e3

    def run_floor() -> float:
        calls = copy.deepcopy(floor_calls)
        harness.restore(prepared)
        start = time.perf_counter()
        replay(clients, calls)
        return (time.perf_counter() - start) * 1e3

    for iteration in range(warmup + runs):
        event = prepared.event(iteration)
        if iteration % 2:
            floor, took = run_floor(), run_handler(event)
        else:
            took, floor = run_handler(event), run_floor()
        if iteration >= warmup:
            handler_ms.append(took)
            floor_ms.append(floor)
    harness.restore(prepared)
    return WarmResult(handler_ms, floor_ms, errors, first_error)
