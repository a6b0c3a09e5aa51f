"""The local stack's function workers: forked from a server holding the libraries only (worker_preload.py).

What must stay true of a Lambda execution environment although the worker did not start from a
bare interpreter: it sees its own function's environment and nothing of the stack's, none of our
code is imported before its handler imports it, and an edit on disk takes effect on the next
cold start.
"""

from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.local_stack.lambda_runtime import FunctionSpec, LambdaRuntime

HANDLER = """
import os
import sys

def lambda_handler(event, context):
    return {{
        "version": {version},
        "table": os.environ.get("ORDERS_TABLE_NAME"),
        "stack_secret": os.environ.get("STACK_ONLY_VARIABLE"),
        "ours_loaded": sorted(name for name in sys.modules if name.split(".")[0] in ("ape_moments", "tests")),
        "boto3_preloaded": "boto3" in sys.modules,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }}
"""


def write_handler(code_dir: Path, version: int) -> None:
    (code_dir / "app.py").write_text(textwrap.dedent(HANDLER.format(version=version)))


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LambdaRuntime, Path]]:
    monkeypatch.setenv("STACK_ONLY_VARIABLE", "the stack's own, never a function's")
    code_dir = tmp_path / "function"
    code_dir.mkdir()
    write_handler(code_dir, 1)
    spec = FunctionSpec(
        logical_id="ProbeFunction",
        function_name="probe",
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:probe",
        handler="app.lambda_handler",
        code_dir=code_dir,
        layer_dirs=[],
        environment={"ORDERS_TABLE_NAME": "orders-local", "AWS_REGION": "us-east-1"},
        timeout=60,
        memory_size=256,
    )
    lambda_runtime = LambdaRuntime({"ProbeFunction": spec})
    try:
        yield lambda_runtime, code_dir
    finally:
        lambda_runtime.close()


def test_a_worker_sees_its_functions_environment_and_none_of_our_code_until_it_imports_it(
    runtime: tuple[LambdaRuntime, Path],
) -> None:
    lambda_runtime, _ = runtime
    result = lambda_runtime.invoke("ProbeFunction", {})
    assert result.error is None, result.error
    assert result.payload["table"] == "orders-local"
    assert result.payload["stack_secret"] is None  # os.environ is the function's alone
    assert result.payload["ours_loaded"] == []  # the server preloads libraries, never the layer or tests
    assert result.payload["boto3_preloaded"] is True  # the libraries are there before the handler's import
    assert 0 < result.payload["remaining_ms"] <= 60_000


def test_an_edit_on_disk_takes_effect_on_the_next_cold_start(runtime: tuple[LambdaRuntime, Path]) -> None:
    lambda_runtime, code_dir = runtime
    assert lambda_runtime.invoke("ProbeFunction", {}).payload["version"] == 1
    time.sleep(0.01)  # a later modification time than the first version's, on any filesystem's clock
    write_handler(code_dir, 2)
    os.utime(code_dir / "app.py", (time.time() + 1, time.time() + 1))
    assert lambda_runtime.invoke("ProbeFunction", {}).payload["version"] == 2
