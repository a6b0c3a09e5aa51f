"""Authorization as AppSync does it: 401 for missing or bad credentials, never a handler call."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest
import requests
from botocore.credentials import Credentials
from moto.utilities.utils import load_resource

from tests.e2e.conftest import PASSWORD, Caller, Stack, guest_credentials, sign_up, sigv4_signer
from tests.e2e.order_sources import real_photo

pytestmark = pytest.mark.e2e

QUERY = json.dumps({"query": "query { listOrders { items { orderId } } }"})


def _post(stack: Stack, headers: dict[str, str], body: str = QUERY) -> requests.Response:
    return requests.post(
        stack.graphql_url, data=body, headers={"Content-Type": "application/json", **headers}, timeout=60
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


def _create_order(photo_key: str) -> str:
    return (
        f'mutation {{ createOrder(items: [{{sku: "PRINT_4X6", quantity: 1, photoKey: "{photo_key}"}}], '
        'currency: "USD") { orderId customerId } }'
    )


def _resigned(token: str, **changes: object) -> str:
    """The token with changed claims, signed with the pool's real key (moto's, shipped with moto):
    only the claim checks can refuse it."""
    key = load_resource("cognitoidp/resources/jwks-private.json")
    claims = _claims(token) | changes
    return jwt.encode(claims, jwt.PyJWK(key).key, algorithm="RS256", headers={"kid": key["kid"]})


def _tokens(stack: Stack, *, admin: bool = False) -> tuple[str, dict[str, str]]:
    """A new confirmed user's (email, AuthenticationResult)."""
    cognito = stack.client("cognito-idp")
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    cognito.sign_up(ClientId=stack.client_id, Username=email, Password=PASSWORD)
    cognito.confirm_sign_up(ClientId=stack.client_id, Username=email, ConfirmationCode="123456")
    if admin:
        cognito.admin_add_user_to_group(UserPoolId=stack.user_pool_id, Username=email, GroupName="admins")
    tokens = cognito.initiate_auth(
        ClientId=stack.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    return email, tokens


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "==")))


def test_access_tokens_are_accepted_like_id_tokens_with_the_same_owner(stack: Stack) -> None:
    _, tokens = _tokens(stack)
    access = _claims(tokens["AccessToken"])
    assert access["token_use"] == "access"
    assert "aud" not in access
    assert "email" not in access

    # The order names a real photo of the user's (SPEC 9), uploaded with the id token.
    def sign(request: requests.PreparedRequest) -> None:
        request.headers["Authorization"] = tokens["IdToken"]

    photo = real_photo(Caller(stack, sign, str(access["sub"])))
    create = json.dumps({"query": _create_order(photo)})
    by_access = _post(stack, {"Authorization": tokens["AccessToken"]}, create).json()["data"]["createOrder"]
    by_id = _post(stack, {"Authorization": tokens["IdToken"]}, create).json()["data"]["createOrder"]
    assert by_access["customerId"] == by_id["customerId"] == access["sub"]
    listed = _post(stack, {"Authorization": tokens["AccessToken"]}).json()["data"]["listOrders"]["items"]
    assert {order["orderId"] for order in listed} >= {by_access["orderId"], by_id["orderId"]}


def test_an_admin_access_token_carries_the_admin_group(stack: Stack) -> None:
    _, customer_tokens = _tokens(stack)
    customer_sub = _claims(customer_tokens["AccessToken"])["sub"]
    _, admin_tokens = _tokens(stack, admin=True)
    assert _claims(admin_tokens["AccessToken"])["cognito:groups"] == ["admins"]
    query = json.dumps({"query": f'query {{ listOrders(customerId: "{customer_sub}") {{ items {{ orderId }} }} }}'})
    assert "errors" not in _post(stack, {"Authorization": admin_tokens["AccessToken"]}, query).json()
    refused = _post(stack, {"Authorization": customer_tokens["AccessToken"]}, query.replace(str(customer_sub), "x"))
    assert [error["errorType"] for error in refused.json()["errors"]] == ["Forbidden"]


def test_a_token_of_another_token_use_or_client_is_refused(stack: Stack) -> None:
    _, tokens = _tokens(stack)
    access, id_token = tokens["AccessToken"], tokens["IdToken"]
    assert _post(stack, {"Authorization": _resigned(access)}).status_code == 200  # the re-signing is sound
    _assert_unauthorized(_post(stack, {"Authorization": _resigned(access, client_id="another-client")}))
    _assert_unauthorized(_post(stack, {"Authorization": _resigned(id_token, aud="another-client")}))
    _assert_unauthorized(_post(stack, {"Authorization": _resigned(access, token_use="refresh")}))
    _assert_unauthorized(_post(stack, {"Authorization": _resigned(access, exp=int(time.time()) - 5)}))
    _assert_unauthorized(
        _post(stack, {"Authorization": _resigned(access, iss="https://cognito-idp.us-east-1.amazonaws.com/other")})
    )
    _assert_unauthorized(_post(stack, {"Authorization": tokens["RefreshToken"]}))


def test_an_unauthorized_answer_names_its_error_type_in_the_header(stack: Stack) -> None:
    response = _post(stack, {"Authorization": "not-a-token"})
    assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert response.headers["x-amzn-RequestId"]
    assert "x-amzn-ErrorType" in response.headers["Access-Control-Expose-Headers"]


def test_sigv4_with_unknown_credentials_gets_401(stack: Stack) -> None:
    request = requests.Request("POST", stack.graphql_url, data=QUERY, headers={"Content-Type": "application/json"})
    prepared = request.prepare()
    sigv4_signer(stack, Credentials("ASIAUNKNOWNKEY000000", "secret", "token"))(prepared)
    _assert_unauthorized(requests.Session().send(prepared, timeout=60))


def test_sigv4_with_a_tampered_body_gets_401(stack: Stack) -> None:
    _, credentials = guest_credentials(stack)
    prepared = requests.Request(
        "POST", stack.graphql_url, data=QUERY, headers={"Content-Type": "application/json"}
    ).prepare()
    sigv4_signer(stack, credentials)(prepared)
    prepared.body = QUERY.replace("orderId", "orderId customerId")
    prepared.headers["Content-Length"] = str(len(prepared.body))
    _assert_unauthorized(requests.Session().send(prepared, timeout=60))


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
