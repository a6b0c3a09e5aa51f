"""DynamoDB stream event source mappings: what the Lambda service does for a function fed by a table's stream.

Every ``AWS::Lambda::EventSourceMapping`` whose ``EventSourceArn`` is a table's stream (SAM's
``Type: DynamoDB`` events translate to exactly that) gets a poller. Like Lambda, it:

- reads each shard of the stream in order (``StartingPosition``): Lambda reads about four times a
  second; here a write to the table wakes its pollers at once and an idle poller reads once a second;
- drops records its ``FilterCriteria`` do not match before batching (Lambda's event-filtering
  patterns, applied to the record as the function would receive it), so they never invoke;
- invokes the function with up to ``BatchSize`` records in Lambda's stream event shape,
  waiting up to ``MaximumBatchingWindowInSeconds`` for a batch to fill;
- on a failed invocation retries the batch, the shard waiting behind it (in order, never
  skipping); with ``BisectBatchOnFunctionError`` it first splits a failing batch in two and
  retries the halves, so one poisoned record ends up alone; with ``ReportBatchItemFailures`` a
  reported failure moves the checkpoint to the lowest reported sequence number;
- after ``MaximumRetryAttempts`` retries (``-1``, the default, retries until the records
  expire) sends an invocation record describing the batch (``DDBStreamBatchInfo``, not the
  records) to the ``DestinationConfig.OnFailure`` queue and moves on.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from devtools.local_stack.aws_services import LocalResources
from devtools.local_stack.cloudformation import Intrinsics, function_id
from devtools.local_stack.lambda_runtime import InvocationResult

POLL_INTERVAL_SECONDS = 0.25  # Lambda polls each shard four times a second
# With moto in this process, a write to any stream wakes the pollers at once; an idle poller reads
# once a second besides. Reading every shard four times a second cost an idle stack 7.5% of a core
# (of its 12%), on a 2-core machine that runs several stacks in the tests.
IDLE_POLL_SECONDS = 1.0
RETRY_BACKOFF_SECONDS = (0.2, 0.5, 1.0, 2.0)  # locally short; Lambda backs off exponentially too
# A read or an invocation slower than this is logged: a stream's delay is their sum, and a loaded
# run once saw an Albums stream deliver nothing for minutes without a line saying where it waited.
SLOW_STEP_SECONDS = 10.0


class Invoker(Protocol):
    def invoke(self, logical_id: str, event: Any) -> InvocationResult: ...


# ---- Lambda's event filtering ---------------------------------------------------------------------


class FilterError(ValueError):
    """A pattern Lambda would refuse when the mapping is created."""


_MISSING = object()


def parse_filter_criteria(criteria: dict[str, Any] | None) -> list[dict[str, Any]]:
    """``FilterCriteria`` ({"Filters": [{"Pattern": "<JSON>"}]}) to the patterns; checked as Lambda does."""
    patterns = []
    for entry in (criteria or {}).get("Filters", []):
        pattern = json.loads(entry["Pattern"]) if isinstance(entry["Pattern"], str) else entry["Pattern"]
        if not isinstance(pattern, dict) or not pattern:
            raise FilterError(f"a filter pattern must be a non-empty JSON object: {entry['Pattern']!r}")
        _check_pattern(pattern)
        patterns.append(pattern)
    if len(patterns) > 5:  # Lambda's default quota of filters per mapping
        raise FilterError("at most 5 filters per event source mapping")
    return patterns


def _check_pattern(pattern: dict[str, Any]) -> None:
    for key, value in pattern.items():
        if isinstance(value, dict):
            _check_pattern(value)
        elif isinstance(value, list):
            for matcher in value:
                if isinstance(matcher, dict) and (
                    len(matcher) != 1 or next(iter(matcher)) not in {*_OPERATORS, "exists"}
                ):
                    raise FilterError(f"unsupported filter operator in {key!r}: {matcher!r}")
        else:
            raise FilterError(f"a pattern's leaf must be a list of values: {key!r}")


def matches_any(patterns: list[dict[str, Any]], event: dict[str, Any]) -> bool:
    """Filters are ORed; no filters let everything through."""
    return not patterns or any(matches(pattern, event) for pattern in patterns)


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """One pattern against one event: every key must match (AND)."""
    for key, expected in pattern.items():
        value = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(expected, dict):
            if value is _MISSING or not isinstance(value, dict):
                # Only `exists: false` leaves below can match something that is not there.
                if not _matches_missing_object(expected):
                    return False
            elif not matches(expected, value):
                return False
        elif not _leaf_matches(expected, value):
            return False
    return True


def _matches_missing_object(pattern: dict[str, Any]) -> bool:
    return all(
        _matches_missing_object(expected) if isinstance(expected, dict) else _leaf_matches(expected, _MISSING)
        for expected in pattern.values()
    )


def _leaf_matches(matchers: list[Any], value: Any) -> bool:
    """A value matches a leaf when any matcher matches it; a list value when any element does."""
    values = value if isinstance(value, list) else [value]
    return any(_matcher_matches(matcher, item) for matcher in matchers for item in values) or (
        isinstance(value, list) and not value and any(_matcher_matches(matcher, _MISSING) for matcher in matchers)
    )


def _matcher_matches(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return value is not _MISSING and _equal(matcher, value)
    operator, operand = next(iter(matcher.items()))
    if operator == "exists":
        return (value is not _MISSING) == bool(operand)
    return value is not _MISSING and bool(_OPERATORS[operator](operand, value))


def _anything_but(operand: Any, value: Any) -> bool:
    if isinstance(operand, dict):
        return not _matcher_matches(operand, value)
    excluded = operand if isinstance(operand, list) else [operand]
    return not any(_equal(item, value) for item in excluded)


def _string_operator(operand: Any, value: Any, test: Any) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(operand, dict):  # {"prefix": {"equals-ignore-case": "abc"}}
        return bool(test(value.casefold(), str(next(iter(operand.values()))).casefold()))
    return bool(test(value, str(operand)))


def _equal(expected: Any, value: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool) or expected is None or value is None:
        return expected is value or (expected == value and type(expected) is type(value))
    if isinstance(expected, int | float) and isinstance(value, int | float):
        return float(expected) == float(value)
    return type(expected) is type(value) and bool(expected == value)


def _numeric(conditions: list[Any], value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False  # DynamoDB's "N" values are strings: numeric filters do not apply to them on AWS either
    comparisons = {
        "=": lambda a, b: a == b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    pairs = zip(conditions[0::2], conditions[1::2], strict=True)
    return all(comparisons[operator](float(value), float(bound)) for operator, bound in pairs)


def _wildcard(pattern: str, value: str) -> bool:
    parts = pattern.split("*")
    if len(parts) == 1:
        return value == pattern
    if not value.startswith(parts[0]) or not value.endswith(parts[-1]):
        return False
    position = len(parts[0])
    for part in parts[1:-1]:
        found = value.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return position <= len(value) - len(parts[-1])


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "prefix": lambda operand, value: _string_operator(operand, value, str.startswith),
    "suffix": lambda operand, value: _string_operator(operand, value, str.endswith),
    "equals-ignore-case": lambda operand, value: isinstance(value, str) and value.casefold() == str(operand).casefold(),
    "wildcard": lambda operand, value: isinstance(value, str) and _wildcard(str(operand), value),
    "anything-but": _anything_but,
    "numeric": _numeric,
}


# ---- waking the pollers ----------------------------------------------------------------------------


class StreamWrites:
    """Per table, a count of records added to its stream, and a wait for the next one."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._condition = threading.Condition()
        self.watching = False  # True once moto's streams report their writes here

    def count(self, table_name: str) -> int:
        return self._counts.get(table_name, 0)

    def written(self, table_name: str) -> None:
        with self._condition:
            self._counts[table_name] = self._counts.get(table_name, 0) + 1
            self._condition.notify_all()

    def wait_after(self, table_name: str, seen: int, timeout: float, stopping: threading.Event) -> None:
        """Until the table's stream gets a record after ``seen`` was read, the poller stops, or ``timeout``."""
        with self._condition:
            self._condition.wait_for(lambda: self.count(table_name) != seen or stopping.is_set(), timeout)

    def wake(self) -> None:
        with self._condition:
            self._condition.notify_all()


STREAM_WRITES = StreamWrites()


def watch_moto_stream_writes() -> None:
    """Report every record moto adds to a table's stream (moto answers in this process); idempotent."""
    from moto.dynamodb.models.table import StreamShard

    if STREAM_WRITES.watching:
        return
    add = StreamShard.add

    def add_and_report(shard: Any, *args: Any, **kwargs: Any) -> None:
        add(shard, *args, **kwargs)
        STREAM_WRITES.written(shard.table.name)

    StreamShard.add = add_and_report  # type: ignore[method-assign,assignment]
    STREAM_WRITES.watching = True


# ---- mappings read from the template -------------------------------------------------------------


@dataclass
class StreamMapping:
    logical_id: str
    function_id: str
    function_arn: str
    stream_arn: str
    starting_position: str = "LATEST"
    batch_size: int = 100
    batching_window_seconds: float = 0.0
    filters: list[dict[str, Any]] = field(default_factory=list)
    bisect_on_error: bool = False
    maximum_retry_attempts: int = -1  # -1: until the records expire
    report_batch_item_failures: bool = False
    on_failure_queue_arn: str | None = None


def is_stream_arn(arn: Any) -> bool:
    return isinstance(arn, str) and arn.startswith("arn:aws:dynamodb:") and "/stream/" in arn


def stream_mappings(intrinsics: Intrinsics, resources: LocalResources | None = None) -> list[StreamMapping]:
    """The template's DynamoDB stream event source mappings (SAM's DynamoDB events included, translated)."""
    mappings = []
    for logical_id, resource in intrinsics.template["Resources"].items():
        if resource["Type"] != "AWS::Lambda::EventSourceMapping" or not intrinsics.resource_enabled(resource):
            continue
        properties = resource["Properties"]
        stream_arn = intrinsics.resolve(properties.get("EventSourceArn"))
        if properties.get("Enabled") is False or not is_stream_arn(stream_arn):
            continue
        destination = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        mappings.append(
            StreamMapping(
                logical_id=logical_id,
                function_id=function_id(intrinsics.template, properties["FunctionName"]),
                function_arn=str(intrinsics.resolve(properties["FunctionName"])),
                stream_arn=stream_arn,
                starting_position=properties.get("StartingPosition", "LATEST"),
                batch_size=int(properties.get("BatchSize", 100)),
                batching_window_seconds=float(properties.get("MaximumBatchingWindowInSeconds", 0)),
                filters=parse_filter_criteria(properties.get("FilterCriteria")),
                bisect_on_error=bool(properties.get("BisectBatchOnFunctionError", False)),
                maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
                report_batch_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
                on_failure_queue_arn=intrinsics.resolve(destination) if destination else None,
            )
        )
    return mappings


# ---- the event shape ------------------------------------------------------------------------------


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda hands it to the function: plus ``eventSourceARN``, the
    creation time as epoch seconds."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": record.get("eventSource", "aws:dynamodb"),
        "awsRegion": record["awsRegion"],
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def failure_record(
    mapping: StreamMapping, shard_id: str, records: list[dict[str, Any]], result: InvocationResult, invokes: int
) -> dict[str, Any]:
    """What Lambda sends to a stream mapping's on-failure destination: the batch's coordinates."""

    def arrival(record: dict[str, Any]) -> str:
        stamp = record["dynamodb"].get("ApproximateCreationDateTime", 0)
        return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "requestContext": {
            "requestId": result.request_id or str(uuid.uuid4()),
            "functionArn": mapping.function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": invokes,
        },
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled" if result.failed else "",
        },
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": arrival(records[0]),
            "approximateArrivalOfLastRecord": arrival(records[-1]),
            "batchSize": len(records),
            "streamArn": mapping.stream_arn,
        },
    }


# ---- the poller -----------------------------------------------------------------------------------


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    buffered: list[dict[str, Any]] = field(default_factory=list)  # read, matched, not yet delivered
    first_buffered_at: float = 0.0


class StreamPoller:
    """One mapping: its own thread, the stream's shards one after another, each strictly in order."""

    def __init__(
        self,
        mapping: StreamMapping,
        streams: Any,
        sqs: Any,
        runtime: Invoker,
        *,
        poll_interval: float = POLL_INTERVAL_SECONDS,
        log: Any = print,
    ) -> None:
        self.mapping = mapping
        self._streams = streams
        self._sqs = sqs
        self._runtime = runtime
        self._poll_interval = poll_interval
        self._log = log
        self._shards: dict[str, _Shard] = {}
        self._table_name = mapping.stream_arn.split(":table/", 1)[1].split("/stream/", 1)[0]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"stream-{mapping.logical_id}")
        self.delivered = 0  # records handed to the function successfully
        self.sent_to_destination = 0  # records given up on

    def start(self) -> StreamPoller:
        self._discover_shards()  # now, so that LATEST means "from the moment the stack started"
        self._thread.start()
        return self

    def request_stop(self) -> None:
        self._stopping.set()
        STREAM_WRITES.wake()

    def stop(self) -> None:
        self.request_stop()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopping.is_set():
            seen = STREAM_WRITES.count(self._table_name)  # before the read: a record added during it ends the wait
            try:
                busy = self.poll_once()
            except Exception as error:  # keep polling; the stack's console shows why
                if self._stopping.is_set():
                    return
                self._log(f"[local-stack] stream {self.mapping.logical_id} failed: {error}")
                busy = False
            if busy:
                continue
            if STREAM_WRITES.watching and not any(shard.buffered for shard in self._shards.values()):
                STREAM_WRITES.wait_after(self._table_name, seen, IDLE_POLL_SECONDS, self._stopping)
            else:  # a batching window to close, or moto elsewhere: Lambda's pace
                self._stopping.wait(self._poll_interval)

    def _discover_shards(self) -> None:
        description = self._streams.describe_stream(StreamArn=self.mapping.stream_arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            if shard["ShardId"] not in self._shards:
                iterator = self._streams.get_shard_iterator(
                    StreamArn=self.mapping.stream_arn,
                    ShardId=shard["ShardId"],
                    ShardIteratorType=self.mapping.starting_position,
                )["ShardIterator"]
                self._shards[shard["ShardId"]] = _Shard(shard["ShardId"], iterator)

    def poll_once(self) -> bool:
        """Read every shard once and deliver what is due; True when there may be more to read."""
        busy = False
        for shard in list(self._shards.values()):
            busy |= self._read(shard)
            while self._due(shard) and not self._stopping.is_set():
                batch = shard.buffered[: self.mapping.batch_size]
                self._deliver(shard.shard_id, batch)
                shard.buffered = shard.buffered[len(batch) :]
                shard.first_buffered_at = time.monotonic()
        return busy

    def _read(self, shard: _Shard) -> bool:
        if shard.iterator is None:
            return False
        started = time.monotonic()
        response = self._streams.get_records(ShardIterator=shard.iterator, Limit=1000)
        self._log_if_slow(started, f"GetRecords on {shard.shard_id}")
        shard.iterator = response.get("NextShardIterator")
        records = [lambda_record(record, self.mapping.stream_arn) for record in response.get("Records", [])]
        matched = [record for record in records if matches_any(self.mapping.filters, record)]
        if matched and not shard.buffered:
            shard.first_buffered_at = time.monotonic()
        shard.buffered.extend(matched)
        return bool(records)

    def _due(self, shard: _Shard) -> bool:
        if not shard.buffered:
            return False
        if len(shard.buffered) >= self.mapping.batch_size:
            return True
        return time.monotonic() - shard.first_buffered_at >= self.mapping.batching_window_seconds

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        """Returns once every record of the batch was delivered or given up on, in order."""
        pending: deque[tuple[list[dict[str, Any]], int]] = deque([(records, 0)])
        while pending and not self._stopping.is_set():
            part, retries = pending.popleft()
            started = time.monotonic()
            result = self._runtime.invoke(self.mapping.function_id, {"Records": part})
            self._log_if_slow(started, f"{self.mapping.function_id} on {len(part)} record(s) of {shard_id}")
            failed_at = self._first_failure(part, result)
            if failed_at is None:
                self.delivered += len(part)
                continue
            self.delivered += failed_at
            if failed_at > 0:  # a reported item failure: the checkpoint moves to it
                part = part[failed_at:]
            elif self.mapping.bisect_on_error and len(part) > 1:
                half = len(part) // 2
                pending.appendleft((part[half:], retries))
                pending.appendleft((part[:half], retries))
                continue
            reason = result.error.get("errorMessage") if result.error else "batch item failures reported"
            self._log(f"[local-stack] {self.mapping.function_id} failed on {len(part)} stream record(s): {reason}")
            if 0 <= self.mapping.maximum_retry_attempts <= retries:
                self._send_to_destination(shard_id, part, result, retries + 1)
                continue
            self._stopping.wait(RETRY_BACKOFF_SECONDS[min(retries, len(RETRY_BACKOFF_SECONDS) - 1)])
            pending.appendleft((part, retries + 1))

    def _log_if_slow(self, started: float, step: str) -> None:
        elapsed = time.monotonic() - started
        if elapsed >= SLOW_STEP_SECONDS:
            self._log(f"[local-stack] stream {self.mapping.logical_id}: {step} took {elapsed:.1f} s")

    def _first_failure(self, part: list[dict[str, Any]], result: InvocationResult) -> int | None:
        """None when the batch succeeded, else the index of the first record to retry from."""
        if result.failed:
            return 0
        if not self.mapping.report_batch_item_failures or not isinstance(result.payload, dict):
            return None
        failures = result.payload.get("batchItemFailures") or []
        sequence_numbers = [record["dynamodb"]["SequenceNumber"] for record in part]
        reported = [item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures]
        if not reported:
            return None
        if any(identifier not in sequence_numbers for identifier in reported):
            return 0  # an empty or unknown identifier fails the whole batch, as on Lambda
        return min(sequence_numbers.index(identifier) for identifier in reported)

    def _send_to_destination(
        self, shard_id: str, records: list[dict[str, Any]], result: InvocationResult, invokes: int
    ) -> None:
        self.sent_to_destination += len(records)
        if self.mapping.on_failure_queue_arn is None:
            self._log(f"[local-stack] {self.mapping.logical_id}: {len(records)} stream record(s) discarded")
            return
        queue_name = self.mapping.on_failure_queue_arn.rsplit(":", 1)[1]
        queue_url = self._sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        record = failure_record(self.mapping, shard_id, records, result, invokes)
        self._sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(record))
        self._log(
            f"[local-stack] {self.mapping.logical_id}: {len(records)} stream record(s) described to "
            f"{self.mapping.on_failure_queue_arn}"
        )
