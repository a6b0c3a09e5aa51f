"""localstripe as the local stack's Stripe (SPEC 12), run as a child process.

``StripeEmulator`` starts ``localstripe --port N --from-scratch`` (never the shared
/tmp/localstripe.pickle), waits until it answers, registers the stack's webhook with it
(``POST /_config/webhooks/{name}``: localstripe then signs its events with that secret, the way
Stripe does), and offers what Stripe.js would do in a browser and localstripe's Stripe.js cannot:
make a PaymentMethod from card details (``create_payment_method``, served by the stack as
``POST /local/stripe/payment-methods``) and complete 3-D Secure (``authenticate``).

Any ``sk_...`` key is accepted by localstripe; the publishable key only where Stripe.js uses it.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECRET_KEY = "sk_test_local_ape_moments"  # noqa: S105 - localstripe accepts any sk_ key; local only
PUBLISHABLE_KEY = "pk_test_local_ape_moments"
WEBHOOK_NAME = "ape-moments"
START_TIMEOUT_SECONDS = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmulatorError(RuntimeError):
    """localstripe answered with an error (its status and body)."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"localstripe answered {status}: {body[:300]}")
        self.status = status
        self.body = body


@dataclass
class StripeEmulator:
    port: int = 0
    webhook_secret: str = field(default_factory=lambda: "whsec_" + secrets.token_hex(16))
    _process: subprocess.Popen[bytes] | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def js_url(self) -> str:
        return f"{self.api_base}/js.stripe.com/v3/"

    def start(self) -> StripeEmulator:
        if not self.port:
            self.port = free_port()
        executable = Path(sys.executable).with_name("localstripe")
        command = [str(executable), "--port", str(self.port), "--from-scratch"]
        self._process = subprocess.Popen(  # noqa: S603 - our own venv's localstripe
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"localstripe exited with {self._process.returncode}")
            try:
                self.request("GET", "/v1/payment_intents")
                return self
            except (OSError, EmulatorError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("localstripe did not answer in time")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None

    def request(self, method: str, path: str, form: dict[str, Any] | None = None) -> dict[str, Any]:
        """One call with the secret key; a form body as Stripe takes it."""
        data = urllib.parse.urlencode(form or {}).encode() if method != "GET" else None
        request = urllib.request.Request(  # noqa: S310 - loopback only
            self.api_base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {SECRET_KEY}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback only
                return dict(json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as error:
            raise EmulatorError(error.code, error.read().decode(errors="replace")) from None

    def register_webhook(self, url: str) -> None:
        """localstripe posts every event to ``url``, signed with ``webhook_secret``."""
        self.request("POST", f"/_config/webhooks/{WEBHOOK_NAME}", {"url": url, "secret": self.webhook_secret})

    def create_payment_method(self, number: str, exp_month: int, exp_year: int, cvc: str) -> str:
        """What Stripe.js's createPaymentMethod does in a browser: the card becomes a ``pm_...``."""
        made = self.request(
            "POST",
            "/v1/payment_methods",
            {
                "type": "card",
                "card[number]": number,
                "card[exp_month]": exp_month,
                "card[exp_year]": exp_year,
                "card[cvc]": cvc,
            },
        )
        return str(made["id"])

    def authenticate(self, payment_intent_id: str, client_secret: str, *, success: bool = True) -> dict[str, Any]:
        """What Stripe.js does for 3-D Secure: the customer passes (or fails) the bank's check."""
        return self.request(
            "POST",
            f"/v1/payment_intents/{payment_intent_id}/_authenticate",
            {"key": PUBLISHABLE_KEY, "client_secret": client_secret, "success": "true" if success else "false"},
        )

    def payment_intent(self, payment_intent_id: str) -> dict[str, Any]:
        return self.request("GET", f"/v1/payment_intents/{payment_intent_id}")

    def payment_intents(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/v1/payment_intents?limit=100")["data"])

    def refunds(self, payment_intent_id: str) -> list[dict[str, Any]]:
        return list(self.request("GET", f"/v1/refunds?payment_intent={payment_intent_id}")["data"])


# ---- the stack's HTTP routes for payments --------------------------------------------------------

PAYMENT_METHODS_PATH = "/local/stripe/payment-methods"


class PaymentRoutes:
    """WSGI in front of the GraphQL app: the PaymentMethod maker that stands in for Stripe.js's
    ``createPaymentMethod``. ``emulator`` is None with the sandbox provider (no route then). The
    template's function URLs (the webhook) are served by ``mailbox.FunctionUrls``.
    """

    def __init__(self, app: Any, emulator: StripeEmulator | None) -> None:
        self._app = app
        self._emulator = emulator

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = str(environ.get("PATH_INFO", ""))
        if path == PAYMENT_METHODS_PATH and self._emulator is not None:
            return self._payment_method(environ, start_response)
        return self._app(environ, start_response)

    @staticmethod
    def _body(environ: dict[str, Any]) -> bytes:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        return bytes(environ["wsgi.input"].read(length)) if length else b""

    @staticmethod
    def _answer(start_response: Any, status: int, body: bytes, headers: dict[str, str] | None = None) -> list[bytes]:
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}.get(status, "Error")
        merged = {"content-type": "application/json", **(headers or {})}
        # The local page (GraphiQL, a frontend on localhost) may call it from a browser.
        merged["access-control-allow-origin"] = "*"
        start_response(f"{status} {reason}", [*merged.items(), ("content-length", str(len(body)))])
        return [body]

    def _payment_method(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        assert self._emulator is not None
        if environ.get("REQUEST_METHOD") == "OPTIONS":
            return self._answer(start_response, 200, b"{}", {"access-control-allow-headers": "content-type"})
        if environ.get("REQUEST_METHOD") != "POST":
            return self._answer(start_response, 405, b'{"message": "POST only"}')
        try:
            card = json.loads(self._body(environ) or b"{}")
            made = self._emulator.create_payment_method(
                str(card["number"]).replace(" ", ""), int(card["exp_month"]), int(card["exp_year"]), str(card["cvc"])
            )
        except (KeyError, TypeError, ValueError):
            return self._answer(start_response, 400, b'{"message": "expected {number, exp_month, exp_year, cvc}"}')
        except EmulatorError as refused:
            return self._answer(start_response, 400, json.dumps({"message": refused.body[:300]}).encode())
        return self._answer(start_response, 200, json.dumps({"id": made}).encode())
