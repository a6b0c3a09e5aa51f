"""The spine's consumer: records decode once, every reaction runs, failures stay per reaction."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ape_moments.changes import Change, ChangeConsumer, StreamKind, decode
from ape_moments.table import to_item

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/{}/stream/2026-01-01T00:00:00.000"


class Thing(BaseModel):
    thingId: str  # noqa: N815 - the stored attribute
    status: str


KINDS = {"Things": StreamKind("thing", Thing)}


def record(seq: int, event: str, old: dict[str, Any] | None, new: dict[str, Any] | None, table: str = "Things") -> dict:
    images: dict[str, Any] = {"SequenceNumber": str(seq), "ApproximateCreationDateTime": 1_790_000_000 + seq}
    if old:
        images["OldImage"] = to_item(old)
    if new:
        images["NewImage"] = to_item(new)
    return {"eventID": f"e{seq}", "eventName": event, "eventSourceARN": ARN.format(table), "dynamodb": images}


class Recorder:
    def __init__(self, name: str, fail_on: set[str] | None = None) -> None:
        self.name = name
        self.seen: list[str] = []
        self._fail_on = fail_on or set()

    def wants(self, change: Change[Any]) -> bool:
        return change.event != "REMOVE"

    def react(self, change: Change[Any]) -> None:
        if change.change_id in self._fail_on:
            raise RuntimeError("down")
        self.seen.append(change.change_id)


def test_a_record_decodes_into_models_with_its_transition_and_day() -> None:
    change = decode(
        record(1, "MODIFY", {"thingId": "a", "status": "A"}, {"thingId": "a", "status": "B"}), KINDS["Things"]
    )
    assert change.old == Thing(thingId="a", status="A")
    assert change.new == Thing(thingId="a", status="B")
    assert change.transition == ("A", "B")
    assert change.moved_into("B")
    assert not change.moved_into("A")
    assert change.change_id == "e1"
    assert change.sequence == "1"
    assert change.day == "2026-09-21"


def test_every_reaction_gets_every_change_it_wants() -> None:
    first, second = Recorder("first"), Recorder("second")
    outcome = ChangeConsumer(KINDS, [first, second]).handle(
        [
            record(1, "INSERT", None, {"thingId": "a", "status": "A"}),
            record(2, "REMOVE", {"thingId": "a", "status": "A"}, None),
            record(3, "INSERT", None, {"thingId": "b", "status": "A"}, table="Unknown"),
        ]
    )
    assert first.seen == second.seen == ["e1"]
    assert outcome.handled == {"first": 1, "second": 1}
    assert outcome.ignored == 1
    assert outcome.batch_item_failures == []


def test_one_reactions_failure_neither_stops_the_others_nor_is_lost() -> None:
    failing, other = Recorder("failing", fail_on={"e2"}), Recorder("other")
    outcome = ChangeConsumer(KINDS, [failing, other]).handle(
        [record(n, "INSERT", None, {"thingId": f"t{n}", "status": "A"}) for n in (1, 2, 3)]
    )
    assert other.seen == ["e1", "e2"]  # the other reaction still handled the failing record
    assert failing.seen == ["e1"]
    # the batch resumes from the failed record: record 3 waits behind it (order per shard)
    assert outcome.batch_item_failures == [{"itemIdentifier": "2"}]
    assert [(f.reaction, f.sequence) for f in outcome.failures] == [("failing", "2")]


def test_an_item_that_does_not_validate_fails_its_record() -> None:
    outcome = ChangeConsumer(KINDS, [Recorder("any")]).handle([record(7, "INSERT", None, {"thingId": "x"})])
    assert outcome.batch_item_failures == [{"itemIdentifier": "7"}]
    assert outcome.failures[0].reaction == "decode"
