"""Cold start: a fresh python3.13 process per run, handler vs floor, against a moto server.

One ThreadedMotoServer runs in this process on 127.0.0.1 (a free port); children reach it
through ``AWS_ENDPOINT_URL``, exactly as deployed code reaches DynamoDB. Each child gets its
function's own environment from the template. What is timed inside the child is import +
first invocation (handler mode) or import boto3 + create the same clients + the same calls
(floor mode); interpreter start-up is the same for both and is left out. Wall time and the
child's CPU time are both taken: the ratio is of CPU time, because other work on a shared
machine stretches wall time unevenly (the moto server's work is in this process, the same for
both, and not in the child's CPU time). Handler and floor
runs alternate, each from the restored state; one discarded pair first writes the bytecode
caches (the deployed layer ships its source, so Lambda compiles ``ape_moments`` on every cold
start: a few ms more there, for the handler only).
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devtools.bench import calls as calls_mod
from devtools.bench.harness import Harness, Prepared
from devtools.bench.stack import ROOT

CHILD = Path(__file__).resolve().parent / "child.py"
TIMEOUT_SECONDS = 60


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 for the block; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


@dataclass
class ColdResult:
    handler_ms: list[float] = field(default_factory=list)
    floor_ms: list[float] = field(default_factory=list)
    handler_cpu_ms: list[float] = field(default_factory=list)
    floor_cpu_ms: list[float] = field(default_factory=list)
    handler_import_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def stats(self) -> dict[str, Any]:
        """Medians; the ratio is of CPU time, which other load on the machine hardly moves."""
        handler, floor = _median(self.handler_ms), _median(self.floor_ms)
        handler_cpu, floor_cpu = _median(self.handler_cpu_ms), _median(self.floor_cpu_ms)
        handler_min = min(self.handler_cpu_ms, default=None)
        floor_min = min(self.floor_cpu_ms, default=None)
        return {
            "runs": len(self.handler_ms),
            "handler_cpu_min_ms": handler_min,
            "floor_cpu_min_ms": floor_min,
            "min_ratio": handler_min / floor_min if handler_min and floor_min else None,
            "handler_ms": handler,
            "handler_import_ms": _median(self.handler_import_ms),
            "floor_ms": floor,
            "handler_cpu_ms": handler_cpu,
            "floor_cpu_ms": floor_cpu,
            "ratio": handler_cpu / floor_cpu if handler_cpu and floor_cpu else None,
            "wall_ratio": handler / floor if handler and floor else None,
            "errors": self.errors,
        }


def _child_spec(harness: Harness, prepared: Prepared, mode: str) -> dict[str, Any]:
    spec = prepared.spec
    return {
        "mode": mode,
        "function": spec.logical_id,
        "code_dir": str(spec.code_dir),
        "layer_dirs": [str(path) for path in spec.layer_dirs],
        "root": str(ROOT),
        "unique_name": f"bench_{spec.logical_id}_app",
        "handler": spec.handler,
        "event": prepared.calibration_event,
        "calls": calls_mod.jsonable(prepared.calls),
    }


def _run_child(spec: dict[str, Any], env: dict[str, str], workdir: Path, *, importtime: bool = False) -> Any:
    spec_path, result_path = workdir / "spec.json", workdir / "result.json"
    spec_path.write_text(json.dumps(spec))
    result_path.unlink(missing_ok=True)
    command = [sys.executable, "-I", *(["-X", "importtime"] if importtime else []), str(CHILD)]
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [*command, str(spec_path), str(result_path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
        cwd=workdir,
    )
    if completed.returncode != 0 or not result_path.exists():
        return {"error": f"child exited {completed.returncode}: {completed.stderr.strip()[-500:]}"}
    result = json.loads(result_path.read_text())
    if importtime:
        result["importtime"] = completed.stderr
    return result


def measure(harness: Harness, prepared: Prepared, *, runs: int, restored: bool = False) -> ColdResult:
    """Cold starts; ``restored``: SnapStart's restore simulated (init and priming before the timer,
    against the floor's first invocation after its own imports)."""
    env = harness.child_environment(prepared.spec)
    result = ColdResult()
    handler_spec = _child_spec(harness, prepared, "restored" if restored else "handler")
    floor_spec = _child_spec(harness, prepared, "floor_restored" if restored else "floor")
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        workdir = Path(tmp)
        # Run 0 writes the bytecode caches and is dropped; the restored mode runs after the cold
        # one, whose run 0 has written them already.
        for run in range(1 if restored else 0, runs + 1):
            harness.restore(prepared)
            handler = _run_child(handler_spec, env, workdir)
            if not handler.get("error") and (different := harness.same_path(prepared)):
                handler["error"] = f"not the calibration's path: {different}"
            harness.restore(prepared)
            floor = _run_child(floor_spec, env, workdir)
            for mode, outcome in (("handler", handler), ("floor", floor)):
                if outcome.get("error"):
                    result.errors.append(f"{mode}: {outcome['error']}")
            if run >= 1 and not handler.get("error") and not floor.get("error"):
                result.handler_ms.append(handler["total_ms"])
                result.handler_cpu_ms.append(handler["cpu_ms"])
                result.handler_import_ms.append(handler["import_ms"])
                result.floor_ms.append(floor["total_ms"])
                result.floor_cpu_ms.append(floor["cpu_ms"])
        harness.restore(prepared)
    return result


# ---- python -X importtime: which imports cost what ----------------------------------------

GROUPS = {
    "ape_moments": "ape_moments (layer)",
    "aws_lambda_powertools": "powertools",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "annotated_types": "pydantic",
    "typing_extensions": "pydantic",
    "boto3": "boto3/botocore",
    "botocore": "boto3/botocore",
    "s3transfer": "boto3/botocore",
    "urllib3": "boto3/botocore",
    "jmespath": "boto3/botocore",
    "dateutil": "boto3/botocore",
    "six": "boto3/botocore",
}


def _group(name: str) -> str | None:
    top = name.split(".", maxsplit=1)[0]
    if top.startswith("bench_"):
        return "handler module"
    return GROUPS.get(top)


def parse_importtime(stderr: str) -> dict[str, float]:
    """Import time by the package that caused it (ms); each module's self time counted once.

    A standard-library module is charged to the nearest importer that belongs to a group (the
    ``asyncio`` Powertools' AppSync resolver imports is Powertools' cost); one imported at the
    top level is the interpreter's or the benchmark child's own ("interpreter and other").
    """
    nodes = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, raw_name = line.removeprefix("import time:").split("|", 2)
        name = raw_name.lstrip(" ")
        nodes.append(((len(raw_name) - len(name) - 1) // 2, name.strip(), int(self_us) / 1000))
    totals: dict[str, float] = {}
    ancestors: list[str | None] = []  # the group in charge at each depth, walking parents first
    for depth, name, self_ms in reversed(nodes):  # -X importtime prints children before parents
        inherited = next((g for g in reversed(ancestors[:depth]) if g), None)
        group = _group(name) or inherited
        del ancestors[depth:]
        ancestors.extend([None] * (depth - len(ancestors)))
        ancestors.append(group)
        key = group or "interpreter and other"
        totals[key] = totals.get(key, 0.0) + self_ms
    return totals


def import_breakdown(harness: Harness, prepared: Prepared) -> dict[str, float] | str:
    env = harness.child_environment(prepared.spec)
    with tempfile.TemporaryDirectory(prefix="bench-importtime-") as tmp:
        harness.restore(prepared)
        outcome = _run_child(_child_spec(harness, prepared, "handler"), env, Path(tmp), importtime=True)
        harness.restore(prepared)
    if outcome.get("error"):
        return str(outcome["error"])
    return parse_importtime(outcome["importtime"])
