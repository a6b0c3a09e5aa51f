"""The local stack's DynamoDB stream event source: Lambda's filtering, batching, retries, bisection,
on-failure destination and event shape, against moto's real stream (no stack, no HTTP server of ours).

Not marked e2e: a fast check of the harness that feeds stream-driven functions in the e2e tests.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from devtools.local_stack import streams as streams_module
from devtools.local_stack.aws_services import aws_client, start_moto
from devtools.local_stack.cloudformation import Intrinsics, PhysicalResource
from devtools.local_stack.lambda_runtime import InvocationResult
from devtools.local_stack.streams import (
    FilterError,
    StreamMapping,
    StreamPoller,
    matches,
    matches_any,
    parse_filter_criteria,
    stream_mappings,
)

# ---- filter patterns --------------------------------------------------------------------------------

RECORD = {
    "eventName": "MODIFY",
    "eventSource": "aws:dynamodb",
    "dynamodb": {
        "Keys": {"orderId": {"S": "o-1"}},
        "NewImage": {"status": {"S": "COMPLETED"}, "customerId": {"S": "cust-42"}, "tags": {"L": []}},
        "OldImage": {"status": {"S": "PROCESSING"}},
        "SizeBytes": 120,
    },
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"eventName": ["MODIFY"]}, True),
        ({"eventName": ["INSERT", "MODIFY"]}, True),
        ({"eventName": ["INSERT"]}, False),
        ({"dynamodb": {"NewImage": {"status": {"S": ["COMPLETED"]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": ["PENDING"]}}}}, False),
        ({"dynamodb": {"NewImage": {"customerId": {"S": [{"prefix": "cust-"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"customerId": {"S": [{"prefix": "admin-"}]}}}}, False),
        ({"dynamodb": {"NewImage": {"customerId": {"S": [{"suffix": "-42"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"customerId": {"S": [{"equals-ignore-case": "CUST-42"}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": ["PENDING", "FAILED"]}]}}}}, True),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": "COMPLETED"}]}}}}, False),
        ({"dynamodb": {"NewImage": {"status": {"S": [{"anything-but": {"prefix": "COMP"}}]}}}}, False),
        ({"dynamodb": {"NewImage": {"errorMessage": [{"exists": False}]}}}, True),
        ({"dynamodb": {"NewImage": {"errorMessage": [{"exists": True}]}}}, False),
        ({"dynamodb": {"OldImage": {"status": [{"exists": True}]}}}, True),
        ({"dynamodb": {"Missing": {"anything": [{"exists": False}]}}}, True),
        ({"dynamodb": {"Missing": {"anything": ["x"]}}}, False),
        ({"dynamodb": {"SizeBytes": [{"numeric": [">=", 100, "<", 200]}]}}, True),
        ({"dynamodb": {"SizeBytes": [{"numeric": [">", 120]}]}}, False),
        ({"dynamodb": {"SizeBytes": [120]}}, True),
        ({"dynamodb": {"SizeBytes": ["120"]}}, False),  # types matter: a string is not a number
        ({"dynamodb": {"Keys": {"orderId": {"S": [{"wildcard": "o-*"}]}}}}, True),
        ({"eventName": ["MODIFY"], "dynamodb": {"NewImage": {"status": {"S": ["PENDING"]}}}}, False),  # AND
    ],
)
def test_filter_patterns_match_as_lambda_does(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(pattern, RECORD) is expected


def test_filters_are_ored_and_none_lets_everything_through() -> None:
    patterns = parse_filter_criteria(
        {"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}, {"Pattern": '{"eventName": ["MODIFY"]}'}]}
    )
    assert matches_any(patterns, RECORD)
    assert not matches_any(patterns[:1], RECORD)
    assert matches_any([], RECORD)


@pytest.mark.parametrize(
    "pattern",
    ['{"eventName": "MODIFY"}', '{"eventName": [{"regex": "M.*"}]}', "{}", '["MODIFY"]'],
)
def test_patterns_lambda_refuses_are_refused(pattern: str) -> None:
    with pytest.raises(FilterError):
        parse_filter_criteria({"Filters": [{"Pattern": pattern}]})


# ---- the poller against moto's stream ---------------------------------------------------------------


class Function:
    """A function the poller invokes: records every batch; `behaviour` decides each answer."""

    def __init__(self, behaviour: Callable[[list[dict[str, Any]]], InvocationResult] | None = None) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self._behaviour = behaviour or (lambda records: InvocationResult(payload=None, request_id="r"))

    def invoke(self, logical_id: str, event: Any) -> InvocationResult:
        assert logical_id == "PublisherFunction"
        self.batches.append(event["Records"])
        return self._behaviour(event["Records"])


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [record["dynamodb"]["Keys"]["id"]["S"] for record in records]


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    server, url = start_moto()
    yield {"url": url}
    server.stop()


@pytest.fixture
def table(aws: dict[str, Any]) -> dict[str, Any]:
    dynamodb = aws_client("dynamodb", aws["url"], "us-east-1")
    name = f"streams-{uuid.uuid4().hex[:12]}"
    description = dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]
    sqs = aws_client("sqs", aws["url"], "us-east-1")
    queue_url = sqs.create_queue(QueueName=f"{name}-failures")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {
        "name": name,
        "stream_arn": description["LatestStreamArn"],
        "dynamodb": dynamodb,
        "sqs": sqs,
        "queue_url": queue_url,
        "queue_arn": queue_arn,
        "url": aws["url"],
    }


def poller(table: dict[str, Any], function: Function, **options: Any) -> StreamPoller:
    mapping = StreamMapping(
        logical_id="PublisherStreamMapping",
        function_id="PublisherFunction",
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:publisher:live",
        stream_arn=table["stream_arn"],
        **options,
    )
    streams = aws_client("dynamodbstreams", table["url"], "us-east-1")
    # start() reads the shards but no thread is needed: the tests drive poll_once themselves.
    created = StreamPoller(mapping, streams, table["sqs"], function, log=lambda line: None)
    created._discover_shards()
    return created


def put(table: dict[str, Any], item_id: str, **attributes: str) -> None:
    item = {"id": {"S": item_id}} | {name: {"S": value} for name, value in attributes.items()}
    table["dynamodb"].put_item(TableName=table["name"], Item=item)


def drain(created: StreamPoller) -> None:
    for _ in range(5):
        created.poll_once()


def test_records_arrive_in_order_in_batches_in_lambdas_event_shape(table: dict[str, Any]) -> None:
    function = Function()
    created = poller(table, function, batch_size=3)
    for number in range(7):
        put(table, f"item-{number}", status="PENDING")
    put(table, "item-0", status="COMPLETED")
    table["dynamodb"].delete_item(TableName=table["name"], Key={"id": {"S": "item-1"}})
    drain(created)

    assert [len(batch) for batch in function.batches] == [3, 3, 3]
    records = [record for batch in function.batches for record in batch]
    assert ids(records) == [f"item-{number}" for number in range(7)] + ["item-0", "item-1"]
    assert [record["eventName"] for record in records] == ["INSERT"] * 7 + ["MODIFY", "REMOVE"]
    modify = records[7]
    assert set(modify) == {
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
    }
    assert modify["eventSource"] == "aws:dynamodb"
    assert modify["eventSourceARN"] == table["stream_arn"]
    assert modify["dynamodb"]["NewImage"] == {"id": {"S": "item-0"}, "status": {"S": "COMPLETED"}}
    assert modify["dynamodb"]["OldImage"] == {"id": {"S": "item-0"}, "status": {"S": "PENDING"}}
    assert modify["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(modify["dynamodb"]["ApproximateCreationDateTime"], int)
    sequence = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    assert sequence == sorted(sequence)
    assert "NewImage" not in records[8]["dynamodb"]
    json.dumps(function.batches)  # the event is plain JSON, as a function receives it


def test_latest_starts_after_what_was_written_before(table: dict[str, Any]) -> None:
    put(table, "before")
    function = Function()
    created = poller(table, function)
    put(table, "after")
    drain(created)
    assert [ids(batch) for batch in function.batches] == [["after"]]


def test_filter_criteria_drop_records_before_batching(table: dict[str, Any]) -> None:
    function = Function()
    completed = {"dynamodb": {"NewImage": {"status": {"S": ["COMPLETED", "FAILED"]}}}}
    created = poller(table, function, batch_size=10, filters=[completed])
    put(table, "a", status="PENDING")
    put(table, "b", status="COMPLETED")
    put(table, "c", status="PROCESSING")
    put(table, "d", status="FAILED")
    drain(created)
    assert [ids(batch) for batch in function.batches] == [["b", "d"]]


def failing_on(poisoned: str) -> Callable[[list[dict[str, Any]]], InvocationResult]:
    def behaviour(records: list[dict[str, Any]]) -> InvocationResult:
        if poisoned in ids(records):
            return InvocationResult(error={"errorType": "ValueError", "errorMessage": "poisoned"}, request_id="req-1")
        return InvocationResult(payload=None, request_id="req-2")

    return behaviour


def test_a_poisoned_record_is_bisected_out_retried_and_described_to_the_destination(table: dict[str, Any]) -> None:
    function = Function(failing_on("item-2"))
    created = poller(
        table, function, batch_size=4, bisect_on_error=True, maximum_retry_attempts=1,
        on_failure_queue_arn=table["queue_arn"],
    )  # fmt: skip
    for number in range(6):
        put(table, f"item-{number}")
    drain(created)

    delivered = [ids(batch) for batch in function.batches]
    # [0..3] fails, halves [0,1] ok and [2,3] fails, [2] fails (and once more: one retry), [3] ok, then [4,5].
    assert delivered == [
        ["item-0", "item-1", "item-2", "item-3"],
        ["item-0", "item-1"],
        ["item-2", "item-3"],
        ["item-2"],
        ["item-2"],
        ["item-3"],
        ["item-4", "item-5"],
    ]
    assert created.delivered == 5
    assert created.sent_to_destination == 1
    messages = table["sqs"].receive_message(QueueUrl=table["queue_url"], MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 1
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"].endswith(":function:publisher:live")
    assert record["responseContext"]["functionError"] == "Unhandled"
    info = record["DDBStreamBatchInfo"]
    assert info["batchSize"] == 1
    assert info["streamArn"] == table["stream_arn"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"]


def test_without_bisect_the_whole_batch_is_retried_then_given_up(table: dict[str, Any]) -> None:
    function = Function(failing_on("item-1"))
    created = poller(table, function, batch_size=10, maximum_retry_attempts=2, on_failure_queue_arn=table["queue_arn"])
    for number in range(3):
        put(table, f"item-{number}")
    put(table, "item-3")
    drain(created)
    # The first read holds all four records: one batch, tried three times, then described.
    assert [ids(batch) for batch in function.batches] == [["item-0", "item-1", "item-2", "item-3"]] * 3
    messages = table["sqs"].receive_message(QueueUrl=table["queue_url"])["Messages"]
    assert json.loads(messages[0]["Body"])["DDBStreamBatchInfo"]["batchSize"] == 4


def test_a_failing_shard_waits_in_order_until_the_function_recovers(table: dict[str, Any]) -> None:
    attempts = {"count": 0}

    def flaky(records: list[dict[str, Any]]) -> InvocationResult:
        attempts["count"] += 1
        if attempts["count"] <= 2:
            return InvocationResult(error={"errorType": "Throttled", "errorMessage": "busy"})
        return InvocationResult(payload=None)

    function = Function(flaky)
    created = poller(table, function, batch_size=1)  # MaximumRetryAttempts -1: until it succeeds
    put(table, "first")
    put(table, "second")
    drain(created)
    assert [ids(batch) for batch in function.batches] == [["first"], ["first"], ["first"], ["second"]]
    assert created.sent_to_destination == 0


def test_reported_item_failures_move_the_checkpoint(table: dict[str, Any]) -> None:
    calls = {"count": 0}

    def report_third_once(records: list[dict[str, Any]]) -> InvocationResult:
        calls["count"] += 1
        third = [record["dynamodb"]["SequenceNumber"] for record in records if ids([record]) == ["item-2"]]
        failures = [{"itemIdentifier": third[0]}] if calls["count"] == 1 else []
        return InvocationResult(payload={"batchItemFailures": failures})

    function = Function(report_third_once)
    created = poller(table, function, batch_size=5, report_batch_item_failures=True)
    for number in range(5):
        put(table, f"item-{number}")
    drain(created)
    assert [ids(batch) for batch in function.batches] == [
        [f"item-{number}" for number in range(5)],
        ["item-2", "item-3", "item-4"],
    ]
    assert created.delivered == 5


def test_an_unknown_reported_identifier_fails_the_whole_batch(table: dict[str, Any]) -> None:
    calls = {"count": 0}

    def report_garbage_once(records: list[dict[str, Any]]) -> InvocationResult:
        calls["count"] += 1
        failures = [{"itemIdentifier": "not-a-sequence-number"}] if calls["count"] == 1 else []
        return InvocationResult(payload={"batchItemFailures": failures})

    function = Function(report_garbage_once)
    created = poller(table, function, batch_size=5, report_batch_item_failures=True)
    put(table, "a")
    put(table, "b")
    drain(created)
    assert [ids(batch) for batch in function.batches] == [["a", "b"], ["a", "b"]]


class SteppedClock:
    """The poller's clock, moved by the test: the window is decided by time the test chose, not by
    how fast a busy machine runs the lines between two polls."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_the_batching_window_waits_for_more_records(table: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    clock = SteppedClock()
    monkeypatch.setattr(streams_module, "time", clock)
    function = Function()
    created = poller(table, function, batch_size=10, batching_window_seconds=0.5)
    put(table, "early")
    created.poll_once()
    clock.now += 0.4  # still inside the window
    created.poll_once()
    assert function.batches == []
    put(table, "late")
    clock.now += 0.2  # past it
    created.poll_once()
    assert [ids(batch) for batch in function.batches] == [["early", "late"]]


def test_mappings_are_read_from_the_template() -> None:
    template = {
        "Resources": {
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Publisher": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "StreamMapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Table", "StreamArn"]},
                    "FunctionName": {"Ref": "Publisher"},
                    "StartingPosition": "TRIM_HORIZON",
                    "BatchSize": 25,
                    "BisectBatchOnFunctionError": True,
                    "MaximumRetryAttempts": 3,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                    "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": ["Queue", "Arn"]}}},
                    "FilterCriteria": {"Filters": [{"Pattern": '{"eventName": ["MODIFY"]}'}]},
                },
            },
            "QueueMapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]},
                    "FunctionName": {"Ref": "Publisher"},
                },
            },
        }
    }
    stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:failures"
    intrinsics = Intrinsics(template=template, region="us-east-1", stack_name="s")
    intrinsics.physical["Table"] = PhysicalResource("t", {"StreamArn": stream_arn, "Arn": "arn:aws:dynamodb:::table/t"})
    intrinsics.physical["Queue"] = PhysicalResource("url", {"Arn": queue_arn})
    intrinsics.physical["Publisher"] = PhysicalResource("p", {"Arn": "arn:aws:lambda:us-east-1:1:function:p"})
    (mapping,) = stream_mappings(intrinsics)
    assert (mapping.logical_id, mapping.function_id, mapping.stream_arn) == ("StreamMapping", "Publisher", stream_arn)
    assert (mapping.starting_position, mapping.batch_size, mapping.maximum_retry_attempts) == ("TRIM_HORIZON", 25, 3)
    assert mapping.bisect_on_error
    assert mapping.report_batch_item_failures
    assert mapping.on_failure_queue_arn == queue_arn
    assert mapping.filters == [{"eventName": ["MODIFY"]}]


def test_a_slow_invocation_is_logged_with_its_duration_and_batch(
    table: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stream that delivers late says where it waited (a loaded run once showed minutes of nothing)."""
    monkeypatch.setattr(streams_module, "SLOW_STEP_SECONDS", 0.2)

    def slow(records: list[dict[str, Any]]) -> InvocationResult:
        time.sleep(0.3)
        return InvocationResult(payload=None, request_id="r")

    created = poller(table, Function(slow))
    lines: list[str] = []
    created._log = lines.append
    put(table, "item-slow", status="PENDING")
    drain(created)

    slow_lines = [line for line in lines if "took" in line]
    assert len(slow_lines) == 1, lines
    assert slow_lines[0].startswith("[local-stack] stream PublisherStreamMapping: PublisherFunction on 1 record(s) of ")
    assert float(slow_lines[0].rsplit(" took ", 1)[1].removesuffix(" s")) >= 0.3


def test_a_write_wakes_an_idle_poller_and_only_its_tables_count_moves(
    table: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """moto answers in this process: its stream writes wake the poller, which otherwise reads once
    a minute here (IDLE_POLL_SECONDS patched), so a prompt delivery proves the wake-up."""
    streams_module.watch_moto_stream_writes()
    monkeypatch.setattr(streams_module, "IDLE_POLL_SECONDS", 60.0)
    writes = streams_module.STREAM_WRITES
    function = Function()
    created = poller(table, function)
    before, elsewhere = writes.count(table["name"]), writes.count("another-table")
    created._thread.start()
    try:
        time.sleep(0.5)  # let it read the empty shard and wait
        put(table, "item-woken", status="PENDING")
        deadline = time.monotonic() + 30  # a margin for a busy machine: without the wake-up, 60 s
        while not function.batches and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        created.stop()
    assert [ids(batch) for batch in function.batches] == [["item-woken"]]
    assert writes.count(table["name"]) == before + 1
    assert writes.count("another-table") == elsewhere
    assert not created._thread.is_alive()  # stop() woke the idle wait too
