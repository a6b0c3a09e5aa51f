"""The sweeper: orders stuck in PROCESSING are requeued, then failed; nothing else is touched."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ape_moments import aws as aws_clients
from ape_moments.jobs.sweeper import Sweeper
from ape_moments.orders.models import OrderStatus, status_change
from ape_moments.orders.queue import ProcessingQueue
from ape_moments.orders.repository import OrdersRepository
from ape_moments.orders.stuck import STUCK_MESSAGE, StuckOrders
from tests.conftest import EVENTS, FakeContext, count_aws_calls, load_handler
from tests.unit.orders.emf import business, dims, emf
from tests.unit.orders.helpers import minutes_ago, seed_order, stored_order
from tests.unit.orders.test_processing import charges, deliver, process, queued

__all__ = ["charges", "emf"]  # fixtures

STUCK_AFTER = timedelta(minutes=30)


@pytest.fixture
def sweeper_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUCK_AFTER_MINUTES", "30")
    monkeypatch.setenv("SWEEPER_MAX_REQUEUES", "2")


def make_sweeper(aws: Any, *, at: datetime | None = None, max_requeues: int = 2) -> Sweeper:
    clock: Callable[[], datetime] = (lambda: at) if at else (lambda: datetime.now(UTC))
    orders = OrdersRepository("OrdersTable", aws_clients.client("dynamodb"))
    queue = ProcessingQueue(aws.queue_url, aws_clients.client("sqs"))
    return Sweeper(
        [StuckOrders(orders, queue, max_requeues=max_requeues, clock=clock)], stuck_after=STUCK_AFTER, clock=clock
    )


def queued_ids(aws: Any) -> list[str]:
    messages = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    return sorted(json.loads(m["Body"])["orderId"] for m in messages.get("Messages", []))


def test_a_stuck_order_is_requeued_and_counted(aws: Any, customer: Any, emf: Any) -> None:
    emf.as_service("sweeper")
    stuck = seed_order(customer, "PROCESSING", created=minutes_ago(45))
    assert make_sweeper(aws).sweep() == {"order": {"requeued": 1, "failed": 0}}
    assert queued_ids(aws) == [stuck.order_id]
    after = stored_order(stuck.order_id)
    assert after is not None
    assert (after.status, after.sweep_count) == (OrderStatus.PROCESSING, 1)
    assert after.updated_at > stuck.updated_at  # the stuck clock starts again
    points = emf.read()
    assert business(points) == {("StuckItemsFound", dims(service="sweeper"))}
    assert next(p for p in points if p.name == "StuckItemsFound").metadata["itemIds"] == [f"order/{stuck.order_id}"]


def test_only_processing_orders_past_the_limit_are_touched(aws: Any, customer: Any, emf: Any) -> None:
    recent = seed_order(customer, "PROCESSING", created=minutes_ago(10))
    others = [seed_order(customer, status, created=minutes_ago(90)) for status in ("PENDING", "COMPLETED", "FAILED")]
    assert make_sweeper(aws).sweep() == {"order": {"requeued": 0, "failed": 0}}
    assert queued_ids(aws) == []
    for order in [recent, *others]:
        assert stored_order(order.order_id) == order
    assert business(emf.read()) == set()


def test_the_sweep_queries_the_status_index_and_never_scans(aws: Any, customer: Any) -> None:
    seed_order(customer, "PROCESSING", created=minutes_ago(45))
    calls = count_aws_calls("dynamodb", "sqs")
    make_sweeper(aws).sweep()
    assert calls == {"dynamodb.Query": 1, "dynamodb.UpdateItem": 1, "sqs.SendMessage": 1}


def test_after_its_requeues_run_out_a_stuck_order_is_failed_with_reason_stuck(
    aws: Any, customer: Any, emf: Any
) -> None:
    emf.as_service("sweeper")
    stuck = seed_order(customer, "PROCESSING", created=minutes_ago(200))
    start = datetime.now(UTC)
    results = [make_sweeper(aws, at=start + STUCK_AFTER * run * 1.1).sweep()["order"] for run in range(4)]
    assert results == [
        {"requeued": 1, "failed": 0},
        {"requeued": 1, "failed": 0},
        {"requeued": 0, "failed": 1},
        {"requeued": 0, "failed": 0},
    ]
    after = stored_order(stuck.order_id)
    assert after is not None
    assert (after.status, after.error_message, after.sweep_count) == (OrderStatus.FAILED, STUCK_MESSAGE, None)
    points = emf.read()
    assert business(points) == {
        ("StuckItemsFound", dims(service="sweeper")),
        ("OrdersFailed", dims(service="orders")),
        ("OrdersFailed", dims(service="orders", reason="stuck")),
    }
    assert sum(len(p.values) for p in points if p.name == "StuckItemsFound") == 3
    assert [p.values for p in points if p.name == "OrdersFailed"] == [(1.0,), (1.0,)]


def test_a_second_sweep_right_after_finds_nothing(aws: Any, customer: Any) -> None:
    seed_order(customer, "PROCESSING", created=minutes_ago(45))
    assert make_sweeper(aws).sweep()["order"]["requeued"] == 1
    assert make_sweeper(aws).sweep()["order"] == {"requeued": 0, "failed": 0}
    assert queued(aws, aws.queue_url) == 1


def test_an_order_that_moved_after_the_read_is_left_alone_and_not_counted(aws: Any, customer: Any, emf: Any) -> None:
    emf.as_service("sweeper")
    stuck = seed_order(customer, "PROCESSING", created=minutes_ago(45))
    orders = OrdersRepository("OrdersTable", aws_clients.client("dynamodb"))
    kind = StuckOrders(orders, ProcessingQueue(aws.queue_url, aws_clients.client("sqs")), max_requeues=2)
    (found,) = kind.find(datetime.now(UTC) - STUCK_AFTER)
    done = status_change(OrderStatus.COMPLETED, now=datetime.now(UTC))
    orders.change_status(stuck.order_id, done, allowed_from={OrderStatus.PROCESSING})  # the worker, meanwhile
    assert kind.settle(found) is None
    exhausted = StuckOrders(orders, ProcessingQueue(aws.queue_url, aws_clients.client("sqs")), max_requeues=0)
    assert exhausted.settle(found) is None  # nor failed: the worker's COMPLETED stands
    assert stored_order(stuck.order_id).status is OrderStatus.COMPLETED  # type: ignore[union-attr]
    assert queued_ids(aws) == []
    assert business(emf.read()) == set()


def test_the_double_fault_order_is_picked_up_and_charged_once(
    aws: Any, customer: Any, monkeypatch: pytest.MonkeyPatch, charges: list[dict[str, Any]]
) -> None:
    """docs/SECURITY.md: processOrder's queue send fails, then its undo fails: the order stays PROCESSING."""
    order = seed_order(customer)
    real_send, real_change = ProcessingQueue.send, OrdersRepository.change_status

    def send_fails(self: ProcessingQueue, order_id: str) -> None:
        raise ConnectionError("SQS unreachable")

    def undo_fails(self: OrdersRepository, order_id: str, change: Any, **kwargs: Any) -> Any:
        if change.status is OrderStatus.PENDING:
            raise ConnectionError("DynamoDB unreachable")
        return real_change(self, order_id, change, **kwargs)

    monkeypatch.setattr(ProcessingQueue, "send", send_fails)
    monkeypatch.setattr(OrdersRepository, "change_status", undo_fails)
    with pytest.raises(Exception, match="internal error"):
        process(customer, order.order_id)
    monkeypatch.setattr(ProcessingQueue, "send", real_send)
    monkeypatch.setattr(OrdersRepository, "change_status", real_change)
    stranded = stored_order(order.order_id)
    assert stranded is not None
    assert stranded.status is OrderStatus.PROCESSING
    assert queued(aws, aws.queue_url) == 0  # no message: nothing would ever finish it

    later = datetime.now(UTC) + STUCK_AFTER + timedelta(minutes=1)
    assert make_sweeper(aws, at=later).sweep() == {"order": {"requeued": 1, "failed": 0}}
    deliver(aws, aws.queue_url, "order_worker")
    finished = stored_order(order.order_id)
    assert finished is not None
    assert finished.status is OrderStatus.COMPLETED
    assert len(charges) == 1


def test_a_requeued_order_whose_old_message_turns_up_is_still_charged_once(
    aws: Any, customer: Any, charges: list[dict[str, Any]]
) -> None:
    order = seed_order(customer)
    process(customer, order.order_id)  # its message is queued, but slow
    later = datetime.now(UTC) + STUCK_AFTER + timedelta(minutes=1)
    assert make_sweeper(aws, at=later).sweep()["order"]["requeued"] == 1
    assert queued(aws, aws.queue_url) == 2
    deliver(aws, aws.queue_url, "order_worker")
    assert stored_order(order.order_id).status is OrderStatus.COMPLETED  # type: ignore[union-attr]
    assert len(charges) == 1


def test_a_failed_send_after_the_requeue_write_is_found_again(
    aws: Any, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stuck = seed_order(customer, "PROCESSING", created=minutes_ago(45))

    def send_fails(self: ProcessingQueue, order_id: str) -> None:
        raise ConnectionError("SQS unreachable")

    monkeypatch.setattr(ProcessingQueue, "send", send_fails)
    with pytest.raises(ConnectionError):
        make_sweeper(aws).sweep()
    monkeypatch.undo()
    later = datetime.now(UTC) + STUCK_AFTER + timedelta(minutes=1)
    assert make_sweeper(aws, at=later).sweep()["order"]["requeued"] == 1
    assert stored_order(stuck.order_id).sweep_count == 2  # type: ignore[union-attr]
    assert queued_ids(aws) == [stuck.order_id]


def test_the_handler_runs_a_sweep_from_the_sample_event(aws: Any, customer: Any, sweeper_environment: None) -> None:
    stuck = seed_order(customer, "PROCESSING", created=minutes_ago(45))
    event = json.loads((EVENTS / "sweeper.json").read_text())
    report = load_handler("sweeper").lambda_handler(event, FakeContext())
    # SPEC 12's payment reconciliation runs in the same sweep (nothing to do here).
    assert report == {"order": {"requeued": 1, "failed": 0}, "payment": {"processed": 0, "released": 0, "errors": 0}}
    assert queued_ids(aws) == [stuck.order_id]


def test_the_sweeper_fails_its_cold_start_without_its_settings(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ape_moments.jobs.sweeper import sweeper_settings
    from ape_moments.settings import ConfigurationError

    monkeypatch.setenv("STUCK_AFTER_MINUTES", "0")
    sweeper_settings.cache_clear()
    with pytest.raises(ConfigurationError, match="invalid configuration: STUCK_AFTER_MINUTES"):
        sweeper_settings()
