"""The local stack shows the business metrics a flow emits (EMF), without CloudWatch."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Caller, Stack, eventually
from tests.e2e.order_sources import real_photo
from tests.e2e.test_orders import CREATE_ORDER, GET_ORDER, PROCESS_ORDER

pytestmark = pytest.mark.e2e


def metric_lines(stack: Stack, order_id: str) -> list[str]:
    return [line for line in stack.log.read_text().splitlines() if line.startswith("metric ") and order_id in line]


def test_an_order_flow_prints_its_metrics_as_metric_lines(stack: Stack, customer_caller: Caller) -> None:
    items = [{"sku": "PRINT_4X6", "quantity": 4, "photoKey": real_photo(customer_caller)}]  # SPEC 9
    order_id = customer_caller.graphql(CREATE_ORDER, {"items": items, "currency": "GBP"}).data["createOrder"]["orderId"]
    customer_caller.graphql(PROCESS_ORDER, {"id": order_id})

    def completed() -> bool:
        return customer_caller.graphql(GET_ORDER, {"id": order_id}).data["getOrder"]["status"] == "COMPLETED"

    assert eventually(completed)

    def all_shown() -> list[str] | None:
        lines = metric_lines(stack, order_id)
        names = {line.split()[1] for line in lines}
        return lines if {"OrdersCreated", "OrderValue", "OrdersQueued", "OrdersCompleted"} <= names else None

    lines = eventually(all_shown)
    assert lines, f"missing metric lines for {order_id}: {metric_lines(stack, order_id)}"
    shown = {re.sub(r" \{\".*$", "", line) for line in lines}  # without the ids (metadata)
    namespace = "ApeMoments/dev"
    assert f"metric OrdersCreated 1 Count {{service=orders}} {namespace} (CreateOrderFunction)" in shown
    assert f"metric OrderValue 1.6 None {{service=orders}} {namespace} (CreateOrderFunction)" in shown
    assert f"metric OrderValue 1.6 None {{service=orders, currency=GBP}} {namespace} (CreateOrderFunction)" in shown
    assert f"metric OrdersQueued 1 Count {{service=orders}} {namespace} (ProcessOrderFunction)" in shown
    assert f"metric OrdersCompleted 1 Count {{service=orders}} {namespace} (OrderWorkerFunction)" in shown
    # The raw EMF JSON is not printed as well: the console shows each datapoint once, readably.
    assert not [line for line in stack.log.read_text().splitlines() if line.startswith('{"_aws"')]
