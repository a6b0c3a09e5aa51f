"""The business metrics a flow emits, shown locally: EMF lines become compact `metric` lines.

On AWS, CloudWatch Logs turns a function's EMF lines (the JSON Powertools Metrics prints) into
metrics. Locally there is no CloudWatch: each function's worker process writes through
``EmfConsole``, which prints every EMF datapoint as one readable line in the stack's console,

    metric OrdersCreated 1 Count {service=orders} ApeMoments/dev (CreateOrderFunction) {"orderIds":["..."]}

instead of the raw JSON, and keeps the datapoints of the invocation, which the worker hands to the
parent with the invocation's result (``LambdaRuntime.metrics``, the recent ones, newest last).
Imports nothing from the layer.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

RECENT = 1000  # datapoints kept by the stack (oldest dropped)


@dataclass(frozen=True)
class Datapoint:
    function: str
    namespace: str
    name: str
    unit: str
    values: list[float]
    dimensions: dict[str, str]
    metadata: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        dimensions = ", ".join(f"{k}={v}" for k, v in self.dimensions.items())
        values = " ".join(f"{v:g}" for v in self.values)
        line = f"metric {self.name} {values} {self.unit} {{{dimensions}}} {self.namespace} ({self.function})"
        return line + (f" {json.dumps(self.metadata, separators=(',', ':'))}" if self.metadata else "")


def parse_emf(line: str, function: str) -> list[Datapoint] | None:
    """The datapoints of one EMF line; None when the line is not EMF (an ordinary log line)."""
    if not line.startswith('{"_aws"'):
        return None
    try:
        blob = json.loads(line)
        points = []
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            names = {metric["Name"] for metric in directive["Metrics"]}
            dimension_names = {name for dimension_set in directive["Dimensions"] for name in dimension_set}
            metadata = {k: v for k, v in blob.items() if k != "_aws" and k not in names | dimension_names}
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                for dimension_set in directive["Dimensions"]:
                    points.append(
                        Datapoint(
                            function=function,
                            namespace=directive["Namespace"],
                            name=metric["Name"],
                            unit=metric.get("Unit", "None"),
                            values=[float(v) for v in (value if isinstance(value, list) else [value])],
                            dimensions={name: str(blob[name]) for name in dimension_set},
                            metadata=metadata,
                        )
                    )
    except (ValueError, KeyError, TypeError):
        return None  # not well-formed EMF: shown as it is, as CloudWatch would leave it a log line
    return points


class EmfConsole:
    """A stdout for a function's process: EMF lines printed as `metric` lines and recorded."""

    def __init__(self, stream: TextIO, function: str) -> None:
        self._stream = stream
        self._function = function
        self._pending = ""
        self._recorded: list[Datapoint] = []
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            while "\n" in self._pending:
                line, self._pending = self._pending.split("\n", 1)
                self._emit(line)
        return len(text)

    def _emit(self, line: str) -> None:
        points = parse_emf(line, self._function)
        if points is None:
            self._stream.write(line + "\n")
            return
        self._recorded.extend(points)
        for point in points:
            self._stream.write(point.line() + "\n")

    def flush(self) -> None:
        self._stream.flush()

    def take(self) -> list[dict[str, Any]]:
        """The datapoints recorded since the last call (one invocation's), as JSON-ready dicts."""
        with self._lock:
            taken, self._recorded = self._recorded, []
        return [asdict(point) for point in taken]

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno...: the real stream's
        return getattr(self._stream, name)


class MetricLog:
    """The stack's recent datapoints, from every function (thread-safe)."""

    def __init__(self) -> None:
        self._points: deque[dict[str, Any]] = deque(maxlen=RECENT)
        self._lock = threading.Lock()

    def extend(self, points: list[dict[str, Any]]) -> None:
        with self._lock:
            self._points.extend(points)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._points)
