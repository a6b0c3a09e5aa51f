"""Data access for the Orders table: the only module that names its attributes and indexes.

Table: partition key ``orderId``; GSIs ``customerId-createdAt-index`` and
``status-createdAt-index`` (both sorted by ``createdAt``, projecting everything); TTL on
``expiresAt``. Every call is one request through ``ape_moments.table``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ape_moments.orders.models import Order, OrderStatus, StatusChange
from ape_moments.table import Condition, ConditionFailed, Item, Page, Table

CUSTOMER_INDEX = "customerId-createdAt-index"
STATUS_INDEX = "status-createdAt-index"
_CUSTOMER_KEYS = frozenset({"orderId", "customerId", "createdAt"})
_STATUS_KEYS = frozenset({"orderId", "status", "createdAt"})


class OrdersRepository:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = Table(table_name, "orderId", client)

    def insert(self, order: Order) -> None:
        self._table.put_new(order.model_dump(by_alias=True))

    def get(self, order_id: str) -> Order | None:
        return _order(self._table.get(order_id))

    def list_for_customer(
        self, customer_id: str, *, status: OrderStatus | None, limit: int, token: str | None
    ) -> Page[Order]:
        """A customer's orders; a status filter keeps one Query a page (a page may then be short)."""
        page = self._table.query_page(
            index=CUSTOMER_INDEX,
            partition=("customerId", customer_id),
            key_attributes=_CUSTOMER_KEYS,
            limit=limit,
            token=token,
            status=status,
        )
        return page.map(Order.model_validate)

    def list_by_status(self, status: OrderStatus, *, limit: int, token: str | None) -> Page[Order]:
        page = self._table.query_page(
            index=STATUS_INDEX,
            partition=("status", status.value),
            key_attributes=_STATUS_KEYS,
            limit=limit,
            token=token,
        )
        return page.map(Order.model_validate)

    def change_status(
        self,
        order_id: str,
        change: StatusChange,
        *,
        allowed_from: Collection[OrderStatus],
        owner_id: str | None = None,
        expected_updated_at: str | None = None,
        payment_id: str | None = None,
    ) -> Order:
        """Apply ``change`` in one conditional write and return the order as it now is.

        The write applies only if the order exists, is in one of ``allowed_from``, belongs to
        ``owner_id`` (when given) and, when given, was last updated at ``expected_updated_at``.
        Otherwise ConditionFailed carries the order as it was (``current_order`` reads it).
        """
        changes = change.model_dump(by_alias=True) | ({"paymentId": payment_id} if payment_id is not None else {})
        when = Condition(
            owner_id=owner_id,
            statuses=allowed_from,
            equals={"updatedAt": expected_updated_at} if expected_updated_at is not None else {},
        )
        return Order.model_validate(self._table.update(order_id, changes, when=when))


def current_order(failed: ConditionFailed) -> Order | None:
    """The order a refused write handed back, if there was one."""
    return _order(failed.current)


def _order(item: Item | None) -> Order | None:
    return Order.model_validate(item) if item else None
