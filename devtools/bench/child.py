"""One cold start, in a fresh interpreter: ``python -I child.py SPEC.json RESULT.json``.

Kept free of imports beyond the standard library's smallest modules, so that what is timed is
what a Lambda execution environment does on its first request: the handler mode imports the
function's module (the layer's source on the path) and serves one invocation; the floor mode
imports boto3, creates the same clients and makes the same AWS calls. The timer starts before
either imports anything. Both modes are also used in-process by the warm benchmark.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
import time
import uuid
from decimal import Decimal
from typing import Any


class Context:
    """The attributes of a Lambda context that Powertools reads."""

    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__bytes__"}:
            return base64.b64decode(value["__bytes__"])
        if set(value) == {"__decimal__"}:
            return Decimal(value["__decimal__"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


Call = tuple[str, str, dict[str, Any], bool, bool]


def prepare_calls(calls: list[dict[str, Any]]) -> list[Call]:
    """(service, client method, params, expected to succeed, presigned) for each recorded call."""
    from botocore import xform_name

    return [
        (c["service"], xform_name(c["operation"]), _decode(c["params"]), c["ok"], c.get("presign", False))
        for c in calls
    ]


def make_clients(calls: list[Call]) -> dict[str, Any]:
    """The clients the calls need, as the layer makes them (S3 signs with SigV4)."""
    import boto3
    from botocore.config import Config

    return {
        service: boto3.client(service, config=Config(signature_version="s3v4") if service == "s3" else None)  # type: ignore[call-overload]  # service names are data
        for service in dict.fromkeys(c[0] for c in calls)
    }


def replay(clients: dict[str, Any], calls: list[Call]) -> None:
    """The floor: the same calls, made directly; a call that failed for the handler may fail here."""
    for service, method, params, ok, presign in calls:
        if presign:
            clients[service].generate_presigned_url(method, Params=params, ExpiresIn=3600)
            continue
        try:
            getattr(clients[service], method)(**params)
        except Exception as error:
            if ok or not hasattr(error, "response"):
                raise


def _result(start: float, start_cpu: float, imported: float, error: str | None) -> dict[str, Any]:
    done, done_cpu = time.perf_counter(), time.process_time()
    return {
        "import_ms": (imported - start) * 1e3,
        "total_ms": (done - start) * 1e3,
        "cpu_ms": (done_cpu - start_cpu) * 1e3,
        "error": error,
    }


def _load(spec: dict[str, Any]) -> Any:
    """The handler, by the one loader (devtools/handlers.py), its code and layers first on the path
    for the whole process, as /var/task and /opt/python are."""
    sys.path[:0] = [spec["code_dir"], *spec["layer_dirs"]]
    return LOADER.load_handler(spec["code_dir"], spec["handler"], unique_name=spec["unique_name"])


def run_handler(spec: dict[str, Any]) -> dict[str, Any]:
    start, start_cpu = time.perf_counter(), time.process_time()
    handler = _load(spec)
    imported = time.perf_counter()
    error = None
    try:
        handler(spec["event"], Context(spec["function"]))
    except Exception as exc:  # reported, not raised: the parent decides
        error = f"{type(exc).__name__}: {exc}"
    return _result(start, start_cpu, imported, error)


def run_restored(spec: dict[str, Any]) -> dict[str, Any]:
    """SnapStart's restore, simulated: import and priming happen before the timer (the snapshot's
    init phase), then the after-restore hooks and the first invocation are timed."""
    handler = _load(spec)
    from ape_moments import priming

    priming.run_before_snapshot()
    start, start_cpu = time.perf_counter(), time.process_time()
    priming.run_after_restore()
    error = None
    try:
        handler(spec["event"], Context(spec["function"]))
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    return _result(start, start_cpu, start, error)


def run_floor_restored(spec: dict[str, Any]) -> dict[str, Any]:
    """The floor's restored path: boto3 imported before the timer, then clients and calls timed."""
    import boto3  # noqa: F401 - the floor's own imports, done at init

    start, start_cpu = time.perf_counter(), time.process_time()
    calls = prepare_calls(spec["calls"])
    clients = make_clients(calls)
    error = None
    try:
        replay(clients, calls)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    return _result(start, start_cpu, start, error)


MODES = {"handler": run_handler, "restored": run_restored, "floor_restored": run_floor_restored}


def run_floor(spec: dict[str, Any]) -> dict[str, Any]:
    start, start_cpu = time.perf_counter(), time.process_time()
    import boto3  # noqa: F401 - timed: the floor's import

    calls = prepare_calls(spec["calls"])
    clients = make_clients(calls)
    imported = time.perf_counter()
    error = None
    try:
        replay(clients, calls)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    return _result(start, start_cpu, imported, error)


def _import_loader(root: str) -> Any:
    """devtools/handlers.py (standard library only), imported before any timer starts."""
    module_spec = importlib.util.spec_from_file_location("bench_handler_loader", f"{root}/devtools/handlers.py")
    assert module_spec is not None
    assert module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_spec.name] = module
    module_spec.loader.exec_module(module)
    return module


LOADER: Any = None


def main() -> None:
    global LOADER  # noqa: PLW0603 - set once, before anything is timed
    with open(sys.argv[1]) as stream:
        spec = json.load(stream)
    LOADER = _import_loader(spec["root"])
    result = MODES.get(spec["mode"], run_floor)(spec)
    with open(sys.argv[2], "w") as stream:
        json.dump(result, stream)


if __name__ == "__main__":
    main()
