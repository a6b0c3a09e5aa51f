"""The rendering functions' sample events (events/change_stream.json, renderer.json,
render_dead_letter.json) run against their handlers, and the render reaction's rules for which
changes are submissions."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ape_moments.changes import decode
from ape_moments.media.albums import Album, AlbumStatus
from ape_moments.media.collages import Collage, CollageStatus, CollageTemplate
from ape_moments.media.renders import (
    GAVE_UP_MESSAGE,
    RenderRequest,
    album_pdf_key,
    collage_output_key,
    render_id_of,
)
from ape_moments.models import Kind
from ape_moments.reactions.render import submission_of as submission_of_change
from ape_moments.reactions.wiring import ALBUMS, COLLAGES
from tests.conftest import EVENTS, FakeContext, load_handler
from tests.unit.media.helpers import albums, collages
from tests.unit.reactions.test_change_stream_handler import change_stream_sample
from tests.unit.rendering.conftest import Flow, solid_jpeg

SAMPLE_COLLAGE_ID = "8d4f1b36-2a5c-4e7b-9f0d-3c6e8a1b4d7f"
SAMPLE_ALBUM_ID = "5c2e9a14-8b3f-4d6a-9e1c-7f0b2d4a6c8e"
SAMPLE_CUSTOMER = "3f6c2a1e-5b7d-4c1a-9e2f-8a4b6c0d1e2f"
NOW = "2026-11-29T10:00:00.000Z"


def sample(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


def test_the_dispatch_sample_queues_one_request_per_submission(flow: Flow) -> None:
    load_handler("change_stream").lambda_handler(change_stream_sample(), FakeContext())
    bodies = []
    while (event := flow.receive(flow.queue_url)) is not None:
        bodies.extend(json.loads(r["body"]) for r in event["Records"])
        for record in event["Records"]:
            flow.aws.sqs.delete_message(QueueUrl=flow.queue_url, ReceiptHandle=record["receiptHandle"])
    # each request names its render: the submission's updatedAt
    assert bodies == [
        {"kind": "collage", "id": SAMPLE_COLLAGE_ID, "render_id": _submitted("collage")},
        {"kind": "album", "id": SAMPLE_ALBUM_ID, "render_id": _submitted("album")},
    ]


def test_the_renderer_sample_renders_the_sample_collage(flow: Flow) -> None:
    keys = flow.upload(f"collages/{SAMPLE_COLLAGE_ID}/", SAMPLE_CUSTOMER, [solid_jpeg((200, 0, 0))])
    collages().insert(
        Collage(
            collage_id=SAMPLE_COLLAGE_ID,
            customer_id=SAMPLE_CUSTOMER,
            name="Booth night",
            s3_prefix=f"collages/{SAMPLE_COLLAGE_ID}/",
            template=CollageTemplate.SINGLE,
            source_images=keys,
            status=CollageStatus.PROCESSING,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    response = load_handler("renderer").lambda_handler(sample("renderer.json"), FakeContext())
    assert response == {"batchItemFailures": []}
    stored = collages().get(SAMPLE_COLLAGE_ID)
    assert stored is not None
    # the sample message's render id names the output
    render_id = json.loads(sample("renderer.json")["Records"][0]["body"])["render_id"]
    assert (stored.status, stored.output_key) == (
        "COMPLETED",
        f"renders/collages/{SAMPLE_COLLAGE_ID}/{render_id}/collage.jpg",
    )


def test_the_dead_letter_sample_sends_the_sample_album_back_to_ready(flow: Flow) -> None:
    albums().insert(
        Album(
            album_id=SAMPLE_ALBUM_ID,
            customer_id=SAMPLE_CUSTOMER,
            name="Summer",
            s3_prefix=f"albums/{SAMPLE_ALBUM_ID}/",
            image_count=12,
            status=AlbumStatus.PROCESSING,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    response = load_handler("render_dead_letter").lambda_handler(sample("render_dead_letter.json"), FakeContext())
    assert response == {"batchItemFailures": []}
    stored = albums().get(SAMPLE_ALBUM_ID)
    assert stored is not None
    assert (stored.status, stored.error_message) == ("READY", GAVE_UP_MESSAGE)


def test_a_request_of_a_deleted_item_is_dropped_quietly(flow: Flow) -> None:
    for handler in ("renderer", "render_dead_letter"):
        assert load_handler(handler).lambda_handler(sample("renderer.json"), FakeContext()) == {"batchItemFailures": []}


def test_a_malformed_message_is_reported_failed_not_lost(flow: Flow) -> None:
    event = sample("renderer.json")
    event["Records"][0]["body"] = '{"kind": "poster", "id": "x"}'
    response = load_handler("renderer").lambda_handler(event, FakeContext())
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}


# ---- which stream records are submissions ---------------------------------------------------------


def _record(name: str) -> dict[str, Any]:
    return copy.deepcopy(sample("change_stream.json")["Records"][1 if name == "collage" else 2])


def _submitted(name: str) -> str:
    """The render id of the sample's submission: its updatedAt as a key segment."""
    return render_id_of(_record(name)["dynamodb"]["NewImage"]["updatedAt"]["S"])


def submission_of(record: dict[str, Any]) -> RenderRequest | None:
    return submission_of_change(decode(record, COLLAGES if "collageId" in record["dynamodb"]["Keys"] else ALBUMS))


def test_a_move_into_processing_is_a_submission() -> None:
    # The render id is the submission's updatedAt: its redeliveries share one output key.
    collage_render, album_render = _submitted("collage"), _submitted("album")
    expected_collage = RenderRequest(kind=Kind.COLLAGE, id=SAMPLE_COLLAGE_ID, render_id=collage_render)
    assert submission_of(_record("collage")) == expected_collage
    expected_album = RenderRequest(kind=Kind.ALBUM, id=SAMPLE_ALBUM_ID, render_id=album_render)
    assert submission_of(_record("album")) == expected_album
    assert collage_render.isalnum()
    assert collage_render != album_render


def test_output_keys_change_with_the_submission() -> None:
    first = collage_output_key(SAMPLE_COLLAGE_ID, render_id_of("2026-11-29T10:01:40.123Z"))
    again = collage_output_key(SAMPLE_COLLAGE_ID, render_id_of("2026-11-29T10:05:00.000Z"))
    assert first == f"renders/collages/{SAMPLE_COLLAGE_ID}/20261129T100140123Z/collage.jpg"
    assert again != first
    assert album_pdf_key(SAMPLE_ALBUM_ID, "r1") == f"renders/albums/{SAMPLE_ALBUM_ID}/r1/album.pdf"


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r["dynamodb"]["OldImage"]["status"].update(S="PROCESSING"),  # an edit while processing
        lambda r: r["dynamodb"]["NewImage"]["status"].update(S="COMPLETED"),  # the renderer's own move
        lambda r: r.update(eventName="INSERT"),
        lambda r: r.update(eventName="REMOVE"),
        lambda r: r["dynamodb"].pop("NewImage"),
    ],
)
def test_other_changes_are_not_submissions(change: Any) -> None:
    record = _record("collage")
    change(record)
    assert submission_of(record) is None
