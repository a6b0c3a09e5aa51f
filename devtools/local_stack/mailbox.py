"""The local stack's mailbox: every email the functions send, kept and shown (SPEC 13).

SES v2 ``SendEmail`` reaches the AWS front (``AWS_ENDPOINT_URL``); the front hands it here instead
of to moto. moto's SES v2 does keep raw messages, but only inside its backend (no HTTP API to read
them), and it refuses senders whose identity was not verified through its own API; capturing at
the front keeps exactly what the function sent, headers included, and answers as SES does
(``{"MessageId": ...}``). On the GraphQL origin:

- ``GET /local/mail``: a page listing them, newest first, each with its rendered HTML;
- ``GET /local/mail.json``: ``[{messageId, to, from, subject, text, html, headers, sentAt}]``;
- ``DELETE /local/mail``: empties it.

Also here: function URLs (``AWS::Lambda::Url``) served at ``/local/function-urls/<Function>/``
on the same origin, as a function-URL event (payload 2.0) to the function: the emails'
unsubscribe links point there locally.
"""

from __future__ import annotations

import base64
import email
import email.policy
import html
import json
import threading
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from werkzeug.wrappers import Request, Response

SES_SEND_PATH = "/v2/email/outbound-emails"
FUNCTION_URL_PREFIX = "/local/function-urls/"
MAX_KEPT = 1000  # a long session keeps the newest


class Mailbox:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []  # oldest first

    # ---- the AWS side: SES v2 SendEmail -----------------------------------------------------

    @staticmethod
    def claims(request: Request) -> bool:
        return request.method == "POST" and request.path == SES_SEND_PATH

    def handle(self, request: Request) -> Response:
        try:
            payload = json.loads(request.get_data() or b"{}")
            raw = base64.b64decode(payload["Content"]["Raw"]["Data"])
            destination = payload.get("Destination", {}).get("ToAddresses") or []
        except (ValueError, KeyError, TypeError):
            body = {"__type": "BadRequestException", "message": "only raw content is supported locally"}
            return Response(json.dumps(body), status=400, content_type="application/json")
        message_id = f"local-{uuid.uuid4()}"
        self.keep(message_id, raw, payload.get("FromEmailAddress", ""), destination)
        return Response(json.dumps({"MessageId": message_id}), status=200, content_type="application/json")

    def keep(self, message_id: str, raw: bytes, sender: str, to: list[str]) -> None:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        text = parsed.get_body(preferencelist=("plain",))
        rich = parsed.get_body(preferencelist=("html",))
        record = {
            "messageId": message_id,
            "to": to or [str(parsed.get("To", ""))],
            "from": str(parsed.get("From", sender)),
            "subject": str(parsed.get("Subject", "")),
            "text": text.get_content() if text is not None else "",
            "html": rich.get_content() if rich is not None else "",
            "headers": {key: str(value) for key, value in parsed.items()},
            "sentAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        with self._lock:
            self._messages.append(record)
            del self._messages[:-MAX_KEPT]

    def messages(self) -> list[dict[str, Any]]:
        """Newest first."""
        with self._lock:
            return list(reversed(self._messages))

    # ---- the GraphQL origin: /local/mail ----------------------------------------------------

    def route(self, request: Request) -> Response | None:
        if request.path == "/local/mail.json" and request.method == "GET":
            return Response(json.dumps(self.messages()), content_type="application/json")
        if request.path == "/local/mail" and request.method == "DELETE":
            with self._lock:
                self._messages.clear()
            return Response(status=204)
        if request.path == "/local/mail" and request.method == "GET":
            return Response(self._page(), content_type="text/html; charset=utf-8")
        return None

    def _page(self) -> str:
        items = []
        for message in self.messages():
            # The email's HTML in a sandboxed frame (srcdoc): shown as a mail client would, with no
            # script and no access to this page.
            items.append(
                "<article><h2>{subject}</h2><p>To {to} · from {sender} · {sent}</p>"
                '<iframe sandbox srcdoc="{body}" style="width:100%;height:360px;border:1px solid #ccc"></iframe>'
                "<details><summary>Text and headers</summary><pre>{text}</pre><pre>{headers}</pre></details>"
                "</article>".format(
                    subject=html.escape(message["subject"]),
                    to=html.escape(", ".join(message["to"])),
                    sender=html.escape(message["from"]),
                    sent=html.escape(message["sentAt"]),
                    body=html.escape(message["html"], quote=True),
                    text=html.escape(message["text"]),
                    headers=html.escape(json.dumps(message["headers"], indent=2)),
                )
            )
        listing = "".join(items) or "<p>No email sent yet.</p>"
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Local mail</title></head>'
            '<body style="font-family: sans-serif; max-width: 900px; margin: 20px auto;">'
            f"<h1>Local mail ({len(items)})</h1>{listing}</body></html>"
        )


class FunctionUrls:
    """``/local/function-urls/<Function>/...``: the function's URL, as a payload 2.0 event."""

    def __init__(self, runtime: Any, functions: set[str]) -> None:
        self._runtime = runtime
        self._functions = functions

    def route(self, request: Request) -> Response | None:
        if not request.path.startswith(FUNCTION_URL_PREFIX):
            return None
        function, _, rest = request.path.removeprefix(FUNCTION_URL_PREFIX).partition("/")
        if function not in self._functions:
            return None
        body = request.get_data()
        event = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": "/" + rest,
            "rawQueryString": request.query_string.decode(),
            "headers": {key.lower(): value for key, value in request.headers.items()},
            "queryStringParameters": dict(request.args) or None,
            "requestContext": {
                "accountId": "anonymous",
                "http": {"method": request.method, "path": "/" + rest, "sourceIp": request.remote_addr or ""},
                "requestId": str(uuid.uuid4()),
                "timeEpoch": int(datetime.now(UTC).timestamp() * 1000),
            },
            "body": base64.b64encode(body).decode() if body else None,
            "isBase64Encoded": bool(body),
        }
        result = self._runtime.invoke(function, event)
        if result.failed:
            return Response("Internal Server Error", status=502, content_type="text/plain")
        answer: dict[str, Any] = (
            result.payload if isinstance(result.payload, dict) else {"body": json.dumps(result.payload)}
        )
        headers: dict[str, str] = {str(k): str(v) for k, v in (answer.get("headers") or {}).items()}
        return Response(str(answer.get("body") or ""), status=int(answer.get("statusCode", 200)), headers=headers)
