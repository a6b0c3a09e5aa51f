"""Fault injection at botocore, on the very clients the handlers use.

``ape_moments.aws.client(service)`` is cached per execution environment, so registering a
``before-send`` hook on it intercepts every request a handler sends. A hook that returns an
``AWSResponse`` short-circuits the HTTP call: botocore parses it like a real answer and its
standard retry mode (3 attempts, as ``ape_moments.aws`` configures) decides to retry or raise.

Faults target one *logical* call (``before-call`` fires once per API call, ``before-send`` once
per attempt): fail 2 attempts and the retry succeeds; fail 3 and the call raises.
The injected error messages carry AWS text (an ARN, a table name, a request id) on purpose, so
the tests can prove that none of it reaches a client.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries import standard
from moto.core.botocore_stubber import BotocoreStubber

from ape_moments import aws as aws_clients

SERVICES = ("dynamodb", "s3", "sqs")


def total_attempts() -> int:
    """Attempts per call as the handlers' clients are configured.

    ape_moments.aws sets ``retries={"mode": "standard", "max_attempts": 3}``; botocore reads
    ``max_attempts`` in a Config as retries *after* the first attempt, so a call makes up to 4
    attempts (``total_max_attempts``). Read from the client, not assumed.
    """
    return int(aws_clients.client("dynamodb").meta.config.retries["total_max_attempts"])


TABLES = ("OrdersTable", "AlbumsTable", "CollagesTable", "IdempotencyTable")

# Strings that must never reach a client: stack traces, AWS error text, ARNs, resource names.
LEAK_MARKERS = (
    "Traceback",
    'File "',
    "botocore",
    "boto3",
    "ClientError",
    "arn:aws",
    "ConditionalCheckFailed",
    "ProvisionedThroughputExceeded",
    "ThrottlingException",
    "InternalServerError",
    "SlowDown",
    "RequestThrottled",
    "RequestId",
    "amazonaws.com",
    "dynamodb",
    "DynamoDB",
    "apemoments-",
    "pydantic",
    *TABLES,
)


def leaks(text: str) -> list[str]:
    return [marker for marker in LEAK_MARKERS if marker in text]


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _json_error(status: int, code: str, message: str, prefix: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"__type": f"{prefix}#{code}", "message": message}).encode()
    return status, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "INJECTED-REQUEST-ID"}, body


def _xml_error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
        "<RequestId>INJECTED-REQUEST-ID</RequestId><HostId>injected</HostId></Error>"
    ).encode()
    return status, {"Content-Type": "application/xml", "x-amz-request-id": "INJECTED-REQUEST-ID"}, body


ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/OrdersTable"

# kind -> service -> (status, headers, body)
FAULTS: dict[str, dict[str, tuple[int, dict[str, str], bytes]]] = {
    "throttle": {
        "dynamodb": _json_error(
            400,
            "ProvisionedThroughputExceededException",
            f"The level of configured provisioned throughput for the table was exceeded ({ARN})",
            "com.amazonaws.dynamodb.v20120810",
        ),
        "s3": _xml_error(503, "SlowDown", "Please reduce your request rate (arn:aws:s3:::apemoments-test-media)"),
        "sqs": _json_error(400, "RequestThrottled", f"Rate exceeded ({ARN})", "com.amazonaws.sqs"),
    },
    "server_error": {
        "dynamodb": _json_error(
            500, "InternalServerError", f"Internal server error ({ARN})", "com.amazonaws.dynamodb.v20120810"
        ),
        "s3": _xml_error(500, "InternalError", "We encountered an internal error (arn:aws:s3:::apemoments-test-media)"),
        "sqs": _json_error(500, "InternalError", f"Internal error ({ARN})", "com.amazonaws.sqs"),
    },
}
FAULTS["lost_response"] = FAULTS["server_error"]
# Refused: the request never took effect (throttled, or a 5xx before any work). Lost response:
# the request took effect and then the answer was lost (a 5xx or a timeout after the write):
# the retry meets its own earlier write.
REFUSED_KINDS = ("throttle", "server_error")
KINDS = (*REFUSED_KINDS, "lost_response")


@dataclass
class Fault:
    call_index: int  # the logical call (0-based, across all services) to fail
    attempts: int  # how many of its attempts fail: fewer than total_attempts() is transient
    kind: str  # a key of FAULTS

    @property
    def applied(self) -> bool:
        return self.kind == "lost_response"


@dataclass
class Injector:
    """Counts every logical call and attempt; fails the ones a Fault names."""

    calls: list[str] = field(default_factory=list)  # "service.Operation", one per logical call
    attempts: int = 0
    injected: int = 0
    faults: list[Fault] = field(default_factory=list)
    _failed_attempts: dict[int, int] = field(default_factory=dict)
    _table: str | None = None

    def reset(self, *faults: Fault) -> None:
        self.calls.clear()
        self.attempts = 0
        self.injected = 0
        self.faults = list(faults)
        self._failed_attempts.clear()

    def _before_parameters(self, params: Any = None, **_: Any) -> None:
        self._table = params.get("TableName") if isinstance(params, dict) else None

    def _before_call(self, model: Any, service: str, **_: Any) -> None:
        # Presigning builds parameters too, but never sends: only before-call counts a call.
        table, self._table = self._table, None
        self.calls.append(f"{service}.{model.name}" + (f"({table})" if table else ""))

    def _before_send(self, request: Any, service: str, **_: Any) -> AWSResponse | None:
        self.attempts += 1
        index = len(self.calls) - 1
        for fault in self.faults:
            if fault.call_index == index and self._failed_attempts.get(index, 0) < fault.attempts:
                self._failed_attempts[index] = self._failed_attempts.get(index, 0) + 1
                self.injected += 1
                if not fault.applied:
                    request.security_fault_refused = True  # moto skips it (see _moto_skips_refused)
                status, headers, body = FAULTS[fault.kind][service]
                return AWSResponse(request.url, status, headers, _Body(body))
        return None

    def install(self) -> None:
        for service in SERVICES:
            client = aws_clients.client(service)
            name = client.meta.service_model.service_name  # event names use the endpoint prefix
            client.meta.events.register_first(f"before-parameter-build.{name}", self._before_parameters)
            client.meta.events.register_first(
                f"before-call.{name}", lambda model, service=service, **kw: self._before_call(model, service, **kw)
            )
            # First, ahead of moto's own before-send handler (botocore runs every before-send
            # handler and uses the first response).
            client.meta.events.register_first(
                f"before-send.{name}", lambda request, service=service, **kw: self._before_send(request, service, **kw)
            )


def _moto_skips_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process moto answers every before-send too; a refused request must not take effect."""
    original = BotocoreStubber.__call__

    def call(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        if getattr(request, "security_fault_refused", False):
            return None
        return original(self, event_name, request, **kwargs)

    monkeypatch.setattr(BotocoreStubber, "__call__", call)


@pytest.fixture
def injector(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Injector:
    """An Injector on the handlers' cached clients; botocore's retry backoff set to zero (counted, not slept)."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    _moto_skips_refused(monkeypatch)
    injector = Injector()
    injector.install()
    return injector


# ---- what the tables and the bucket hold, compared before and after -------------------------

VOLATILE = {
    "orderId",
    "albumId",
    "collageId",
    "createdAt",
    "updatedAt",
    "writeId",
    "expiresAt",
    "expiration",
    "in_progress_expiration",
    "data",
    "paymentId",
    "s3Prefix",
    "id",
}


def snapshot(aws: Any, bucket: str) -> dict[str, Any]:
    """Every item of every table and every object version, read with a client of our own."""
    dynamodb = boto3.client("dynamodb")
    state: dict[str, Any] = {}
    for table in TABLES:
        items = dynamodb.scan(TableName=table, ConsistentRead=True)["Items"]
        state[table] = sorted(json.dumps(item, sort_keys=True) for item in items)
    listed = boto3.client("s3").list_object_versions(Bucket=bucket)
    state["s3"] = sorted(
        f"{v['Key']}@{v['VersionId']}" for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])
    )
    return state


# An order item's source (a fresh photo, collage or album each run) reads as <source>.
_SOURCE_IDS = re.compile(r'"(photoKey|collageId|albumId)": \{"S": "[^"]*"\}')


def _stable(item_json: str, owner: str = "") -> str:
    item_json = _SOURCE_IDS.sub(r'"\1": {"S": "<source>"}', item_json)
    item = json.loads(item_json.replace(owner, "<owner>") if owner else item_json)
    payment = item.get("payment", {}).get("M")
    if payment:  # SPEC 12's payment map: its id and time are as volatile as the order's
        item["payment"] = {"M": {k: v for k, v in payment.items() if k not in VOLATILE}}
    return json.dumps({k: v for k, v in item.items() if k not in VOLATILE}, sort_keys=True)


def delta(before: dict[str, Any], after: dict[str, Any], owner: str = "") -> dict[str, Any]:
    """What changed, with generated ids and timestamps left out: comparable across runs.

    An item whose only changes are volatile (a new updatedAt) cancels out; ``owner`` (the run's
    customer id) reads as ``<owner>``, so runs by different customers compare.
    """
    result: dict[str, Any] = {}
    for name, old in before.items():

        def label(item: str, name: str = name) -> str:
            return "version" if name == "s3" else _stable(item, owner)

        removed = Counter(label(x) for x in set(old) - set(after[name]))
        added = Counter(label(x) for x in set(after[name]) - set(old))
        removed, added = removed - added, added - removed
        if removed or added:
            result[name] = {"removed": sorted(removed.elements()), "added": sorted(added.elements())}
    return result
