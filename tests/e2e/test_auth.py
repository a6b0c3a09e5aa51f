"""Authorization as AppSync does it: 401 for missing or bad credentials, never a handler call."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import requests
from botocore.credentials import Credentials

from tests.e2e.conftest import PASSWORD, Caller, Stack, guest_credentials, sign_up, sigv4_signer

pytestmark = pytest.mark.e2e

QUERY = json.dumps({"query": "query { listOrders { items { orderId } } }"})


def _post(stack: Stack, headers: dict[str, str], body: str = QUERY) -> requests.Response:
    return requests.post(
        stack.graphql_url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=10
    )


def _assert_unauthorized(response: requests.Response) -> None:
    assert response.status_code == 401
    errors = response.json()["errors"]
    assert [error["errorType"] for error in errors] == ["UnauthorizedException"]


def test_a_request_without_credentials_gets_401(stack: Stack) -> None:
    _assert_unauthorized(_post(stack, {}))


def test_a_forged_token_gets_401(stack: Stack) -> None:
    _, token = sign_up(stack)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["cognito:groups"] = ["admins"]  # a customer promoting themselves
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    _assert_unauthorized(_post(stack, {"Authorization": f"{header}.{forged_payload}.{signature}"}))


def test_a_token_that_is_not_a_jwt_gets_401(stack: Stack) -> None:
    _assert_unauthorized(_post(stack, {"Authorization": "not-a-token"}))


def test_a_valid_token_sent_as_bearer_is_refused_as_appsync_refuses_it(stack: Stack) -> None:
    _, token = sign_up(stack)
    assert _post(stack, {"Authorization": token}).status_code == 200
    _assert_unauthorized(_post(stack, {"Authorization": f"Bearer {token}"}))


def test_an_access_token_is_refused_where_an_id_token_is_required(stack: Stack) -> None:
    cognito = stack.client("cognito-idp")
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    cognito.sign_up(ClientId=stack.client_id, Username=email, Password=PASSWORD)
    cognito.confirm_sign_up(ClientId=stack.client_id, Username=email, ConfirmationCode="123456")
    tokens = cognito.initiate_auth(
        ClientId=stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    assert _post(stack, {"Authorization": tokens["IdToken"]}).status_code == 200
    _assert_unauthorized(_post(stack, {"Authorization": tokens["AccessToken"]}))


def test_sigv4_with_unknown_credentials_gets_401(stack: Stack) -> None:
    request = requests.Request("POST", stack.graphql_url, data=QUERY, headers={"Content-Type": "application/json"})
    prepared = request.prepare()
    sigv4_signer(stack, Credentials("ASIAUNKNOWNKEY000000", "secret", "token"))(prepared)
    _assert_unauthorized(requests.Session().send(prepared, timeout=10))


def test_sigv4_with_a_tampered_body_gets_401(stack: Stack) -> None:
    _, credentials = guest_credentials(stack)
    prepared = requests.Request(
        "POST", stack.graphql_url, data=QUERY, headers={"Content-Type": "application/json"}
    ).prepare()
    sigv4_signer(stack, credentials)(prepared)
    prepared.body = QUERY.replace("orderId", "orderId customerId")
    prepared.headers["Content-Length"] = str(len(prepared.body))
    _assert_unauthorized(requests.Session().send(prepared, timeout=10))


def test_a_guest_is_held_to_the_guest_role_policy(guest_caller: Caller) -> None:
    # Every customer operation is in the role's policy, so a guest reaches them...
    assert guest_caller.graphql("query { listOrders { items { orderId } } }").status == 200


def test_invalid_scalars_never_reach_the_function(customer_caller: Caller) -> None:
    response = customer_caller.graphql(
        'mutation($m: AWSJSON) { createCollage(input: {name: "x", template: SINGLE, metadata: $m}) { collageId } }',
        {"m": "{not json"},
    )
    assert response.status == 400
    assert response.body["data"] is None
    assert "AWSJSON" in response.body["errors"][0]["message"]
