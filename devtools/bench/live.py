"""Live updates through the local stack: change-to-subscriber latency (p50, p99).

One subscriber (the demo customer, id token, the header handshake over wss:// trusting the
stack's CA) follows its own orders with ``onOrderUpdated(customerId)``; ``CHANGES`` orders are
created one after another. Each latency runs from the createOrder answer (the change is written)
to the subscriber receiving that order: the table's stream read by the stack's event source
(woken by the write: no poll wait, where Lambda reads a shard about four times a second), the
change stream function, its signed publish mutation and the fan-out. On AWS the same path adds
Lambda's poll wait, the stream's own delay (typically well under a second) and AppSync's.
"""

from __future__ import annotations

import base64
import json
import ssl
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devtools.bench.report import percentile
from devtools.bench.throughput import _Client, _sign_in, _Stack, available
from devtools.bench.uploads import listed_photo

CHANGES = 60
WARMUP_CHANGES = 3
# An order names what it prints (SPEC 9): a listed photo of the subscriber's, uploaded first.
CREATE_ORDER = (
    'mutation($key: String!) { createOrder(items: [{sku: "PRINT_4X6", quantity: 1, photoKey: $key}],'
    ' currency: "USD") { orderId } }'
)
SUBSCRIPTION = "subscription($c: ID) { onOrderUpdated(customerId: $c) { orderId status } }"


def measure() -> dict[str, Any] | str:
    reason = available()
    if reason:
        return reason
    from websockets.sync.client import connect

    with tempfile.TemporaryDirectory(prefix="bench-live-") as workdir:
        stack = _Stack(Path(workdir))
        try:
            state = stack.wait()
            token = _sign_in(state)
            host = urlsplit(state["graphqlUrl"]).netloc
            header = base64.urlsafe_b64encode(json.dumps({"Authorization": token, "host": host}).encode())
            context = ssl.create_default_context(cafile=state["caCertificate"])
            with connect(
                state["realtimeUrl"],
                subprotocols=["graphql-ws", "header-" + header.decode().rstrip("=")],  # type: ignore[list-item]
                ssl=context,
                open_timeout=30,
            ) as socket:
                socket.send(json.dumps({"type": "connection_init"}))
                _expect(socket, "connection_ack")
                customer = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["sub"]
                data = json.dumps({"query": SUBSCRIPTION, "variables": {"c": customer}})
                start = {"authorization": {"Authorization": token, "host": host}}
                socket.send(json.dumps({"id": "1", "type": "start", "payload": {"data": data, "extensions": start}}))
                _expect(socket, "start_ack")
                client = _Client(state["graphqlUrl"], token)
                source = {"key": listed_photo(client, state)}
                latencies = []
                for index in range(WARMUP_CHANGES + CHANGES):
                    order_id = client.call(CREATE_ORDER, source)["createOrder"]["orderId"]
                    written = time.perf_counter()
                    while True:
                        message = _expect(socket, "data")
                        if message["payload"]["data"]["onOrderUpdated"]["orderId"] == order_id:
                            break
                    if index >= WARMUP_CHANGES:
                        latencies.append((time.perf_counter() - written) * 1000)
                client.close()
        except Exception as error:
            return f"not measured: {type(error).__name__}: {error}"
        finally:
            stack.stop()
    latencies.sort()
    figures = {
        "changes": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": latencies[-1],
    }
    print(
        f"live updates (local stack): change-to-subscriber p50 {figures['p50_ms']:.0f} ms, "
        f"p99 {figures['p99_ms']:.0f} ms, max {figures['max_ms']:.0f} ms over {figures['changes']} changes"
    )
    return figures


def _expect(socket: Any, kind: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(socket.recv(timeout=max(0.01, deadline - time.monotonic())))
        if message["type"] == kind:
            return message  # type: ignore[no-any-return]
        if message["type"] != "ka":
            raise RuntimeError(f"expected {kind}, got {message}")
