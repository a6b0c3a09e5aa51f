"""Start `python -m devtools.local_stack` as a subprocess for a test session, and stop it.

The one way the tests start a local stack (the e2e session's stack, the browser's, the stripe
one): free ports, its state and log in a temporary folder, none of the caller's AWS_* variables.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# A margin, never a measurement: a busy machine (several pytest workers, each starting its own stack,
# beside other jobs) can take many times longer than an idle one.
START_TIMEOUT_SECONDS = 180
# Functions' timeouts (10 s for most) times this: on a machine running several stacks and test
# workers at once, a request waits for CPU far longer than on Lambda; what must be fast is in `make bench`.
FUNCTION_TIMEOUT_SCALE = 6
STOP_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class RunningStack:
    description: dict[str, Any]  # what the stack wrote to its state file (`.local/stack.json`'s shape)
    log: Path
    amplify_outputs: Path


@contextmanager
def running_stack(
    folder: Path,
    *options: str,
    environment: Mapping[str, str | None] = {},
    start_timeout: float = START_TIMEOUT_SECONDS,
) -> Iterator[RunningStack]:
    """A local stack on free ports for the `with` block; `environment` sets (or, with None, removes) variables."""
    state_file, log, outputs = folder / "stack.json", folder / "stack.log", folder / "amplify_outputs.json"
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    for key, value in environment.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    command = [
        sys.executable,
        "-m",
        "devtools.local_stack",
        "--port=0",
        "--aws-port=0",
        f"--state-file={state_file}",
        f"--amplify-outputs={outputs}",
        "--sqs-retry-delay=1",
        f"--function-timeout-scale={FUNCTION_TIMEOUT_SCALE}",
        *options,
    ]
    with log.open("w") as output:
        # A session of its own: at teardown whatever the stack started (function workers, localstripe)
        # goes with it, even when the stack itself had to be killed.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + start_timeout
        while not state_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the local stack did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.05)
        yield RunningStack(json.loads(state_file.read_text()), log, outputs)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with contextlib.suppress(ProcessLookupError):  # nothing left: the stack stopped its children
            os.killpg(process.pid, signal.SIGKILL)
