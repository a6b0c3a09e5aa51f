"""Data access shared by the Albums and Collages tables (same shape, different key name).

Each table: partition key ``albumId`` / ``collageId``; GSI ``customerId-createdAt-index``
(sorted by ``createdAt``, projecting everything). Every method is one DynamoDB request;
listings are Queries, never Scans. Writes are conditional, so a concurrent change or a
foreign owner cannot slip between a check and the write; a refused write hands back the item
as it was (``ReturnValuesOnConditionCheckFailure``) so the caller can explain it without a
second read.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ape_moments.dynamo import from_item, is_conditional_check_failure, put_new_item, serialize, to_item
from ape_moments.media.owned import OwnedMedia
from ape_moments.pagination import decode_token, encode_token

CUSTOMER_INDEX = "customerId-createdAt-index"


class ConditionFailed(Exception):  # noqa: N818 - a data-layer signal, not a client error
    """A conditional write did not apply; ``current`` is the item as it was, or None if absent."""

    def __init__(self, current: Any) -> None:
        super().__init__("condition failed")
        self.current = current


@dataclass(frozen=True, slots=True)
class Page[R]:
    items: list[R]
    next_token: str | None


class OwnedRecords[R: OwnedMedia]:
    """One table of owned records; subclasses name the table's key and model."""

    key: str
    model: type[R]
    # The attributes the API shows; internal ones (an album's uploadedPhotos) are never read back.
    public_attributes: tuple[str, ...]

    def __init__(self, table_name: str, client: Any) -> None:
        self._table = table_name
        self._client = client
        self._projection = {f"#p{i}": name for i, name in enumerate(self.public_attributes)}

    def _key(self, object_id: str) -> dict[str, Any]:
        return {self.key: {"S": object_id}}

    def _record(self, item: Mapping[str, Any] | None) -> R | None:
        return self.model.model_validate(from_item(dict(item))) if item else None

    def insert(self, record: R) -> None:
        put_new_item(self._client, self._table, to_item(record.model_dump(mode="json", by_alias=True)), self.key)

    def get(self, object_id: str) -> R | None:
        response = self._client.get_item(
            TableName=self._table,
            Key=self._key(object_id),
            ConsistentRead=True,
            ProjectionExpression=", ".join(self._projection),
            ExpressionAttributeNames=self._projection,
        )
        return self._record(response.get("Item"))

    def list_for_customer(self, customer_id: str, *, limit: int, token: str | None) -> Page[R]:
        """Newest first, one Query a page."""
        start = decode_token(
            token,
            key_attributes=frozenset({self.key, "customerId", "createdAt"}),
            partition=("customerId", customer_id),
        )
        query: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": CUSTOMER_INDEX,
            "KeyConditionExpression": "customerId = :customer",
            "ExpressionAttributeValues": {":customer": {"S": customer_id}},
            "ProjectionExpression": ", ".join(self._projection),
            "ExpressionAttributeNames": self._projection,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start is not None:
            query["ExclusiveStartKey"] = start
        response = self._client.query(**query)
        items = [self.model.model_validate(from_item(item)) for item in response.get("Items", [])]
        return Page(items=items, next_token=encode_token(response.get("LastEvaluatedKey")))

    def update(
        self,
        object_id: str,
        changes: Mapping[str, Any],
        *,
        owner_id: str | None,
        allowed_from: Collection[StrEnum] | None,
    ) -> R:
        """Set (value) or remove (None) ``changes`` in one conditional write; return the new item.

        Applies only if the item exists, belongs to ``owner_id`` (when given) and its status is
        one of ``allowed_from`` (when given); otherwise ConditionFailed with the item as it was.
        """
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        sets: list[str] = []
        removes: list[str] = []
        for i, (attribute, value) in enumerate(changes.items()):
            names[f"#c{i}"] = attribute
            if value is None:
                removes.append(f"#c{i}")
            else:
                sets.append(f"#c{i} = :c{i}")
                values[f":c{i}"] = serialize(value)
        expression = "SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        condition = self._condition(names, values, owner_id=owner_id, statuses=allowed_from)
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=self._key(object_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                **_expression_attributes(names, values),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as error:
            raise self._refused(error) from None
        record = self._record(response["Attributes"])
        assert record is not None
        return record

    def delete(self, object_id: str, *, owner_id: str | None, allowed_from: Collection[StrEnum]) -> R:
        """Delete in one conditional write (owner and status as in ``update``); return the old item."""
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        condition = self._condition(names, values, owner_id=owner_id, statuses=allowed_from)
        try:
            response = self._client.delete_item(
                TableName=self._table,
                Key=self._key(object_id),
                ConditionExpression=condition,
                **_expression_attributes(names, values),
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as error:
            raise self._refused(error) from None
        record = self._record(response["Attributes"])
        assert record is not None
        return record

    def _condition(
        self,
        names: dict[str, str],
        values: dict[str, Any],
        *,
        owner_id: str | None,
        statuses: Collection[StrEnum] | None,
    ) -> str:
        names["#key"] = self.key
        conditions = ["attribute_exists(#key)"]
        if owner_id is not None:
            names["#owner"] = "customerId"
            values[":owner"] = serialize(owner_id)
            conditions.append("#owner = :owner")
        if statuses is not None:
            names["#status"] = "status"
            ordered = sorted(statuses)
            assert ordered, "an empty status set cannot match; explain the refusal instead of writing"
            values.update({f":s{i}": serialize(status.value) for i, status in enumerate(ordered)})
            conditions.append(f"#status IN ({', '.join(f':s{i}' for i in range(len(ordered)))})")
        return " AND ".join(conditions)

    def _refused(self, error: Exception) -> Exception:
        if not is_conditional_check_failure(error):
            return error
        return ConditionFailed(self._record(getattr(error, "response", {}).get("Item")))


def _expression_attributes(names: dict[str, str], values: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB refuses an empty ExpressionAttributeValues map, so leave it out when empty."""
    attributes: dict[str, Any] = {"ExpressionAttributeNames": names}
    if values:
        attributes["ExpressionAttributeValues"] = values
    return attributes
