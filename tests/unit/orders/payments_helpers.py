"""Fixtures for the payment tests: localstripe as Stripe, the Stripe secrets in moto, signed webhooks.

No conftest: test modules import these fixtures by name (``__all__`` there re-exports them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from devtools.local_stack.stripe_emulator import PUBLISHABLE_KEY, SECRET_KEY, StripeEmulator
from tests.conftest import FakeContext, _clear_caches, load_handler

VISA = "4242424242424242"
DECLINED = "4000000000000341"
THREE_D_SECURE = "4000000000003220"


@pytest.fixture(scope="module")
def emulator() -> Iterator[StripeEmulator]:
    """One localstripe per module, from scratch, on a free loopback port."""
    running = StripeEmulator().start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def stripe_provider(aws: Any, emulator: StripeEmulator, monkeypatch: pytest.MonkeyPatch) -> StripeEmulator:
    """The functions run the stripe provider against the emulator; its keys live in (moto's) Secrets Manager."""
    secrets = boto3.client("secretsmanager")
    key_arn = secrets.create_secret(Name=f"stripe-key-{uuid.uuid4()}", SecretString=SECRET_KEY)["ARN"]
    hook_arn = secrets.create_secret(Name=f"stripe-hook-{uuid.uuid4()}", SecretString=emulator.webhook_secret)["ARN"]
    monkeypatch.setenv("PAYMENT_PROVIDER", "stripe")
    monkeypatch.setenv("STRIPE_SECRET_KEY_ARN", key_arn)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET_ARN", hook_arn)
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", PUBLISHABLE_KEY)
    monkeypatch.setenv("STRIPE_API_BASE", emulator.api_base)
    _clear_caches()
    return emulator


def card(emulator: StripeEmulator, number: str) -> str:
    return emulator.create_payment_method(number, 12, 2034, "123")


def signature(payload: str, secret: str, *, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe computes it: HMAC-SHA256 of ``{t}.{payload}``."""
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def payment_event(event_type: str, payment_intent_id: str, *, event_id: str | None = None) -> str:
    event = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:16]}",
        "object": "event",
        "type": event_type,
        "data": {"object": {"id": payment_intent_id, "object": "payment_intent"}},
    }
    return json.dumps(event)


def deliver_webhook(payload: str, stripe_signature: str | None) -> dict[str, Any]:
    """The webhook function, called as its function URL calls it (payload format 2.0)."""
    headers = {"content-type": "application/json"}
    if stripe_signature is not None:
        headers["stripe-signature"] = stripe_signature
    event = {
        "version": "2.0",
        "rawPath": "/",
        "headers": headers,
        "body": payload,
        "isBase64Encoded": False,
        "requestContext": {"http": {"method": "POST", "path": "/"}},
    }
    return dict(load_handler("payment_webhook").lambda_handler(event, FakeContext()))
