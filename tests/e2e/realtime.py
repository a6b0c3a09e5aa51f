"""A Python client of AppSync's real-time protocol, as AWS's clients speak it (for the e2e tests).

Both handshake forms: the ``Sec-WebSocket-Protocol`` header form (``graphql-ws`` plus
``header-<base64url JSON>``, current Amplify) and the query form (``?header=&payload=``, Python's
``gql`` and older clients); both auth modes: a user-pool token, or SigV4 over the connect request
(``POST <graphql URL>/connect``, body ``{}``) and over each ``start``'s data string.
"""

from __future__ import annotations

import base64
import json
import queue
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.e2e.conftest import Stack

# A busy machine (shared cores, function workers starting) can hold a handshake for seconds.
# Each attempt waits 15 s, as Amplify's realtime provider waits for its connection (then retries).
OPEN_TIMEOUT_SECONDS = 15
# How long a message the protocol owes (connection_ack, start_ack, an error, complete) may take on a
# busy machine: a margin against hanging, not a measurement (an answer usually takes milliseconds).
ANSWER_TIMEOUT_SECONDS = 60
# The headers Amplify signs for the realtime endpoint (AWSWebSocketProvider).
REALTIME_HEADERS = {
    "accept": "application/json, text/javascript",
    "content-encoding": "amz-1.0",
    "content-type": "application/json; charset=UTF-8",
}


@dataclass
class RealtimeAuth:
    """How one caller authorizes the handshake and each start."""

    for_connect: Callable[[], dict[str, str]]
    for_start: Callable[[str], dict[str, str]]


def token_auth(stack: Stack, token: str) -> RealtimeAuth:
    host = urlsplit(stack.graphql_url).netloc

    def authorization(_data: str = "") -> dict[str, str]:
        return {"Authorization": token, "host": host}

    return RealtimeAuth(authorization, authorization)


def iam_auth(stack: Stack, credentials: Credentials) -> RealtimeAuth:
    host = urlsplit(stack.graphql_url).netloc

    def signed(url: str, body: str) -> dict[str, str]:
        request = AWSRequest(method="POST", url=url, data=body, headers={**REALTIME_HEADERS, "host": host})
        SigV4Auth(credentials, "appsync", stack.region).add_auth(request)
        return dict(request.headers.items())

    return RealtimeAuth(
        lambda: signed(stack.graphql_url + "/connect", "{}"), lambda data: signed(stack.graphql_url, data)
    )


def _b64url(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def tls_context(stack: Stack) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=stack.description["caCertificate"])


# A client that gets no answer to its handshake opens a new connection, as Amplify's does after its
# own timeout; the retries are counted and printed, never hidden. The cause of the stalls seen
# before (about 1 handshake in 800: TLS 1.3 session tickets arriving while this client wrote its
# request, two threads in one TLS session) is gone: the stack sends no tickets (devtools/local_stack/tls.py).
HANDSHAKE_ATTEMPTS = 4
HANDSHAKE_RETRIES: list[str] = []


def _open(address: str, protocols: list[str], stack: Stack) -> ClientConnection:
    for attempt in range(1, HANDSHAKE_ATTEMPTS + 1):
        try:
            return connect(
                address,
                subprotocols=[Subprotocol(p) for p in protocols],
                ssl=tls_context(stack),
                legacy=True,
                open_timeout=OPEN_TIMEOUT_SECONDS,
            )
        except TimeoutError:
            if attempt == HANDSHAKE_ATTEMPTS:
                raise
            HANDSHAKE_RETRIES.append(address.split("?", 1)[0])
            print(f"realtime handshake got no answer; retry {attempt} of {HANDSHAKE_ATTEMPTS - 1}", flush=True)
    raise AssertionError("unreachable")


class RealtimeClient:
    """One WebSocket connection; messages other than `ka` are queued for the test to read."""

    def __init__(self, stack: Stack, auth: RealtimeAuth, *, form: str = "header") -> None:
        self.auth = auth
        url = stack.description["realtimeUrl"]
        if form == "header":
            address, protocols = url, ["graphql-ws", "header-" + _b64url(auth.for_connect())]
        else:
            header = base64.b64encode(json.dumps(auth.for_connect()).encode()).decode()
            address, protocols = f"{url}?header={header}&payload=e30=", ["graphql-ws"]
        self.socket: ClientConnection = _open(address, protocols, stack)
        assert self.socket.subprotocol == "graphql-ws"
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        # Messages read while waiting for another subscription's answer, for the next reads, in order.
        self._held: list[dict[str, Any]] = []
        self.keepalives = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for raw in self.socket:
                message = json.loads(raw)
                if message.get("type") == "ka":
                    self.keepalives += 1
                else:
                    self.messages.put(message)
        except Exception:  # closed with an error code: the queue says so below
            pass
        self.messages.put({"type": "closed"})

    def next(self, timeout: float = ANSWER_TIMEOUT_SECONDS) -> dict[str, Any]:
        if self._held:
            return self._held.pop(0)
        return self.messages.get(timeout=timeout)

    def _answer_to(self, subscription_id: str, *, passing_over_data: bool = False) -> dict[str, Any]:
        """The protocol's answer to this subscription's start or stop. Another subscription's
        messages on the same connection (a change published meanwhile) are held for later reads, not
        mistaken for the answer; with ``passing_over_data``, so is this subscription's own data
        still on its way when it stops."""
        skipped: list[dict[str, Any]] = []
        try:
            while True:
                message = self.messages.get(timeout=ANSWER_TIMEOUT_SECONDS)
                own = message.get("id") == subscription_id
                if message.get("type") == "closed" or (own and not (passing_over_data and message["type"] == "data")):
                    return message
                if not own:
                    skipped.append(message)
        finally:
            self._held.extend(skipped)

    def init(self) -> dict[str, Any]:
        self.socket.send(json.dumps({"type": "connection_init"}))
        return self.next()

    def start(self, subscription_id: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps({"query": query, "variables": variables or {}})
        message = {
            "id": subscription_id,
            "type": "start",
            "payload": {"data": data, "extensions": {"authorization": self.auth.for_start(data)}},
        }
        self.socket.send(json.dumps(message))
        return self._answer_to(subscription_id)

    def stop(self, subscription_id: str) -> dict[str, Any]:
        """The answer to ``stop``: ``complete``, after any data of this subscription already on its
        way (a change made just before the stop may be delivered first, as on AppSync)."""
        self.socket.send(json.dumps({"type": "stop", "id": subscription_id}))
        return self._answer_to(subscription_id, passing_over_data=True)

    def data(self, count: int, *, timeout: float = ANSWER_TIMEOUT_SECONDS) -> list[dict[str, Any]]:
        """The next ``count`` data messages (bounded in time)."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            message = self.next(timeout=max(0.01, deadline - time.monotonic()))
            assert message["type"] == "data", message
            found.append(message)
        return found

    def quiet(self, seconds: float) -> list[dict[str, Any]]:
        """Whatever arrives within ``seconds`` (a subscriber that must receive nothing)."""
        arrived = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                arrived.append(self.next(timeout=left))
            except queue.Empty:
                break
        return arrived

    def close(self) -> None:
        self.socket.close()


def caller_auth(stack: Stack, sign: Callable[[Any], None]) -> RealtimeAuth:
    """The realtime authorization of any HTTP caller of the e2e suite (its ``sign``): a token caller
    sets ``Authorization``; a SigV4 caller signs the request it is given, here the realtime ones."""
    import requests

    host = urlsplit(stack.graphql_url).netloc

    def signed(url: str, body: str) -> dict[str, str]:
        request = requests.Request("POST", url, data=body, headers={**REALTIME_HEADERS, "host": host}).prepare()
        sign(request)
        return {**dict(request.headers.items()), "host": host}

    return RealtimeAuth(
        lambda: signed(stack.graphql_url + "/connect", "{}"), lambda data: signed(stack.graphql_url, data)
    )
