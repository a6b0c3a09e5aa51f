"""The live-update use cases: authorizing a subscription, and publishing a batch of stream records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ape_moments.caller import Caller
from ape_moments.live.access import SubscriptionRequest, check_owner, check_scope
from ape_moments.live.publications import ALBUM, COLLAGE, ORDER, LiveKind, Publication, publication
from ape_moments.table import from_item

SUBSCRIPTIONS = {"onOrderUpdated": ORDER, "onAlbumUpdated": ALBUM, "onCollageUpdated": COLLAGE}


class Owned(Protocol):
    customer_id: str


class OwnedTable(Protocol):
    def get(self, key_value: str) -> Owned | None: ...


class SubscriptionAccess:
    """Runs when a client subscribes (the subscription field's resolver): refuses per SPEC 10."""

    def __init__(self, tables: Mapping[str, OwnedTable]) -> None:
        self._tables = tables  # GraphQL type name -> its repository

    def authorize(self, caller: Caller, field_name: str, arguments: Mapping[str, Any]) -> None:
        kind = SUBSCRIPTIONS[field_name]
        request = SubscriptionRequest(arguments.get("customerId"), arguments.get(kind.key), kind.key)
        if check_scope(caller, request):
            assert request.object_id is not None  # check_scope asks for the owner only with an id
            found = self._tables[kind.type_name].get(request.object_id)
            check_owner(caller, request, found.customer_id if found else None)


class Sender(Protocol):
    def publish(self, publication: Publication) -> None: ...


@dataclass
class BatchOutcome:
    published: int = 0  # publish mutations sent
    failures: list[dict[str, str]] = field(default_factory=list)  # Lambda's batchItemFailures
    error: str | None = None  # why the first failed record failed (for the logs)


class StreamPublisher:
    """Stream records in order to publish mutations; stops at the first failure and reports it,
    so the batch is retried from there (the records after it were not sent: order holds)."""

    def __init__(self, kinds_by_table: Mapping[str, LiveKind], sender: Sender) -> None:
        self._kinds = kinds_by_table  # table name -> kind
        self._sender = sender

    def publication_of(self, record: Mapping[str, Any]) -> Publication | None:
        table_name = str(record["eventSourceARN"]).split(":table/", 1)[1].split("/", 1)[0]
        kind = self._kinds.get(table_name)
        if kind is None:
            return None
        images = record.get("dynamodb", {})
        old, new = images.get("OldImage"), images.get("NewImage")
        return publication(kind, record["eventName"], from_item(old) if old else None, from_item(new) if new else None)

    def handle(self, records: list[Mapping[str, Any]]) -> BatchOutcome:
        outcome = BatchOutcome()
        for record in records:
            try:
                found = self.publication_of(record)
                if found is not None:
                    self._sender.publish(found)
                    outcome.published += 1
            except Exception as error:  # the record is retried from here; the logs say why
                outcome.failures = [{"itemIdentifier": str(record["dynamodb"]["SequenceNumber"])}]
                outcome.error = f"{type(error).__name__}: {error}"
                break
        return outcome
