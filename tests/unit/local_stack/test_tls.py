"""The local stack's TLS (wss:// on the GraphQL port): the server says nothing after its handshake.

With TLS 1.3 session tickets the server writes right after the handshake, while a Python
`websockets` client writes its upgrade request: two threads then use one TLS session at once
(reader and writer), which OpenSSL does not allow, and about one handshake in 800 got no answer
(docs/LOCAL_STACK.md). Without tickets, the first bytes the client reads are the server's answer.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.local_stack.tls import create_local_tls

# How long the client listens for unasked-for bytes: tickets arrive within milliseconds, so this only
# gives a busy machine time; waiting longer can only make a server that sends them easier to catch.
LISTEN_SECONDS = 1.0


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, ssl.SSLContext]]:
    local_tls = create_local_tls(tmp_path)
    listener = socket.create_server(("127.0.0.1", 0))
    finished = threading.Event()

    def serve_one() -> None:
        connection, _ = listener.accept()
        with local_tls.context.wrap_socket(connection, server_side=True):
            finished.wait(10)  # the client's checks run while the session is open

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    client_context = ssl.create_default_context(cafile=str(local_tls.ca_file))
    yield listener.getsockname()[1], client_context
    finished.set()
    thread.join(timeout=10)
    listener.close()


def test_the_server_sends_nothing_after_its_tls_13_handshake(tls_server: tuple[int, ssl.SSLContext]) -> None:
    port, client_context = tls_server
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        client_context.wrap_socket(raw, server_hostname="127.0.0.1") as secure,
    ):
        assert secure.version() == "TLSv1.3"
        readable, _, _ = select.select([secure], [], [], LISTEN_SECONDS)
        assert readable == [], "the server wrote after the handshake (a session ticket) before any request"
