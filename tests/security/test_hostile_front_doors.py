"""Hostile requests to the local stack's front doors (issue 22, items 4 and 5).

Each case here answered 500 (werkzeug's HTML page), closed the realtime socket with 1011, or let
Python's own text through before the fix. Every answer must now be a typed 4xx in the shape
AppSync or Cognito gives, and carry no Python text.

The GraphQL endpoint's cases run in-process on the real GraphQLServer (fast, no stack); the AWS
port, the realtime socket and ``/local/sign-in`` run against the local stack over HTTP (e2e).
"""

from __future__ import annotations

import gzip
import json
import os
import time
import uuid
from typing import Any

import jwt
import moto
import pytest
import requests

from devtools.local_stack import json_limits
from devtools.local_stack.graphql_server import MALFORMED_REQUEST_MESSAGE, MAX_BODY_BYTES
from tests.e2e.conftest import PASSWORD, Stack, sign_up
from tests.e2e.realtime import RealtimeClient, token_auth
from tests.e2e.test_api_limits import _api, _client, _post

DEEP = 100_000
PYTHON_TEXT = ("Traceback", "recursion", "Expecting", "line 1 column", "codec", "KeyError", "'username'", "<html")


def _no_python_text(text: str) -> None:
    found = [marker for marker in PYTHON_TEXT if marker.lower() in text.lower()]
    assert found == [], text[:500]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# ---- strict, bounded JSON (in-process) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("NaN", "is not JSON"),
        ("[Infinity]", "is not JSON"),
        ('{"a": -Infinity}', "is not JSON"),
        (_nested(json_limits.MAX_DEPTH + 1), "nested too deeply"),
        (_nested(DEEP), "nested too deeply"),  # a RecursionError inside json, answered as ValueError
    ],
)
def test_json_limits_refuse_what_no_other_json_reader_takes_with_a_value_error(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        json_limits.loads(text)


def test_json_limits_take_strict_json_up_to_the_bound() -> None:
    assert json_limits.loads(_nested(json_limits.MAX_DEPTH)) is not None
    assert json_limits.loads('{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
    assert (json_limits.depth(1), json_limits.depth([]), json_limits.depth({"a": [{}]})) == (0, 1, 3)


# ---- GraphQL endpoint (in-process) -------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"query": "{ x }", "variables": {"v": ' + _nested(10_000).encode() + b"}}",
        b'{"query": "{ x }", "variables": {"v": ' + _nested(200).encode() + b"}}",
        b'{"query": "{ x }", "variables": {"v": NaN}}',
        b'{"query": "{ x }", "variables": {"v": -Infinity}}',
        b'{"query": "{ x }", "variables": {"v": ' + b"9" * 5000 + b"}}",
    ],
    ids=["10000-deep", "200-deep", "NaN", "-Infinity", "5000-digits"],
)
def test_a_deep_or_non_strict_json_body_is_a_typed_400(body: bytes) -> None:
    client, functions = _client(_api())
    response = _post(client, body)
    assert response.status_code == 400, response.text[:300]
    assert response.json["errors"][0]["errorType"] == "MalformedHttpRequestException"
    assert response.json["errors"][0]["message"] == MALFORMED_REQUEST_MESSAGE
    assert functions.calls == []


def test_a_body_over_the_limit_is_refused_unread() -> None:
    client, functions = _client(_api())
    padding = "x" * (MAX_BODY_BYTES + 1)
    response = _post(client, {"query": "{ getOrder(orderId: 1) { orderId } }", "variables": {"pad": padding}})
    assert response.status_code == 413
    assert response.json["errors"][0]["errorType"] == "PayloadTooLargeException"
    assert functions.calls == []


def test_a_query_of_40000_aliases_is_refused_fast() -> None:
    client, functions = _client(_api())
    query = "{ " + " ".join(f"a{n}: getOrder(orderId: {n}) {{ orderId }}" for n in range(40_000)) + " }"
    assert len(query) < MAX_BODY_BYTES * 2  # the 2 MB query: over the body limit too
    query = query[: MAX_BODY_BYTES - 100].rsplit(" a", 1)[0] + " }"  # under the body limit: the token limit
    started = time.monotonic()
    response = _post(client, {"query": query})
    seconds = time.monotonic() - started
    assert response.status_code == 400
    assert "token" in response.json["errors"][0]["message"].lower()
    assert seconds < 5  # generous: it took 18.6 s to validate before
    assert functions.calls == []


# ---- the stack (e2e) ----------------------------------------------------------------------------


def _aws_call(stack: Stack, target: str, body: bytes) -> requests.Response:
    return requests.post(
        stack.aws_endpoint + "/",
        data=body,
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
        timeout=30,
    )


IDENTITY = "AWSCognitoIdentityService."
USER_POOL = "AWSCognitoIdentityProviderService."


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("target", "body", "error"),
    [
        (IDENTITY + "GetId", _nested(DEEP).encode(), "SerializationException"),
        (IDENTITY + "GetCredentialsForIdentity", _nested(DEEP).encode(), "SerializationException"),
        (USER_POOL + "InitiateAuth", _nested(DEEP).encode(), "SerializationException"),
        (USER_POOL + "RevokeToken", _nested(DEEP).encode(), "SerializationException"),
        (IDENTITY + "GetId", b"[]", "SerializationException"),
        (USER_POOL + "InitiateAuth", b'{"AuthFlow": NaN}', "SerializationException"),
        (IDENTITY + "GetId", b'{"IdentityPoolId": "x", "Logins": ["x"]}', "SerializationException"),
        (IDENTITY + "GetCredentialsForIdentity", b'{"IdentityId": ["x"]}', "SerializationException"),
        (USER_POOL + "InitiateAuth", b'{"AuthFlow": "USER_SRP_AUTH", "ClientId": "x", "AuthParameters": []}', None),
    ],
    ids=[
        "GetId-deep",
        "GetCredentials-deep",
        "InitiateAuth-deep",
        "RevokeToken-deep",
        "GetId-list-body",
        "InitiateAuth-NaN",
        "GetId-Logins-list",
        "GetCredentials-IdentityId-list",
        "SRP-AuthParameters-list",
    ],
)
def test_the_aws_port_answers_malformed_cognito_calls_with_a_typed_400(
    stack: Stack, target: str, body: bytes, error: str | None
) -> None:
    response = _aws_call(stack, target, body)
    assert response.status_code == 400, response.text[:300]
    assert response.json()["__type"] == (error or response.headers["x-amzn-ErrorType"])
    _no_python_text(response.text)


def _forged_token(stack: Stack, **claims: Any) -> str:
    """An id token signed with moto's published key (anyone can), with the claims given."""
    _, real = sign_up(stack)
    payload = {**jwt.decode(real, options={"verify_signature": False}), **claims}
    path = os.path.join(os.path.dirname(moto.__file__), "cognitoidp", "resources", "jwks-private.json.gz")
    with gzip.open(path) as file:
        key = jwt.PyJWK(json.loads(file.read()))
    return jwt.encode(payload, key.key, algorithm="RS256", headers={"kid": key.key_id})


@pytest.mark.e2e
def test_a_token_whose_audience_is_a_list_is_refused_as_unauthorized(stack: Stack) -> None:
    token = _forged_token(stack, aud=[stack.client_id])
    response = requests.post(
        stack.graphql_url,
        json={"query": "{ listAlbums { items { albumId } } }"},
        headers={"Authorization": token},
        timeout=30,
    )
    assert response.status_code == 401, response.text[:300]
    assert response.json()["errors"][0]["errorType"] == "UnauthorizedException"


@pytest.mark.e2e
def test_the_realtime_socket_refuses_a_list_audience_and_survives_hostile_messages(stack: Stack) -> None:
    refused = RealtimeClient(stack, token_auth(stack, _forged_token(stack, aud=[stack.client_id])))
    try:
        assert refused.init()["type"] == "connection_error"
    finally:
        refused.close()
    _, token = sign_up(stack)
    client = RealtimeClient(stack, token_auth(stack, token))
    try:
        assert client.init()["type"] == "connection_ack"
        for hostile in (
            _nested(DEEP),
            "[1]",
            '{"type": "start", "id": "s", "payload": {"data": "{}", "extensions": []}}',
        ):
            client.socket.send(hostile)
            assert client.next()["type"] == "error"
        deep_data = json.dumps(
            {"query": "subscription { onOrderUpdated { orderId } }", "variables": json.loads(_nested(500))}
        )
        client.socket.send(
            json.dumps(
                {
                    "type": "start",
                    "id": "d",
                    "payload": {"data": deep_data, "extensions": {"authorization": client.auth.for_start(deep_data)}},
                }
            )
        )
        assert client.next()["type"] == "error"
        client.socket.send(json.dumps({"type": "stop", "id": "none"}))
        assert client.next()["type"] == "complete"  # still open and answering
    finally:
        client.close()


@pytest.mark.e2e
def test_local_sign_in_reads_the_same_for_an_unknown_user_and_a_wrong_password(stack: Stack) -> None:
    url = stack.graphql_url.removesuffix("/graphql") + "/local/sign-in"
    cognito = stack.client("cognito-idp")
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.com"
    cognito.sign_up(ClientId=stack.client_id, Username=email, Password=PASSWORD)
    cognito.admin_confirm_sign_up(UserPoolId=stack.user_pool_id, Username=email)

    wrong = requests.post(url, json={"username": email, "password": "Wrong-Passw0rd-long"}, timeout=30)
    unknown = requests.post(url, json={"username": "nobody-" + email, "password": PASSWORD}, timeout=30)
    assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())
    assert wrong.status_code == 400
    wrong_shapes: list[Any] = [{}, {"username": 1, "password": []}, [1]]
    for body in wrong_shapes:
        answer = requests.post(url, json=body, timeout=30)
        assert answer.status_code == 400
        _no_python_text(answer.text)
    deep = requests.post(url, data=_nested(DEEP), timeout=30)
    assert deep.status_code == 400
    ok = requests.post(url, json={"username": email, "password": PASSWORD}, timeout=30)
    assert ok.status_code == 200
    assert ok.json()["idToken"]


# ---- a bounded sweep: every local endpoint, every hostile body (issue 22, item 6) -------------

SWEEP_BODIES = {
    "deep-100000": _nested(DEEP).encode(),
    "deep-object-5000": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "NaN": b'{"query": "{ x }", "AuthFlow": NaN, "IdentityPoolId": Infinity}',
    "list": b"[]",
    "not-json": b"\xff\xfe{",
    "2-MiB": b'{"query": "' + b"a" * (2 * 1024 * 1024) + b'"}',
}
AWS_TARGETS = [
    IDENTITY + "GetId",
    IDENTITY + "GetCredentialsForIdentity",
    USER_POOL + "InitiateAuth",
    USER_POOL + "RespondToAuthChallenge",
    USER_POOL + "RevokeToken",
    USER_POOL + "SignUp",
    USER_POOL + "GetUser",
    "DynamoDB_20120810.GetItem",
    "AmazonSQS.SendMessage",
]


@pytest.mark.e2e
@pytest.mark.parametrize("body_name", sorted(SWEEP_BODIES))
def test_no_local_endpoint_answers_a_hostile_body_with_a_5xx_or_a_page(stack: Stack, body_name: str) -> None:
    body = SWEEP_BODIES[body_name]
    origin = stack.graphql_url.removesuffix("/graphql")
    _, token = sign_up(stack)
    requests_sent = [
        ("graphql unauthenticated", requests.post(stack.graphql_url, data=body, timeout=60)),
        (
            "graphql signed in",
            requests.post(stack.graphql_url, data=body, headers={"Authorization": token}, timeout=60),
        ),
        ("local sign-in", requests.post(origin + "/local/sign-in", data=body, timeout=60)),
        ("unknown path", requests.post(origin + "/local/nothing", data=body, timeout=60)),
    ]
    requests_sent += [(target, _aws_call(stack, target, body)) for target in AWS_TARGETS]
    for name, response in requests_sent:
        assert response.status_code < 500, (name, response.status_code, response.text[:300])
        assert "text/html" not in response.headers.get("Content-Type", ""), (name, response.text[:300])
        _no_python_text(response.text)
