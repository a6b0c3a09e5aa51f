"""The handlers in this process, a moto backend, and the state each measured invocation starts from.

A case's setup runs once; the items it wrote are its seed. Its invocation runs once more,
recorded (the calibration): those calls are what the floor replays, and the keys they wrote are
what ``restore`` puts back (a seed item) or deletes (anything new) before every timed run, so
the handler and the floor always start from the same state and make the same calls.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from typing import Any

import boto3

from devtools.bench import calls as calls_mod
from devtools.bench.cases import Case
from devtools.bench.stack import (
    BASE_ENVIRONMENT,
    REGION,
    FakeContext,
    FunctionSpec,
    Resources,
    clear_caches,
    create_resources,
    ensure_layer_on_path,
    environment,
    functions,
    load_handler,
    resources,
)

# Powertools' Logger binds sys.stdout when the handler module is imported: point it here.
DEVNULL = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
RECORDER = calls_mod.Recorder()


def install_recorder() -> None:
    """Hook boto3's default session (again, if moto's mock replaced it on start or stop)."""
    if not RECORDER.installed():
        RECORDER.install()


@dataclass
class Prepared:
    case: Case
    spec: FunctionSpec
    substitutions: dict[str, str]
    seed: dict[tuple[str, str], dict[str, Any]]
    written: dict[tuple[str, str], dict[str, Any]]
    calls: list[calls_mod.Call]
    summary: dict[str, Any] = field(default_factory=dict)
    # The calibration's event: a cold start serves exactly this one (same idempotency key).
    calibration_event: dict[str, Any] = field(default_factory=dict)
    # Attribute names of every written item after the calibration: a later run took the same path
    # if the items it changed look the same (values such as timestamps and ids may differ).
    after: dict[tuple[str, str], list[str] | None] = field(default_factory=dict)

    def event(self, iteration: int | None = None) -> dict[str, Any]:
        return self.case.event(self.substitutions, iteration)


class Harness:
    """Handlers loaded in-process against whatever moto backend is active."""

    def __init__(self, specs: list[FunctionSpec], found: Resources, *, endpoint: str | None = None) -> None:
        self.specs = {spec.logical_id: spec for spec in specs}
        self.found = found
        self.endpoint = endpoint
        self._handlers: dict[str, Callable[[dict[str, Any], Any], Any]] = {}
        self._client = boto3.session.Session(region_name=REGION).client("dynamodb")

    @classmethod
    @contextmanager
    def open(cls, *, endpoint: str | None = None) -> Iterator[Harness]:
        """Resources created in the active moto, environment set, caches fresh."""
        install_recorder()
        ensure_layer_on_path()
        found = resources()
        env = {**BASE_ENVIRONMENT}
        if endpoint:
            env["AWS_ENDPOINT_URL"] = endpoint
        with environment(env):
            create_resources(found, lambda service: boto3.session.Session(region_name=REGION).client(service))  # type: ignore[call-overload]
            specs = functions(found)
            union: dict[str, str] = {}
            for spec in specs:
                union.update(spec.environment)
            with environment(union), redirect_stdout(DEVNULL):
                clear_caches()
                harness = cls(specs, found, endpoint=endpoint)
                try:
                    yield harness
                finally:
                    clear_caches()

    def child_environment(self, spec: FunctionSpec) -> dict[str, str]:
        """The exact environment of one function (for a process of its own)."""
        env = {**BASE_ENVIRONMENT, **spec.environment}
        if self.endpoint:
            env["AWS_ENDPOINT_URL"] = self.endpoint
        return env

    def handler(self, logical_id: str) -> Callable[[dict[str, Any], Any], Any]:
        if logical_id not in self._handlers:
            with environment(self.specs[logical_id].environment):  # its cold start reads its settings
                self._handlers[logical_id] = load_handler(self.specs[logical_id])
        return self._handlers[logical_id]

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """One invocation with the function's own environment (over the union every handler shares)."""
        with environment(self.specs[logical_id].environment):
            return self.handler(logical_id)(event, FakeContext(logical_id))

    # ---- state ----------------------------------------------------------------------------

    def _written_keys(self, calls: list[calls_mod.Call]) -> dict[tuple[str, str], dict[str, Any]]:
        """The items the calls wrote, by table and key (a transaction's puts, updates and deletes too)."""
        writes: list[tuple[str, dict[str, Any]]] = []
        for call in calls:
            if call.service != "dynamodb":
                continue
            if call.operation in {"PutItem", "UpdateItem", "DeleteItem"}:
                writes.append((call.operation.removesuffix("Item"), call.params))
            elif call.operation == "TransactWriteItems":
                writes += [(kind, item[kind]) for item in call.params["TransactItems"] for kind in item]
        keys = {}
        for kind, params in writes:
            if kind == "ConditionCheck":
                continue
            table = params["TableName"]
            key = params["Key"] if kind != "Put" else {k: params["Item"][k] for k in self.found.table_keys[table]}
            keys[(table, json.dumps(key, sort_keys=True))] = key
        return keys

    def reset(self) -> None:
        """An empty moto with the template's resources (queue URLs and names come out the same)."""
        from moto.core.base_backend import BackendDict

        BackendDict.reset()
        with environment({"AWS_ENDPOINT_URL": self.endpoint} if self.endpoint else {}):
            create_resources(self.found, lambda service: boto3.session.Session(region_name=REGION).client(service))  # type: ignore[call-overload]

    def _shape(self, keys: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], list[str] | None]:
        shapes = {}
        for (table, key_text), key in keys.items():
            item = self._client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            shapes[(table, key_text)] = sorted(item) if item is not None else None
        return shapes

    def same_path(self, prepared: Prepared) -> str | None:
        """None if the items the calibration wrote look as they did after it; else what differs."""
        for where, now in self._shape(prepared.written).items():
            expected = prepared.after[where]
            if now is None and where not in prepared.seed:
                continue  # a new item under a random id: this run wrote its own
            if now != expected:
                return f"{where[0]} {where[1]}: attributes {now} after this run, {expected} after the calibration"
        return None

    def prepare(self, case: Case, *, price: bool) -> Prepared:
        """Run the case's setup, snapshot what it wrote, and record one calibration invocation."""
        self.reset()
        if case.environment:  # the case's own settings, for its in-process runs and its children
            spec = self.specs[case.function]
            self.specs[case.function] = dataclasses.replace(spec, environment={**spec.environment, **case.environment})
        substitutions: dict[str, str] = {}
        with RECORDER.record() as setup_calls:
            if case.setup is not None:
                substitutions = case.setup(self.invoke, case.event({}))
        seed = {}
        for (table, key_text), key in self._written_keys(setup_calls.calls).items():
            item = self._client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            if item is not None:
                seed[(table, key_text)] = item
        prepared = Prepared(case, self.specs[case.function], substitutions, seed, {}, [])
        self.handler(case.function)  # imported before anything is recorded or timed
        if price:
            RECORDER.price_with(self.found)
        prepared.calibration_event = prepared.event(iteration=-1)
        try:
            with RECORDER.record() as recording:
                self.invoke(case.function, copy.deepcopy(prepared.calibration_event))
        finally:
            RECORDER.capacity = None
        prepared.calls = recording.calls
        prepared.written = self._written_keys(recording.calls)
        prepared.summary = calls_mod.summarize(recording.calls)
        prepared.after = self._shape(prepared.written)
        self.restore(prepared)
        return prepared

    def restore(self, prepared: Prepared) -> None:
        """Undo what the calibration's calls wrote: seed items back, new items gone."""
        for (table, key_text), key in prepared.written.items():
            seed = prepared.seed.get((table, key_text))
            if seed is not None:
                self._client.put_item(TableName=table, Item=seed)
            else:
                self._client.delete_item(TableName=table, Key=key)
