"""Faults (issue 5, item 4), part 1: every AWS call of every operation, throttled or failing.

For each operation, a clean run first lists the AWS calls it makes. Then, for each of those
calls and each fault kind (DynamoDB ProvisionedThroughputExceeded / 500, S3 SlowDown / 500,
SQS throttled / 500), the same request runs again on fresh data:

- transient (all attempts but the last fail): botocore's standard retries recover; the answer and the
  change to the tables are exactly those of the clean run;
- persistent (every attempt fails): the client gets a typed error (InternalError) with no AWS
  text, and the tables are either untouched or hold a partial change that the client's plain
  retry completes into exactly the clean run's change. Anything else is counted half-written.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ape_moments.errors import ApiError, InternalError
from tests.conftest import BUCKET, cognito_identity
from tests.security.faults import REFUSED_KINDS, Fault, Injector, delta, injector, leaks, snapshot, total_attempts
from tests.security.figures import FIGURES
from tests.security.operations import OPERATION_NAMES
from tests.security.scenarios import PREPARE, call_in_process

__all__ = ["injector"]  # the fixture, imported for pytest


def _run(field: str, arguments: dict[str, Any], identity: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", call_in_process(field, arguments, identity)
    except ApiError as error:
        return type(error).__name__, error.message


GENERATED = {
    "orderId",
    "albumId",
    "collageId",
    "customerId",
    "presignedUrl",
    "s3Key",
    "s3Prefix",
    "nextToken",
    "key",
    "url",
    "thumbnailUrl",
    "photoKey",  # an order item's source: a fresh photo each run
}


def _shape(result: Any) -> Any:
    """The answer without generated values, to compare a retried run with the clean one."""
    if isinstance(result, dict):
        return {k: _shape(v) for k, v in result.items() if k not in GENERATED and not k.endswith("At")}
    if isinstance(result, list):
        return [_shape(v) for v in result]
    return result


def test_every_operation_has_a_fault_scenario() -> None:
    assert set(PREPARE) == set(OPERATION_NAMES)


@pytest.mark.parametrize("field", OPERATION_NAMES)
def test_each_aws_call_of_each_operation_survives_throttling_and_5xx(field: str, aws: Any, injector: Injector) -> None:
    customer: dict[str, Any] = {}

    def fresh() -> tuple[dict[str, Any], dict[str, Any]]:
        """A new customer (so listings hold only this run's data) and what the call needs."""
        customer.clear()
        # refundOrder is the admins' (SPEC 12): its scenario runs as an admin.
        customer.update(cognito_identity(str(uuid.uuid4()), groups=["admins"] if field == "refundOrder" else None))
        arguments = PREPARE[field](call_in_process, customer, aws)
        injector.reset()
        return arguments, snapshot(aws, BUCKET)

    attempts = total_attempts()
    FIGURES.note("faults.attempts", str(attempts))
    arguments, before = fresh()
    outcome, clean_result = _run(field, arguments, customer)
    assert outcome == "ok", clean_result
    clean_calls = list(injector.calls)
    clean_change = delta(before, snapshot(aws, BUCKET), customer["sub"])
    FIGURES.add("faults.scenarios")

    for index, call in enumerate(clean_calls):
        for kind in REFUSED_KINDS:
            # Transient: the last attempt goes through.
            arguments, before = fresh()
            injector.reset(Fault(index, attempts - 1, kind))
            outcome, result = _run(field, arguments, customer)
            FIGURES.add("faults.injected", injector.injected)
            FIGURES.add("faults.scenarios")
            assert injector.injected == attempts - 1, (call, kind)
            assert outcome == "ok", (call, kind, result)
            assert _shape(result) == _shape(clean_result)
            assert delta(before, snapshot(aws, BUCKET), customer["sub"]) == clean_change, (call, kind)
            FIGURES.add("faults.retried_success")

            # Persistent: every attempt of this call fails.
            arguments, before = fresh()
            injector.reset(Fault(index, attempts, kind))
            outcome, message = _run(field, arguments, customer)
            FIGURES.add("faults.injected", injector.injected)
            FIGURES.add("faults.scenarios")
            assert outcome == InternalError.__name__, (call, kind, outcome, message)
            _no_leak(message, call, kind)
            FIGURES.add("faults.typed_errors")
            change = delta(before, snapshot(aws, BUCKET), customer["sub"])
            if change:
                # Partial: the client's retry of the same request must finish the job exactly.
                injector.reset()
                outcome, result = _run(field, arguments, customer)
                retried_change = delta(before, snapshot(aws, BUCKET), customer["sub"])
                if outcome != "ok" or retried_change != clean_change:
                    FIGURES.add("faults.half_written")
                assert outcome == "ok", (call, kind, change, result)
                assert retried_change == clean_change, (call, kind, change)
                FIGURES.add("faults.partial_then_completed")

        # Lost response: the write took effect, its answer did not arrive, botocore retries.
        arguments, before = fresh()
        injector.reset(Fault(index, 1, "lost_response"))
        outcome, result = _run(field, arguments, customer)
        FIGURES.add("faults.injected", injector.injected)
        FIGURES.add("faults.scenarios")
        change = delta(before, snapshot(aws, BUCKET), customer["sub"])
        assert change in ({}, clean_change), (call, "lost_response", change)  # never a torn write
        if outcome == "ok":
            assert _shape(result) == _shape(clean_result)
            FIGURES.add("faults.retried_success")
        else:
            _no_leak(result, call, "lost_response")
            FIGURES.add("faults.typed_errors")
            if change:
                # Done, but the client was told it failed: an ambiguous answer (docs/SECURITY.md).
                AMBIGUOUS.append(f"{field}: {call} -> {outcome}")
                FIGURES.add("faults.ambiguous")


AMBIGUOUS: list[str] = []


def _no_leak(message: Any, call: str, kind: str) -> None:
    found = leaks(str(message))
    FIGURES.add("faults.leaks", len(found))
    assert found == [], (call, kind, message)


def test_zz_report_ambiguous_answers() -> None:
    """Lists (does not fail on) writes that succeeded while the client was told they failed."""
    FIGURES.note("faults.ambiguous", "; ".join(AMBIGUOUS))


def test_process_order_when_the_queue_and_the_undo_both_fail(aws: Any, injector: Injector) -> None:
    """Double fault: the message cannot be queued and the order cannot be put back to PENDING.

    The client gets InternalError; the order is left in PROCESSING without a message (a trace
    in the logs only), and the client's retry of processOrder queues it again and it completes.
    """
    customer = cognito_identity(str(uuid.uuid4()))
    order_id = call_in_process("createOrder", PREPARE["createOrder"](call_in_process, customer, aws), customer)[
        "orderId"
    ]
    attempts = total_attempts()
    injector.reset(Fault(1, attempts, "server_error"), Fault(2, attempts, "server_error"))
    outcome, message = _run("processOrder", {"orderId": order_id}, customer)
    assert injector.calls[:3] == [
        "dynamodb.UpdateItem(OrdersTable)",
        "sqs.SendMessage",
        "dynamodb.UpdateItem(OrdersTable)",
    ]
    FIGURES.add("faults.injected", injector.injected)
    FIGURES.add("faults.scenarios")
    assert outcome == InternalError.__name__
    _no_leak(message, "sqs.SendMessage + undo", "server_error")
    FIGURES.add("faults.typed_errors")
    stranded = call_in_process("getOrder", {"orderId": order_id}, customer)
    assert stranded["status"] == "PROCESSING"  # no message queued for it: only a retry moves it on
    queued = aws.sqs.get_queue_attributes(QueueUrl=aws.queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    assert queued["Attributes"]["ApproximateNumberOfMessages"] == "0"
    injector.reset()
    outcome, result = _run("processOrder", {"orderId": order_id}, customer)  # the client's retry
    assert outcome == "ok"
    assert result["status"] == "PROCESSING"
    assert queued != aws.sqs.get_queue_attributes(
        QueueUrl=aws.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    FIGURES.add("faults.partial_then_completed")
