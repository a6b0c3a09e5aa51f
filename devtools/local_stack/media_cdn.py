"""The media distribution, locally (SPEC 16): ``/media/<key>`` on the GraphQL port.

On AWS every read URL is a CloudFront signed URL (canned policy) and CloudFront refuses, with 403,
a request whose signature does not hold for the URL and its expiry, names another key pair, or
has expired. Here the same URL shape (``Expires``, ``Signature``, ``Key-Pair-Id``) is checked the
same way against an RSA key pair made when the stack starts: the private half goes into moto's
Secrets Manager under the name the template gives the functions (``MEDIA_SIGNING_KEY_SECRET``),
so the functions read it exactly as they would on AWS, and sign with it; this module keeps the
public half, as the distribution's trusted key group does.

A request that passes is served from the bucket (the OAC's path), with the object's
Content-Type and Cache-Control and the response headers policy's ``nosniff``.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs, quote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.wrappers import Request, Response

from devtools.local_stack.lambda_runtime import FunctionSpec

PREFIX = "/media/"
SIGNED_PARAMETERS = ("Expires", "Signature", "Key-Pair-Id")
# The frontends the template's response headers policy lets fetch media (and the booth app locally).
ALLOWED_ORIGINS = frozenset({"http://localhost:3000", "http://127.0.0.1:3000"})


class MediaCdn:
    """Checks signed media URLs like CloudFront and serves the objects they name."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        base_url: str,
        key_pair_id: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self.base_url = base_url.rstrip("/")
        self.key_pair_id = key_pair_id
        self._clock = clock
        self._private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._public_key = self._private_key.public_key()

    @property
    def private_key_pem(self) -> str:
        """What the secret holds: PKCS#8 PEM, as `make media-keys` stores it on AWS."""
        return self._private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def point_functions_here(self, functions: dict[str, FunctionSpec], secretsmanager: Any) -> None:
        """Store the private key where the functions' MEDIA_SIGNING_KEY_SECRET names it, and give
        the functions this stack's /media base URL and key pair id in place of the distribution's."""
        secrets = {spec.environment["MEDIA_SIGNING_KEY_SECRET"] for spec in self._signers(functions)}
        for name in sorted(secrets):
            secretsmanager.create_secret(Name=name, SecretString=self.private_key_pem)
        for spec in self._signers(functions):
            spec.environment["MEDIA_URL_BASE"] = self.base_url
            spec.environment["MEDIA_KEY_PAIR_ID"] = self.key_pair_id

    @staticmethod
    def _signers(functions: dict[str, FunctionSpec]) -> Iterable[FunctionSpec]:
        return [spec for spec in functions.values() if "MEDIA_SIGNING_KEY_SECRET" in spec.environment]

    def wrap(self, app: Any) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
        """``app`` with /media/ in front of it."""

        def routed(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            if str(environ.get("PATH_INFO", "")).startswith(PREFIX):
                response = self.handle(Request(environ))
                return response(environ, start_response)
            result: Iterable[bytes] = app(environ, start_response)
            return result

        return routed

    def handle(self, request: Request) -> Response:
        if request.method not in {"GET", "HEAD"}:
            return _refused(405, "MethodNotAllowed")
        key = request.path.removeprefix(PREFIX)
        refusal = self.refusal(key, request.query_string.decode("latin-1"))
        if refusal is not None:
            return _refused(403, refusal)
        return self._serve(key, request)

    def refusal(self, key: str, query: str) -> str | None:
        """Why CloudFront would refuse this request (403), or None when the URL holds."""
        values = parse_qs(query, keep_blank_values=True)
        if any(len(values.get(name, [])) != 1 for name in SIGNED_PARAMETERS):
            return "MissingKey: Expires, Signature and Key-Pair-Id, once each"
        expires, signature, key_pair_id = (values[name][0] for name in SIGNED_PARAMETERS)
        if key_pair_id != self.key_pair_id:
            return "AccessDenied: the key pair is not in the distribution's trusted key group"
        if not expires.isdigit():
            return "AccessDenied: malformed Expires"
        if int(expires) <= self._clock():
            return "AccessDenied: the URL has expired"
        resource = f"{self.base_url}/{quote(key, safe='/')}"
        policy = json.dumps(
            {"Statement": [{"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": int(expires)}}}]},
            separators=(",", ":"),
        )
        try:
            raw = base64.b64decode(signature.translate(_FROM_URL_SAFE), validate=True)
            # CloudFront's canned policy is signed with SHA-1: verified as CloudFront does.
            self._public_key.verify(raw, policy.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
        except (InvalidSignature, binascii.Error, ValueError):
            return "AccessDenied: the signature does not match the URL"
        return None

    def _serve(self, key: str, request: Request) -> Response:
        try:
            stored = self._s3.get_object(Bucket=self._bucket, Key=key)
        except Exception as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code in {"NoSuchKey", "404"}:
                # OAC may only GetObject, so S3 answers 403 for a missing key, and so does CloudFront.
                return _refused(403, "AccessDenied: no such object")
            raise
        body = b"" if request.method == "HEAD" else stored["Body"].read()
        response = Response(body, status=200, content_type=stored.get("ContentType") or "binary/octet-stream")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if stored.get("CacheControl"):
            response.headers["Cache-Control"] = stored["CacheControl"]
        if stored.get("ETag"):
            response.headers["ETag"] = stored["ETag"]
        if request.method == "HEAD":
            response.headers["Content-Length"] = str(stored.get("ContentLength", 0))
        origin = request.headers.get("Origin")
        if origin in ALLOWED_ORIGINS:
            response.headers["Access-Control-Allow-Origin"] = origin
        return response


_FROM_URL_SAFE = str.maketrans({"-": "+", "_": "=", "~": "/"})


def _refused(status: int, message: str) -> Response:
    # CloudFront answers an XML error; the status is what clients act on.
    body = f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{message.split(':', maxsplit=1)[0]}</Code></Error>"
    return Response(body, status=status, content_type="text/xml")
