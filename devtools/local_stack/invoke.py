"""`make invoke FUNCTION=<logical id> EVENT=events/<file>.json`: the Docker-free `sam local invoke`.

Against the running local stack when there is one (its `.local/stack.json` carries every
function's resolved environment), otherwise against moto started in this process with the
template's resources (empty tables: the invocation runs, the data is gone afterwards).
The function's logs go to stdout as they happen; the response (or error) is printed last.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import urllib3

from devtools.local_stack.lambda_runtime import FunctionSpec, InvocationResult, LambdaRuntime
from devtools.local_stack.stack import STATE_FILE, AwsLayer, Options


def _running_stack(state_file: Path) -> dict[str, Any] | None:
    if not state_file.exists():
        return None
    state = json.loads(state_file.read_text())
    try:
        os.kill(state["pid"], 0)
        health = urllib3.request(
            "GET", state["graphqlUrl"].removesuffix("/graphql") + "/health", timeout=2, retries=False
        )
    except (OSError, KeyError, urllib3.exceptions.HTTPError):
        return None
    return state if health.status == 200 else None


def _read_event(source: str) -> Any:
    if source != "-":
        return json.loads(Path(source).read_text())
    text = "{}" if sys.stdin.isatty() else sys.stdin.read()
    return json.loads(text or "{}")


def _run(runtime: LambdaRuntime, function_id: str, event: Any) -> InvocationResult:
    try:
        return runtime.invoke(function_id, event)
    finally:
        runtime.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.local_stack.invoke", description=__doc__)
    parser.add_argument("function", help="the function's logical id in template.yaml, e.g. CreateOrderFunction")
    parser.add_argument("event", nargs="?", default="-", help="event JSON file ('-': stdin, or {} when none)")
    parser.add_argument("--state-file", type=Path, default=STATE_FILE)
    arguments = parser.parse_args()
    event = _read_event(arguments.event)

    state = _running_stack(arguments.state_file)
    if state is not None:
        functions = state["functions"]
        if arguments.function not in functions:
            parser.error(f"no function {arguments.function!r}; the template has: {', '.join(sorted(functions))}")
        print(
            f"[invoke] {arguments.function} against the running local stack ({state['awsEndpoint']})", file=sys.stderr
        )
        spec = FunctionSpec.from_json(arguments.function, functions[arguments.function])
        result = _run(LambdaRuntime({arguments.function: spec}), arguments.function, event)
    else:
        print("[invoke] no local stack is running: moto in-process with the template's resources", file=sys.stderr)
        layer = AwsLayer(Options(aws_port=0, state_file=None))
        try:
            if arguments.function not in layer.functions:
                parser.error(
                    f"no function {arguments.function!r}; the template has: {', '.join(sorted(layer.functions))}"
                )
            result = _run(layer.runtime, arguments.function, event)
        finally:
            layer.stop()

    print(f"[invoke] END RequestId: {result.request_id} Duration: {result.duration_ms:.1f} ms", file=sys.stderr)
    print(json.dumps(result.error if result.failed else result.payload, indent=2))
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
