"""What each operation costs in AWS requests, counted at botocore (SPEC 3, issue 2 'Must show')."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from ape_moments.errors import Conflict
from ape_moments.orders.models import CATALOG
from tests.conftest import call, count_aws_calls
from tests.unit.orders.helpers import item, minutes_ago, seed_order


@pytest.fixture
def calls(aws: Any) -> Counter[str]:
    return count_aws_calls("dynamodb", "sqs", "s3")


@pytest.mark.parametrize("count", [1, 7, 50])
def test_create_order_is_one_batched_read_and_one_write_whatever_the_items(
    aws: Any, customer: dict[str, Any], calls: Counter[str], count: int
) -> None:
    # Photos, collages and albums mixed: the sources of all the items are read in one BatchGetItem.
    skus = list(CATALOG)
    items = [item(customer, skus[n % len(skus)]) for n in range(count)]
    calls.clear()
    order = call("createOrder", {"items": items, "currency": "USD"}, customer)
    assert len(order["items"]) == count
    assert calls == Counter({"dynamodb.BatchGetItem": 1, "dynamodb.PutItem": 1})


def test_create_order_with_key_is_one_order_write_plus_the_idempotency_record(
    aws: Any, customer: dict[str, Any], calls: Counter[str]
) -> None:
    arguments = {"items": [item(customer, "PRINT_4X6")], "currency": "USD", "idempotencyKey": "k-1"}
    calls.clear()
    call("createOrder", arguments, customer)
    # Powertools: a conditional PutItem of the in-progress record, then UpdateItem with the result.
    assert calls == Counter({"dynamodb.BatchGetItem": 1, "dynamodb.PutItem": 2, "dynamodb.UpdateItem": 1})
    calls.clear()
    call("createOrder", arguments, customer)
    assert calls["dynamodb.PutItem"] == 1  # the replay's in-progress put fails and returns the record
    assert sum(calls.values()) <= 2


def test_get_order_is_one_read(aws: Any, customer: dict[str, Any], calls: Counter[str]) -> None:
    order = seed_order(customer)
    calls.clear()
    call("getOrder", {"orderId": order.order_id}, customer)
    assert calls == Counter({"dynamodb.GetItem": 1})


def test_update_status_is_one_conditional_write(aws: Any, customer: dict[str, Any], calls: Counter[str]) -> None:
    order = seed_order(customer)
    to_processing = {"orderId": order.order_id, "status": "PROCESSING"}
    calls.clear()
    call("updateOrderStatus", to_processing, customer)
    assert calls == Counter({"dynamodb.UpdateItem": 1})
    calls.clear()
    with pytest.raises(Conflict):  # a refused write is explained from the same request
        call("updateOrderStatus", to_processing, customer)
    assert calls == Counter({"dynamodb.UpdateItem": 1})


def test_process_order_is_one_write_and_one_message(aws: Any, customer: dict[str, Any], calls: Counter[str]) -> None:
    order = seed_order(customer)
    calls.clear()
    call("processOrder", {"orderId": order.order_id}, customer)
    assert calls == Counter({"dynamodb.UpdateItem": 1, "sqs.SendMessage": 1})


def test_list_orders_is_one_query_a_page_and_never_a_scan(
    aws: Any, customer: dict[str, Any], admin: dict[str, Any], calls: Counter[str]
) -> None:
    for i in range(5):
        seed_order(customer, created=minutes_ago(10 - i))
    calls.clear()
    token = None
    pages = 0
    while True:
        page = call("listOrders", {"limit": 2, **({"nextToken": token} if token else {})}, customer)
        pages += 1
        token = page["nextToken"]
        if not token:
            break
    assert calls == Counter({"dynamodb.Query": pages})
    calls.clear()
    call("listOrders", {"status": "PENDING"}, admin)
    call("listOrders", {"status": "PENDING"}, customer)
    assert calls == Counter({"dynamodb.Query": 2})
