"""Warm overhead: many in-process invocations against moto, against a bare boto3 function.

The floor is ``child.replay``: boto3 clients made once, then exactly the calls the handler made
in its calibration run. Both start every run from the same restored state; their difference is
what our validation, routing, (de)serialisation and logging cost per request. Runs alternate
handler-first and floor-first so drift hits both alike; the first ``warmup`` runs are dropped.
Wall time gives the latencies; the ratio is of the thread's CPU time (moto runs in this thread,
so that is all the work of a run), which other load on a shared machine hardly moves.
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
    handler_cpu_ms: list[float]
    floor_cpu_ms: list[float]
    errors: int
    first_error: str | None

    @staticmethod
    def _p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def stats(self) -> dict[str, Any]:
        handler_p50 = statistics.median(self.handler_ms)
        floor_p50 = statistics.median(self.floor_ms)
        handler_cpu = statistics.median(self.handler_cpu_ms)
        floor_cpu = statistics.median(self.floor_cpu_ms)
        return {
            "runs": len(self.handler_ms),
            "handler_p50": handler_p50,
            "handler_p99": self._p(self.handler_ms, 0.99),
            "floor_p50": floor_p50,
            "floor_p99": self._p(self.floor_ms, 0.99),
            "handler_cpu_p50": handler_cpu,
            "floor_cpu_p50": floor_cpu,
            "ratio": handler_cpu / floor_cpu if floor_cpu else None,
            "wall_ratio": handler_p50 / floor_p50 if floor_p50 else None,
            "overhead_ms": handler_cpu - floor_cpu,
            "errors": self.errors,
            "first_error": self.first_error,
        }


def measure(
    harness: Harness, prepared: Prepared, *, runs: int, warmup: int = 10, budget_seconds: float = 10.0
) -> WarmResult:
    """``runs`` timed pairs, or as many as fit in ``budget_seconds`` (keeps `make bench` bounded)."""
    handler = harness.handler(prepared.case.function)
    floor_calls = prepare_calls(calls_mod.jsonable(prepared.calls))
    clients = make_clients(floor_calls)
    result = WarmResult([], [], [], [], 0, None)

    def run_handler(event: dict[str, Any]) -> tuple[float, float]:
        context = FakeContext(prepared.case.function)
        harness.restore(prepared)
        start, start_cpu = time.perf_counter(), time.thread_time()
        try:
            handler(event, context)
        except Exception as error:
            result.errors += 1
            result.first_error = result.first_error or f"{type(error).__name__}: {error}"
        return (time.perf_counter() - start) * 1e3, (time.thread_time() - start_cpu) * 1e3

    def run_floor() -> tuple[float, float]:
        calls = copy.deepcopy(floor_calls)
        harness.restore(prepared)
        start, start_cpu = time.perf_counter(), time.thread_time()
        replay(clients, calls)
        return (time.perf_counter() - start) * 1e3, (time.thread_time() - start_cpu) * 1e3

    deadline = time.monotonic() + budget_seconds
    for iteration in range(warmup + runs):
        if iteration > warmup + 20 and time.monotonic() > deadline:
            break
        event = prepared.event(iteration)
        if iteration % 2:
            floor, took = run_floor(), run_handler(event)
        else:
            took, floor = run_handler(event), run_floor()
        if iteration >= warmup:
            result.handler_ms.append(took[0])
            result.handler_cpu_ms.append(took[1])
            result.floor_ms.append(floor[0])
            result.floor_cpu_ms.append(floor[1])
    harness.restore(prepared)
    return result
