"""Unsubscribe tokens: an HMAC-SHA256-signed preference key with an expiry, safe in a URL.

``<payload>.<signature>``, both base64url without padding; the payload is ``{"k": key, "x": expiry}``.
Verification compares signatures in constant time before reading the payload, so a tampered
token says nothing about why it failed. Pure: the secret is handed in (read from Secrets Manager
at cold start by the wiring).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime, timedelta

# A link in an email stays usable for a year (people unsubscribe from old emails); past that the
# email's settings link still works for signed-in customers.
TOKEN_LIFETIME = timedelta(days=365)
MAX_TOKEN_LENGTH = 1024


class InvalidToken(Exception):  # noqa: N818 - the unsubscribe endpoint answers it with 400
    """The token is malformed, its signature does not hold, or it has expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def sign(secret: bytes, preference_key: str, now: datetime) -> str:
    expiry = int((now + TOKEN_LIFETIME).timestamp())
    payload = _b64(json.dumps({"k": preference_key, "x": expiry}, separators=(",", ":")).encode())
    return f"{payload}.{_signature(secret, payload)}"


def verify(secret: bytes, token: str, now: datetime) -> str:
    """The preference key the token turns off; InvalidToken if it is not one of ours or expired."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidToken("malformed token")
    payload, signature = token.split(".")
    if not hmac.compare_digest(signature.encode(), _signature(secret, payload).encode()):
        raise InvalidToken("bad signature")
    try:
        data = json.loads(_unb64(payload))
        key, expiry = str(data["k"]), int(data["x"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidToken("malformed payload") from None
    if expiry < now.timestamp():
        raise InvalidToken("expired")
    return key
