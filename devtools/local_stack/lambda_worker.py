"""One Lambda execution environment: a process that holds one function's environment and module.

Lambda runs each function in its own environment, with its own variables and its own module-level
caches (the handlers cache boto3 clients and settings). A process per function keeps that true
locally, so concurrent requests to different functions never see each other's table names.
The parent sends events over a pipe; the handler's own prints and logs go to the shared stdout,
as they go to CloudWatch.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import traceback
import uuid
from multiprocessing.connection import Connection
from typing import Any

from devtools.handlers import load_handler
from devtools.local_stack.metrics import EmfConsole


class LocalContext:
    """The Lambda context object, with the attributes Powertools and handlers read."""

    def __init__(self, spec: dict[str, Any], request_id: str, deadline: float) -> None:
        self.function_name = spec["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec["function_arn"]
        self.memory_limit_in_mb = int(spec["memory_size"])
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{os.getpid()}"
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(error: BaseException) -> dict[str, Any]:
    return {
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error),
    }


def serve(connection: Connection, spec: dict[str, Any]) -> None:
    """Entry point of the worker process: set up the environment, import, answer invocations."""
    # Ctrl-C reaches the whole process group; the parent stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(spec["environment"])
    # EMF lines (Powertools Metrics) become readable `metric` lines; their datapoints go back with the result.
    console = EmfConsole(sys.stdout, spec.get("logical_id") or spec["function_name"])
    sys.stdout = console
    try:
        # Like /var/task and /opt/python: the function's code first, then its layers.
        handler = load_handler(spec["code_dir"], spec["handler"], layer_dirs=spec["layer_dirs"])
    except Exception as error:  # an init error: reported to every invocation, like Lambda does
        module = spec["handler"].rpartition(".")[0]
        init_error = {
            "errorType": "Runtime.ImportModuleError",
            "errorMessage": f"Unable to import module '{module}': {error}",
            "stackTrace": traceback.format_exception(error),
        }
        connection.send(("init_error", init_error))
        return
    connection.send(("ready", None))
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        event, request_id, timeout, trace_header = message
        context = LocalContext(spec, request_id or str(uuid.uuid4()), time.monotonic() + timeout)
        # As Lambda does: botocore sends it on every AWS call (X-Amzn-Trace-Id), which the local
        # stack's AWS endpoint adds to the request's trace (devtools/local_stack/traces.py).
        os.environ["_X_AMZN_TRACE_ID"] = trace_header
        try:
            # Through JSON both ways, as the Lambda service does: no Python objects leak across.
            result = handler(json.loads(event), context)
            outcome: tuple[str, Any] = ("result", json.dumps(result, default=str))
        except Exception as error:
            outcome = ("error", _error(error))
        sys.stdout.flush()
        connection.send((*outcome, console.take()))
