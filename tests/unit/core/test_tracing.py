"""Powertools' Tracer through ``observed``: on where the template turns it on, absent elsewhere.

Each case runs a handler in a fresh interpreter set up as Lambda sets one up (LAMBDA_TASK_ROOT, the
invocation's ``_X_AMZN_TRACE_ID``), with the X-Ray daemon's address pointing at a UDP socket of the
test on 127.0.0.1: what the SDK would send to the daemon, the test receives.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from typing import Any

from tests.conftest import ROOT

HANDLER = """
import sys, boto3
from moto import mock_aws
from ape_moments.observability import observed

@observed
def lambda_handler(event, context):
    boto3.client("dynamodb", region_name="us-east-1").list_tables()
    return {"ok": True}

class Context:
    function_name, memory_limit_in_mb, aws_request_id = "traced", 512, "req-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:traced"

with mock_aws():
    print(lambda_handler({}, Context()))
print("xray-sdk-imported" if "aws_xray_sdk" in sys.modules else "xray-sdk-not-imported")
"""
SUBPROCESS_TIMEOUT_SECONDS = 120  # a margin for a busy machine


def _run(tracing: str, daemon: socket.socket, root: str) -> str:
    host, port = daemon.getsockname()
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_", "_X_AMZN"))
    }
    environment.update(
        POWERTOOLS_TRACE_DISABLED=tracing,
        POWERTOOLS_SERVICE_NAME="orders",
        POWERTOOLS_TRACER_CAPTURE_RESPONSE="false",
        LAMBDA_TASK_ROOT=str(ROOT),
        AWS_LAMBDA_FUNCTION_NAME="traced",
        AWS_XRAY_DAEMON_ADDRESS=f"{host}:{port}",
        _X_AMZN_TRACE_ID=f"Root={root};Parent=53995c3f42cd8ad8;Sampled=1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        PYTHONPATH=os.pathsep.join([str(ROOT / "layers" / "shared"), str(ROOT)]),
    )
    done = subprocess.run(
        [sys.executable, "-c", HANDLER],
        env=environment,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _received(daemon: socket.socket) -> list[dict[str, Any]]:
    """Every segment document sent to the daemon: a JSON header line, then the document."""
    documents = []
    daemon.setblocking(False)
    while True:
        try:
            packet = daemon.recv(65536)
        except BlockingIOError:
            return documents
        header, _, body = packet.decode().partition("\n")
        assert json.loads(header) == {"format": "json", "version": 1}
        documents.append(json.loads(body))


def _daemon() -> socket.socket:
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    return daemon


def _root() -> str:
    return f"1-6750a1b2-{uuid.uuid4().hex[:24]}"


def test_where_tracing_is_on_the_handler_and_each_aws_call_are_subsegments_of_the_invocations_trace() -> None:
    root = _root()
    with _daemon() as daemon:
        output = _run("false", daemon, root)
        documents = _received(daemon)
    assert "{'ok': True}" in output
    assert "xray-sdk-imported" in output
    by_name = {document["name"]: document for document in documents}
    handler = by_name["## lambda_handler"]
    assert handler["trace_id"] == root
    assert handler["annotations"]["ColdStart"] is True
    assert handler["annotations"]["Service"] == "orders"
    assert "lambda_handler response" not in json.dumps(handler.get("metadata", {}))  # responses stay out
    assert handler["parent_id"] == "53995c3f42cd8ad8"  # under the invocation's segment, from _X_AMZN_TRACE_ID
    call = by_name["dynamodb"]
    assert call["trace_id"] == root
    assert call["aws"]["operation"] == "ListTables"
    assert call["parent_id"] == handler["id"]  # the call sits inside the handler's subsegment


def test_where_tracing_is_off_the_sdk_is_never_imported_and_nothing_is_sent() -> None:
    with _daemon() as daemon:
        output = _run("true", daemon, _root())
        documents = _received(daemon)
    assert "{'ok': True}" in output
    assert "xray-sdk-not-imported" in output
    assert documents == []


def test_the_tracing_layer_pins_the_sdk_without_its_botocore() -> None:
    requirements = (ROOT / "layers" / "tracing" / "requirements.txt").read_text()
    pinned = [line.split("#")[0].strip() for line in requirements.splitlines() if line.split("#")[0].strip()]
    assert all("==" in line for line in pinned), pinned
    assert {line.split("==")[0] for line in pinned} == {"aws-xray-sdk", "wrapt"}
    makefile = (ROOT / "layers" / "tracing" / "Makefile").read_text()
    assert "--no-deps" in makefile
    assert "--platform manylinux2014_aarch64" in makefile
