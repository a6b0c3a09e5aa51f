"""The spine: a table's stream records, decoded once into typed changes, handed to reactions.

One consumer reads each table's stream (template.yaml: ``ChangeStreamFunction``). Each record
becomes one ``Change`` (which kind, the object before and after as that kind's model, the status
transition, when), and every registered ``Reaction`` that wants it gets it: live publishing,
render dispatch, notifications, the owner's figures. A new feature that reacts to table changes
is a new reaction, never a new stream reader with its own parser.

Contract of a reaction:
- ``wants`` is pure and cheap (no I/O); ``react`` does the work, usually one hand-off (a queue
  message, a conditional write, one publish).
- It is idempotent per ``Change.change_id``: a record is delivered again after any failure in
  its batch (and Lambda redelivers on its own), so a reaction that already succeeded for a change
  must do nothing new the second time (a ledger keyed by ``change_id``, a conditional write, an
  idempotent queue consumer).
- Its failure is its own: the other reactions still run for that record, and the record is
  reported as the batch's failure so Lambda retries from it (``ReportBatchItemFailures``): never
  lost, order per shard kept. After the mapping's retries the batch is described to its
  on-failure queue (alarmed).

Pure: no AWS calls here; the reactions hold their own clients.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from ape_moments.table import Item, from_item

EventName = Literal["INSERT", "MODIFY", "REMOVE"]


@dataclass(frozen=True, slots=True)
class StreamKind[M: BaseModel]:
    """What one table's stream carries: the kind's name and the model its items validate as."""

    name: str  # a Kind: "order", "album", "collage", "photo"
    model: type[M]


@dataclass(frozen=True, slots=True)
class Change[M: BaseModel]:
    """One table change, decoded once: the object before and after, as the kind's model."""

    kind: str
    change_id: str  # the record's eventID: the same on every redelivery of this record
    sequence: str  # its SequenceNumber: what a partial batch failure reports
    event: EventName
    old: M | None
    new: M | None
    old_item: Item  # the raw images (plain values), for internal attributes no model names
    new_item: Item
    at: datetime  # when DynamoDB made the change (ApproximateCreationDateTime, UTC)

    @property
    def old_status(self) -> str | None:
        return _status(self.old)

    @property
    def new_status(self) -> str | None:
        return _status(self.new)

    @property
    def transition(self) -> tuple[str | None, str | None]:
        """(status before, status after); None where there is no object (insert, remove)."""
        return self.old_status, self.new_status

    def moved_into(self, status: str) -> bool:
        """The object entered ``status`` with this change (created in it, or moved into it)."""
        return self.new_status == status and self.old_status != status

    @property
    def day(self) -> str:
        """The UTC date of the change (``YYYY-MM-DD``)."""
        return self.at.date().isoformat()


def _status(model: BaseModel | None) -> str | None:
    value = getattr(model, "status", None) if model is not None else None
    return None if value is None else str(value)


class Reaction(Protocol):
    """Something the backend does when a table changes (see the module's contract)."""

    name: str

    def wants(self, change: Change[Any]) -> bool: ...

    def react(self, change: Change[Any]) -> None: ...


def table_of(record: Mapping[str, Any]) -> str:
    """The table name in a stream record's ``eventSourceARN`` (``...:table/{name}/stream/...``)."""
    return str(record["eventSourceARN"]).split(":table/", 1)[1].split("/", 1)[0]


def decode(record: Mapping[str, Any], kind: StreamKind[Any]) -> Change[Any]:
    """One stream record to its change. A stored item that does not validate raises: its record
    is retried, then set aside by the mapping, never half-handled."""
    images = record.get("dynamodb") or {}
    old_item = from_item(images["OldImage"]) if images.get("OldImage") else {}
    new_item = from_item(images["NewImage"]) if images.get("NewImage") else {}
    created = images.get("ApproximateCreationDateTime")
    at = datetime.fromtimestamp(float(created), UTC) if created is not None else datetime.now(UTC)
    return Change(
        kind=kind.name,
        change_id=str(record.get("eventID") or images["SequenceNumber"]),
        sequence=str(images["SequenceNumber"]),
        event=record["eventName"],
        old=kind.model.model_validate(old_item) if old_item else None,
        new=kind.model.model_validate(new_item) if new_item else None,
        old_item=old_item,
        new_item=new_item,
        at=at,
    )


@dataclass
class ReactionFailure:
    sequence: str
    reaction: str  # the reaction's name, or "decode"
    error: str  # class and message, for the logs (never sent to a client)


@dataclass
class BatchOutcome:
    """What one batch did: per reaction, how many changes it handled; the failures, if any."""

    handled: dict[str, int] = field(default_factory=dict)
    failures: list[ReactionFailure] = field(default_factory=list)
    ignored: int = 0  # records of a table no kind is registered for

    @property
    def batch_item_failures(self) -> list[dict[str, str]]:
        """Lambda's ``batchItemFailures``: the first failed record (the shard resumes from it)."""
        return [{"itemIdentifier": self.failures[0].sequence}] if self.failures else []


class ChangeConsumer:
    """Records in shard order to reactions. Every reaction that wants a change gets it, whatever
    the others did; the first record with a failure ends the batch (the records after it are
    retried with it, so each object's changes keep their order)."""

    def __init__(self, kinds_by_table: Mapping[str, StreamKind[Any]], reactions: Sequence[Reaction]) -> None:
        self._kinds = kinds_by_table
        self._reactions = tuple(reactions)

    @property
    def reactions(self) -> tuple[Reaction, ...]:
        return self._reactions

    def handle(self, records: Sequence[Mapping[str, Any]]) -> BatchOutcome:
        outcome = BatchOutcome()
        for record in records:
            failed = self._handle_record(record, outcome)
            if failed:
                break
        return outcome

    def _handle_record(self, record: Mapping[str, Any], outcome: BatchOutcome) -> bool:
        kind = self._kinds.get(table_of(record))
        sequence = str((record.get("dynamodb") or {}).get("SequenceNumber", ""))
        if kind is None:
            outcome.ignored += 1
            return False
        try:
            change = decode(record, kind)
        except Exception as error:  # a malformed item: retried, then set aside by the mapping
            outcome.failures.append(ReactionFailure(sequence, "decode", f"{type(error).__name__}: {error}"))
            return True
        failed = False
        for reaction in self._reactions:
            try:
                if not reaction.wants(change):
                    continue
                reaction.react(change)
            except Exception as error:  # this reaction's failure only; the others still run
                outcome.failures.append(ReactionFailure(sequence, reaction.name, f"{type(error).__name__}: {error}"))
                failed = True
                continue
            outcome.handled[reaction.name] = outcome.handled.get(reaction.name, 0) + 1
        return failed
