"""Seeding orders straight into the table, for tests that need an order in a given state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ape_moments import aws
from ape_moments.orders.models import CreateOrderRequest, Order, OrderStatus, new_order
from ape_moments.orders.repository import OrdersRepository
from tests.conftest import owner_of


def seed_order(
    identity: dict[str, Any],
    status: str = "PENDING",
    *,
    quantity: int = 1,
    sku: str = "PRINT_4X6",
    created: datetime | None = None,
    error_message: str | None = None,
) -> Order:
    request = CreateOrderRequest.model_validate({"items": [{"sku": sku, "quantity": quantity}], "currency": "USD"})
    order = new_order(request, customer_id=owner_of(identity), now=created or datetime.now(UTC))
    if status != "PENDING":
        order = order.model_copy(
            update={"status": OrderStatus(status), "expires_at": None, "error_message": error_message}
        )
    OrdersRepository("OrdersTable", aws.client("dynamodb")).insert(order)
    return order


def stored_order(order_id: str) -> Order | None:
    return OrdersRepository("OrdersTable", aws.client("dynamodb")).get(order_id)


def minutes_ago(minutes: int) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)
