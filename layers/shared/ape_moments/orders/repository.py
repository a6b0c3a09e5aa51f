"""Data access for the Orders table: partition key ``orderId``; GSIs ``customerId-createdAt-index``
and ``status-createdAt-index`` (both sorted by ``createdAt``, projecting everything); TTL on
``expiresAt``. Every call is one request.

Besides the shared operations of ``ape_moments.table``: the admins' listing by status, and the
status change every order operation makes.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ape_moments.orders.models import Order, OrderStatus, StatusChange
from ape_moments.table import Condition, Page, Table

STATUS_INDEX = "status-createdAt-index"
_STATUS_KEYS = frozenset({"orderId", "status", "createdAt"})


class OrdersRepository(Table[Order]):
    def __init__(self, table_name: str, client: Any) -> None:
        super().__init__(table_name, "orderId", Order, client)

    def list_by_status(self, status: OrderStatus, *, limit: int, token: str | None) -> Page[Order]:
        return self.query_page(STATUS_INDEX, ("status", status.value), _STATUS_KEYS, limit=limit, token=token)

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
        Otherwise ConditionFailed carries the order as it was.
        """
        changes = change.model_dump(by_alias=True) | ({"paymentId": payment_id} if payment_id is not None else {})
        when = Condition(
            owner_id=owner_id,
            statuses=allowed_from,
            equals={"updatedAt": expected_updated_at} if expected_updated_at is not None else {},
        )
        return self.update(order_id, changes, when=when)

    def record_payment(self, order_id: str, payment_id: str, *, updated_at: str) -> Order:
        """Keep the payment on the PROCESSING order, in one conditional write (ConditionFailed otherwise)."""
        changes = {"paymentId": payment_id, "updatedAt": updated_at}
        return self.update(order_id, changes, when=Condition(statuses={OrderStatus.PROCESSING}))
