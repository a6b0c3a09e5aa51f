"""Every sample in events/ for an order function runs against it, so the samples cannot rot.

The samples name fixed users and one fixed order; the test seeds that order for the sample's
customer, then invokes the function the template wires to the sample's field (or, for queue
events, the function whose event source is that queue).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import EVENTS, FakeContext, load_handler, resolver_functions
from tests.unit.orders.helpers import seed_named_source, seed_order


def _seeded(source: dict[str, str]) -> bool:
    """A source two items of one sample share is seeded once (a test is one moto: start afresh)."""
    from ape_moments import aws

    [(field, value)] = source.items()
    table, key = {"photoKey": ("PhotosTable", "key"), "collageId": ("CollagesTable", "collageId")}.get(
        field, ("AlbumsTable", "albumId")
    )
    return "Item" in aws.client("dynamodb").get_item(TableName=table, Key={key: {"S": value}})


ORDER_FUNCTIONS = {"create_order", "get_order", "list_orders", "update_order_status", "process_order", "checkout_order"}
QUEUE_SAMPLES = {"order_worker.json": "order_worker", "order_dead_letter.json": "order_dead_letter"}
SAMPLE_ORDER_ID = "6b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b"
SAMPLE_CUSTOMER = {"sub": "3f6c2a1e-5b7d-4c1a-9e2f-8a4b6c0d1e2f"}
SAMPLE_GUEST = {"cognitoIdentityId": "us-east-1:7d2f4c1a-0b3e-4f5a-9c8d-6e7f8a9b0c1d"}


def order_samples() -> list[str]:
    names = []
    for path in sorted(EVENTS.glob("*.json")):
        event = json.loads(path.read_text())
        if path.name in QUEUE_SAMPLES or (
            "info" in event and resolver_functions()[event["info"]["fieldName"]][0] in ORDER_FUNCTIONS
        ):
            names.append(path.name)
    return names


def seed_sample_order(owner: dict[str, Any], status: str) -> None:
    from ape_moments import aws
    from ape_moments.orders.repository import OrdersRepository

    order = seed_order(owner, status)
    repository = OrdersRepository("OrdersTable", aws.client("dynamodb"))
    aws.client("dynamodb").delete_item(TableName="OrdersTable", Key={"orderId": {"S": order.order_id}})
    repository.insert(order.model_copy(update={"order_id": SAMPLE_ORDER_ID}))


def test_there_is_a_sample_for_every_order_operation() -> None:
    fields = {json.loads((EVENTS / name).read_text()).get("info", {}).get("fieldName") for name in order_samples()}
    assert {"createOrder", "getOrder", "listOrders", "updateOrderStatus", "processOrder"} <= fields
    assert set(QUEUE_SAMPLES) <= set(order_samples())


@pytest.mark.parametrize("sample", order_samples())
def test_sample_runs_against_its_function(aws: Any, sample: str) -> None:
    event = json.loads((EVENTS / sample).read_text())
    owner = SAMPLE_GUEST if "guest" in sample else SAMPLE_CUSTOMER
    # The worker's sample expects an order in PROCESSING; the others a PENDING one.
    seed_sample_order(owner, "PROCESSING" if sample == "order_worker.json" else "PENDING")
    if event.get("info", {}).get("fieldName") == "createOrder":  # the sources the sample names (SPEC 9)
        for line in event["arguments"]["items"]:
            named = {field: line[field] for field in ("photoKey", "collageId", "albumId") if field in line}
            if not _seeded(named):
                seed_named_source(owner, line["sku"], named)
    if sample in QUEUE_SAMPLES:
        result = load_handler(QUEUE_SAMPLES[sample]).lambda_handler(event, FakeContext())
        assert result == {"batchItemFailures": []}
        return
    info = event["info"]
    result = load_handler(resolver_functions()[info["fieldName"]][0]).lambda_handler(event, FakeContext())
    assert result is not None
    if info["fieldName"] == "listOrders":
        assert isinstance(result["items"], list)
    else:
        assert result["orderId"]
