"""Render dispatch as a reaction: which changes are submissions, and the request it queues (moto's SQS)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ape_moments import aws
from ape_moments.changes import Change, ChangeConsumer, decode
from ape_moments.media.render_queue import RenderQueue
from ape_moments.media.renders import render_id_of
from ape_moments.reactions.render import RenderDispatch, submission_of
from ape_moments.reactions.wiring import ALBUMS, COLLAGES, ORDERS
from tests.conftest import LocalAws
from tests.unit.reactions.records import album, collage, moved, order, stream_record

KINDS = {"CollagesTable": COLLAGES, "AlbumsTable": ALBUMS, "OrdersTable": ORDERS}


def change(table: str, event: str, old: Any, new: Any) -> Change[Any]:
    return decode(stream_record(table, event, old, new), KINDS[table])


def queued(local: LocalAws, queue_url: str) -> list[dict[str, Any]]:
    messages = local.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


@pytest.fixture
def queue_url(aws: LocalAws) -> str:
    return str(aws.sqs.create_queue(QueueName="render-requests")["QueueUrl"])


def test_a_collage_and_an_album_moved_into_processing_are_queued(aws: LocalAws, queue_url: str) -> None:
    reaction = RenderDispatch(RenderQueue(queue_url, aws_client()))
    draft, ready = collage("DRAFT"), album("READY")
    collage_submitted = change("CollagesTable", "MODIFY", draft, moved(draft, "PROCESSING"))
    album_submitted = change("AlbumsTable", "MODIFY", ready, moved(ready, "PROCESSING"))
    for submitted in (collage_submitted, album_submitted):
        assert reaction.wants(submitted)
        reaction.react(submitted)
    # each request names its render: the submission's updatedAt (one output key per submission)
    assert sorted(queued(aws, queue_url), key=lambda body: body["kind"]) == [
        {"kind": "album", "id": ready.album_id, "render_id": render_id_of(album_submitted.new_item["updatedAt"])},
        {"kind": "collage", "id": draft.collage_id, "render_id": render_id_of(collage_submitted.new_item["updatedAt"])},
    ]


def aws_client() -> Any:
    return aws.client("sqs")


OTHER_CHANGES: list[Callable[[], Change[Any]]] = [
    # an edit while processing, the renderer's own move, an insert, a removal, another kind
    lambda: change(
        "CollagesTable", "MODIFY", collage("PROCESSING"), moved(collage("PROCESSING"), "PROCESSING", name="x")
    ),
    lambda: change("CollagesTable", "MODIFY", collage("PROCESSING"), moved(collage("PROCESSING"), "COMPLETED")),
    lambda: change("AlbumsTable", "MODIFY", album("PROCESSING"), moved(album("PROCESSING"), "READY")),
    lambda: change("CollagesTable", "INSERT", None, collage("PROCESSING")),
    lambda: change("AlbumsTable", "REMOVE", album("PROCESSING"), None),
    lambda: change("OrdersTable", "MODIFY", order("PENDING"), moved(order("PENDING"), "PROCESSING")),
]


@pytest.mark.parametrize("make", OTHER_CHANGES)
def test_other_changes_are_not_submissions(make: Callable[[], Change[Any]]) -> None:
    assert submission_of(make()) is None
    assert not RenderDispatch(RenderQueue("unused", None)).wants(make())


class Recording:
    name = "recording"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def wants(self, change: Change[Any]) -> bool:
        return True

    def react(self, change: Change[Any]) -> None:
        self.seen.append(change.change_id)


def test_a_refused_request_fails_its_record_and_never_the_other_reactions(aws: LocalAws) -> None:
    missing = "https://sqs.us-east-1.amazonaws.com/123456789012/no-such-queue"
    recording = Recording()
    draft = collage("DRAFT")
    record = stream_record("CollagesTable", "MODIFY", draft, moved(draft, "PROCESSING"))
    later = stream_record("CollagesTable", "MODIFY", draft, moved(draft, "DRAFT", name="later"))
    consumer = ChangeConsumer(KINDS, [RenderDispatch(RenderQueue(missing, aws_client())), recording])
    outcome = consumer.handle([record, later])
    assert outcome.batch_item_failures == [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]
    assert outcome.failures[0].reaction == "render"
    assert recording.seen == [record["eventID"]]  # ran for the failed record; the later one waits for the retry
