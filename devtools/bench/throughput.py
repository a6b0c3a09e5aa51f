"""Local stack throughput: getOrder and createOrder over HTTP on 127.0.0.1, bounded concurrency.

Measured only when the local stack exists (``devtools/local_stack`` and docs/LOCAL_STACK.md)
and starts. It runs as its own process (``python -m devtools.local_stack`` on free ports, state
written to a temporary file), exactly as `make run` starts it; the bench signs in its demo
customer through the stack's Cognito (moto) and sends GraphQL requests with the id token, as
the frontend does. ``CLIENTS`` threads, each with one keep-alive connection, send
``REQUESTS_PER_CLIENT`` requests each; requests a second is completed requests over the wall
time. Client and stack share the machine's cores, so this is the local stack's capacity on this
machine, not Lambda's.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devtools.bench.stack import REGION, ROOT

LOCAL_STACK = ROOT / "devtools" / "local_stack"
LOCAL_STACK_DOC = ROOT / "docs" / "LOCAL_STACK.md"
NOT_AVAILABLE = "not measured: local stack not available"
CLIENTS = 4
REQUESTS_PER_CLIENT = 50
WARMUP_REQUESTS = 10
START_TIMEOUT_SECONDS = 90

GET_ORDER = "query Get($id: ID!) { getOrder(orderId: $id) { orderId status totalPrice updatedAt } }"
# An order names what it prints (SPEC 9): a listed photo of the customer's, uploaded first.
CREATE_ORDER = (
    'mutation Create($key: String!) { createOrder(items: [{sku: "PRINT_4X6", quantity: 12, photoKey: $key},'
    ' {sku: "DIGITAL_DOWNLOAD", quantity: 1, photoKey: $key}], currency: "USD") { orderId status totalPrice } }'
)


def available() -> str | None:
    """None if the local stack can be tried; otherwise why not."""
    if not (LOCAL_STACK / "__main__.py").is_file():
        return f"{NOT_AVAILABLE} (no devtools/local_stack)"
    if not LOCAL_STACK_DOC.is_file():
        return f"{NOT_AVAILABLE} (no docs/LOCAL_STACK.md yet)"
    return None


class _Stack:
    """`python -m devtools.local_stack` on free ports; its description from the state file."""

    def __init__(self, workdir: Path) -> None:
        self.state_file = workdir / "stack.json"
        self.log = (workdir / "stack.log").open("w")
        command = [sys.executable, "-m", "devtools.local_stack", "--port", "0", "--aws-port", "0"]
        command += ["--state-file", str(self.state_file)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT")}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait(self) -> dict[str, Any]:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local stack exited with {self.process.returncode}")
            if self.state_file.exists():
                try:
                    return json.loads(self.state_file.read_text())  # type: ignore[no-any-return]
                except json.JSONDecodeError:
                    pass  # being written
            time.sleep(0.2)
        raise RuntimeError(f"the local stack did not start within {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _sign_in(state: dict[str, Any]) -> str:
    import boto3

    user = next(u for u in state["demoUsers"] if not u["groups"])
    cognito = boto3.session.Session(region_name=REGION).client("cognito-idp", endpoint_url=state["awsEndpoint"])
    response = cognito.initiate_auth(
        ClientId=state["userPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": user["email"], "PASSWORD": user["password"]},
    )
    return str(response["AuthenticationResult"]["IdToken"])


class _Client:
    """One keep-alive connection to the GraphQL endpoint (loopback only)."""

    def __init__(self, url: str, token: str) -> None:
        parts = urlsplit(url)
        if parts.hostname not in {"127.0.0.1", "localhost"}:
            raise RuntimeError(f"refusing to load anything but loopback: {url}")
        self._path = parts.path
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self._headers = {"Authorization": token, "Content-Type": "application/json"}

    def call(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": variables or {}})
        self._connection.request("POST", self._path, body=body, headers=self._headers)
        response = self._connection.getresponse()
        payload = json.loads(response.read())
        if response.status != 200 or payload.get("errors"):
            raise RuntimeError(f"HTTP {response.status}: {str(payload.get('errors'))[:200]}")
        return payload["data"]  # type: ignore[no-any-return]

    def close(self) -> None:
        self._connection.close()


def _load(url: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)

    def client() -> None:
        session = _Client(url, token)
        for _ in range(WARMUP_REQUESTS // CLIENTS + 1):
            try:
                session.call(query, variables)
            except Exception as error:
                errors.append(str(error))
        barrier.wait()
        mine = []
        for _ in range(REQUESTS_PER_CLIENT):
            start = time.perf_counter()
            try:
                session.call(query, variables)
                mine.append((time.perf_counter() - start) * 1e3)
            except Exception as error:
                with lock:
                    errors.append(str(error))
        session.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50": statistics.median(ordered) if ordered else None,
        "p99": ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))] if ordered else None,
    }


def measure() -> dict[str, Any] | str:
    reason = available()
    if reason:
        return reason
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp:
        stack = _Stack(Path(tmp))
        try:
            state = stack.wait()
            token = _sign_in(state)
            url = state["graphqlUrl"]
            setup = _Client(url, token)
            from devtools.bench.uploads import listed_photo  # uploads builds on this module's client

            source = {"key": listed_photo(setup, state)}
            order_id = setup.call(CREATE_ORDER, source)["createOrder"]["orderId"]
            setup.close()
            operations = {
                "getOrder": _load(url, token, GET_ORDER, {"id": order_id}),
                "createOrder": _load(url, token, CREATE_ORDER, source),
            }
        except Exception as error:
            return f"not measured: local stack did not work: {type(error).__name__}: {str(error)[:200]}"
        finally:
            stack.stop()
    return {"clients": CLIENTS, "operations": operations}
