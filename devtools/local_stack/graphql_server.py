# mypy: disable-error-code="type-arg"
# (GraphQLResolveInfo is generic in graphql-core 3.3, not in 3.2; both are allowed.)
"""An AppSync-compatible GraphQL endpoint: the template's API, schema and direct Lambda resolvers.

Per request, as AppSync does it: authenticate (Cognito JWT or SigV4 from identity-pool
credentials; otherwise 401 UnauthorizedException), then execute the schema with graphql-core,
checking each field's auth directives (and, for IAM callers, the role's ``appsync:GraphQL``
policy), and resolve every field that has a resolver by invoking its function with the event a
direct Lambda resolver receives. Errors come back in AppSync's shape.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    build_schema,
    default_field_resolver,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)
from werkzeug.wrappers import Request, Response

from devtools.local_stack import json_limits, scalars
from devtools.local_stack.auth import (
    BACKEND_ROLE,
    BACKEND_ROLE_NAME,
    COGNITO,
    IAM,
    AuthenticatedCaller,
    AuthenticationError,
    Authenticator,
    CognitoTokenVerifier,
    CredentialStore,
    SignedRequest,
)
from devtools.local_stack.aws_services import LocalResources
from devtools.local_stack.cloudformation import Intrinsics, TemplateError
from devtools.local_stack.lambda_runtime import LambdaRuntime
from devtools.local_stack.traces import TRACES
from devtools.template import ROOT

DIRECTIVE_BY_MODE = {
    COGNITO: "aws_cognito_user_pools",
    IAM: "aws_iam",
    "API_KEY": "aws_api_key",
    "OPENID_CONNECT": "aws_oidc",
    "AWS_LAMBDA": "aws_lambda",
}
LOGGER = logging.getLogger(__name__)
MALFORMED_REQUEST_MESSAGE = "Unable to parse the request body: a JSON object with a query string is expected."
# Request bounds (issue 22), a local choice where AppSync publishes none: 1 MiB a body (the
# largest GraphQL operation AWS's own AppSync targets take) and 10,000 tokens a query (a whole
# Amplify selection of every field is a few hundred), so a query of 40,000 aliases is refused by
# the parser in milliseconds instead of taking seconds to validate. MaxIntrospectionDepthRule,
# among graphql-core's specified rules, bounds introspection's cycles.
MAX_BODY_BYTES = 1024 * 1024
MAX_QUERY_TOKENS = 10_000
INTERNAL_FAILURE_MESSAGE = "An internal failure occurred."
SIGN_IN_REFUSED = "Incorrect username or password."
MODE_BY_DIRECTIVE = {directive: mode for mode, directive in DIRECTIVE_BY_MODE.items()}
PAGE = Path(__file__).with_name("query_page.html")
# GraphiQL, when `make run` could install it (npm) into .local/graphiql; else the plain page above.
GRAPHIQL_PAGE = Path(__file__).with_name("graphiql.html")
GRAPHIQL_MODULES = Path(__file__).resolve().parents[2] / ".local" / "graphiql" / "node_modules"
GRAPHIQL_ASSETS = {  # the only files served under /graphiql/
    "graphiql.min.js": ("graphiql/graphiql.min.js", "text/javascript"),
    "graphiql.min.css": ("graphiql/graphiql.min.css", "text/css"),
    "react.production.min.js": ("react/umd/react.production.min.js", "text/javascript"),
    "react-dom.production.min.js": ("react-dom/umd/react-dom.production.min.js", "text/javascript"),
}


def graphiql_installed() -> bool:
    return all((GRAPHIQL_MODULES / path).is_file() for path, _ in GRAPHIQL_ASSETS.values())


class ResolverError(Exception):
    """A function's error, as AppSync reports it: ``errorType`` and message."""

    def __init__(self, error_type: str | None, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


# ---- the API, read from the template -------------------------------------------------------------


@dataclass
class Policy:
    """An IAM role's appsync:GraphQL statements (Allow and Deny resource patterns)."""

    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)

    def permits(self, resource: str) -> bool:
        def matches(patterns: list[str]) -> bool:
            return any(fnmatch.fnmatchcase(resource, pattern) for pattern in patterns)

        return matches(self.allow) and not matches(self.deny)


@dataclass
class ApiDefinition:
    schema_text: str
    default_mode: str
    modes: list[str]
    resolvers: dict[tuple[str, str], str]  # (type, field) -> function logical id
    role_policies: dict[str, Policy]  # role logical id -> appsync policy
    role_names: dict[str, tuple[str, str]]  # role logical id -> (role name, role id)
    api_arn: str
    # AppSync's API limits (0: none): nesting levels of a query, resolver runs per request.
    query_depth_limit: int = 0
    resolver_count_limit: int = 0

    @classmethod
    def from_template(cls, intrinsics: Intrinsics) -> ApiDefinition:
        resources = intrinsics.template["Resources"]

        def of_type(kind: str) -> dict[str, dict[str, Any]]:
            return {
                logical_id: resource
                for logical_id, resource in resources.items()
                if resource["Type"] == kind and intrinsics.resource_enabled(resource)
            }

        apis = of_type("AWS::AppSync::GraphQLApi")
        if len(apis) != 1:
            raise TemplateError(f"the local stack serves exactly one AppSync API; the template has {len(apis)}")
        api_id, api = next(iter(apis.items()))
        api_properties = intrinsics.resolve(api["Properties"])
        schema_resource = next(iter(of_type("AWS::AppSync::GraphQLSchema").values()))
        schema_properties = schema_resource["Properties"]
        if "Definition" in schema_properties:
            schema_text = intrinsics.resolve(schema_properties["Definition"])
        else:
            schema_text = (ROOT / schema_properties["DefinitionS3Location"]).read_text()

        function_by_arn = {
            intrinsics.get_att(logical_id, "Arn"): logical_id for logical_id in of_type("AWS::Lambda::Function")
        }
        data_sources: dict[str, str] = {}
        for data_source in of_type("AWS::AppSync::DataSource").values():
            properties = intrinsics.resolve(data_source["Properties"])
            if properties.get("Type") == "AWS_LAMBDA":
                data_sources[properties["Name"]] = function_by_arn[properties["LambdaConfig"]["LambdaFunctionArn"]]
        resolvers: dict[tuple[str, str], str] = {}
        for resolver in of_type("AWS::AppSync::Resolver").values():
            properties = intrinsics.resolve(resolver["Properties"])
            if properties.get("Kind", "UNIT") != "UNIT" or "DataSourceName" not in properties:
                raise TemplateError("only direct Lambda UNIT resolvers are served locally")
            resolvers[(properties["TypeName"], properties["FieldName"])] = data_sources[properties["DataSourceName"]]

        role_policies: dict[str, Policy] = {}
        role_names: dict[str, tuple[str, str]] = {}
        for role_id, role in of_type("AWS::IAM::Role").items():
            policy = Policy()
            for inline in intrinsics.resolve(role["Properties"].get("Policies", [])):
                for statement in inline["PolicyDocument"].get("Statement", []):
                    actions = statement.get("Action", [])
                    actions = [actions] if isinstance(actions, str) else actions
                    if not any(fnmatch.fnmatchcase("appsync:GraphQL", action) for action in actions):
                        continue
                    targets = statement.get("Resource", [])
                    targets = [targets] if isinstance(targets, str) else targets
                    (policy.allow if statement["Effect"] == "Allow" else policy.deny).extend(targets)
            role_policies[role_id] = policy
            role_names[role_id] = (intrinsics.ref(role_id), intrinsics.get_att(role_id, "RoleId"))
        role_policies[BACKEND_ROLE] = _functions_policy(of_type("AWS::Lambda::Function"), role_policies)
        role_names[BACKEND_ROLE] = BACKEND_ROLE_NAME

        default_mode = api_properties["AuthenticationType"]
        extra = [
            provider["AuthenticationType"] for provider in api_properties.get("AdditionalAuthenticationProviders", [])
        ]
        return cls(
            schema_text=schema_text,
            default_mode=default_mode,
            modes=[default_mode, *extra],
            resolvers=resolvers,
            role_policies=role_policies,
            role_names=role_names,
            api_arn=intrinsics.get_att(api_id, "Arn"),
            query_depth_limit=int(api_properties.get("QueryDepthLimit", 0)),
            resolver_count_limit=int(api_properties.get("ResolverCountLimit", 0)),
        )


def _functions_policy(functions: dict[str, dict[str, Any]], role_policies: dict[str, Policy]) -> Policy:
    """The functions share one local key: their signatures get the union of their roles' grants."""
    backend = Policy()
    for function in functions.values():
        role = function["Properties"].get("Role")
        if isinstance(role, dict) and "Fn::GetAtt" in role and role["Fn::GetAtt"][0] in role_policies:
            backend.allow.extend(role_policies[role["Fn::GetAtt"][0]].allow)
            backend.deny.extend(role_policies[role["Fn::GetAtt"][0]].deny)
    return backend


def build_appsync_schema(schema_text: str) -> GraphQLSchema:
    schema = build_schema(scalars.PRELUDE + schema_text)
    scalars.install(schema)
    return schema


# ---- one request ---------------------------------------------------------------------------------


@dataclass
class RequestContext:
    caller: AuthenticatedCaller
    headers: dict[str, str]
    variables: dict[str, Any]
    document: DocumentNode
    source: str
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    resolvers_run: int = 0


def _json_response(body: Any, status: int = 200, error_type: str | None = None) -> Response:
    """AppSync's answer: JSON, a request id, CORS for browsers; a failed request names its error type
    in ``x-amzn-ErrorType`` too, where clients (Amplify among them) read it."""
    response = Response(json.dumps(body), status=status, content_type="application/json; charset=UTF-8")
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "x-amzn-RequestId, x-amzn-ErrorType"
    if error_type is not None:
        response.headers["x-amzn-ErrorType"] = error_type
    return response


def _typed_error(error_type: str, message: str, status: int) -> Response:
    return _json_response({"errors": [{"errorType": error_type, "message": message}]}, status, error_type)


def _unauthorized(message: str) -> Response:
    return _typed_error("UnauthorizedException", message, 401)


def _malformed(message: str) -> Response:
    return _typed_error("MalformedHttpRequestException", message, 400)


def _location(error: GraphQLError) -> list[dict[str, Any]] | None:
    if not error.locations:
        return None
    return [{"line": location.line, "column": location.column, "sourceName": None} for location in error.locations]


class GraphQLServer:
    """The WSGI app on the GraphQL port: /graphql, the query page at /, and local helpers."""

    def __init__(  # noqa: PLR0917 - the parts the endpoint is assembled from
        self,
        api: ApiDefinition,
        runtime: LambdaRuntime,
        resources: LocalResources,
        verifier: CognitoTokenVerifier,
        credentials: CredentialStore,
        region: str,
        sign_in: Any = None,
    ) -> None:
        self.api = api
        self.schema = build_appsync_schema(api.schema_text)
        self._runtime = runtime
        self._resources = resources
        self._verifier = verifier
        self._credentials = credentials
        self._region = region
        self._sign_in = sign_in
        self.authenticator = Authenticator(api.modes, verifier, credentials, resources, api.role_names, region)
        self._check_resolvers()
        # Called with (mutation field name, its result) after each mutation field that returned an
        # object: the realtime endpoint's fan-out to subscribers (@aws_subscribe).
        self.on_mutation_result: Callable[[str, dict[str, Any]], None] | None = None
        # Other local helpers on this origin (the mailbox, function URLs): each answers or passes.
        self.local_routes: list[Callable[[Request], Response | None]] = []

    def _check_resolvers(self) -> None:
        for type_name, field_name in self.api.resolvers:
            graphql_type = self.schema.type_map.get(type_name)
            if not isinstance(graphql_type, GraphQLObjectType) or field_name not in graphql_type.fields:
                raise TemplateError(f"a resolver is attached to {type_name}.{field_name}, which the schema lacks")

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self._route(request)
        except Exception:  # a bug of the local stack: AppSync's typed answer, never an HTML page
            LOGGER.exception("request failed: %s %s", request.method, request.path)
            response = _typed_error("InternalFailureException", INTERNAL_FAILURE_MESSAGE, 500)
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:  # noqa: PLR0911 - one return per route
        if request.path == "/graphql":
            if request.method == "OPTIONS":
                return self._preflight()
            if request.method == "POST":
                body = _bounded_body(request)
                if body is None:
                    return _typed_error("PayloadTooLargeException", "The request body is too large.", 413)
                with TRACES.request("AppSync POST /graphql"):
                    return self.handle_graphql(request, body)
            return _typed_error("MethodNotAllowedException", "Only POST is supported on /graphql.", 405)
        if request.path == "/" and request.method == "GET":
            page = GRAPHIQL_PAGE if graphiql_installed() else PAGE
            return Response(page.read_text(), content_type="text/html; charset=utf-8")
        if request.path.startswith("/graphiql/") and request.method == "GET":
            return self._graphiql_asset(request.path.removeprefix("/graphiql/"))
        if request.path == "/local/sign-in" and request.method == "POST" and self._sign_in is not None:
            return self._local_sign_in(request)
        if request.path == "/health":
            return _json_response({"status": "ok"})
        for route in self.local_routes:
            answer = route(request)
            if answer is not None:
                return answer
        return _typed_error("NotFoundException", "Not found.", 404)

    @staticmethod
    def _preflight() -> Response:
        response = Response(status=200)
        response.headers.update(
            {
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": "authorization, content-type, x-amz-date, x-amz-security-token, "
                "x-amz-user-agent, x-amz-content-sha256, x-api-key",
                "Access-Control-Max-Age": "86400",
            }
        )
        return response

    @staticmethod
    def _graphiql_asset(name: str) -> Response:
        if name not in GRAPHIQL_ASSETS or not graphiql_installed():
            return _typed_error("NotFoundException", "Not found.", 404)
        path, content_type = GRAPHIQL_ASSETS[name]
        return Response((GRAPHIQL_MODULES / path).read_bytes(), content_type=f"{content_type}; charset=utf-8")

    def _local_sign_in(self, request: Request) -> Response:
        """Local helper for the query page: email + password -> id token (USER_PASSWORD_AUTH).

        Answers in Cognito's words only: an unknown user and a wrong password read the same, and no
        exception text reaches the page (issue 22)."""
        try:
            body = json_limits.loads(_bounded_body(request) or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not all(isinstance(body.get(k), str) for k in ("username", "password")):
            return _json_response({"error": "username and password (strings) are required."}, status=400)
        try:
            token = self._sign_in(body["username"], body["password"])
        except Exception:  # NotAuthorized, UserNotFound, a bad parameter: one answer, details to the log
            LOGGER.info("local sign-in refused", exc_info=True)
            return _json_response({"error": SIGN_IN_REFUSED}, status=400)
        return _json_response({"idToken": token})

    # ---- authentication ---------------------------------------------------------------------------

    def authenticate(self, request: Request, body: bytes) -> AuthenticatedCaller:
        raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
        raw_path, _, raw_query = str(raw_uri).partition("?")
        return self.authenticator.authenticate(
            request.headers.get("Authorization", ""),
            request.remote_addr or "127.0.0.1",
            SignedRequest(request.method, raw_path, raw_query, request.headers, body),
        )

    # ---- execution ---------------------------------------------------------------------------

    def handle_graphql(self, request: Request, body: bytes) -> Response:
        try:
            caller = self.authenticate(request, body)
        except AuthenticationError as error:
            return _unauthorized(str(error))
        payload = _request_payload(body)
        if payload is None:
            return _malformed(MALFORMED_REQUEST_MESSAGE)
        query, variables = payload["query"], payload.get("variables") or {}
        try:
            document = parse(query, max_tokens=MAX_QUERY_TOKENS)
        except GraphQLError as error:
            return self._request_errors([error])
        if errors := validate(self.schema, document):
            return self._request_errors(errors)
        context = RequestContext(
            caller=caller,
            headers={key.lower(): value for key, value in request.headers.items()},
            variables=variables,
            document=document,
            source=query,
        )
        result = execute_sync(
            self.schema,
            document,
            variable_values=variables,
            operation_name=payload.get("operationName"),
            context_value=context,
            field_resolver=self._resolve_field,
        )
        if result.errors and result.data is None and all(error.path is None for error in result.errors):
            return self._request_errors(result.errors)  # variables that do not coerce, no operation, ...
        if result.data:
            self._announce_mutation_results(document, payload.get("operationName"), result.data)
        body_out: dict[str, Any] = {"data": result.data}
        if result.errors:
            body_out["errors"] = [self._field_error(error) for error in result.errors]
        return _json_response(body_out)

    def _announce_mutation_results(self, document: DocumentNode, operation_name: Any, data: dict[str, Any]) -> None:
        operation = get_operation_ast(document, operation_name if isinstance(operation_name, str) else None)
        if self.on_mutation_result is None or operation is None or operation.operation != OperationType.MUTATION:
            return
        for selection in operation.selection_set.selections:
            if isinstance(selection, FieldNode):
                value = data.get((selection.alias or selection.name).value)
                if isinstance(value, dict):
                    self.on_mutation_result(selection.name.value, value)

    @staticmethod
    def _request_errors(errors: Iterable[GraphQLError]) -> Response:
        """Errors of the request as a whole (syntax, validation): no data, HTTP 400."""
        return _json_response(
            {
                "data": None,
                "errors": [{"path": None, "locations": _location(error), "message": error.message} for error in errors],
            },
            status=400,
        )

    @staticmethod
    def _field_error(error: GraphQLError) -> dict[str, Any]:
        original = error.original_error
        return {
            "path": error.path,
            "data": None,
            "errorType": getattr(original, "error_type", None),
            "errorInfo": None,
            "locations": _location(error),
            "message": getattr(original, "message", None) or error.message,
        }

    # ---- authorization, as the schema's directives and the IAM role say ------------------------

    def _authorize(
        self, caller: AuthenticatedCaller, parent: GraphQLObjectType, field_name: str, is_root: bool
    ) -> None:
        modes = allowed_modes(parent, field_name, self.api.default_mode)
        allowed = caller.mode in modes
        groups = modes.get(caller.mode)
        if allowed and caller.mode == COGNITO and groups:
            allowed = bool(set(groups) & set(caller.groups))
        if allowed and caller.mode == IAM and is_root:
            policy = self.api.role_policies.get(caller.role_id or "")
            resource = f"{self.api.api_arn}/types/{parent.name}/fields/{field_name}"
            allowed = policy is not None and policy.permits(resource)
        if not allowed:
            raise ResolverError("Unauthorized", f"Not Authorized to access {field_name} on type {parent.name}")

    def authorize_root_field(self, caller: AuthenticatedCaller, parent: GraphQLObjectType, field_name: str) -> None:
        """A root field (a subscription's, for the realtime endpoint): directives and the IAM role."""
        self._authorize(caller, parent, field_name, is_root=True)

    @property
    def runtime(self) -> LambdaRuntime:
        return self._runtime

    def _resolve_field(self, source: Any, info: GraphQLResolveInfo, **arguments: Any) -> Any:
        context: RequestContext = info.context
        is_root = info.parent_type in (self.schema.query_type, self.schema.mutation_type)
        self._authorize(context.caller, info.parent_type, info.field_name, is_root)
        self._check_depth(info)
        function_id = self.api.resolvers.get((info.parent_type.name, info.field_name))
        if function_id is None:
            return default_field_resolver(source, info, **arguments)
        context.resolvers_run += 1
        if self.api.resolver_count_limit and context.resolvers_run > self.api.resolver_count_limit:
            raise ResolverError(
                "ResolverExecutionLimitReached",
                f"Resolver execution limit of {self.api.resolver_count_limit} reached; {info.field_name} was not run.",
            )
        event = self._resolver_event(context, info, source, arguments)
        with TRACES.segment(f"resolver {info.parent_type.name}.{info.field_name}"):
            result = self._runtime.invoke(function_id, event)
        if result.error is not None:
            raise ResolverError(
                result.error.get("errorType") or "Lambda:Unhandled", result.error.get("errorMessage", "")
            )
        return result.payload

    def _check_depth(self, info: GraphQLResolveInfo) -> None:
        """AppSync's QueryDepthLimit: a field below the limit's level is an error (null, or its
        nearest nullable parent null, as graphql-core propagates errors of non-null fields)."""
        if not self.api.query_depth_limit:
            return
        depth = sum(1 for key in info.path.as_list() if isinstance(key, str))
        if depth > self.api.query_depth_limit:
            raise ResolverError(
                "QueryDepthLimitReached",
                f"Query depth limit of {self.api.query_depth_limit} reached: {info.field_name} is too deep.",
            )

    def _resolver_event(
        self, context: RequestContext, info: GraphQLResolveInfo, source: Any, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        """The event of a direct Lambda resolver (AppSync's resolver context, serialized)."""
        field_node = info.field_nodes[0]
        selection = field_node.selection_set
        selection_text = ""
        if selection is not None and selection.loc is not None:
            selection_text = context.source[selection.loc.start : selection.loc.end]
        return {
            "arguments": arguments,
            "identity": context.caller.identity,
            "source": source if isinstance(source, dict) else None,
            "request": {"headers": context.headers, "domainName": None},
            "prev": None,
            "info": {
                "selectionSetList": _selection_paths(selection, info),
                "selectionSetGraphQL": selection_text,
                "parentTypeName": info.parent_type.name,
                "fieldName": info.field_name,
                "variables": context.variables,
            },
            "stash": {},
        }


def _bounded_body(request: Request) -> bytes | None:
    """The body, or None when it is over MAX_BODY_BYTES (read no further than that)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return None
    body = request.stream.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body


def _request_payload(body: bytes) -> dict[str, Any] | None:
    """The request's JSON object, or None when it is not one AppSync would take (no Python text
    ever reaches the client)."""
    try:
        payload = json_limits.loads(body)
    except ValueError:  # not JSON, NaN, too deep
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None
    if not isinstance(payload.get("variables") or {}, dict):
        return None
    if not isinstance(payload.get("operationName"), str | None):
        return None
    return payload


def allowed_modes(parent: GraphQLObjectType, field_name: str, default_mode: str) -> dict[str, list[str] | None]:
    """The auth modes that may reach a field, with their Cognito groups (None: any user).

    As AppSync decides: the field's own directives, else its type's, else the default mode only.
    """
    for node in (parent.fields[field_name].ast_node, parent.ast_node):
        modes: dict[str, list[str] | None] = {}
        for directive in getattr(node, "directives", None) or []:
            name = "aws_cognito_user_pools" if directive.name.value == "aws_auth" else directive.name.value
            if name not in MODE_BY_DIRECTIVE:
                continue
            groups = None
            for argument in directive.arguments or []:
                if argument.name.value == "cognito_groups":
                    groups = [value.value for value in getattr(argument.value, "values", [])]
            modes[MODE_BY_DIRECTIVE[name]] = groups
        if modes:
            return modes
    return {default_mode: None}


def _selection_paths(selection: SelectionSetNode | None, info: GraphQLResolveInfo, prefix: str = "") -> list[str]:
    """AppSync's ``selectionSetList``: every selected field as a slash-separated path."""
    paths: list[str] = []
    for node in selection.selections if selection else []:
        if isinstance(node, FieldNode):
            path = prefix + node.name.value
            paths.append(path)
            paths.extend(_selection_paths(node.selection_set, info, path + "/"))
        elif isinstance(node, InlineFragmentNode):
            paths.extend(_selection_paths(node.selection_set, info, prefix))
        elif isinstance(node, FragmentSpreadNode):
            fragment = info.fragments[node.name.value]
            paths.extend(_selection_paths(fragment.selection_set, info, prefix))
    return list(dict.fromkeys(paths))
