"""The local stack reads the template's on-failure destination and uses it as Lambda does.

An S3 event the upload-events function still fails on after its retries must land in
UploadEventsFailureQueue (template.yaml) as a Lambda destination record, locally as on AWS.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from devtools.local_stack.aws_services import start_moto, synthetic_resource
from devtools.local_stack.cloudformation import Intrinsics, translated_template
from devtools.local_stack.lambda_runtime import FunctionSpec, LambdaRuntime, function_specs, runtime_environment

REGION = "us-east-1"


@pytest.fixture
def moto_url() -> Iterator[str]:
    server, url = start_moto()
    yield url
    server.stop()


def _specs(aws_endpoint: str) -> dict[str, FunctionSpec]:
    intrinsics = Intrinsics(
        template=translated_template(),
        region=REGION,
        stack_name="ape-moments-local",
        synthetic=synthetic_resource(REGION, "ape-moments-local", "http://127.0.0.1/graphql"),
    )
    return function_specs(intrinsics, REGION, aws_endpoint)


def test_upload_events_has_its_failure_queue_and_two_retries() -> None:
    specs = _specs("http://127.0.0.1:1")
    upload_events = specs["UploadEventsFunction"]
    assert upload_events.on_failure_queue_arn == (
        "arn:aws:sqs:us-east-1:123456789012:ape-moments-local-UploadEventsFailureQueue"
    )
    assert upload_events.async_retry_attempts == 2
    assert {name for name, spec in specs.items() if spec.on_failure_queue_arn} == {"UploadEventsFunction"}


def test_a_failing_async_event_reaches_the_destination_after_its_retries(tmp_path: Path, moto_url: str) -> None:
    sqs = boto3.client("sqs", endpoint_url=moto_url, region_name=REGION, aws_access_key_id="x",
                       aws_secret_access_key="x")  # fmt: skip
    queue_url = sqs.create_queue(QueueName="failures")["QueueUrl"]
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(
        "def lambda_handler(event, context):\n    raise RuntimeError('the photo cannot be counted')\n"
    )
    name = "local-UploadEvents"
    spec = FunctionSpec(
        logical_id="UploadEventsFunction",
        function_name=name,
        function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:{name}",
        handler="app.lambda_handler",
        code_dir=code,
        layer_dirs=[],
        environment=runtime_environment(name, 128, REGION, moto_url),
        timeout=10,
        memory_size=128,
        async_retry_attempts=1,
        on_failure_queue_arn=f"arn:aws:sqs:{REGION}:123456789012:failures",
    )
    runtime = LambdaRuntime({"UploadEventsFunction": spec})
    event: dict[str, Any] = {"Records": [{"s3": {"object": {"key": "albums/a/photo.jpg"}}}]}
    try:
        runtime.invoke_async("UploadEventsFunction", event)
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + 30
        while not messages and time.monotonic() < deadline:
            messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages", [])
    finally:
        runtime.close()
    (message,) = messages
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestPayload"] == event
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert record["responsePayload"]["errorMessage"] == "the photo cannot be counted"


def test_a_function_times_out_at_its_timeout_times_the_stacks_scale(tmp_path: Path) -> None:
    """Lambda's timeout, locally: Sandbox.Timedout past it; the tests' stacks scale it for busy machines."""
    code = tmp_path / "code"
    code.mkdir()
    handler = "import time\n\ndef lambda_handler(event, context):\n    time.sleep(2)\n    return 'done'\n"
    (code / "app.py").write_text(handler)
    spec = FunctionSpec(
        logical_id="SlowFunction",
        function_name="local-Slow",
        function_arn=f"arn:aws:lambda:{REGION}:123456789012:function:local-Slow",
        handler="app.lambda_handler",
        code_dir=code,
        layer_dirs=[],
        environment=runtime_environment("local-Slow", 128, REGION, "http://127.0.0.1:1"),
        timeout=1,
        memory_size=128,
    )
    unscaled, scaled = LambdaRuntime({"SlowFunction": spec}), LambdaRuntime({"SlowFunction": spec}, timeout_scale=30)
    try:
        timed_out = unscaled.invoke("SlowFunction", {})
        assert timed_out.error is not None
        assert timed_out.error["errorType"] == "Sandbox.Timedout"
        assert "Task timed out after 1.00 seconds" in timed_out.error["errorMessage"]
        assert scaled.invoke("SlowFunction", {}).payload == "done"
    finally:
        unscaled.close()
        scaled.close()
