"""Verifying AWS Signature Version 4, in the Authorization header and in presigned query strings.

The verifier recomputes the signature from the request as received, with the secret of the access
key that signed it: any change to the method, path, query, a signed header (Content-Type,
Content-Length) or, for header auth, the body, makes the signatures differ.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
MAX_CLOCK_SKEW = timedelta(minutes=15)
MAX_PRESIGN_EXPIRES = 7 * 24 * 3600


class SignatureError(Exception):
    """The request is not validly signed; ``code`` is the error code S3/AppSync would answer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class SignedBy:
    """Who signed a verified request, and for which service and region."""

    credentials: Credentials
    region: str
    service: str


CredentialsLookup = Callable[[str], Credentials | None]


class HeaderLookup(Protocol):
    """Case-insensitive request headers (werkzeug's Headers, or a dict with lowercase keys)."""

    def get(self, key: str, /) -> str | None: ...


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_query(raw_query: str, *, exclude: str | None = None) -> str:
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        key, _, value = part.partition("=")
        key, value = unquote(key.replace("+", "%20")), unquote(value.replace("+", "%20"))
        if key != exclude:
            pairs.append((_uri_encode(key), _uri_encode(value)))
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def _canonical_headers(headers: HeaderLookup, signed_headers: list[str]) -> str:
    lines = []
    for name in signed_headers:
        value = headers.get(name)
        if value is None:
            raise SignatureError(
                "AccessDenied", f"There were headers present in the request which were not signed: {name} is missing"
            )
        lines.append(f"{name}:{re.sub(r'\s+', ' ', value.strip())}\n")
    return "".join(lines)


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _signature(secret: str, amz_date: str, scope: str, canonical_request: str) -> str:
    date, region, service, _ = scope.split("/")
    string_to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    return hmac.new(_signing_key(secret, date, region, service), string_to_sign.encode(), hashlib.sha256).hexdigest()


def _parse_time(amz_date: str) -> datetime:
    try:
        return datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as error:
        raise SignatureError("AuthorizationQueryParametersError", f"invalid X-Amz-Date {amz_date!r}") from error


def _credentials_for(lookup: CredentialsLookup, credential: str) -> tuple[Credentials, str, str, str]:
    access_key_id, _, scope = credential.partition("/")
    parts = scope.split("/")
    if len(parts) != 4 or parts[3] != "aws4_request":
        raise SignatureError("AuthorizationHeaderMalformed", f"malformed credential scope {scope!r}")
    credentials = lookup(access_key_id)
    if credentials is None:
        raise SignatureError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
    if credentials.expires_at is not None and credentials.expires_at < datetime.now(UTC):
        raise SignatureError("ExpiredToken", "The provided token has expired.")
    return credentials, scope, parts[1], parts[2]


def _check_session_token(credentials: Credentials, presented: str | None) -> None:
    if credentials.session_token is not None and presented != credentials.session_token:
        raise SignatureError("InvalidToken", "The provided token is malformed or otherwise invalid.")


def verify_header_signature(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: HeaderLookup,
    body: bytes,
    lookup: CredentialsLookup,
    now: datetime | None = None,
) -> SignedBy:
    """Verify ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``."""
    authorization = headers.get("authorization") or ""
    if not authorization.startswith(ALGORITHM + " "):
        raise SignatureError("IncompleteSignature", "Authorization header requires AWS4-HMAC-SHA256")
    fields = dict(part.strip().split("=", 1) for part in authorization[len(ALGORITHM) + 1 :].split(",") if "=" in part)
    if not {"Credential", "SignedHeaders", "Signature"} <= fields.keys():
        raise SignatureError(
            "IncompleteSignature", "Authorization header requires Credential, SignedHeaders, Signature"
        )
    credentials, scope, region, service = _credentials_for(lookup, fields["Credential"])
    signed_headers = fields["SignedHeaders"].split(";")
    if "host" not in signed_headers:
        raise SignatureError("IncompleteSignature", "the host header must be signed")
    amz_date = headers.get("x-amz-date") or ""
    request_time = _parse_time(amz_date)
    if abs((now or datetime.now(UTC)) - request_time) > MAX_CLOCK_SKEW:
        raise SignatureError("RequestTimeTooSkewed", "Signature expired: the request time is too far from now")
    if not scope.startswith(amz_date[:8]):
        raise SignatureError("SignatureDoesNotMatch", "the credential scope date does not match X-Amz-Date")
    _check_session_token(credentials, headers.get("x-amz-security-token"))
    payload_hash = headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest()
    if payload_hash != UNSIGNED_PAYLOAD and payload_hash != hashlib.sha256(body).hexdigest():
        raise SignatureError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match")
    canonical_request = "\n".join(
        [
            method,
            raw_path or "/",
            canonical_query(raw_query),
            _canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            payload_hash,
        ]
    )
    expected = _signature(credentials.secret_access_key, amz_date, scope, canonical_request)
    if not hmac.compare_digest(expected, fields["Signature"]):
        raise SignatureError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    return SignedBy(credentials=credentials, region=region, service=service)


def verify_presigned_url(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    query: Mapping[str, str],
    headers: HeaderLookup,
    lookup: CredentialsLookup,
    now: datetime | None = None,
) -> SignedBy:
    """Verify a presigned URL (``X-Amz-Signature`` in the query string), expiry included."""
    if query.get("X-Amz-Algorithm") != ALGORITHM:
        raise SignatureError("AuthorizationQueryParametersError", "X-Amz-Algorithm must be AWS4-HMAC-SHA256")
    required = ("X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature")
    if missing := [name for name in required if name not in query]:
        raise SignatureError("AuthorizationQueryParametersError", f"missing query parameters: {', '.join(missing)}")
    credentials, scope, region, service = _credentials_for(lookup, query["X-Amz-Credential"])
    amz_date = query["X-Amz-Date"]
    signed_at = _parse_time(amz_date)
    try:
        expires = int(query["X-Amz-Expires"])
    except ValueError as error:
        raise SignatureError("AuthorizationQueryParametersError", "X-Amz-Expires must be a number") from error
    if not 0 < expires <= MAX_PRESIGN_EXPIRES:
        raise SignatureError("AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and 604800")
    if (now or datetime.now(UTC)) > signed_at + timedelta(seconds=expires):
        raise SignatureError("AccessDenied", "Request has expired")
    _check_session_token(credentials, query.get("X-Amz-Security-Token"))
    signed_headers = query["X-Amz-SignedHeaders"].split(";")
    canonical_request = "\n".join(
        [
            method,
            raw_path or "/",
            canonical_query(raw_query, exclude="X-Amz-Signature"),
            _canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            UNSIGNED_PAYLOAD,
        ]
    )
    expected = _signature(credentials.secret_access_key, amz_date, scope, canonical_request)
    if not hmac.compare_digest(expected, query["X-Amz-Signature"]):
        raise SignatureError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    return SignedBy(credentials=credentials, region=region, service=service)
