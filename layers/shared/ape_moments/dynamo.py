"""DynamoDB item (de)serialisation shared by the repositories."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(value) for key, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def serialize(value: Any) -> dict[str, Any]:
    return dict(_serializer.serialize(value))


def is_conditional_check_failure(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    return bool(response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def put_new_item(client: Any, table: str, item: dict[str, Any], key_attribute: str) -> None:
    """PutItem only if no item has that key yet, in one request.

    When botocore retries a put whose first answer was lost, the retry finds the item the first
    attempt wrote; DynamoDB hands it back with the failure, and if it is exactly ours the put
    did apply. Any other existing item is a real conflict and raises.
    """
    try:
        client.put_item(
            TableName=table,
            Item=item,
            ConditionExpression=f"attribute_not_exists({key_attribute})",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except Exception as error:
        stored = getattr(error, "response", {}).get("Item")
        if is_conditional_check_failure(error) and stored and from_item(stored) == from_item(item):
            return
        raise
