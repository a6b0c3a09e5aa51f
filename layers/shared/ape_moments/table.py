"""One DynamoDB table of one kind of owned item: the only code that builds DynamoDB item requests.

Every method is one request: get, put-if-new (``insert``), conditional update, conditional
delete, one Query page of the customer index (never a Scan). Items come and go as the kind's
pydantic model; reads return only the model's attributes (internal ones, such as an album's
counted photo names, are never read back). A conditional write that does not apply raises ``ConditionFailed`` with the
item as it was, read by the same request (``ReturnValuesOnConditionCheckFailure``), so the
caller can explain the refusal without a second read.

Own writes: when a write's answer is lost, botocore sends it again and the retry fails the
condition the first attempt satisfied. Each write kind recognises that and answers as the first
attempt would have: a put whose stored item is exactly the one it sent, an update whose item
holds exactly what it set (down to the millisecond ``updatedAt`` every change writes), and a
delete retried by botocore that finds its item gone.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel

from ape_moments.pagination import decode_token, encode_token

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]
# Written by every update, never read by a model: see Table.update.
WRITE_ID = "writeId"


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values to DynamoDB's typed form; None means "not stored"."""
    return {key: _serializer.serialize(value) for key, value in values.items() if value is not None}


def from_item(item: Mapping[str, Any]) -> Item:
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


class ConditionFailed(Exception):  # noqa: N818 - a data-layer signal, not a client error
    """A conditional write did not apply; ``current`` is the item (its model) as it was, or None."""

    def __init__(self, current: Any) -> None:
        super().__init__("condition failed")
        self.current = current


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a listing, newest first; ``next_token`` is opaque and checked when it returns."""

    items: list[T]
    next_token: str | None

    def map[U](self, convert: Callable[[T], U]) -> Page[U]:
        return Page([convert(item) for item in self.items], self.next_token)


@dataclass(frozen=True, slots=True)
class Condition:
    """What must hold, besides the item existing, for a write to apply."""

    owner_id: str | None = None  # None: anyone's (an admin, or the backend)
    statuses: Collection[StrEnum] | None = None  # None: any status
    equals: Mapping[str, Any] = field(default_factory=dict)  # attribute -> the value it must still have
    lacks: tuple[str, str] | None = None  # (set attribute, member) the set must not hold yet
    below: Mapping[str, int] = field(default_factory=dict)  # attribute -> a bound it must stay under


class _Expression:
    """Placeholders for one request's names and values (DynamoDB refuses unused or empty maps)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attribute: str) -> str:
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = _serializer.serialize(value)
        return placeholder

    def condition(self, key: str, when: Condition) -> str:
        conditions = [f"attribute_exists({self.name(key)})"]
        if when.owner_id is not None:
            conditions.append(f"{self.name('customerId')} = {self.value(when.owner_id)}")
        if when.statuses is not None:
            assert when.statuses, "an empty status set cannot match; explain the refusal instead of writing"
            allowed = ", ".join(self.value(status.value) for status in sorted(when.statuses))
            conditions.append(f"{self.name('status')} IN ({allowed})")
        for attribute, value in when.equals.items():
            conditions.append(f"{self.name(attribute)} = {self.value(value)}")
        if when.lacks is not None:
            attribute, member = when.lacks
            conditions.append(f"NOT contains({self.name(attribute)}, {self.value(member)})")
        for attribute, bound in when.below.items():
            conditions.append(f"{self.name(attribute)} < {self.value(bound)}")
        return " AND ".join(conditions)

    def attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {"ExpressionAttributeNames": self.names}
        if self.values:
            attributes["ExpressionAttributeValues"] = self.values
        return attributes


BATCH_SIZE = 25  # the most BatchWriteItem takes at once
BATCH_ATTEMPTS = 5  # DynamoDB may leave some of a batch unprocessed under load
CUSTOMER_INDEX = "customerId-createdAt-index"  # every kind's: the owner's items, newest first


class Table[M: BaseModel]:
    """The items of one kind: ``model`` in the table ``name`` whose partition key is ``key``."""

    def __init__(self, name: str, key: str, model: type[M], client: Any) -> None:
        self.name = name
        self.key = key
        self._model = model
        self._client = client
        shown = [field.alias or field_name for field_name, field in model.model_fields.items()]
        self._projection = {f"#p{i}": attribute for i, attribute in enumerate(shown)}

    def _key(self, key_value: str) -> dict[str, Any]:
        return {self.key: {"S": key_value}}

    def _item(self, item: Mapping[str, Any] | None) -> M | None:
        """The model of a DynamoDB-typed item."""
        return self._model.model_validate(from_item(item)) if item else None

    def _refusal(self, current: Item | None) -> ConditionFailed:
        return ConditionFailed(self._model.model_validate(current) if current else None)

    def get(self, key_value: str) -> M | None:
        response = self._client.get_item(
            TableName=self.name,
            Key=self._key(key_value),
            ConsistentRead=True,
            ProjectionExpression=", ".join(self._projection),
            ExpressionAttributeNames=self._projection,
        )
        return self._item(response.get("Item"))

    def insert(self, item: M) -> None:
        """PutItem only if no item has this key yet; botocore's retry that finds exactly its own item is done."""
        stored = to_item(item.model_dump(by_alias=True))
        try:
            self._client.put_item(
                TableName=self.name,
                Item=stored,
                ConditionExpression="attribute_not_exists(#k)",
                ExpressionAttributeNames={"#k": self.key},  # a key may be named as a reserved word
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as error:
            current = _refused(error)
            if _was_retried(error) and current == from_item(stored):
                return
            raise self._refusal(current) from None

    def update(
        self, key_value: str, changes: Mapping[str, Any], *, when: Condition, add: Mapping[str, Any] | None = None
    ) -> M:
        """Set (value) or remove (None) ``changes``, and ADD ``add``, in one conditional write.

        Returns the item as it now is. A refusal raises ConditionFailed, unless botocore retried
        the write and the item holds exactly what ``changes`` sets: the first attempt applied.
        """
        # A token unique to this write: a retried write recognises its own first attempt by it,
        # not by values a concurrent writer in the same millisecond could have set as well.
        changes = {**changes, WRITE_ID: uuid.uuid4().hex}
        try:
            response = self._client.update_item(
                **self._update_request(key_value, changes, when=when, add=add),
                ReturnValues="ALL_NEW",
            )
        except Exception as error:
            current = _refused(error)
            if _was_retried(error) and current is not None and _holds(current, changes):
                return self._model.model_validate(current)
            raise self._refusal(current) from None
        return self._model.model_validate(from_item(response["Attributes"]))

    def _update_request(
        self, key_value: str, changes: Mapping[str, Any], *, when: Condition, add: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        expression = _Expression()
        sets = [f"{expression.name(a)} = {expression.value(v)}" for a, v in changes.items() if v is not None]
        removes = [expression.name(a) for a, v in changes.items() if v is None]
        adds = [f"{expression.name(a)} {expression.value(v)}" for a, v in (add or {}).items()]
        update = "SET " + ", ".join(sets) if sets else ""
        update += " REMOVE " + ", ".join(removes) if removes else ""
        update += " ADD " + ", ".join(adds) if adds else ""
        condition = expression.condition(self.key, when)
        return {
            "TableName": self.name,
            "Key": self._key(key_value),
            "UpdateExpression": update.strip(),
            "ConditionExpression": condition,
            **expression.attributes(),
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }

    def delete(self, key_value: str, *, when: Condition) -> M | None:
        """Delete in one conditional write; return the item as it was.

        None: botocore retried this delete and found the item gone, so the first attempt (whose
        answer was lost) deleted it; the caller answers with the item it read before.
        """
        expression = _Expression()
        condition = expression.condition(self.key, when)
        try:
            response = self._client.delete_item(
                TableName=self.name,
                Key=self._key(key_value),
                ConditionExpression=condition,
                **expression.attributes(),
                ReturnValues="ALL_OLD",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as error:
            current = _refused(error)
            if _was_retried(error) and current is None:
                return None
            raise self._refusal(current) from None
        return self._item(response["Attributes"])

    def delete_keys(self, key_values: Collection[str]) -> None:
        """Delete these items unconditionally (an item already gone is fine): BatchWriteItem, 25 a request."""
        pending = [{"DeleteRequest": {"Key": self._key(key_value)}} for key_value in key_values]
        for attempt in range(BATCH_ATTEMPTS):
            unprocessed: list[dict[str, Any]] = []
            for start in range(0, len(pending), BATCH_SIZE):
                response = self._client.batch_write_item(RequestItems={self.name: pending[start : start + BATCH_SIZE]})
                unprocessed.extend(response.get("UnprocessedItems", {}).get(self.name, []))
            if not unprocessed:
                return
            pending = unprocessed
            time.sleep(random.uniform(0.05, 0.1) * 2**attempt)  # noqa: S311 - jitter, not secrecy
        raise RuntimeError(f"{len(pending)} items of {self.name} were still not deleted")

    # ---- actions of a transaction (``transact``): the same writes, applied together or not at all

    def insert_action(self, item: M) -> dict[str, Any]:
        """Put ``item`` only if no item has its key yet."""
        return {
            "Put": {
                "TableName": self.name,
                "Item": to_item(item.model_dump(by_alias=True)),
                "ConditionExpression": "attribute_not_exists(#k)",
                "ExpressionAttributeNames": {"#k": self.key},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def update_action(
        self, key_value: str, changes: Mapping[str, Any], *, when: Condition, add: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return {"Update": self._update_request(key_value, changes, when=when, add=add)}

    def delete_action(self, key_value: str, *, when: Condition) -> dict[str, Any]:
        expression = _Expression()
        condition = expression.condition(self.key, when)
        request = {"TableName": self.name, "Key": self._key(key_value), "ConditionExpression": condition}
        return {"Delete": request | expression.attributes() | {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}

    def check_action(self, key_value: str, *, when: Condition) -> dict[str, Any]:
        """No write: the transaction applies only if this item exists and ``when`` holds."""
        expression = _Expression()
        condition = expression.condition(self.key, when)
        request = {"TableName": self.name, "Key": self._key(key_value), "ConditionExpression": condition}
        return {
            "ConditionCheck": request | expression.attributes() | {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
        }

    def model_of(self, item: Mapping[str, Any] | None) -> M | None:
        """The model of an item a refused transaction handed back (DynamoDB-typed), or None."""
        return self._item(item)

    def list_for_customer(
        self, customer_id: str, *, limit: int, token: str | None, status: StrEnum | None = None
    ) -> Page[M]:
        """One page of the customer's items, newest first (the customer index of every kind)."""
        keys = frozenset({self.key, "customerId", "createdAt"})
        return self.query_page(
            CUSTOMER_INDEX, ("customerId", customer_id), keys, limit=limit, token=token, status=status
        )

    def query_page(
        self,
        index: str,
        partition: tuple[str, str],
        key_attributes: frozenset[str],
        *,
        limit: int,
        token: str | None,
        status: StrEnum | None = None,
        newest_first: bool = True,
    ) -> Page[M]:
        """One Query page of ``index``, by its sort key: newest first, or oldest first.

        ``status`` filters the page (so it may hold fewer than ``limit`` items while a next token
        is set): one Query a page either way. The token is checked against this partition.
        """
        partition_name, partition_value = partition
        start = decode_token(token, key_attributes=key_attributes, partition=partition)
        expression = _Expression()
        query: dict[str, Any] = {
            "KeyConditionExpression": f"{expression.name(partition_name)} = {expression.value(partition_value)}",
            "ProjectionExpression": ", ".join(self._projection),
        }
        if status is not None:
            query["FilterExpression"] = f"{expression.name('status')} = {expression.value(status.value)}"
        attributes = expression.attributes()
        attributes["ExpressionAttributeNames"] |= self._projection
        if start is not None:
            query["ExclusiveStartKey"] = start
        response = self._client.query(
            TableName=self.name, IndexName=index, Limit=limit, ScanIndexForward=not newest_first, **query, **attributes
        )
        items = [self._model.model_validate(from_item(item)) for item in response.get("Items", [])]
        return Page(items, encode_token(response.get("LastEvaluatedKey")))


class TransactionRefused(Exception):  # noqa: N818 - a data-layer signal, not a client error
    """A condition of a transaction failed: nothing was written.

    ``reasons[i]`` is DynamoDB's code for action ``i`` (``"None"`` when that action was fine,
    ``"ConditionalCheckFailed"`` for a failed condition); ``items[i]`` the item it found, typed.
    """

    def __init__(self, reasons: list[str], items: list[dict[str, Any] | None], *, retried: bool = False) -> None:
        super().__init__("transaction refused: " + ", ".join(reasons))
        self.reasons = reasons
        self.items = items
        # botocore sent it again after a lost answer: DynamoDB recognises the client request
        # token and does not refuse a retry of an applied transaction, but a store that ignores
        # the token (moto) does; the caller may then recognise its own write.
        self.retried = retried

    def failed(self, index: int) -> bool:
        return self.reasons[index] == "ConditionalCheckFailed"


TRANSACTION_ATTEMPTS = 5  # a transaction that meets another one on the same item is tried again


def transact(client: Any, actions: Sequence[Mapping[str, Any]]) -> None:
    """Apply ``actions`` (``Table.*_action``) all together or not at all: one TransactWriteItems.

    One client request token for every attempt: botocore's retry of a transaction whose answer
    was lost is recognised by DynamoDB (for 10 minutes) and not applied twice. A transaction that
    lost a race with another one on the same item (``TransactionConflict``) is tried again a few
    times; a failed condition raises TransactionRefused at once.
    """
    token = str(uuid.uuid4())
    for attempt in range(TRANSACTION_ATTEMPTS):
        try:
            client.transact_write_items(TransactItems=list(actions), ClientRequestToken=token)
            return
        except Exception as error:
            response = getattr(error, "response", None) or {}
            if response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            cancelled = response.get("CancellationReasons", [])
            reasons = [str(reason.get("Code", "None")) for reason in cancelled]
            if "ConditionalCheckFailed" in reasons:
                items = [reason.get("Item") for reason in cancelled]
                raise TransactionRefused(reasons, items, retried=_was_retried(error)) from None
            if attempt == TRANSACTION_ATTEMPTS - 1 or set(reasons) - {"None", "TransactionConflict"}:
                raise
            time.sleep(random.uniform(0.01, 0.05) * 2**attempt)  # noqa: S311 - jitter, not secrecy


def _refused(error: Exception) -> Item | None:
    """The item a failed condition handed back; any other error is raised as it is."""
    response = getattr(error, "response", None) or {}
    if response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
        raise error
    item = response.get("Item")
    return from_item(item) if item else None


def _was_retried(error: Exception) -> bool:
    return bool(getattr(error, "response", {}).get("ResponseMetadata", {}).get("RetryAttempts"))


def _holds(current: Item, changes: Mapping[str, Any]) -> bool:
    """The item holds exactly what ``changes`` writes (compared in DynamoDB's own types)."""
    written = from_item(to_item(changes))
    return all(current.get(attribute) == written.get(attribute) for attribute in changes)
