"""No handler logs a token, a password or an email (issue 5, item 5); logs carry a correlation id.

Every resolver handler runs (each operation, a customer and a guest, a success, a refusal and
an unexpected AWS failure), and so do the order worker, the dead-letter handler and the upload
events handler, at DEBUG level. The callers' events carry what AppSync really forwards: the
Cognito id token in the Authorization header and the email in the token's claims, a guest's
SigV4 Authorization and session token, plus a password and a session cookie in headers, as a
careless client might send. What Powertools would write to CloudWatch is captured at its own
handlers (the JSON lines, formatted by Powertools) and searched for each secret.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from ape_moments.errors import ApiError
from tests.conftest import (
    FakeContext,
    appsync_event,
    cognito_identity,
    guest_identity,
    load_handler,
    resolver_functions,
)
from tests.security.faults import Fault, Injector, injector, total_attempts
from tests.security.figures import FIGURES
from tests.security.operations import OPERATION_NAMES
from tests.security.scenarios import PREPARE, call_in_process

__all__ = ["injector"]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Booth-Passw0rd-7c1e"  # a planted secret, searched for in the logs
EMAIL = "jane.doe+booth@example.com"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _jwt(sub: str) -> str:
    header = _b64({"kid": "local", "alg": "RS256"})
    payload = _b64({"sub": sub, "email": EMAIL, "token_use": "id", "cognito:groups": ["customers"]})
    return f"{header}.{payload}.{uuid.uuid4().hex}{uuid.uuid4().hex}"


class Secrets:
    def __init__(self) -> None:
        self.sub = str(uuid.uuid4())
        self.token = _jwt(self.sub)
        self.session_token = "IQoJb3JpZ2luX2Vj" + uuid.uuid4().hex * 3
        self.signature = uuid.uuid4().hex + uuid.uuid4().hex
        self.guest_id = f"us-east-1:{uuid.uuid4()}"

    def customer(self) -> dict[str, Any]:
        identity = cognito_identity(self.sub)
        identity["claims"]["email"] = EMAIL
        identity["claims"]["email_verified"] = True
        return identity

    def guest(self) -> dict[str, Any]:
        return guest_identity(self.guest_id)

    def headers(self, identity: dict[str, Any]) -> dict[str, str]:
        if "sub" in identity:
            authorization = self.token
            extra = {}
        else:
            authorization = (
                "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEGUEST/20261125/us-east-1/appsync/aws4_request, "
                f"SignedHeaders=host;x-amz-date;x-amz-security-token, Signature={self.signature}"
            )
            extra = {"x-amz-security-token": self.session_token}
        return {
            "authorization": authorization,
            "x-debug-password": PASSWORD,
            "cookie": f"session={self.session_token}; remember_email={EMAIL}",
            **extra,
        }

    def needles(self) -> dict[str, str]:
        _header, payload, signature = self.token.split(".")
        return {
            "id token": self.token,
            "id token payload": payload,
            "id token signature": signature,
            "email": EMAIL,
            "email (escaped)": json.dumps(EMAIL)[1:-1],
            "password": PASSWORD,
            "session token": self.session_token,
            "SigV4 signature": self.signature,
        }


class PowertoolsCapture:
    """Swaps the stream of every Powertools handler for a buffer; raises their level to DEBUG."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.buffer = io.StringIO()
        self.loggers = 0
        self._levels: list[tuple[logging.Logger, int]] = []
        for logger in list(logging.root.manager.loggerDict.values()):
            if not isinstance(logger, logging.Logger):
                continue
            handlers = [h for h in logger.handlers if type(h.formatter).__name__ == "LambdaPowertoolsFormatter"]
            for handler in handlers:
                monkeypatch.setattr(handler, "stream", self.buffer)
            if handlers:
                # setLevel, not the attribute: it also clears the logger's isEnabledFor cache.
                self._levels.append((logger, logger.level))
                logger.setLevel(logging.DEBUG)
                self.loggers += 1

    def restore(self) -> None:
        for logger, level in self._levels:
            logger.setLevel(level)

    def mark(self) -> int:
        return len(self.buffer.getvalue())

    def records_since(self, mark: int) -> list[dict[str, Any]]:
        lines = self.buffer.getvalue()[mark:].splitlines()
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def capture(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[PowertoolsCapture]:
    # The render dispatcher's cold start needs its queue; a name is enough to load it.
    monkeypatch.setenv("RENDER_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/renders")
    # The subscription publisher's configuration names the API it publishes to (never called here).
    monkeypatch.setenv("GRAPHQL_URL", "http://127.0.0.1:9/graphql")
    # The mailer and the unsubscribe endpoint read their signing secret when they start.
    secret = boto3.client("secretsmanager").create_secret(Name="unsubscribe", SecretString="k" * 64)["ARN"]
    for name, value in {
        "UNSUBSCRIBE_SECRET_ARN": secret,
        "USER_POOL_ID": "us-east-1_TEST",
        "EMAIL_SENDER": "orders@apemoments.example",
        "EMAIL_CONFIGURATION_SET": "emails",
        "APP_URL": "https://app.apemoments.example",
        "UNSUBSCRIBE_URL": "https://unsubscribe.example/",
        "EMAIL_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/emails",  # the change stream's
    }.items():
        monkeypatch.setenv(name, value)
    for folder in sorted(p.name for p in (ROOT / "src").iterdir() if (p / "app.py").exists()):
        load_handler(folder)  # every handler's Logger exists before the streams are swapped
    found = PowertoolsCapture(monkeypatch)
    assert found.loggers >= 1
    yield found
    found.restore()


def _resolve(field: str, arguments: dict[str, Any], identity: dict[str, Any], secrets: Secrets) -> tuple[str, str]:
    folder, type_name = resolver_functions()[field]
    event = appsync_event(type_name, field, arguments, identity)
    event["request"]["headers"].update(secrets.headers(identity))
    trace = event["request"]["headers"]["x-amzn-trace-id"]
    try:
        load_handler(folder).lambda_handler(event, FakeContext())
    except ApiError as error:
        return trace, type(error).__name__
    return trace, "ok"


def _check(records: list[dict[str, Any]], secrets: Secrets, where: str, *, count: bool = True) -> None:
    FIGURES.add("logs.records", len(records) if count else 0)
    for record in records:
        text = json.dumps(record)
        found = [name for name, needle in secrets.needles().items() if needle in text]
        FIGURES.add("logs.leaks", len(found) if count else 0)
        assert found == [], f"{where}: {found} in {text[:400]}"


HOSTILE = {"orderId": "x" * 5000, "albumId": "../../etc", "collageId": "'; DROP", "input": {"name": ""}}


@pytest.mark.parametrize("field", OPERATION_NAMES)
def test_resolvers_log_no_secret_and_carry_the_correlation_id(
    field: str, capture: PowertoolsCapture, injector: Injector, aws: Any
) -> None:
    secrets = Secrets()
    for identity in (secrets.customer(), secrets.guest()):
        injector.reset()  # a fault an operation refused before reaching AWS must not hit the next preparation
        valid = PREPARE[field](call_in_process, identity, aws)
        broken = {**valid, **{k: v for k, v in HOSTILE.items() if k in valid}} or {"limit": -1}
        if broken == valid:
            broken = {**valid, "limit": 100_000}
        runs = [("valid", valid, None), ("refused", broken, None)]
        runs.append(("aws failure", valid, Fault(0, total_attempts(), "server_error")))
        for label, arguments, fault in runs:
            injector.reset(*([fault] if fault else []))
            mark = capture.mark()
            trace, outcome = _resolve(field, arguments, identity, secrets)
            FIGURES.add("logs.invocations")
            records = capture.records_since(mark)
            _check(records, secrets, f"{field} {label}")
            if label == "valid":
                valid_outcome = outcome
            if label == "aws failure" and valid_outcome != "ok":
                assert outcome == valid_outcome  # refused before any AWS call (a guest's emailPreferences)
            elif label == "aws failure":
                assert outcome == "InternalError"
                assert any(r.get("level") == "ERROR" for r in records), "the unexpected error must be logged"
            FIGURES.add("logs.resolver_records", len(records))
            correlated = [r for r in records if r.get("correlation_id") == trace]
            FIGURES.add("logs.correlated", len(correlated))
            assert len(correlated) == len(records), [r for r in records if r.get("correlation_id") != trace]


def test_worker_dead_letter_and_upload_handlers_log_no_secret(capture: PowertoolsCapture, aws: Any) -> None:
    secrets = Secrets()
    customer = secrets.customer()
    order_id = call_in_process("createOrder", PREPARE["createOrder"](call_in_process, customer, aws), customer)[
        "orderId"
    ]
    call_in_process("processOrder", {"orderId": order_id}, customer)
    album_id = call_in_process("createAlbum", {"input": {"name": "x"}}, customer)["albumId"]
    sqs_record = {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": "r",
        "body": json.dumps({"orderId": order_id}),
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
        "awsRegion": "us-east-1",
    }
    s3_event = {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-25T15:00:00.000Z",
                "userIdentity": {"principalId": "AWS:AROAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {},
                "s3": {
                    "bucket": {"name": "apemoments-test-media", "arn": "arn:aws:s3:::apemoments-test-media"},
                    "object": {"key": f"albums/{album_id}/1-a.jpg", "size": 1, "versionId": "v1", "eTag": "e"},
                },
            }
        ]
    }
    for folder, event in (
        ("order_worker", {"Records": [sqs_record]}),
        ("order_dead_letter", {"Records": [dict(sqs_record, body="not json")]}),
        ("upload_events", s3_event),
    ):
        mark = capture.mark()
        load_handler(folder).lambda_handler(event, FakeContext())
        FIGURES.add("logs.invocations")
        records = capture.records_since(mark)
        _check(records, secrets, folder)
        assert all("function_request_id" in r for r in records), folder


def test_the_capture_would_see_a_leak(capture: PowertoolsCapture) -> None:
    """Control: a secret logged through the handlers' Powertools logger is found by the same check."""
    from ape_moments.observability import logger

    secrets = Secrets()
    mark = capture.mark()
    logger.info("careless", headers=secrets.headers(secrets.customer()))
    records = capture.records_since(mark)
    assert len(records) == 1
    with pytest.raises(AssertionError, match="id token"):
        _check(records, secrets, "control", count=False)  # planted on purpose: not a finding
