"""AppSync's API limits and error answers in the local GraphQL endpoint, without HTTP or a stack.

The endpoint is the real GraphQLServer on the template's API; only what these tests do not
exercise stands in: the caller is already authenticated, and the functions are a recorder.
Not marked e2e: fast checks of the endpoint the end-to-end tests rely on.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from werkzeug.test import Client

from devtools.local_stack.auth import COGNITO, AuthenticatedCaller, AuthenticationError, SignedRequest
from devtools.local_stack.aws_services import LocalResources, synthetic_resource
from devtools.local_stack.cloudformation import Intrinsics, translated_template
from devtools.local_stack.graphql_server import MALFORMED_REQUEST_MESSAGE, ApiDefinition, GraphQLServer
from devtools.local_stack.lambda_runtime import InvocationResult

ORDER = {
    "orderId": "o-1",
    "customerId": "sub-1",
    "status": "PENDING",
    "totalPrice": 1.5,
    "currency": "USD",
    "items": [{"sku": "PRINT_5X7", "quantity": 1, "unitPrice": 1.5, "lineTotal": 1.5}],
    "createdAt": "2026-11-24T10:00:00.000Z",
    "updatedAt": "2026-11-24T10:00:00.000Z",
}
THREE_ORDERS = "{ " + " ".join(f"{name}: getOrder(orderId: {n}) {{ orderId }}" for n, name in enumerate("abc")) + " }"


@dataclass
class RecordingFunctions:
    """Stands in for the Lambda runtime: answers every resolver with an order and counts calls."""

    calls: list[str] = field(default_factory=list)

    def invoke(self, logical_id: str, event: dict[str, Any]) -> InvocationResult:
        self.calls.append(event["info"]["fieldName"])
        if event["info"]["fieldName"] == "listOrders":
            return InvocationResult(payload={"items": [ORDER], "nextToken": None})
        return InvocationResult(payload=ORDER)


class SignedInCustomer:
    def authenticate(self, authorization: str, source_ip: str, signed: SignedRequest | None = None) -> Any:
        if authorization != "customer":
            raise AuthenticationError("Valid authorization header not provided.")
        return AuthenticatedCaller(mode=COGNITO, identity={"sub": "sub-1", "groups": None})


def _api(**limits: int) -> ApiDefinition:
    template = copy.deepcopy(translated_template())
    api = next(r for r in template["Resources"].values() if r["Type"] == "AWS::AppSync::GraphQLApi")
    api["Properties"].update({name: value for name, value in limits.items() if value >= 0})
    for name in [name for name, value in limits.items() if value < 0]:
        del api["Properties"][name]
    intrinsics = Intrinsics(
        template=template,
        region="us-east-1",
        stack_name="limits",
        synthetic=synthetic_resource("us-east-1", "limits", "http://127.0.0.1/graphql"),
    )
    return ApiDefinition.from_template(intrinsics)


def _client(api: ApiDefinition) -> tuple[Client, RecordingFunctions]:
    functions = RecordingFunctions()
    server = GraphQLServer(api, functions, LocalResources(), None, None, "us-east-1")  # type: ignore[arg-type]
    server.authenticator = SignedInCustomer()  # type: ignore[assignment]
    return Client(server), functions


def _post(client: Client, body: Any, authorization: str = "customer") -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/graphql", data=data, headers={"Authorization": authorization})


def test_the_limits_are_read_from_the_template_and_default_to_none() -> None:
    assert (_api().query_depth_limit, _api().resolver_count_limit) == (5, 10)  # template.yaml's
    unset = _api(QueryDepthLimit=-1, ResolverCountLimit=-1)  # -1: removed from the template
    assert (unset.query_depth_limit, unset.resolver_count_limit) == (0, 0)
    limited = _api(QueryDepthLimit=3, ResolverCountLimit=2)
    assert (limited.query_depth_limit, limited.resolver_count_limit) == (3, 2)


def test_without_limits_deep_queries_and_many_resolvers_run() -> None:
    client, functions = _client(_api())
    response = _post(client, {"query": "{ deep: getOrder(orderId: 0) { items { sku } } " + THREE_ORDERS[1:]})
    assert response.status_code == 200
    assert "errors" not in response.json
    assert functions.calls == ["getOrder"] * 4


def test_fields_past_the_depth_limit_fail_with_query_depth_limit_reached() -> None:
    client, _ = _client(_api(QueryDepthLimit=2, ResolverCountLimit=10))
    response = _post(client, {"query": "{ listOrders { nextToken items { orderId items { sku } } } }"})
    body = response.json
    assert response.status_code == 200
    # Level 3 (`items.orderId`) is past the limit. orderId is non-null, so the error reaches the
    # first nullable parent... up to the non-null list and connection: listOrders is null.
    assert body["data"] is None
    assert {error["errorType"] for error in body["errors"]} == {"QueryDepthLimitReached"}
    within = _post(client, {"query": "{ getOrder(orderId: 1) { orderId status } }"}).json
    assert within == {"data": {"getOrder": {"orderId": "o-1", "status": "PENDING"}}}
    nullable = _post(client, {"query": "{ getOrder(orderId: 1) { items { sku } } }"}).json
    assert nullable["data"] == {"getOrder": None}  # getOrder is nullable: the error stops there
    assert [error["path"] for error in nullable["errors"]] == [["getOrder", "items", 0, "sku"]]


def test_resolvers_past_the_count_limit_do_not_run() -> None:
    client, functions = _client(_api(QueryDepthLimit=5, ResolverCountLimit=2))
    body = _post(client, {"query": THREE_ORDERS}).json
    assert body["data"] == {"a": {"orderId": "o-1"}, "b": {"orderId": "o-1"}, "c": None}
    assert [(error["path"], error["errorType"]) for error in body["errors"]] == [
        (["c"], "ResolverExecutionLimitReached")
    ]
    assert functions.calls == ["getOrder", "getOrder"]


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2]",
        b"not json",
        b'{"query": 7}',
        b'{"query": "{ x }", "variables": [1]}',
        b'"text"',
        b'{"query": "{ x }", "operationName": 3}',
    ],
)
def test_a_malformed_request_gets_a_typed_400_without_python_text(body: bytes) -> None:
    client, functions = _client(_api())
    response = _post(client, body)
    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "MalformedHttpRequestException"
    assert response.headers["x-amzn-RequestId"]
    errors = response.json["errors"]
    assert [error["errorType"] for error in errors] == ["MalformedHttpRequestException"]
    # One fixed sentence, whatever went wrong: never the parser's or Python's own text.
    assert errors[0]["message"] == MALFORMED_REQUEST_MESSAGE
    assert functions.calls == []


def test_an_unauthenticated_request_names_its_error_type_in_the_header() -> None:
    client, _ = _client(_api())
    response = _post(client, {"query": "{ getOrder(orderId: 1) { orderId } }"}, authorization="nobody")
    assert response.status_code == 401
    assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert response.json["errors"][0]["errorType"] == "UnauthorizedException"
