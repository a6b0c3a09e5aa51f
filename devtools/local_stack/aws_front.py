"""The local AWS endpoint: what clients and functions see as ``AWS_ENDPOINT_URL``.

It forwards to moto, except where moto is too lenient to stand in for AWS:
- identity-pool ``GetId``/``GetCredentialsForIdentity`` go to the IdentityIssuer (per-identity keys);
- user-pool SRP sign-in and ``RevokeToken`` go to the UserPoolFront (moto's are wrong or missing);
- S3 requests go through the S3 front (presigned URLs verified, CORS, notifications).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import urllib3
from werkzeug.serving import ThreadedWSGIServer
from werkzeug.wrappers import Request, Response

from devtools.local_stack import json_limits
from devtools.local_stack.auth import IdentityIssuer, IdentityPoolError
from devtools.local_stack.cognito_front import CognitoError, UserPoolFront
from devtools.local_stack.mailbox import Mailbox
from devtools.local_stack.s3_front import S3Front
from devtools.local_stack.traces import TRACE_HEADER, TRACES

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization"}
IDENTITY_TARGET_PREFIX = "AWSCognitoIdentityService."
USER_POOL_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
LOGGER = logging.getLogger(__name__)
# A DynamoDB item nests up to 32 levels, two JSON levels each on the wire ({"M": {...}}), inside a
# request's own few: far more room than the GraphQL body needs, still far from Python's limit.
AWS_JSON_MAX_DEPTH = 128


class MotoProxy:
    def __init__(self, moto_url: str) -> None:
        self.moto_url = moto_url
        self._http = urllib3.PoolManager(maxsize=32, retries=False)

    def forward(self, request: Request, body: bytes | None = None) -> Response:
        raw_uri = request.environ.get("RAW_URI") or request.full_path
        upstream = self._http.request(
            request.method,
            self.moto_url + raw_uri,
            body=request.get_data() if body is None else body,
            headers={key: value for key, value in request.headers.items() if key.lower() not in _HOP_BY_HOP},
            redirect=False,
            preload_content=True,
            decode_content=False,
        )
        headers = [(key, value) for key, value in upstream.headers.items() if key.lower() not in _HOP_BY_HOP]
        return Response(upstream.data, status=upstream.status, headers=headers)


def _call_name(request: Request) -> str:
    """An AWS call as X-Ray names it: the service (from the signature's scope) and the operation."""
    authorization = request.headers.get("Authorization", "")
    credential = authorization.partition("Credential=")[2] or request.args.get("X-Amz-Credential", "")
    scope = credential.split(",")[0].split("/")
    service = scope[3] if len(scope) > 3 else "aws"
    target = request.headers.get("X-Amz-Target", "")
    if target:
        return f"{service} {target.rpartition('.')[2]}"
    form = request.mimetype == "application/x-www-form-urlencoded"  # the query protocol (SES v1, STS)
    action = request.args.get("Action") or (request.form.get("Action") if form else None)
    return f"{service} {action}" if action else f"{service} {request.method} {request.path}"


def _is_cognito_preflight(request: Request) -> bool:
    """A browser's CORS preflight for a Cognito call: JSON-RPC to `/` naming an X-Amz-Target."""
    requested = request.headers.get("Access-Control-Request-Headers", "").lower()
    return request.method == "OPTIONS" and request.path == "/" and "x-amz-target" in requested


def _cognito_cors(response: Response, request: Request) -> Response:
    """Cognito's user-pool and identity-pool APIs answer browsers from any origin (Amplify in a web
    app calls them directly), exposing the headers Amplify reads its errors from."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "POST"
        response.headers["Access-Control-Allow-Headers"] = request.headers.get("Access-Control-Request-Headers", "")
        response.headers["Access-Control-Max-Age"] = "600"
    response.headers["Access-Control-Expose-Headers"] = "x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date"
    return response


class AwsFront:
    def __init__(self, proxy: MotoProxy, identity_issuer: IdentityIssuer | None, s3_front: S3Front | None) -> None:
        self._proxy = proxy
        self.identity_issuer = identity_issuer
        self.s3_front = s3_front
        self.user_pool_front: UserPoolFront | None = None
        self.mailbox: Mailbox | None = None  # SES v2 sends, kept for /local/mail

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if _is_cognito_preflight(request):
            return _cognito_cors(Response(status=200), request)(environ, start_response)
        started = time.perf_counter()
        try:
            response = self._dispatch(request)
            if trace_header := request.headers.get(TRACE_HEADER):  # a function's call (lambda_worker.py)
                TRACES.record_call(trace_header, _call_name(request), started)
        except Exception:  # a bug of the local stack: AWS's JSON error shape, never an HTML page
            LOGGER.exception("AWS request failed: %s %s", request.method, request.path)
            response = _error("InternalErrorException", "An internal error occurred.", 500)
        if request.headers.get("X-Amz-Target", "").startswith((IDENTITY_TARGET_PREFIX, USER_POOL_TARGET_PREFIX)):
            response = _cognito_cors(response, request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        target = request.headers.get("X-Amz-Target", "")
        if target and _json_body(request) is None:
            # What Cognito (and every JSON-protocol service) answers a body that is not one JSON
            # object within bounds; moto would fail on it with a 500 (issue 22).
            return _error("SerializationException", "The request body is not a valid JSON object.", 400)
        if target.startswith(IDENTITY_TARGET_PREFIX) and self.identity_issuer is not None:
            operation = target.removeprefix(IDENTITY_TARGET_PREFIX)
            if operation in IdentityIssuer.HANDLED:
                return self._identity(operation, request)
        if target.startswith(USER_POOL_TARGET_PREFIX) and self.user_pool_front is not None:
            operation = target.removeprefix(USER_POOL_TARGET_PREFIX)
            payload = _json_body(request)
            if payload is not None and self.user_pool_front.claims(operation, payload):
                return self._user_pool(operation, payload)
        if self.mailbox is not None and self.mailbox.claims(request):
            return self.mailbox.handle(request)
        if self.s3_front is not None and self.s3_front.claims(request):
            return self.s3_front.handle(request)
        return self._proxy.forward(request)

    def _user_pool(self, operation: str, payload: dict[str, Any]) -> Response:
        assert self.user_pool_front is not None
        try:
            return Response(json.dumps(self.user_pool_front.handle(operation, payload)), 200, _json_headers())
        except CognitoError as error:
            return _error(error.code, error.message, 400)
        except (TypeError, AttributeError, ValueError):  # a parameter of the wrong type
            return _error("InvalidParameterException", "A request parameter has the wrong type.", 400)

    def _identity(self, operation: str, request: Request) -> Response:
        assert self.identity_issuer is not None
        headers = {"Content-Type": JSON_CONTENT_TYPE}
        payload = _json_body(request)
        if payload is None:
            return _error("SerializationException", "The request body is not a valid JSON object.", 400)
        try:
            body = json.dumps(self.identity_issuer.handle(operation, payload)).encode()
            return Response(body, status=200, headers=headers)
        except IdentityPoolError as error:
            headers["x-amzn-ErrorType"] = error.code
            return Response(self.identity_issuer.error_body(error), status=error.status, headers=headers)


def _json_body(request: Request) -> dict[str, Any] | None:
    """The JSON object a JSON-protocol call sends, or None (not JSON, NaN, too deep, not an object)."""
    try:
        payload = json_limits.loads(request.get_data() or b"{}", max_depth=AWS_JSON_MAX_DEPTH)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _error(code: str, message: str, status: int) -> Response:
    body = json.dumps({"__type": code, "message": message})
    return Response(body, status=status, headers=_json_headers(code))


def _json_headers(error_type: str | None = None) -> dict[str, str]:
    headers = {"Content-Type": JSON_CONTENT_TYPE, "x-amzn-RequestId": str(uuid.uuid4())}
    if error_type is not None:
        headers["x-amzn-ErrorType"] = error_type
    return headers


TLS_HANDSHAKE = b"\x16"  # a TLS record of type handshake: a ClientHello
HANDSHAKE_TIMEOUT_SECONDS = 60  # generous: a busy machine (tests, function workers) can stall a client


class _TlsAwareServer(ThreadedWSGIServer):
    """Plain HTTP, except connections that open with a TLS handshake: those go to ``tls_handler``
    (the realtime endpoint, which clients always reach with wss:// on the GraphQL port)."""

    tls_handler: Callable[[socket.socket, Any], None] | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls_handler is not None:
            try:
                request.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
                first = request.recv(1, socket.MSG_PEEK)
                request.settimeout(None)
            except OSError:
                return
            if first == TLS_HANDSHAKE:
                self.tls_handler(request, client_address)
                return
        super().finish_request(request, client_address)


class BackgroundServer:
    """A threaded werkzeug server on 127.0.0.1 in a daemon thread (optionally also taking TLS
    connections, handed to ``tls_handler``)."""

    def __init__(self, app: Any, port: int, tls_handler: Callable[[socket.socket, Any], None] | None = None) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = _TlsAwareServer("127.0.0.1", port, app)
        self._server.tls_handler = tls_handler
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name=f"http-{self.port}")

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def accept_tls(self, handler: Callable[[socket.socket, Any], None]) -> None:
        """From now on, connections that open with a TLS handshake go to ``handler``."""
        self._server.tls_handler = handler

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
