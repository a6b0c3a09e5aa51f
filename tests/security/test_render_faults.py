"""Faults in rendering (SPEC 8: never stuck in PROCESSING, nothing half-written visible): every
AWS call the renderer makes fails in turn, persistently, on the first delivery; the request is
reported failed, redelivered, and ends COMPLETED with exactly one output; a request failing on
every delivery ends, through the dead-letter queue, FAILED (collage) or READY (album)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ape_moments.media.renders import GAVE_UP_MESSAGE, output_prefix
from ape_moments.models import Kind
from ape_moments.table import Condition
from tests.conftest import BUCKET, FakeContext, cognito_identity, load_handler, owner_of
from tests.security.faults import REFUSED_KINDS, Fault, Injector, injector, total_attempts
from tests.security.figures import FIGURES
from tests.unit.media.helpers import albums, collages
from tests.unit.rendering.conftest import Flow, flow, solid_jpeg

__all__ = ["flow", "injector"]

COLOURS = [(220, 30, 30), (30, 200, 40), (30, 40, 220), (240, 220, 20)]


def _collage(flow: Flow, owner: dict[str, Any]) -> str:
    collage = flow.call("createCollage", {"input": {"name": "Booth", "template": "GRID_2X2"}}, owner)
    keys = flow.upload(collage["s3Prefix"], owner_of(owner), [solid_jpeg(c, (160, 120)) for c in COLOURS])
    arguments = {"collageId": collage["collageId"], "sourceImages": json.dumps(keys), "status": "PROCESSING"}
    flow.call("updateCollage", {"input": arguments}, owner)
    return str(collage["collageId"])


def _album(flow: Flow, owner: dict[str, Any]) -> str:
    album = flow.call("createAlbum", {"input": {"name": "Lake"}}, owner)
    flow.upload(album["s3Prefix"], owner_of(owner), [solid_jpeg(c, (160, 120)) for c in COLOURS[:2]])
    albums().update(album["albumId"], {"imageCount": 2, "status": "READY"}, when=Condition())
    flow.call("updateAlbum", {"input": {"albumId": album["albumId"], "status": "PROCESSING"}}, owner)
    return str(album["albumId"])


KINDS = {
    # Where each kind's outputs go: one key under it per submission (renders/.../{id}/{renderId}/...).
    "collage": (_collage, collages, lambda item_id: output_prefix(Kind.COLLAGE, item_id), "FAILED"),
    "album": (_album, albums, lambda item_id: output_prefix(Kind.ALBUM, item_id), "READY"),
}


def _no_pending_uploads(flow: Flow) -> bool:
    return flow.aws.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_renderer_crash_at_each_aws_call_is_retried_and_ends_completed_once(
    flow: Flow, injector: Injector, kind: str
) -> None:
    create, repository, output_key, _ = KINDS[kind]
    owner = cognito_identity("fault-owner")
    probe = create(flow, owner)
    flow.dispatch()
    injector.reset()
    flow.render_next()
    calls = list(injector.calls)
    assert repository().get(probe).status == "COMPLETED"  # type: ignore[union-attr]
    assert any(call.startswith("s3.") for call in calls), calls
    outcomes = {}
    for index, call in enumerate(calls):
        for fault_kind in REFUSED_KINDS:
            item_id = create(flow, owner)
            flow.dispatch()
            injector.reset(Fault(index, total_attempts(), fault_kind))
            response = flow.render_next()
            FIGURES.add("faults.injected", injector.injected)
            FIGURES.add("faults.scenarios")
            assert len(response["batchItemFailures"]) == 1, (call, fault_kind)  # reported, not swallowed
            stored = repository().get(item_id)
            assert stored is not None
            if stored.status == "PROCESSING":  # the output is never visible before it is whole
                assert len(flow.keys_under(output_key(item_id))) <= 1, call
            assert _no_pending_uploads(flow), call
            injector.reset()
            assert flow.render_next() == {"batchItemFailures": []}  # the redelivery
            stored = repository().get(item_id)
            outcomes[f"{call}#{index} {fault_kind}"] = stored.status if stored else None
            assert flow.aws.s3.list_objects_v2(Bucket=BUCKET, Prefix=output_key(item_id))["KeyCount"] == 1
    assert set(outcomes.values()) == {"COMPLETED"}, outcomes
    FIGURES.add("faults.retried_success", len(outcomes))


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_render_failing_on_every_delivery_ends_out_of_processing(flow: Flow, injector: Injector, kind: str) -> None:
    create, repository, output_key, failed_status = KINDS[kind]
    item_id = create(flow, cognito_identity("poisoned-owner"))
    flow.dispatch()
    for _ in range(3):  # the queue's maxReceiveCount; S3 down for this item's sources all along
        injector.reset(*(Fault(i, total_attempts(), "server_error") for i in range(1, 12)))
        assert len(flow.render_next()["batchItemFailures"]) == 1
    injector.reset()
    assert flow.receive(flow.queue_url) is None  # redriven
    dead = flow.receive(flow.dead_letter_url)
    assert dead is not None
    assert load_handler("render_dead_letter").lambda_handler(dead, FakeContext()) == {"batchItemFailures": []}
    stored = repository().get(item_id)
    assert stored is not None
    assert (stored.status, stored.error_message) == (failed_status, GAVE_UP_MESSAGE)
    assert flow.keys_under(output_key(item_id)) == []
    assert _no_pending_uploads(flow)
