"""The local stack's own parts, without HTTP: SigV4 verification, auth directives, scalars, intrinsics.

Not marked e2e: these are fast checks of the harness the end-to-end tests rely on.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials as BotoCredentials
from graphql import GraphQLObjectType, execute, parse

from devtools.local_stack.cloudformation import Intrinsics, PhysicalResource
from devtools.local_stack.graphql_server import COGNITO, IAM, Policy, allowed_modes, build_appsync_schema
from devtools.local_stack.sigv4 import Credentials, SignatureError, verify_header_signature, verify_presigned_url
from devtools.local_stack.traces import TraceLog, parse_header

KEY = Credentials("AKIDLOCALTEST0000000", "local-secret", "session-token")


def lookup(access_key_id: str) -> Credentials | None:
    return KEY if access_key_id == KEY.access_key_id else None


# ---- SigV4 --------------------------------------------------------------------------------------


def _signed_graphql_request(body: bytes) -> AWSRequest:
    request = AWSRequest(
        method="POST", url="http://127.0.0.1:4000/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    SigV4Auth(
        BotoCredentials(KEY.access_key_id, KEY.secret_access_key, KEY.session_token), "appsync", "us-east-1"
    ).add_auth(request)
    return request


def _verify_header(request: AWSRequest, body: bytes) -> None:
    headers = {key.lower(): value for key, value in request.headers.items()}
    headers["host"] = "127.0.0.1:4000"
    verify_header_signature(method="POST", raw_path="/graphql", raw_query="", headers=headers, body=body, lookup=lookup)


def test_a_botocore_signature_verifies_and_a_changed_body_does_not() -> None:
    body = b'{"query": "{ listOrders { items { orderId } } }"}'
    request = _signed_graphql_request(body)
    _verify_header(request, body)
    with pytest.raises(SignatureError) as refused:
        _verify_header(request, body.replace(b"orderId", b"customerId"))
    assert refused.value.code == "SignatureDoesNotMatch"


def test_a_header_signature_with_another_session_token_is_refused() -> None:
    body = b"{}"
    request = _signed_graphql_request(body)
    request.headers.replace_header("X-Amz-Security-Token", "stolen")
    with pytest.raises(SignatureError) as refused:
        _verify_header(request, body)
    assert refused.value.code == "InvalidToken"


def _presigned(expires_in: int = 60) -> str:
    s3 = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:4566",
        region_name="us-east-1",
        aws_access_key_id=KEY.access_key_id,
        aws_secret_access_key=KEY.secret_access_key,
        aws_session_token=KEY.session_token,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )
    return s3.generate_presigned_url(
        "put_object",
        Params={"Bucket": "media", "Key": "albums/a b/1-x.jpg", "ContentType": "image/jpeg", "ContentLength": 5},
        ExpiresIn=expires_in,
        HttpMethod="PUT",
    )


def _verify_url(url: str, *, content_type: str = "image/jpeg", length: str = "5", now: datetime | None = None) -> None:
    parts = urlsplit(url)
    verify_presigned_url(
        method="PUT",
        raw_path=parts.path,
        raw_query=parts.query,
        query=dict(parse_qsl(parts.query)),
        headers={"host": "127.0.0.1:4566", "content-type": content_type, "content-length": length},
        lookup=lookup,
        now=now,
    )


def test_a_presigned_put_verifies_only_with_the_signed_type_and_size() -> None:
    url = _presigned()
    _verify_url(url)
    for changed in ({"content_type": "image/png"}, {"length": "6"}):
        with pytest.raises(SignatureError) as refused:
            _verify_url(url, **changed)
        assert refused.value.code == "SignatureDoesNotMatch"


def test_a_presigned_put_expires() -> None:
    url = _presigned(expires_in=60)
    with pytest.raises(SignatureError) as refused:
        _verify_url(url, now=datetime.now(UTC) + timedelta(seconds=61))
    assert (refused.value.code, refused.value.message) == ("AccessDenied", "Request has expired")


def test_a_presigned_put_from_an_unknown_key_is_refused() -> None:
    url = _presigned().replace(KEY.access_key_id, "AKIDSOMEONEELSE00000")
    with pytest.raises(SignatureError) as refused:
        _verify_url(url)
    assert refused.value.code == "InvalidAccessKeyId"


# ---- auth directives and IAM policies ---------------------------------------------------------------

SCHEMA = """
type Query @aws_cognito_user_pools @aws_iam {
  open: String
  staffOnly: String @aws_cognito_user_pools(cognito_groups: ["admins"])
  guestsOnly: String @aws_iam
}
type Plain { value: String }
"""


def test_field_directives_override_the_type_and_undirected_types_get_the_default_mode() -> None:
    schema = build_appsync_schema(SCHEMA)
    query = schema.query_type
    plain = schema.type_map["Plain"]
    assert isinstance(query, GraphQLObjectType)
    assert isinstance(plain, GraphQLObjectType)
    assert allowed_modes(query, "open", COGNITO) == {COGNITO: None, IAM: None}
    assert allowed_modes(query, "staffOnly", COGNITO) == {COGNITO: ["admins"]}
    assert allowed_modes(query, "guestsOnly", COGNITO) == {IAM: None}
    assert allowed_modes(plain, "value", COGNITO) == {COGNITO: None}


def test_an_iam_policy_allows_listed_fields_and_denies_win() -> None:
    arn = "arn:aws:appsync:us-east-1:123456789012:apis/local"
    policy = Policy(allow=[f"{arn}/types/Query/fields/*"], deny=[f"{arn}/types/Query/fields/secret"])
    assert policy.permits(f"{arn}/types/Query/fields/getOrder")
    assert not policy.permits(f"{arn}/types/Query/fields/secret")
    assert not policy.permits(f"{arn}/types/Mutation/fields/createOrder")


# ---- scalars ---------------------------------------------------------------------------------------

SCALARS = """
type Query { echo(json: AWSJSON, at: AWSDateTime, url: AWSURL, email: AWSEmail, ts: AWSTimestamp): String
             when: AWSDateTime }
"""


@pytest.mark.parametrize(
    ("argument", "value", "valid"),
    [
        ("json", '{"a": [1, 2]}', True),
        ("json", "{not json", False),
        ("at", "2026-11-25T10:00:00.000Z", True),
        ("at", "2026-11-25", False),
        ("url", "https://example.com/x", True),
        ("url", "example.com", False),
        ("email", "a@example.com", True),
        ("email", "nobody", False),
        ("ts", 1795000000, True),
        ("ts", "1795000000", False),
    ],
)
def test_aws_scalar_inputs_are_validated(argument: str, value: object, valid: bool) -> None:
    schema = build_appsync_schema(SCALARS)
    types = {"json": "AWSJSON", "at": "AWSDateTime", "url": "AWSURL", "email": "AWSEmail", "ts": "AWSTimestamp"}
    document = parse(f"query($v: {types[argument]}) {{ echo({argument}: $v) }}")
    received: list[object] = []
    result = execute(
        schema, document, variable_values={"v": value}, field_resolver=lambda _s, _i, **a: received.append(a)
    )
    assert (result.errors is None) is valid, result.errors
    if valid:
        assert received == [{argument: value}]  # AWSJSON reaches the function as the client's text


def test_aws_scalar_outputs_are_validated() -> None:
    schema = build_appsync_schema(SCALARS)
    result = execute(schema, parse("{ when }"), field_resolver=lambda *_a, **_k: "yesterday")
    assert result.errors
    assert "AWSDateTime" in result.errors[0].message


# ---- intrinsic functions -----------------------------------------------------------------------------


def test_intrinsics_resolve_refs_subs_conditions_and_attributes() -> None:
    template = {
        "Parameters": {"Stage": {"Default": "dev"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
    }
    intrinsics = Intrinsics(template=template, region="eu-west-1", stack_name="local")
    intrinsics.physical["Queue"] = PhysicalResource(ref="http://q", attributes={"Arn": "arn:q"})
    assert intrinsics.resolve({"Fn::Sub": "x-${Stage}-${AWS::Region}-${Queue.Arn}"}) == "x-dev-eu-west-1-arn:q"
    assert intrinsics.resolve({"Fn::If": ["IsProd", "INFO", "DEBUG"]}) == "DEBUG"
    assert intrinsics.resolve({"Ref": "Queue"}) == "http://q"
    assert intrinsics.resolve({"A": {"Ref": "AWS::NoValue"}, "B": 1}) == {"B": 1}
    overridden = Intrinsics(
        template=template, region="eu-west-1", stack_name="local", parameter_overrides={"Stage": "prod"}
    )
    assert overridden.condition("IsProd")


# ---- local traces (devtools/local_stack/traces.py) --------------------------------------------------


def test_a_trace_nests_segments_and_files_each_call_under_the_segment_its_header_names(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = TraceLog()
    with caplog.at_level("DEBUG", logger="devtools.local_stack.traces"), log.request("AppSync POST /graphql") as trace:
        with log.segment("resolver Query.getOrder"), log.segment("Lambda GetOrderFunction") as header:
            assert parse_header(header)["Root"] == trace.root_id
            log.record_call(header, "dynamodb GetItem", time.perf_counter())
        log.record_call(f"Root={trace.root_id}", "s3 GET /bucket/key", time.perf_counter())  # no parent: the root
        log.record_call("Root=1-00000000-000000000000000000000000", "dynamodb Query", time.perf_counter())  # not ours
    logged = caplog.records[-1].getMessage().splitlines()
    shapes = [re.sub(r" \d+\.\d ms$", "", line) for line in logged]
    assert shapes == [
        f"trace {trace.root_id} AppSync POST /graphql",
        "  resolver Query.getOrder",
        "    Lambda GetOrderFunction",
        "      dynamodb GetItem",
        "  s3 GET /bucket/key",
    ]
    assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", trace.root_id)


def test_an_invocation_without_a_request_opens_a_trace_of_its_own() -> None:
    log = TraceLog()
    with log.segment("Lambda OrderWorkerFunction") as header:
        parts = parse_header(header)
        assert parts["Sampled"] == "1"
        assert parts["Root"].startswith("1-")
    assert parse_header("Root=1-a-b;Parent=53995c3f42cd8ad8;Sampled=1") == {
        "Root": "1-a-b",
        "Parent": "53995c3f42cd8ad8",
        "Sampled": "1",
    }
