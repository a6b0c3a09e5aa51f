# mypy: disable-error-code="type-arg"
"""AppSync's real-time WebSocket protocol, at the URL AWS's clients derive from the GraphQL URL.

Clients append ``/realtime`` to a custom endpoint's GraphQL URL and always open it with
``wss://``, so the GraphQL port speaks TLS too: a connection whose first byte starts a TLS
handshake is handed here, anything else stays plain HTTP (curl keeps working).

The protocol, as AppSync serves it:

- Handshake: subprotocol ``graphql-ws`` selected; the connection's authorization comes either in a
  second subprotocol ``header-<base64url JSON>`` (current Amplify) or in the query string
  ``?header=<base64 JSON>&payload=<base64 JSON>`` (older clients, Python's ``gql``). The JSON is
  ``{"Authorization": <user-pool token>, "host": ...}`` or the SigV4 headers of a signed
  ``POST <graphql URL>/connect`` whose body is ``{}`` (the query form: the decoded payload).
- ``connection_init`` -> ``connection_ack`` ``{connectionTimeoutMs}`` and a first ``ka``, then a
  ``ka`` every ``keepalive_seconds``; a refused handshake gets ``connection_error`` and is closed.
- ``start`` ``{id, payload: {data: "<JSON of {query, variables}>", extensions: {authorization}}}``:
  the authorization is checked again (IAM: signed over the data string, POST to the GraphQL URL);
  the document must be one subscription field the caller's mode (and role) may reach; the field's
  resolver runs (a direct Lambda raising refuses the subscription); then ``start_ack``, or
  ``error`` ``{id, payload: {errors}}``.
- ``stop`` -> ``complete``. Every later result of a mutation named in the field's
  ``@aws_subscribe(mutations: [...])`` whose fields equal all of the subscription's given
  arguments reaches the subscriber as ``data`` ``{id, payload: {data: {<field>: {...}}}}``, with
  the fields the subscriber selected (those the mutation did not select are null).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute_sync,
    parse,
    validate,
)
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request
from websockets.sync.server import Server, ServerConnection, serve
from websockets.typing import Subprotocol

from devtools.local_stack import json_limits
from devtools.local_stack.auth import AuthenticatedCaller, AuthenticationError, SignedRequest
from devtools.local_stack.graphql_server import MAX_QUERY_TOKENS, GraphQLServer, ResolverError

LOGGER = logging.getLogger(__name__)

CONNECTION_TIMEOUT_MS = 300_000  # what AppSync announces in connection_ack
SUBPROTOCOL = Subprotocol("graphql-ws")
UNAUTHORIZED = "You are not authorized to make this call."


class _HeaderDict:
    """Case-insensitive lookup over the handshake's (or a start's) authorization JSON."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = {str(key).lower(): str(value) for key, value in values.items()}

    def get(self, key: str, /) -> str | None:
        return self._values.get(key.lower())


@dataclass
class Subscription:
    connection: Connection
    id: str
    field_name: str
    mutations: frozenset[str]
    arguments: dict[str, Any]  # the given (non-null) arguments: matched against published fields
    document: DocumentNode
    variables: dict[str, Any]


@dataclass(eq=False)  # identity: one per WebSocket
class Connection:
    socket: ServerConnection
    caller: AuthenticatedCaller | None
    refusal: str | None
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    initialized: bool = False
    closed: threading.Event = field(default_factory=threading.Event)
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: dict[str, Any]) -> None:
        with self.send_lock:
            self.socket.send(json.dumps(message, separators=(",", ":")))


def _b64_json(text: str) -> dict[str, Any]:
    padded = text + "=" * (-len(text) % 4)
    try:
        value = json_limits.loads(base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_")))
    except (binascii.Error, ValueError) as error:
        raise AuthenticationError(UNAUTHORIZED) from error
    if not isinstance(value, dict):
        raise AuthenticationError(UNAUTHORIZED)
    return value


def handshake_authorization(path: str, protocols: list[str]) -> tuple[dict[str, Any], bytes]:
    """The connection's authorization JSON and the body its SigV4 signature covers, from either form."""
    for protocol in protocols:
        if protocol.startswith("header-"):
            return _b64_json(protocol.removeprefix("header-")), b"{}"
    query = parse_qs(urlsplit(path).query)
    if "header" in query:
        payload = query.get("payload", ["e30="])[0]
        body = base64.b64decode(payload + "=" * (-len(payload) % 4)) if payload else b"{}"
        return _b64_json(query["header"][0]), body
    raise AuthenticationError(UNAUTHORIZED)


class RealtimeEndpoint:
    """The WebSocket side of the GraphQL port: connections, subscriptions and their fan-out."""

    def __init__(self, graphql: GraphQLServer, tls: ssl.SSLContext, *, keepalive_seconds: float = 60) -> None:
        self._graphql = graphql
        self._tls = tls
        self._keepalive = keepalive_seconds
        self._lock = threading.Lock()
        self._subscriptions: list[Subscription] = []
        self._mutations_by_field = self._subscribed_mutations()
        self.delivered = 0
        # websockets' sync server, used for its per-connection handler only: the GraphQL port accepts.
        self._placeholder = socket.socket()
        self._server: Server = serve(
            self._serve_connection,
            sock=self._placeholder,
            select_subprotocol=lambda _connection, offered: SUBPROTOCOL if SUBPROTOCOL in offered else None,
            process_request=self._check_request,
            compression=None,
            ping_interval=None,  # AppSync keeps connections alive with `ka` messages, not pings
            max_size=256 * 1024,
            open_timeout=60,
        )
        graphql.on_mutation_result = self.publish

    def _subscribed_mutations(self) -> dict[str, frozenset[str]]:
        subscription_type = self._graphql.schema.subscription_type
        mutations: dict[str, frozenset[str]] = {}
        for name, definition in (subscription_type.fields if subscription_type else {}).items():
            for directive in getattr(definition.ast_node, "directives", None) or []:
                if directive.name.value == "aws_subscribe":
                    for argument in directive.arguments or []:
                        values = getattr(argument.value, "values", [])
                        mutations[name] = frozenset(str(getattr(value, "value", "")) for value in values)
        return mutations

    # ---- connections -------------------------------------------------------------------------

    def accept_tls(self, client: socket.socket, address: Any) -> None:
        """A connection on the GraphQL port that starts with a TLS handshake (runs until it closes)."""
        try:
            client.settimeout(60)  # a busy machine can stall the client's handshake
            secure = self._tls.wrap_socket(client, server_side=True)
            secure.settimeout(None)
        except (OSError, ssl.SSLError):
            return
        self._server.handler(secure, address)

    @staticmethod
    def _check_request(connection: ServerConnection, request: Request) -> Any:
        if urlsplit(request.path).path.rstrip("/") != "/graphql/realtime":
            return connection.respond(404, "Not found.\n")
        offered = [p.strip() for value in request.headers.get_all("Sec-WebSocket-Protocol") for p in value.split(",")]
        if SUBPROTOCOL not in offered:
            return connection.respond(400, "The graphql-ws subprotocol is required.\n")
        return None

    def _authenticate_handshake(self, request: Request, source_ip: str) -> AuthenticatedCaller:
        offered = [p.strip() for value in request.headers.get_all("Sec-WebSocket-Protocol") for p in value.split(",")]
        authorization, body = handshake_authorization(request.path, offered)
        return self._authenticate(authorization, source_ip, "/graphql/connect", body)

    def _authenticate(
        self, authorization: Mapping[str, Any], source_ip: str, signed_path: str, body: bytes
    ) -> AuthenticatedCaller:
        headers = _HeaderDict(authorization)
        value = headers.get("authorization") or ""
        signed = SignedRequest("POST", signed_path, "", headers, body)
        return self._graphql.authenticator.authenticate(value, source_ip, signed)

    def _serve_connection(self, websocket: ServerConnection) -> None:
        source_ip = str(websocket.remote_address[0]) if websocket.remote_address else "127.0.0.1"
        request = websocket.request
        assert request is not None
        try:
            connection = Connection(websocket, self._authenticate_handshake(request, source_ip), None)
        except AuthenticationError:
            connection = Connection(websocket, None, UNAUTHORIZED)
        try:
            for raw in websocket:
                if not self._handle_safely(connection, raw, source_ip):
                    break
        except ConnectionClosed:
            pass
        finally:
            connection.closed.set()
            with self._lock:
                self._subscriptions = [s for s in self._subscriptions if s.connection is not connection]

    def _handle_safely(self, connection: Connection, raw: str | bytes, source_ip: str) -> bool:
        """``_handle``, with any failure on hostile input answered as an error message: the socket
        stays open, never closed with 1011 (issue 22)."""
        try:
            return self._handle(connection, raw, source_ip)
        except ConnectionClosed:
            raise
        except Exception:
            LOGGER.exception("realtime message failed")
            error = {"errorType": "BadRequestException", "message": "The message could not be processed."}
            connection.send({"type": "error", "payload": {"errors": [error]}})
            return True

    def _handle(self, connection: Connection, raw: str | bytes, source_ip: str) -> bool:
        """One client message; False closes the connection."""
        try:
            message = json_limits.loads(raw)
        except ValueError:
            message = {}
        if not isinstance(message, dict):
            message = {}
        kind = message.get("type")
        if kind == "connection_init":
            if connection.caller is None:
                error = {"errorType": "UnauthorizedException", "message": connection.refusal, "errorCode": 401}
                connection.send({"type": "connection_error", "payload": {"errors": [error]}})
                return False
            connection.initialized = True
            connection.send({"type": "connection_ack", "payload": {"connectionTimeoutMs": CONNECTION_TIMEOUT_MS}})
            connection.send({"type": "ka"})
            threading.Thread(target=self._keep_alive, args=(connection,), daemon=True, name="realtime-ka").start()
        elif kind == "start" and connection.initialized:
            self._start(connection, message, source_ip)
        elif kind == "stop" and connection.initialized:
            subscription_id = str(message.get("id"))
            with self._lock:
                self._subscriptions = [
                    s for s in self._subscriptions if not (s.connection is connection and s.id == subscription_id)
                ]
            connection.subscriptions.pop(subscription_id, None)
            connection.send({"type": "complete", "id": subscription_id})
        else:
            error = {
                "errorType": "UnsupportedOperation",
                "message": "Operation not supported through the realtime channel",
            }
            connection.send({"type": "error", "id": message.get("id"), "payload": {"errors": [error]}})
        return True

    def _keep_alive(self, connection: Connection) -> None:
        while not connection.closed.wait(self._keepalive):
            try:
                connection.send({"type": "ka"})
            except ConnectionClosed:
                return

    # ---- subscribing ------------------------------------------------------------------------------

    def _start(self, connection: Connection, message: dict[str, Any], source_ip: str) -> None:
        subscription_id = message.get("id")
        try:
            if not isinstance(subscription_id, str) or not subscription_id:
                raise _StartError("BadRequestException", "A subscription needs an id.")
            if subscription_id in connection.subscriptions:
                raise _StartError("BadRequestException", f"Subscription id {subscription_id} is already in use.")
            subscription = self._subscribe(connection, subscription_id, message.get("payload"), source_ip)
        except _StartError as error:
            errors = [{"errorType": error.error_type, "message": error.message}] if error.error_type else error.errors
            connection.send({"type": "error", "id": subscription_id, "payload": {"errors": errors}})
            return
        with self._lock:
            self._subscriptions.append(subscription)
        connection.subscriptions[subscription_id] = subscription
        connection.send({"type": "start_ack", "id": subscription_id})

    def _subscribe(self, connection: Connection, subscription_id: str, payload: Any, source_ip: str) -> Subscription:
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), str):
            raise _StartError("BadRequestException", "The start message needs payload.data.")
        extensions = payload.get("extensions") or {}
        authorization = (extensions.get("authorization") if isinstance(extensions, dict) else None) or {}
        if not isinstance(authorization, dict):
            raise _StartError("UnauthorizedException", UNAUTHORIZED)
        try:
            caller = self._authenticate(authorization, source_ip, "/graphql", payload["data"].encode())
        except AuthenticationError as error:
            raise _StartError("UnauthorizedException", UNAUTHORIZED) from error
        try:
            request = json_limits.loads(payload["data"])
            document = parse(request["query"], max_tokens=MAX_QUERY_TOKENS)
        except (ValueError, KeyError, TypeError, GraphQLError) as error:
            raise _StartError(None, "", [{"message": getattr(error, "message", "Invalid request data.")}]) from error
        variables = request.get("variables") or {}
        if not isinstance(variables, dict):
            raise _StartError(None, "", [{"message": "variables must be a JSON object."}])
        if errors := validate(self._graphql.schema, document):
            raise _StartError(None, "", [{"message": error.message} for error in errors])
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or operations[0].operation != OperationType.SUBSCRIPTION:
            raise _StartError(None, "", [{"message": "The request data must hold one subscription operation."}])
        fields = [s for s in operations[0].selection_set.selections if isinstance(s, FieldNode)]
        if len(fields) != 1:
            raise _StartError(None, "", [{"message": "A subscription selects exactly one field."}])
        node = fields[0]
        subscription_type = self._graphql.schema.subscription_type
        assert subscription_type is not None  # validate() refused the document otherwise
        field_name = node.name.value
        try:
            self._graphql.authorize_root_field(caller, subscription_type, field_name)
        except ResolverError as error:
            raise _StartError(error.error_type, error.message) from error
        arguments = _coerced_arguments(self._graphql, document, variables)
        self._run_resolver(caller, field_name, arguments, variables, payload["data"])
        return Subscription(
            connection=connection,
            id=subscription_id,
            field_name=field_name,
            mutations=self._mutations_by_field.get(field_name, frozenset()),
            arguments={name: value for name, value in arguments.items() if value is not None},
            document=document,
            variables=variables,
        )

    def _run_resolver(
        self, caller: AuthenticatedCaller, field_name: str, arguments: dict[str, Any], variables: Any, data: str
    ) -> None:
        """The subscription field's resolver runs once, when the client subscribes."""
        function_id = self._graphql.api.resolvers.get(("Subscription", field_name))
        if function_id is None:
            return
        event: dict[str, Any] = {
            "arguments": arguments,
            "identity": caller.identity,
            "source": None,
            "request": {"headers": {}, "domainName": None},
            "prev": None,
            "info": {
                "selectionSetList": [],
                "selectionSetGraphQL": "",
                "parentTypeName": "Subscription",
                "fieldName": field_name,
                "variables": variables,
            },
            "stash": {},
        }
        result = self._graphql.runtime.invoke(function_id, event)
        if result.error is not None:
            raise _StartError(result.error.get("errorType") or "Lambda:Unhandled", result.error.get("errorMessage", ""))

    # ---- fan-out ----------------------------------------------------------------------------------

    def publish(self, mutation_field: str, result: dict[str, Any]) -> None:
        """A mutation field's result: to every subscription of that mutation whose arguments all match."""
        with self._lock:
            matching = [
                s
                for s in self._subscriptions
                if mutation_field in s.mutations
                and all(str(result.get(name)) == str(value) for name, value in s.arguments.items())
            ]
        for subscription in matching:
            shaped = execute_sync(
                self._graphql.schema,
                subscription.document,
                root_value={subscription.field_name: result},
                variable_values=subscription.variables,
            )
            message: dict[str, Any] = {"data": shaped.data}
            if shaped.errors:
                message["errors"] = [{"message": error.message} for error in shaped.errors]
            try:
                subscription.connection.send({"type": "data", "id": subscription.id, "payload": message})
                self.delivered += 1
            except ConnectionClosed:
                continue

    def close(self) -> None:
        with self._lock:
            connections = {s.connection for s in self._subscriptions}
        for connection in connections:
            connection.closed.set()
            connection.socket.close()
        self._placeholder.close()


def _coerced_arguments(graphql: GraphQLServer, document: DocumentNode, variables: Any) -> dict[str, Any]:
    """The root field's arguments as graphql-core coerces them (variables, defaults, literals)."""
    captured: dict[str, Any] = {}

    def capture(_source: Any, info: Any, **arguments: Any) -> None:
        if not info.path.prev:
            captured.update(arguments)

    result = execute_sync(graphql.schema, document, variable_values=variables, field_resolver=capture)
    if result.errors and not captured and any(error.path is None for error in result.errors):
        raise _StartError(None, "", [{"message": error.message} for error in result.errors])
    return captured


class _StartError(Exception):
    def __init__(self, error_type: str | None, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.errors = errors or []
