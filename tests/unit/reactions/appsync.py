"""A stand-in for AppSync's /graphql that the live publishing reaction really calls over HTTP
(127.0.0.1, a free port): it records each publish mutation it receives, checks it is SigV4
signed for ``appsync``, and answers as AppSync does (the mutation's data, or errors)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class RecordingAppSync:
    url: str = ""
    published: list[dict[str, Any]] = field(default_factory=list)  # {"query", "variables"}
    refuse: bool = False  # answer every publish with an error (AppSync's shape)

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body["variables"]["payload"]) for body in self.published]


@contextmanager
def recording_appsync() -> Iterator[RecordingAppSync]:
    state = RecordingAppSync()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            signed = "/appsync/aws4_request" in self.headers.get("Authorization", "")
            if state.refuse or not signed:
                answer: dict[str, Any] = {"errors": [{"errorType": "Unauthorized" if not signed else "InternalError"}]}
            else:
                state.published.append(body)
                answer = {"data": {}}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/graphql"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
