"""The Lambda side of the stack: concurrent functions with their own environments, queue redrive."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import Caller, Stack, eventually
from tests.e2e.order_sources import real_photo

pytestmark = pytest.mark.e2e

GET_ORDER = "query Get($id: ID!) { getOrder(orderId: $id) { orderId status errorMessage } }"


def test_concurrent_requests_to_different_functions_each_see_their_own_environment(customer_caller: Caller) -> None:
    # createOrder (orders + idempotency tables) and createAlbum (albums table, bucket) side by side:
    # were the environments shared, one of them would write to the other's table and fail.
    photo = real_photo(customer_caller)

    def order(index: int) -> str:
        response = customer_caller.graphql(
            'mutation($key: String, $photo: String) { createOrder(items: [{sku: "PRINT_4X6", quantity: 1, '
            'photoKey: $photo}], currency: "USD", idempotencyKey: $key) { orderId } }',
            {"key": f"parallel-{uuid.uuid4().hex[:8]}-{index}", "photo": photo},
        )
        return response.data["createOrder"]["orderId"]

    def album(index: int) -> str:
        response = customer_caller.graphql(
            "mutation($name: String!) { createAlbum(input: {name: $name}) { albumId } }", {"name": f"album {index}"}
        )
        return response.data["createAlbum"]["albumId"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        orders = list(pool.map(order, range(8)))
        albums = list(pool.map(album, range(8)))
    assert len(set(orders)) == 8
    assert len(set(albums)) == 8
    listed = customer_caller.graphql("query { listAlbums(limit: 100) { items { albumId } } }").data["listAlbums"]
    assert set(albums) <= {item["albumId"] for item in listed["items"]}


def _queue_counts(stack: Stack, queue_url: str) -> int:
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_a_message_the_worker_keeps_failing_is_redriven_to_the_dead_letter_queue(stack: Stack) -> None:
    queues = stack.description["queues"]
    # Not an order message: the worker reports it as a batch item failure on every receive.
    stack.client("sqs").send_message(QueueUrl=queues["OrderQueue"], MessageBody=json.dumps({"orderId": 42}))

    # maxReceiveCount is 3 and failed messages come back after 1 s here (--sqs-retry-delay=1).
    assert eventually(lambda: _queue_counts(stack, queues["OrderDeadLetterQueue"]) >= 1, timeout=20)
    assert _queue_counts(stack, queues["OrderQueue"]) == 0


def test_the_dead_letter_function_fails_an_order_left_in_processing(stack: Stack, customer_caller: Caller) -> None:
    order_id = customer_caller.graphql(
        'mutation($photo: String) { createOrder(items: [{sku: "PRINT_8X10", quantity: 1, photoKey: $photo}], '
        'currency: "USD") { orderId } }',
        {"photo": real_photo(customer_caller)},
    ).data["createOrder"]["orderId"]
    moved = customer_caller.graphql(
        "mutation($id: ID!) { updateOrderStatus(orderId: $id, status: PROCESSING) { status } }", {"id": order_id}
    ).data["updateOrderStatus"]
    assert moved["status"] == "PROCESSING"

    # As if its processing message had been dead-lettered.
    stack.client("sqs").send_message(
        QueueUrl=stack.description["queues"]["OrderDeadLetterQueue"], MessageBody=json.dumps({"orderId": order_id})
    )

    def failed() -> dict | None:
        order = customer_caller.graphql(GET_ORDER, {"id": order_id}).data["getOrder"]
        return order if order["status"] == "FAILED" else None

    order = eventually(failed)
    assert order, "the dead-letter function did not fail the order"
    assert "dead-letter" in order["errorMessage"]
