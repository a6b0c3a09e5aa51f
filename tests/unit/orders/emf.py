"""Reading the EMF lines a function printed: what CloudWatch would turn into metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ape_moments import metrics


@dataclass(frozen=True)
class Datapoint:
    name: str
    unit: str
    values: tuple[float, ...]
    dimensions: dict[str, str]
    metadata: dict[str, Any]
    namespace: str


def datapoints(stdout: str) -> list[Datapoint]:
    found = []
    for line in stdout.splitlines():
        if not line.startswith('{"_aws"'):
            continue
        blob = json.loads(line)
        (directive,) = blob["_aws"]["CloudWatchMetrics"]
        (dimension_names,) = directive["Dimensions"]
        dimensions = {name: blob[name] for name in dimension_names}
        defined = {metric["Name"] for metric in directive["Metrics"]}
        metadata = {k: v for k, v in blob.items() if k != "_aws" and k not in dimensions and k not in defined}
        for metric in directive["Metrics"]:
            value = blob[metric["Name"]]
            values = tuple(value) if isinstance(value, list) else (value,)
            found.append(
                Datapoint(metric["Name"], metric["Unit"], values, dimensions, metadata, directive["Namespace"])
            )
    return found


def business(points: list[Datapoint]) -> set[tuple[str, frozenset[tuple[str, str]]]]:
    """(metric, dimension set) of every datapoint but the cold start."""
    return {(p.name, frozenset(p.dimensions.items())) for p in points if p.name != "ColdStart"}


def dims(**values: str) -> frozenset[tuple[str, str]]:
    return frozenset(values.items())


@pytest.fixture
def emf(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """The function's Metrics instance as deployed for ``service`` (default orders); read() parses stdout."""

    class Reader:
        def as_service(self, service: str) -> None:
            monkeypatch.setattr(metrics.metrics, "service", service)

        def read(self) -> list[Datapoint]:
            metrics.metrics.flush_metrics()  # what the handler decorator does at the end of an invocation
            return datapoints(capsys.readouterr().out)

    metrics.metrics.clear_metrics()
    reader = Reader()
    reader.as_service("orders")
    capsys.readouterr()
    yield reader
    metrics.metrics.clear_metrics()
