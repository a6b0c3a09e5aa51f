"""Data access for the Orders table: partition key ``orderId``; GSIs ``customerId-createdAt-index``
and ``status-createdAt-index`` (both sorted by ``createdAt``, projecting everything); TTL on
``expiresAt``. Every call is one request.

Besides the shared operations of ``ape_moments.table``: the admins' listing by status, and the
status change every order operation makes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from ape_moments.orders.models import Order, OrderStatus, Payment, StatusChange
from ape_moments.table import Condition, Page, Table, from_item, to_item

STATUS_INDEX = "status-createdAt-index"
_STATUS_KEYS = frozenset({"orderId", "status", "createdAt"})


class OrdersRepository(Table[Order]):
    def __init__(self, table_name: str, client: Any) -> None:
        super().__init__(table_name, "orderId", Order, client)

    def list_by_status(self, status: OrderStatus, *, limit: int, token: str | None) -> Page[Order]:
        return self.query_page(STATUS_INDEX, ("status", status.value), _STATUS_KEYS, limit=limit, token=token)

    def processing_since_before(self, cutoff: str, *, page_size: int = 100, max_pages: int = 10) -> Iterator[Order]:
        """Orders in PROCESSING last changed before ``cutoff`` (an AWSDateTime), oldest created first.

        The sweeper's read: Query on ``status-createdAt-index`` (partition PROCESSING; no Scan). The
        index is sorted by ``createdAt``, which says nothing about when the order entered
        PROCESSING, so ``updatedAt < cutoff`` is a filter (every status change writes ``updatedAt``).
        Bounded by ``max_pages`` per call; what is left is found by the next sweep.
        """
        names = {"#s": "status", "#u": "updatedAt"} | self._projection
        query: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": STATUS_INDEX,
            "KeyConditionExpression": "#s = :processing",
            "FilterExpression": "#u < :cutoff",
            "ProjectionExpression": ", ".join(self._projection),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item({":processing": OrderStatus.PROCESSING.value, ":cutoff": cutoff}),
            "Limit": page_size,
        }
        yield from self._bounded_pages(query, max_pages)

    def with_payment_in(
        self,
        status: OrderStatus,
        payment_statuses: Collection[str],
        *,
        updated_before: str | None = None,
        page_size: int = 100,
        max_pages: int = 10,
    ) -> Iterator[Order]:
        """Orders in ``status`` whose payment is in ``payment_statuses``, newest first (the reconciliation's read).

        A Query on ``status-createdAt-index`` (no Scan), the payment's status (and ``updatedAt``)
        as filters; bounded by ``max_pages`` per call, the rest found by the next run.
        """
        names = {"#s": "status", "#pay": "payment", "#ps": "status", "#u": "updatedAt"} | self._projection
        values: dict[str, Any] = {":status": status.value} | {
            f":p{i}": s for i, s in enumerate(sorted(payment_statuses))
        }
        wanted = ", ".join(f":p{i}" for i in range(len(payment_statuses)))
        condition = f"#pay.#ps IN ({wanted})"
        if updated_before is not None:
            values[":cutoff"] = updated_before
            condition += " AND #u < :cutoff"
        else:
            del names["#u"]
        query: dict[str, Any] = {
            "TableName": self.name,
            "IndexName": STATUS_INDEX,
            "KeyConditionExpression": "#s = :status",
            "FilterExpression": condition,
            "ProjectionExpression": ", ".join(self._projection),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
            "ScanIndexForward": False,
            "Limit": page_size,
        }
        yield from self._bounded_pages(query, max_pages)

    def _bounded_pages(self, query: dict[str, Any], max_pages: int) -> Iterator[Order]:
        """The orders of at most ``max_pages`` pages of ``query`` (the rest: the next run's)."""
        for _ in range(max_pages):
            response = self._client.query(**query)
            for item in response.get("Items", []):
                yield Order.model_validate(from_item(item))
            if "LastEvaluatedKey" not in response:
                return
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def mark_requeued(self, order_id: str, *, seen_updated_at: str, now: str) -> Order:
        """Count one requeue of a stuck order, only if it is still as the sweeper saw it.

        Writes ``updatedAt`` (the stuck clock starts again) and adds 1 to ``sweepCount``; an order
        that moved since it was read (the worker finished it, another sweep took it) raises
        ConditionFailed and is left alone.
        """
        when = Condition(statuses={OrderStatus.PROCESSING}, equals={"updatedAt": seen_updated_at})
        return self.update(order_id, {"updatedAt": now}, when=when, add={"sweepCount": 1})

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

    def record_payment(
        self,
        order_id: str,
        payment: Payment,
        *,
        allowed_from: Collection[OrderStatus],
        change: StatusChange | None = None,
        error_message: str | None = None,
        keep_error_message: bool = False,
        expected_updated_at: str | None = None,
        expected_payment_id: str | None = None,
    ) -> Order:
        """Keep ``payment`` on the order, with ``change`` (a status change) in the same conditional write.

        Without a change the order keeps its status; ``error_message`` is then set (a decline on a
        PENDING order) or removed, unless ``keep_error_message``. ``expected_payment_id``: the write
        applies only while the order still holds that payment. ConditionFailed otherwise.
        """
        changes: dict[str, Any] = {
            "payment": payment.model_dump(mode="json", by_alias=True),
            "paymentId": payment.payment_id,
        }
        if change is not None:
            changes |= change.model_dump(by_alias=True)
        else:
            changes["updatedAt"] = payment.updated_at
            if not keep_error_message:
                changes["errorMessage"] = error_message
        equals: dict[str, Any] = {}
        if expected_updated_at is not None:
            equals["updatedAt"] = expected_updated_at
        if expected_payment_id is not None:
            equals["paymentId"] = expected_payment_id
        return self.update(order_id, changes, when=Condition(statuses=allowed_from, equals=equals))
