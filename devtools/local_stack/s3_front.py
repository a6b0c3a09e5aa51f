"""S3 as a browser meets it: presigned URLs verified, CORS per the bucket's rules, notifications.

moto stores any presigned PUT (no signature, expiry or signed-header check) and answers CORS
loosely, so S3 requests pass through here first:
- a presigned request is verified with SigV4 (signature, expiry, signed Content-Type and
  Content-Length) against the secret of the key that signed it, else 403 as S3 answers, and so
  is one carrying an x-amz-* header it did not sign (S3's "headers ... which were not signed");
- an anonymous request is refused (the bucket blocks all public access);
- a preflight (OPTIONS) is answered from the bucket's CorsConfiguration in the template, and
  actual responses carry the matching rule's CORS headers;
- a stored object triggers the bucket's ObjectCreated notifications, delivered to their functions.
Requests signed in the Authorization header (the SDK calls of functions and tests) are forwarded
as they are: locally, IAM policies are not enforced.
"""

from __future__ import annotations

import fnmatch
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus, unquote
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from devtools.local_stack.aws_services import Bucket
from devtools.local_stack.cloudformation import ACCOUNT_ID
from devtools.local_stack.sigv4 import CredentialsLookup, SignatureError, verify_presigned_url

NotificationSink = Callable[[str, dict[str, Any]], None]  # (function logical id, event)


def _credential_service(request: Request) -> str | None:
    credential = request.args.get("X-Amz-Credential") or ""
    authorization = request.headers.get("Authorization", "")
    if "Credential=" in authorization:
        credential = authorization.split("Credential=", 1)[1].split(",", 1)[0]
    parts = credential.split("/")
    return parts[3] if len(parts) >= 5 else None


def _unsigned_amz_headers(request: Request) -> list[str]:
    signed = set(request.args.get("X-Amz-SignedHeaders", "").lower().split(";"))
    present = {name.lower() for name in request.headers.keys()}  # noqa: SIM118 - Headers iterate as pairs
    return sorted(name for name in present if name.startswith("x-amz-") and name not in signed)


def s3_error(status: int, code: str, message: str, resource: str = "") -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<Resource>{escape(resource)}</Resource><RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    )
    return Response(body, status=status, content_type="application/xml")


def _origin_allowed(pattern: str, origin: str) -> bool:
    return pattern == "*" or fnmatch.fnmatchcase(origin, pattern)


def _header_allowed(patterns: list[str], header: str) -> bool:
    return any(fnmatch.fnmatchcase(header.lower(), pattern.lower()) for pattern in patterns)


class S3Front:
    def __init__(
        self,
        proxy: Any,
        buckets: dict[str, Bucket],
        lookup: CredentialsLookup,
        notify: NotificationSink,
        region: str,
    ) -> None:
        self._proxy = proxy
        self._buckets = buckets
        self._lookup = lookup
        self._notify = notify
        self._region = region

    def claims(self, request: Request) -> bool:
        """S3 requests: signed for the s3 service, or addressed (path-style) to one of our buckets."""
        if _credential_service(request) == "s3":
            return True
        first_segment = request.path.lstrip("/").split("/", 1)[0]
        return first_segment in self._buckets

    def handle(self, request: Request) -> Response:
        bucket_name, _, key = request.path.lstrip("/").partition("/")
        bucket = self._buckets.get(bucket_name)
        if request.method == "OPTIONS":
            return self._preflight(request, bucket)
        if "X-Amz-Signature" in request.args:
            try:
                verify_presigned_url(
                    method=request.method,
                    raw_path=self._raw_path(request),
                    raw_query=request.query_string.decode(),
                    query=request.args,
                    headers=request.headers,
                    lookup=self._lookup,
                )
            except SignatureError as error:
                return self._with_cors(request, bucket, s3_error(403, error.code, error.message, request.path))
            if _unsigned_amz_headers(request):
                # S3 refuses x-amz-* headers a presigned URL did not sign (x-amz-meta-*, a website
                # redirect, an ACL): the URL's holder may not add them (issue 22).
                response = s3_error(
                    403, "AccessDenied", "There were headers present in the request which were not signed", request.path
                )
                return self._with_cors(request, bucket, response)
        elif "Authorization" not in request.headers:
            response = s3_error(403, "AccessDenied", "Access Denied", request.path)
            return self._with_cors(request, bucket, response)
        body = request.get_data()
        response = self._proxy.forward(request, body)
        if bucket is not None and key and 200 <= response.status_code < 300:
            self._after_success(request, bucket, unquote(key), body, response)
        return self._with_cors(request, bucket, response)

    @staticmethod
    def _raw_path(request: Request) -> str:
        raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
        return str(raw_uri).split("?", 1)[0]

    # ---- CORS ----------------------------------------------------------------------------------

    def _matching_rule(self, bucket: Bucket, origin: str, method: str, headers: list[str]) -> dict[str, Any] | None:
        for rule in bucket.cors_rules:  # the first matching rule wins, as in S3
            if not any(_origin_allowed(pattern, origin) for pattern in rule.get("AllowedOrigins", [])):
                continue
            if method not in rule.get("AllowedMethods", []):
                continue
            if all(_header_allowed(rule.get("AllowedHeaders", []), header) for header in headers):
                return rule
        return None

    def _preflight(self, request: Request, bucket: Bucket | None) -> Response:
        origin = request.headers.get("Origin")
        method = request.headers.get("Access-Control-Request-Method")
        if bucket is None:
            return s3_error(404, "NoSuchBucket", "The specified bucket does not exist")
        if not origin or not method:
            return s3_error(400, "BadRequest", "Insufficient information. Origin request header needed.")
        if not bucket.cors_rules:
            return s3_error(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.")
        requested = [
            header.strip().lower()
            for header in request.headers.get("Access-Control-Request-Headers", "").split(",")
            if header.strip()
        ]
        rule = self._matching_rule(bucket, origin, method, requested)
        if rule is None:
            return s3_error(
                403,
                "AccessForbidden",
                "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
                "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
                "whitelisted by the resource's CORS spec.",
            )
        response = Response(status=200)
        self._cors_headers(response, rule, origin)
        if requested:
            response.headers["Access-Control-Allow-Headers"] = ", ".join(requested)
        return response

    def _with_cors(self, request: Request, bucket: Bucket | None, response: Response) -> Response:
        # moto adds "Access-Control-Allow-Origin: *" everywhere; S3 answers per the bucket's rules.
        for name in [name for name in response.headers.keys() if name.lower().startswith("access-control-")]:  # noqa: SIM118
            del response.headers[name]
        origin = request.headers.get("Origin")
        if origin and bucket is not None:
            rule = self._matching_rule(bucket, origin, request.method, [])
            if rule is not None:
                self._cors_headers(response, rule, origin)
        return response

    @staticmethod
    def _cors_headers(response: Response, rule: dict[str, Any], origin: str) -> None:
        wildcard = "*" in rule.get("AllowedOrigins", [])
        response.headers["Access-Control-Allow-Origin"] = "*" if wildcard else origin
        response.headers["Access-Control-Allow-Methods"] = ", ".join(rule.get("AllowedMethods", []))
        if rule.get("ExposeHeaders"):
            response.headers["Access-Control-Expose-Headers"] = ", ".join(rule["ExposeHeaders"])
        if "MaxAgeSeconds" in rule:
            response.headers["Access-Control-Max-Age"] = str(rule["MaxAgeSeconds"])
        if not wildcard:
            response.headers["Vary"] = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

    # ---- notifications -----------------------------------------------------------------------------

    def _created_event_name(self, request: Request) -> str | None:
        if request.method == "PUT" and "partNumber" not in request.args and "uploadId" not in request.args:
            if any(arg in request.args for arg in ("acl", "tagging", "retention", "legal-hold")):
                return None
            return "ObjectCreated:Copy" if "x-amz-copy-source" in request.headers else "ObjectCreated:Put"
        if request.method == "POST" and "uploadId" in request.args:
            return "ObjectCreated:CompleteMultipartUpload"
        return None

    def _after_success(self, request: Request, bucket: Bucket, key: str, body: bytes, response: Response) -> None:
        event_name = self._created_event_name(request)
        if event_name is None:
            return
        for target in bucket.notifications:
            if not key.startswith(target.prefix) or not key.endswith(target.suffix):
                continue
            if not any(fnmatch.fnmatchcase(f"s3:{event_name}", pattern) for pattern in target.events):
                continue
            record = {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": self._region,
                "eventTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "eventName": event_name,
                "userIdentity": {"principalId": f"AWS:{ACCOUNT_ID}"},
                "requestParameters": {"sourceIPAddress": request.remote_addr or "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                    "x-amz-id-2": uuid.uuid4().hex,
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": target.configuration_id,
                    "bucket": {
                        "name": bucket.name,
                        "ownerIdentity": {"principalId": ACCOUNT_ID},
                        "arn": f"arn:aws:s3:::{bucket.name}",
                    },
                    "object": {
                        # S3 URL-encodes keys in notifications (a space becomes "+").
                        "key": quote_plus(key, safe="/"),
                        "size": len(body) if event_name == "ObjectCreated:Put" else 0,
                        "eTag": response.headers.get("ETag", "").strip('"'),
                        "versionId": response.headers.get("x-amz-version-id", ""),
                        "sequencer": f"{int(datetime.now(UTC).timestamp() * 1e6):016X}",
                    },
                },
            }
            self._notify(target.function_id, {"Records": [record]})
