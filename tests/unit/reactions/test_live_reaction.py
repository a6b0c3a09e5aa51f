"""Live publishing as a reaction: what a change publishes, signed and sent over HTTP to a
recording AppSync; a refusal fails its record and never another reaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from ape_moments.changes import Change, ChangeConsumer, decode
from ape_moments.live.appsync import AppSyncPublisher, PublishError
from ape_moments.reactions.live import LivePublishing
from ape_moments.reactions.wiring import ALBUMS, COLLAGES, ORDERS, PHOTOS
from tests.unit.reactions.appsync import RecordingAppSync, recording_appsync
from tests.unit.reactions.records import album, collage, moved, order, photo, stream_record
from tests.unit.reactions.test_render_reaction import Recording

KINDS = {"OrdersTable": ORDERS, "AlbumsTable": ALBUMS, "CollagesTable": COLLAGES, "PhotosTable": PHOTOS}


@pytest.fixture
def appsync() -> Iterator[RecordingAppSync]:
    with recording_appsync() as recording:
        yield recording


def reaction(appsync: RecordingAppSync) -> LivePublishing:
    credentials = boto3.session.Session().get_credentials()
    return LivePublishing(AppSyncPublisher(appsync.url, "us-east-1", credentials))


def change(table: str, event: str, old: Any, new: Any) -> Change[Any]:
    return decode(stream_record(table, event, old, new), KINDS[table])


def test_a_status_move_publishes_the_object_as_its_get_query_returns_it(appsync: RecordingAppSync) -> None:
    before = order("PENDING")
    after = moved(before, "PROCESSING")
    live = reaction(appsync)
    moved_order = change("OrdersTable", "MODIFY", before, after)
    assert live.wants(moved_order)
    live.react(moved_order)
    (payload,) = appsync.payloads()
    assert payload == after.to_graphql() | {"items": [item | {"downloadUrl": None} for item in payload["items"]]}
    assert payload["status"] == "PROCESSING"
    assert "publishOrderUpdated(order: $payload)" in appsync.published[0]["query"]


def test_albums_and_collages_publish_with_their_url_fields_null(appsync: RecordingAppSync) -> None:
    live = reaction(appsync)
    ready, draft = album("READY"), collage("DRAFT")
    for made in (
        change("AlbumsTable", "MODIFY", ready, moved(ready, "PROCESSING")),
        change("CollagesTable", "INSERT", None, draft),
    ):
        live.react(made)
    album_payload, collage_payload = appsync.payloads()
    assert (album_payload["albumId"], album_payload["status"], album_payload["pdfUrl"]) == (
        ready.album_id,
        "PROCESSING",
        None,
    )
    assert (collage_payload["collageId"], collage_payload["outputImageUrl"]) == (draft.collage_id, None)


def test_changes_no_client_sees_are_not_wanted(appsync: RecordingAppSync) -> None:
    live = reaction(appsync)
    same, ready = order("PROCESSING"), album("READY")
    internal = stream_record("OrdersTable", "MODIFY", same, same)
    internal["dynamodb"]["NewImage"]["paymentId"] = {"S": "pay-1"}  # an attribute no model names
    for unseen in (
        decode(internal, ORDERS),
        change("OrdersTable", "REMOVE", same, None),
        change("AlbumsTable", "MODIFY", ready, ready.model_copy()),  # a write that set the same values
        change("PhotosTable", "INSERT", None, photo()),  # photos have no subscription
    ):
        assert not live.wants(unseen)
        live.react(unseen)  # even if asked: nothing to publish
    assert appsync.published == []


def test_a_refused_publish_fails_its_record_and_the_render_still_happens(appsync: RecordingAppSync) -> None:
    appsync.refuse = True
    live = reaction(appsync)
    other = Recording()
    draft = collage("DRAFT")
    record = stream_record("CollagesTable", "MODIFY", draft, moved(draft, "PROCESSING"))
    with pytest.raises(PublishError, match="publishCollageUpdated: refused"):
        live.react(decode(record, COLLAGES))
    outcome = ChangeConsumer(KINDS, [live, other]).handle([record])
    assert outcome.batch_item_failures == [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]
    assert (outcome.failures[0].reaction, outcome.handled) == ("live", {"recording": 1})
    assert other.seen == [record["eventID"]]
