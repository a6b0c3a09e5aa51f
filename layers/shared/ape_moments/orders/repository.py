"""Data access for the Orders table: the only module that talks to it.

Table: partition key ``orderId``; GSIs ``customerId-createdAt-index`` and
``status-createdAt-index`` (both sorted by ``createdAt``, projecting everything); TTL on
``expiresAt``. Every call here is one DynamoDB request; listings are Queries, never Scans.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ape_moments.dynamo import from_item, is_conditional_check_failure, put_new_item, serialize, to_item
from ape_moments.orders.models import Order, StatusChange
from ape_moments.orders.transitions import OrderStatus
from ape_moments.pagination import decode_token, encode_token

CUSTOMER_INDEX = "customerId-createdAt-index"
STATUS_INDEX = "status-createdAt-index"
_CUSTOMER_KEYS = frozenset({"orderId", "customerId", "createdAt"})
_STATUS_KEYS = frozenset({"orderId", "status", "createdAt"})


class StatusConditionFailed(Exception):  # noqa: N818 - a data-layer signal, not a client error
    """The conditional status write did not apply; ``current`` is the order as it was, if any."""

    def __init__(self, current: Order | None) -> None:
        super().__init__("status condition failed")
        self.current = current


@dataclass(frozen=True, slots=True)
class Page:
    orders: list[Order]
    next_token: str | None


class OrdersRepository:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client

    def insert(self, order: Order) -> None:
        put_new_item(self._client, self._table, to_item(order.model_dump(by_alias=True)), "orderId")

    def get(self, order_id: str) -> Order | None:
        response = self._client.get_item(TableName=self._table, Key={"orderId": {"S": order_id}}, ConsistentRead=True)
        item = response.get("Item")
        return Order.model_validate(from_item(item)) if item else None

    def list_for_customer(self, customer_id: str, *, status: OrderStatus | None, limit: int, token: str | None) -> Page:
        start = decode_token(token, key_attributes=_CUSTOMER_KEYS, partition=("customerId", customer_id))
        query: dict[str, Any] = {
            "IndexName": CUSTOMER_INDEX,
            "KeyConditionExpression": "customerId = :partition",
            "ExpressionAttributeValues": {":partition": {"S": customer_id}},
        }
        if status is not None:
            # A filter keeps one Query a page; a page may then hold fewer than `limit` orders.
            query["FilterExpression"] = "#status = :status"
            query["ExpressionAttributeNames"] = {"#status": "status"}
            query["ExpressionAttributeValues"][":status"] = {"S": status.value}
        return self._query(query, limit, start)

    def list_by_status(self, status: OrderStatus, *, limit: int, token: str | None) -> Page:
        start = decode_token(token, key_attributes=_STATUS_KEYS, partition=("status", status.value))
        query = {
            "IndexName": STATUS_INDEX,
            "KeyConditionExpression": "#status = :partition",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":partition": {"S": status.value}},
        }
        return self._query(query, limit, start)

    def _query(self, query: dict[str, Any], limit: int, start: dict[str, Any] | None) -> Page:
        if start is not None:
            query["ExclusiveStartKey"] = start
        response = self._client.query(TableName=self._table, Limit=limit, ScanIndexForward=False, **query)
        orders = [Order.model_validate(from_item(item)) for item in response.get("Items", [])]
        return Page(orders=orders, next_token=encode_token(response.get("LastEvaluatedKey")))

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
        Otherwise StatusConditionFailed carries the order as it was, read by the same request.
        """
        values: dict[str, Any] = {":status": serialize(change.status.value), ":now": serialize(change.updated_at)}
        sets, removes = ["#status = :status", "updatedAt = :now"], []
        for attribute, value in (("errorMessage", change.error_message), ("expiresAt", change.expires_at)):
            if value is None:
                removes.append(attribute)
            else:
                sets.append(f"{attribute} = :{attribute}")
                values[f":{attribute}"] = serialize(value)
        if payment_id is not None:
            sets.append("paymentId = :paymentId")
            values[":paymentId"] = serialize(payment_id)

        sources = sorted(allowed_from)
        conditions = [
            "attribute_exists(orderId)",
            f"#status IN ({', '.join(f':from{i}' for i in range(len(sources)))})",
        ]
        values.update({f":from{i}": serialize(source.value) for i, source in enumerate(sources)})
        if owner_id is not None:
            conditions.append("customerId = :owner")
            values[":owner"] = serialize(owner_id)
        if expected_updated_at is not None:
            conditions.append("updatedAt = :expectedUpdatedAt")
            values[":expectedUpdatedAt"] = serialize(expected_updated_at)

        update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"orderId": {"S": order_id}},
                UpdateExpression=update,
                ConditionExpression=" AND ".join(conditions),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as error:
            if not is_conditional_check_failure(error):
                raise
            old = getattr(error, "response", {}).get("Item")
            current = Order.model_validate(from_item(old)) if old else None
            if current is not None and _is_own_write(current, change):
                # botocore retried a write whose first answer was lost: it did apply.
                return current
            raise StatusConditionFailed(current) from None
        return Order.model_validate(from_item(response["Attributes"]))


def _is_own_write(current: Order, change: StatusChange) -> bool:
    """The order holds exactly what ``change`` writes, down to its millisecond timestamp."""
    return (
        current.status is change.status
        and current.updated_at == change.updated_at
        and current.error_message == change.error_message
        and current.expires_at == change.expires_at
    )
