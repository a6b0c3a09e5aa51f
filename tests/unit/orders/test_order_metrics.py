"""The orders flow publishes its business metrics when the event happens, and only then."""

from __future__ import annotations

from typing import Any

import pytest

from ape_moments.errors import InternalError
from ape_moments.orders.queue import ProcessingQueue
from tests.conftest import call
from tests.unit.orders.emf import business, dims, emf
from tests.unit.orders.helpers import seed_order, source_for
from tests.unit.orders.test_processing import deliver, process

__all__ = ["emf"]  # the fixture

ITEMS = [{"sku": "PRINT_4X6", "quantity": 25}]  # 12.50 in USD


def test_create_order_counts_a_new_order_and_not_its_idempotent_replay(aws: Any, customer: Any, emf: Any) -> None:
    items = [line | source_for(customer, line["sku"]) for line in ITEMS]  # a real photo (SPEC 9)
    arguments = {"items": items, "currency": "USD", "idempotencyKey": "metrics-1"}
    call("createOrder", arguments, customer)
    points = emf.read()
    assert business(points) == {
        ("OrdersCreated", dims(service="orders")),
        ("OrderValue", dims(service="orders")),
        ("OrderValue", dims(service="orders", currency="USD")),
    }
    assert {p.values for p in points if p.name == "OrderValue"} == {(12.5,)}
    call("createOrder", arguments, customer)  # the same key and payload: the same order, nothing new
    assert business(emf.read()) == set()


def test_process_order_counts_the_queued_order(aws: Any, customer: Any, emf: Any) -> None:
    order = seed_order(customer)
    process(customer, order.order_id)
    assert business(emf.read()) == {("OrdersQueued", dims(service="orders"))}


def test_an_order_that_could_not_be_queued_is_not_counted(aws: Any, customer: Any, emf: Any, monkeypatch: Any) -> None:
    def refuse(self: ProcessingQueue, order_id: str) -> None:
        raise RuntimeError("queue down")

    monkeypatch.setattr(ProcessingQueue, "send", refuse)
    order = seed_order(customer)
    with pytest.raises(InternalError):
        process(customer, order.order_id)
    assert business(emf.read()) == set()


def test_the_worker_counts_a_completed_order_once(aws: Any, customer: Any, emf: Any) -> None:
    order = seed_order(customer)
    process(customer, order.order_id)
    emf.read()
    deliver(aws, aws.queue_url, "order_worker")
    assert business(emf.read()) == {
        ("OrdersCompleted", dims(service="orders")),
        ("PaymentsCaptured", dims(service="orders")),
        ("PaymentsCaptured", dims(service="orders", currency="USD")),
    }
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=f'{{"orderId": "{order.order_id}"}}')
    deliver(aws, aws.queue_url, "order_worker")  # a redelivery: already COMPLETED, nothing happens
    assert business(emf.read()) == set()


def test_a_declined_payment_counts_the_decline_and_the_failure_by_reason(aws: Any, customer: Any, emf: Any) -> None:
    order = seed_order(customer, sku="PHOTO_ALBUM", quantity=50)  # 1250.00: the sandbox declines it
    process(customer, order.order_id)
    emf.read()
    deliver(aws, aws.queue_url, "order_worker")
    assert business(emf.read()) == {
        ("PaymentsDeclined", dims(service="orders")),
        ("OrdersFailed", dims(service="orders")),
        ("OrdersFailed", dims(service="orders", reason="payment_declined")),
    }


def test_the_dead_letter_handler_counts_each_order_it_fails_once(aws: Any, customer: Any, emf: Any) -> None:
    order = seed_order(customer, "PROCESSING")
    body = f'{{"orderId": "{order.order_id}"}}'
    aws.sqs.send_message(QueueUrl=aws.dead_letter_queue_url, MessageBody=body)
    deliver(aws, aws.dead_letter_queue_url, "order_dead_letter")
    assert business(emf.read()) == {
        ("OrdersFailed", dims(service="orders")),
        ("OrdersFailed", dims(service="orders", reason="dead_lettered")),
    }
    aws.sqs.send_message(QueueUrl=aws.dead_letter_queue_url, MessageBody=body)
    deliver(aws, aws.dead_letter_queue_url, "order_dead_letter")
    assert business(emf.read()) == set()


def test_read_only_operations_publish_no_business_metric(aws: Any, customer: Any, emf: Any) -> None:
    order = seed_order(customer)
    call("getOrder", {"orderId": order.order_id}, customer)
    call("listOrders", {}, customer)
    assert business(emf.read()) == set()
