"""Shared fixtures: moto with the template's own tables, caller identities, AppSync events."""

from __future__ import annotations

import functools
import json
import os
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devtools import handlers, template
from devtools.moto_atomic import serialize_moto_requests

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

# Table logical id -> the environment variable the functions read its name from.
TABLE_ENV = {
    "OrdersTable": "ORDERS_TABLE_NAME",
    "AlbumsTable": "ALBUMS_TABLE_NAME",
    "CollagesTable": "COLLAGES_TABLE_NAME",
    "PhotosTable": "PHOTOS_TABLE_NAME",
    "IdempotencyTable": "IDEMPOTENCY_TABLE_NAME",
    "EmailPreferencesTable": "EMAIL_PREFERENCES_TABLE_NAME",
    "StatsTable": "STATS_TABLE_NAME",
}
BUCKET = "apemoments-test-media"


def _share_botocore_models_between_sessions() -> None:
    """One cache of botocore's parsed service models for the whole test process.

    moto gives every ``mock_aws`` block a fresh default boto3 session, and every session parses
    the service and endpoint JSON again (about half of the ``aws`` fixture's CPU time). The files
    never change, and one session already shares these parsed models between all its clients; here
    every session with the same search paths does, as one long-lived session would.
    """
    from botocore import loaders

    caches: dict[tuple[str, ...], dict[Any, Any]] = {}
    original_init = loaders.Loader.__init__

    @functools.wraps(original_init)
    def init(self: loaders.Loader, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self._cache = caches.setdefault(tuple(self.search_paths), {})  # type: ignore[attr-defined]

    loaders.Loader.__init__ = init  # type: ignore[method-assign]


_share_botocore_models_between_sessions()


@pytest.fixture(autouse=True)
def _aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach real AWS: fake credentials, one region, Powertools quiet."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "ape-moments-test")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "ApeMoments/test")  # as template.yaml's Globals set it
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", os.environ.get("TEST_LOG_LEVEL", "WARNING"))
    monkeypatch.setenv("PAYMENT_PROVIDER", "sandbox")  # SPEC 12: the provider a fresh dev deploy runs
    for name in ("STRIPE_SECRET_KEY_ARN", "STRIPE_WEBHOOK_SECRET_ARN"):  # unread with the sandbox
        monkeypatch.setenv(name, f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name.lower()}")
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_unset")


def _clear_caches() -> None:
    """Handlers cache clients, settings and services per execution environment; each test is a fresh one."""
    for name, module in list(sys.modules.items()):
        if name == "ape_moments" or name.startswith("ape_moments."):
            for value in list(vars(module).values()):
                if callable(value) and hasattr(value, "cache_clear"):
                    value.cache_clear()


@dataclass
class LocalAws:
    """moto with the template's tables, the media bucket and the order queues."""

    dynamodb: Any
    s3: Any
    sqs: Any
    queue_url: str
    dead_letter_queue_url: str


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalAws]:
    serialize_moto_requests()
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        for logical_id, env_name in TABLE_ENV.items():
            dynamodb.create_table(**template.table_definition(logical_id))
            monkeypatch.setenv(env_name, logical_id)
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        monkeypatch.setenv("MEDIA_BUCKET_NAME", BUCKET)
        sqs = boto3.client("sqs")
        dlq_url = sqs.create_queue(QueueName="order-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
        queue_url = sqs.create_queue(QueueName="orders", Attributes={"RedrivePolicy": redrive})["QueueUrl"]
        monkeypatch.setenv("ORDER_QUEUE_URL", queue_url)
        _clear_caches()
        yield LocalAws(dynamodb=dynamodb, s3=s3, sqs=sqs, queue_url=queue_url, dead_letter_queue_url=dlq_url)
        _clear_caches()


# ---- identities, as AppSync puts them in a direct Lambda resolver's event -------------------


def cognito_identity(sub: str, *, groups: list[str] | None = None, token_use: str = "id") -> dict[str, Any]:
    """AppSync's identity for a user-pool caller, signed in with an id token or, as Amplify
    sends by default, an access token (no ``aud``, no ``email``; ``client_id``, ``scope``)."""
    issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST"
    claims: dict[str, Any]
    if token_use == "access":
        claims = {
            "sub": sub,
            "iss": issuer,
            "client_id": "testclientid",
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "username": sub,
        }
    else:
        claims = {
            "sub": sub,
            "email": f"{sub[:8]}@example.com",
            "aud": "testclientid",
            "iss": issuer,
            "token_use": "id",
            "cognito:username": sub,
        }
    if groups:
        claims["cognito:groups"] = groups
    return {
        "sub": sub,
        "issuer": issuer,
        "username": sub,
        "claims": claims,
        "sourceIp": ["203.0.113.10"],
        "defaultAuthStrategy": "ALLOW",
        "groups": groups,
    }


def guest_identity(identity_id: str) -> dict[str, Any]:
    return {
        "accountId": "123456789012",
        "cognitoIdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000",
        "cognitoIdentityId": identity_id,
        "sourceIp": ["203.0.113.11"],
        "username": "AROAEXAMPLE:CognitoIdentityCredentials",
        "userArn": "arn:aws:sts::123456789012:assumed-role/GuestRole/CognitoIdentityCredentials",
        "cognitoIdentityAuthType": "unauthenticated",
        "cognitoIdentityAuthProvider": None,
    }


@pytest.fixture
def customer() -> dict[str, Any]:
    return cognito_identity(str(uuid.uuid4()))


@pytest.fixture
def other_customer() -> dict[str, Any]:
    return cognito_identity(str(uuid.uuid4()))


@pytest.fixture
def admin() -> dict[str, Any]:
    return cognito_identity(str(uuid.uuid4()), groups=["admins"])


@pytest.fixture
def guest() -> dict[str, Any]:
    return guest_identity(f"us-east-1:{uuid.uuid4()}")


def appsync_event(
    type_name: str, field_name: str, arguments: dict[str, Any], identity: dict[str, Any] | None
) -> dict[str, Any]:
    """A direct Lambda resolver event in the shape AppSync sends."""
    return {
        "arguments": arguments,
        "identity": identity,
        "source": None,
        "request": {
            "headers": {"x-amzn-trace-id": f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]}"},
            "domainName": None,
        },
        "prev": None,
        "info": {
            "selectionSetList": ["orderId", "status"],
            "selectionSetGraphQL": "{ orderId status }",
            "parentTypeName": type_name,
            "fieldName": field_name,
            "variables": {},
        },
        "stash": {},
    }


class FakeContext:
    """The attributes of a Lambda context that Powertools reads."""

    function_name = "test-function"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


@functools.cache
def load_handler(function_dir: str) -> ModuleType:
    """Import src/<function_dir>/app.py afresh under a unique name (every function's module is `app`)."""
    return handlers.load_module(ROOT / "src" / function_dir, unique_name=f"handler_{function_dir}", fresh=True)


@functools.cache
def resolver_functions() -> dict[str, tuple[str, str]]:
    """field -> (handler folder under src/, parent type), from the template's AppSync resolvers."""
    resources = template.load()["Resources"]
    found = {}
    for resolver in template.resources("AWS::AppSync::Resolver").values():
        props = resolver["Properties"]
        data_source = resources[props["DataSourceName"]["Fn::GetAtt"][0]]
        function = data_source["Properties"]["LambdaConfig"]["LambdaFunctionArn"]["Fn::GetAtt"][0]
        code_uri = str(resources[function]["Properties"]["CodeUri"])
        found[props["FieldName"]] = (code_uri.strip("/").removeprefix("src/"), props["TypeName"])
    return found


def call(field: str, arguments: dict[str, Any], identity: dict[str, Any] | None) -> Any:
    """The GraphQL field's own Lambda handler, given the event AppSync sends; raises what it raises.

    The one way tests call a resolver: the function comes from template.yaml's resolvers.
    """
    folder, type_name = resolver_functions()[field]
    event = appsync_event(type_name, field, arguments, identity)
    return load_handler(folder).lambda_handler(event, FakeContext())


def owner_of(identity: dict[str, Any]) -> str:
    """The owner id the backend derives from an identity (a user pool sub, or a guest's identity id)."""
    return str(identity.get("sub") or identity["cognitoIdentityId"])


def count_aws_calls(*services: str) -> Counter[str]:
    """Count every request the handlers' cached clients send, as 'service.Operation'."""
    from ape_moments import aws as aws_clients

    counter: Counter[str] = Counter()
    for service in services:
        client = aws_clients.client(service)

        def count(model: Any, service: str = service, **_: Any) -> None:
            counter[f"{service}.{model.name}"] += 1

        client.meta.events.register(f"before-call.{client.meta.service_model.service_name}.*", count)
    return counter


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS poller builds from received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }
