"""The change stream's handler with stream-shaped records of all four tables (the sample event
and records made with ``to_item``): each reaction gets what it wants, and a failure is reported
per record so Lambda retries from it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ape_moments.media.renders import render_id_of
from tests.conftest import EVENTS, FakeContext, LocalAws, load_handler
from tests.unit.reactions.appsync import RecordingAppSync, recording_appsync
from tests.unit.reactions.records import collage, moved, order, photo, stream_record

# The sample's tables, as this test environment names them (tests/conftest.py: the logical ids).
SAMPLE_TABLES = {
    "ape-moments-local-OrdersTable": "OrdersTable",
    "ape-moments-dev-CollagesTable-1A2B3C4D5E6F": "CollagesTable",
    "ape-moments-dev-AlbumsTable-6F5E4D3C2B1A": "AlbumsTable",
    "ape-moments-dev-PhotosTable-9A8B7C6D5E4F": "PhotosTable",
}


def change_stream_sample() -> dict[str, Any]:
    text = (EVENTS / "change_stream.json").read_text()
    for stage_name, logical_id in SAMPLE_TABLES.items():
        text = text.replace(stage_name, logical_id)
    return dict(json.loads(text))


@pytest.fixture
def stack(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LocalAws, RecordingAppSync, str]]:
    queue_url = str(aws.sqs.create_queue(QueueName="render-requests")["QueueUrl"])
    monkeypatch.setenv("RENDER_QUEUE_URL", queue_url)
    # the notifications reaction hands its emails to this queue
    monkeypatch.setenv("EMAIL_QUEUE_URL", aws.sqs.create_queue(QueueName="emails")["QueueUrl"])
    with recording_appsync() as appsync:
        monkeypatch.setenv("GRAPHQL_URL", appsync.url)
        yield aws, appsync, queue_url


def render_requests(aws: LocalAws, queue_url: str) -> list[dict[str, Any]]:
    messages = aws.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return sorted((json.loads(m["Body"]) for m in messages), key=lambda body: body["kind"])


def handle(event: dict[str, Any]) -> Any:
    return load_handler("change_stream").lambda_handler(event, FakeContext())


def test_the_sample_publishes_three_objects_and_queues_two_renders(stack: Any) -> None:
    aws, appsync, queue_url = stack
    sample = change_stream_sample()
    assert [r["eventSourceARN"].split("/")[1] for r in sample["Records"]] == [
        "OrdersTable", "CollagesTable", "AlbumsTable", "PhotosTable",
    ]  # fmt: skip
    assert handle(sample) == {"batchItemFailures": []}
    assert [(p.get("orderId") or p.get("collageId") or p.get("albumId"), p["status"]) for p in appsync.payloads()] == [
        ("6b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b", "PROCESSING"),
        ("8d4f1b36-2a5c-4e7b-9f0d-3c6e8a1b4d7f", "PROCESSING"),
        ("5c2e9a14-8b3f-4d6a-9e1c-7f0b2d4a6c8e", "PROCESSING"),
    ]  # the photo: no subscription publishes it
    # each request names its render: the submission's updatedAt (one output key per submission)
    submitted_at = {
        next(iter(r["dynamodb"]["Keys"].values()))["S"]: r["dynamodb"]["NewImage"]["updatedAt"]["S"]
        for r in sample["Records"][1:3]
    }
    album_id, collage_id = "5c2e9a14-8b3f-4d6a-9e1c-7f0b2d4a6c8e", "8d4f1b36-2a5c-4e7b-9f0d-3c6e8a1b4d7f"
    assert render_requests(aws, queue_url) == [
        {"kind": "album", "id": album_id, "render_id": render_id_of(submitted_at[album_id])},
        {"kind": "collage", "id": collage_id, "render_id": render_id_of(submitted_at[collage_id])},
    ]


def test_a_failed_record_is_reported_and_the_batch_resumes_from_it(stack: Any) -> None:
    aws, appsync, queue_url = stack
    pending, draft = order("PENDING"), collage("DRAFT")
    first = stream_record("OrdersTable", "MODIFY", pending, moved(pending, "PROCESSING"))
    submitted = stream_record("CollagesTable", "MODIFY", draft, moved(draft, "PROCESSING"))
    uploaded = stream_record("PhotosTable", "INSERT", None, photo())
    assert handle({"Records": [first]}) == {"batchItemFailures": []}

    appsync.refuse = True  # AppSync fails: the collage's publish fails, its render is still queued
    response = handle({"Records": [submitted, uploaded]})
    assert response == {"batchItemFailures": [{"itemIdentifier": submitted["dynamodb"]["SequenceNumber"]}]}
    render_id = render_id_of(submitted["dynamodb"]["NewImage"]["updatedAt"]["S"])
    assert render_requests(aws, queue_url) == [{"kind": "collage", "id": draft.collage_id, "render_id": render_id}]

    appsync.refuse = False  # Lambda retries from the failed record: everything after it is handled
    assert handle({"Records": [submitted, uploaded]}) == {"batchItemFailures": []}
    assert [p["status"] for p in appsync.payloads()] == ["PROCESSING", "PROCESSING"]


def test_a_record_that_does_not_decode_is_reported_not_skipped(stack: Any) -> None:
    pending = order("PENDING")
    broken = stream_record("OrdersTable", "MODIFY", pending, moved(pending, "PROCESSING"))
    broken["dynamodb"]["NewImage"]["status"] = {"S": "TELEPORTED"}
    response = handle({"Records": [broken]})
    assert response == {"batchItemFailures": [{"itemIdentifier": broken["dynamodb"]["SequenceNumber"]}]}
