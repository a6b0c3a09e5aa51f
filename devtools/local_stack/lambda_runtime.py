"""The template's functions, run Docker-free: a small pool of worker processes per function.

A worker is started on the first invocation (a cold start) and kept warm; when the function's
code or its layers change on disk, warm workers are retired, so an edit takes effect on the next
request without restarting the stack. The ``Timeout`` of the template is enforced. An
asynchronous invocation that still fails after its retries goes to the function's
``EventInvokeConfig`` on-failure SQS destination, as a Lambda destination record.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from devtools.local_stack import lambda_worker
from devtools.local_stack.aws_services import (
    FUNCTION_ACCESS_KEY_ID,
    FUNCTION_SECRET_ACCESS_KEY,
    FUNCTION_SESSION_TOKEN,
)
from devtools.local_stack.cloudformation import Intrinsics, function_id, local_path
from devtools.local_stack.metrics import MetricLog
from devtools.local_stack.traces import TRACES

# Workers fork from a server that has imported the libraries every handler imports, never our
# code (worker_preload.py says why): a worker's cold start is the layer's and the handler's imports.
_WORKERS = multiprocessing.get_context("forkserver")
_WORKERS.set_forkserver_preload(["devtools.local_stack.worker_preload"])
MAX_WORKERS_PER_FUNCTION = 4
# A margin, not Lambda's 10 s init limit: a spawned interpreter importing boto3, Powertools and the
# layer took over 30 s on a 2-core machine at load 19 (several test workers, each with a stack).
START_TIMEOUT_SECONDS = 120
ASYNC_RETRY_DELAYS_SECONDS = (1, 2)  # before the 2nd and 3rd attempts (about 1 and 2 minutes on AWS)
DEFAULT_ASYNC_RETRY_ATTEMPTS = 2


@dataclass
class FunctionSpec:
    logical_id: str
    function_name: str
    function_arn: str
    handler: str
    code_dir: Path
    layer_dirs: list[Path]
    environment: dict[str, str]
    timeout: int
    memory_size: int
    reserved_concurrency: int | None = None
    # EventInvokeConfig: retries of an asynchronous invocation, and where a final failure goes.
    async_retry_attempts: int = DEFAULT_ASYNC_RETRY_ATTEMPTS
    on_failure_queue_arn: str | None = None

    @property
    def handler_file(self) -> Path:
        module = self.handler.rpartition(".")[0]
        return self.code_dir / (module.replace(".", "/") + ".py")

    def worker_spec(self) -> dict[str, Any]:
        return {
            "logical_id": self.logical_id,
            "function_name": self.function_name,
            "function_arn": self.function_arn,
            "handler": self.handler,
            "code_dir": str(self.code_dir),
            "layer_dirs": [str(path) for path in self.layer_dirs],
            "environment": self.environment,
            "memory_size": self.memory_size,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.worker_spec(),
            "timeout": self.timeout,
            "reserved_concurrency": self.reserved_concurrency,
            "async_retry_attempts": self.async_retry_attempts,
            "on_failure_queue_arn": self.on_failure_queue_arn,
        }

    @classmethod
    def from_json(cls, logical_id: str, data: dict[str, Any]) -> FunctionSpec:
        return cls(
            logical_id=logical_id,
            function_name=data["function_name"],
            function_arn=data["function_arn"],
            handler=data["handler"],
            code_dir=Path(data["code_dir"]),
            layer_dirs=[Path(path) for path in data["layer_dirs"]],
            environment=data["environment"],
            timeout=data["timeout"],
            memory_size=data["memory_size"],
            reserved_concurrency=data.get("reserved_concurrency"),
            async_retry_attempts=data.get("async_retry_attempts", DEFAULT_ASYNC_RETRY_ATTEMPTS),
            on_failure_queue_arn=data.get("on_failure_queue_arn"),
        )

    def code_version(self) -> float:
        """The newest modification time of the code and layers: a change retires warm workers."""
        newest = 0.0
        for folder in (self.code_dir, *self.layer_dirs):
            if folder.exists():
                newest = max([newest, *(path.stat().st_mtime for path in folder.rglob("*.py"))])
        return newest


def runtime_environment(spec_name: str, memory_size: int, region: str, aws_endpoint: str) -> dict[str, str]:
    """What the Lambda runtime sets for every function, with the local endpoint and credentials."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": spec_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec_name}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_ACCESS_KEY_ID": FUNCTION_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": FUNCTION_SECRET_ACCESS_KEY,
        "AWS_SESSION_TOKEN": FUNCTION_SESSION_TOKEN,
        # Every SDK call of the handlers goes to the local AWS endpoint (moto behind the front).
        "AWS_ENDPOINT_URL": aws_endpoint,
        # No X-Ray daemon runs locally.
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONUNBUFFERED": "1",
    }


def function_specs(intrinsics: Intrinsics, region: str, aws_endpoint: str) -> dict[str, FunctionSpec]:
    """Every ``AWS::Lambda::Function`` of the translated template, environment resolved."""
    resources = intrinsics.template["Resources"]
    specs: dict[str, FunctionSpec] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function" or not intrinsics.resource_enabled(resource):
            continue
        properties = resource["Properties"]
        name = intrinsics.ref(logical_id)
        memory_size = int(intrinsics.resolve(properties.get("MemorySize", 128)))
        own = intrinsics.resolve(properties.get("Environment", {}).get("Variables", {}))
        layer_dirs = []
        for layer in properties.get("Layers", []):
            layer_id = layer.get("Ref") if isinstance(layer, dict) else None
            if layer_id and resources.get(layer_id, {}).get("Type") == "AWS::Lambda::LayerVersion":
                layer_dirs.append(local_path(resources[layer_id]["Properties"]["Content"]))
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            function_name=name,
            function_arn=intrinsics.get_att(logical_id, "Arn"),
            handler=properties["Handler"],
            code_dir=local_path(properties["Code"]),
            layer_dirs=layer_dirs,
            environment={
                **runtime_environment(name, memory_size, region, aws_endpoint),
                **{key: str(value) for key, value in own.items()},
            },
            timeout=int(intrinsics.resolve(properties.get("Timeout", 3))),
            memory_size=memory_size,
            reserved_concurrency=properties.get("ReservedConcurrentExecutions"),
        )
    for resource in resources.values():
        if resource["Type"] == "AWS::Lambda::EventInvokeConfig" and intrinsics.resource_enabled(resource):
            properties = resource["Properties"]
            spec = specs[function_id(intrinsics.template, properties["FunctionName"])]
            spec.async_retry_attempts = int(properties.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRY_ATTEMPTS))
            on_failure = properties.get("DestinationConfig", {}).get("OnFailure", {})
            destination = intrinsics.resolve(on_failure.get("Destination"))
            if isinstance(destination, str) and destination.startswith("arn:aws:sqs:"):
                spec.on_failure_queue_arn = destination
    return specs


def destination_record(spec: FunctionSpec, event: Any, result: InvocationResult, attempts: int) -> dict[str, Any]:
    """What Lambda sends to an on-failure destination once an asynchronous event's retries are spent."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": result.request_id,
            "functionArn": f"{spec.function_arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": result.error,
    }


@dataclass
class InvocationResult:
    """The Lambda Invoke response: a payload, or an error payload (``FunctionError`` set)."""

    payload: Any = None
    error: dict[str, Any] | None = None
    request_id: str = ""
    duration_ms: float = 0.0

    @property
    def failed(self) -> bool:
        return self.error is not None


class _Worker:
    def __init__(self, spec: FunctionSpec, metrics: MetricLog) -> None:
        self.code_version = spec.code_version()
        self._metrics = metrics
        self._connection, child = _WORKERS.Pipe()
        self.process = _WORKERS.Process(
            target=lambda_worker.serve, args=(child, spec.worker_spec()), name=f"lambda-{spec.logical_id}", daemon=True
        )
        self.process.start()
        child.close()
        self.init_error: dict[str, Any] | None = None
        try:
            status, detail = (
                self._connection.recv() if self._connection.poll(START_TIMEOUT_SECONDS) else ("init_error", None)
            )
        except EOFError:  # the process died while starting (Ctrl-C, a crash in an import)
            status, detail = "init_error", None
        if status == "init_error":
            detail = detail or {"errorType": "Runtime.InitError", "errorMessage": "the function did not start"}
            self.init_error = detail
            self.stop()

    def invoke(self, event: Any, request_id: str, timeout: float, trace_header: str) -> tuple[str, Any]:
        self._connection.send((json.dumps(event), request_id, timeout, trace_header))
        if not self._connection.poll(timeout):
            self.stop()
            return "error", {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"{request_id} Task timed out after {timeout:.2f} seconds",
            }
        try:
            status, detail, datapoints = self._connection.recv()
        except EOFError:
            self.stop()
            return "error", {"errorType": "Runtime.ExitError", "errorMessage": "the function's process exited"}
        self._metrics.extend(datapoints)
        return status, detail

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # already gone
            self._connection.send(None)
        self.process.join(timeout=1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=1)
        self._connection.close()


@dataclass
class _Pool:
    spec: FunctionSpec
    idle: list[_Worker] = field(default_factory=list)
    started: set[_Worker] = field(default_factory=set)  # idle and busy: close() stops them all
    busy: int = 0
    condition: threading.Condition = field(default_factory=threading.Condition)

    @property
    def limit(self) -> int:
        return max(1, min(MAX_WORKERS_PER_FUNCTION, self.spec.reserved_concurrency or MAX_WORKERS_PER_FUNCTION))


class LambdaRuntime:
    def __init__(self, specs: dict[str, FunctionSpec], *, timeout_scale: float = 1.0) -> None:
        self.specs = specs
        # Lambda's timeout is the function's own time on its own CPU share; on an oversubscribed
        # machine (parallel test workers, each with a stack) wall time stretches, so the tests' stacks
        # scale it (--function-timeout-scale) rather than time out functions that are merely waiting.
        self._timeout_scale = timeout_scale
        self._pools = {logical_id: _Pool(spec) for logical_id, spec in specs.items()}
        self._async = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-async")
        self.metrics = MetricLog()  # the EMF datapoints the functions emitted, recent first-in first-out
        self._closed = False

    def invoke(self, logical_id: str, event: Any) -> InvocationResult:
        """A synchronous (RequestResponse) invocation."""
        request_id = str(uuid.uuid4())
        started = time.monotonic()
        spec = self.specs[logical_id]
        if not spec.handler_file.exists():
            module = spec.handler.rpartition(".")[0]
            relative = spec.handler_file.relative_to(spec.code_dir.parent.parent)
            error = {
                "errorType": "Runtime.ImportModuleError",
                "errorMessage": f"Unable to import module '{module}': {relative} does not exist (yet)",
            }
            return InvocationResult(error=error, request_id=request_id)
        worker = self._acquire(logical_id)
        if worker.init_error:
            self._release(logical_id, None)
            return InvocationResult(error=worker.init_error, request_id=request_id)
        with TRACES.segment(f"Lambda {logical_id}") as trace_header:
            status, detail = worker.invoke(event, request_id, spec.timeout * self._timeout_scale, trace_header)
        self._release(logical_id, worker if worker.alive else None)
        elapsed = (time.monotonic() - started) * 1000
        if status == "result":
            return InvocationResult(payload=json.loads(detail), request_id=request_id, duration_ms=elapsed)
        return InvocationResult(error=detail, request_id=request_id, duration_ms=elapsed)

    def invoke_async(self, logical_id: str, event: Any) -> None:
        """An asynchronous (Event) invocation, as S3 notifications make: a failure is retried
        (twice unless the function's EventInvokeConfig says otherwise; after 1 and 2 seconds here,
        about 1 and 2 minutes on AWS), then sent to its on-failure destination if it has one."""
        spec = self.specs[logical_id]

        def run() -> None:
            attempts = 1 + spec.async_retry_attempts
            for attempt in range(attempts):
                result = self.invoke(logical_id, event)
                if not result.failed or self._closed:
                    return
                assert result.error is not None
                print(f"[local-stack] {logical_id} failed (attempt {attempt + 1}): {result.error['errorMessage']}")
                if attempt + 1 < attempts:
                    time.sleep(ASYNC_RETRY_DELAYS_SECONDS[min(attempt, len(ASYNC_RETRY_DELAYS_SECONDS) - 1)])
            if spec.on_failure_queue_arn:
                self._send_to_destination(spec, destination_record(spec, event, result, attempts))

        if not self._closed:
            self._async.submit(run)

    @staticmethod
    def _send_to_destination(spec: FunctionSpec, record: dict[str, Any]) -> None:
        environment = spec.environment
        sqs = boto3.client(
            "sqs",
            endpoint_url=environment["AWS_ENDPOINT_URL"],
            region_name=environment["AWS_REGION"],
            aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=environment.get("AWS_SESSION_TOKEN"),
        )
        assert spec.on_failure_queue_arn is not None
        queue_url = sqs.get_queue_url(QueueName=spec.on_failure_queue_arn.rsplit(":", 1)[1])["QueueUrl"]
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))
        print(f"[local-stack] {spec.logical_id}: event sent to its on-failure destination {spec.on_failure_queue_arn}")

    def prewarm(self) -> None:
        """Start one worker per function in the background, so first requests skip the cold start."""

        def warm(logical_id: str) -> None:
            if self.specs[logical_id].handler_file.exists():
                self._release(logical_id, self._acquire(logical_id))

        for logical_id in self.specs:
            threading.Thread(target=warm, args=(logical_id,), daemon=True, name=f"warm-{logical_id}").start()

    def _acquire(self, logical_id: str) -> _Worker:
        pool = self._pools[logical_id]
        with pool.condition:
            while not pool.idle and pool.busy >= pool.limit:
                pool.condition.wait()
            worker = pool.idle.pop() if pool.idle else None
            pool.busy += 1
        if worker is not None and worker.code_version != pool.spec.code_version():
            with pool.condition:
                pool.started.discard(worker)
            worker.stop()  # the code changed on disk: a fresh environment picks it up
            worker = None
        if worker is None:
            worker = _Worker(pool.spec, self.metrics)
            with pool.condition:
                pool.started.add(worker)
        return worker

    def _release(self, logical_id: str, worker: _Worker | None) -> None:
        pool = self._pools[logical_id]
        retire = None
        with pool.condition:
            pool.busy -= 1
            if worker is not None and not worker.init_error and not self._closed:
                pool.idle.append(worker)
            elif worker is not None:
                pool.started.discard(worker)
                retire = worker
            pool.condition.notify()
        if retire is not None:
            retire.stop()

    def close(self) -> None:
        self._closed = True
        self._async.shutdown(wait=False, cancel_futures=True)
        for pool in self._pools.values():
            with pool.condition:
                workers, pool.idle, pool.started = list(pool.started), [], set()
            for worker in workers:
                worker.stop()
