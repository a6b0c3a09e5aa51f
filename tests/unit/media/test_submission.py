"""Submission (SPEC 8): the owner moves a collage DRAFT -> PROCESSING when sourceImages name
exactly the template's number of the collage's own listed photos, an album READY -> PROCESSING
when it has photos; otherwise a typed error and nothing changes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ape_moments.errors import Conflict, NotFound, ValidationError
from ape_moments.table import Condition
from tests.unit.media.conftest import Call
from tests.unit.media.helpers import albums, collages, seed_album, seed_collage, seed_photo_records


def submit(call: Call, collage_id: str, who: Any, **changes: Any) -> Any:
    return call("updateCollage", {"input": {"collageId": collage_id, "status": "PROCESSING", **changes}}, who)


@pytest.mark.parametrize(("template", "needed"), [("GRID_2X2", 4), ("GRID_3X3", 9), ("STRIP_1X4", 4), ("SINGLE", 1)])
def test_each_template_needs_exactly_its_number_of_photos(
    call: Call, customer: Any, template: str, needed: int
) -> None:
    collage = seed_collage(customer)
    keys = seed_photo_records(collage.s3_prefix, collage.customer_id, needed + 1)
    for wrong in (needed - 1, needed + 1):
        with pytest.raises(ValidationError, match=f"sourceImages: {template} needs exactly {needed} photos"):
            submit(call, collage.collage_id, customer, template=template, sourceImages=json.dumps(keys[:wrong]))
        assert collages().get(collage.collage_id) == collage  # nothing changed, not even the template
    submitted = submit(call, collage.collage_id, customer, template=template, sourceImages=json.dumps(keys[:needed]))
    assert (submitted["status"], submitted["template"]) == ("PROCESSING", template)


def test_a_collage_without_source_images_cannot_be_submitted(call: Call, customer: Any) -> None:
    collage = seed_collage(customer)
    with pytest.raises(ValidationError, match="needs exactly 4 photos, got 0"):
        submit(call, collage.collage_id, customer)
    assert collages().get(collage.collage_id) == collage


def test_sources_must_be_the_collages_own_listed_photos(call: Call, customer: Any) -> None:
    collage = seed_collage(customer)
    listed = seed_photo_records(collage.s3_prefix, collage.customer_id, 3)
    unlisted = f"{collage.s3_prefix}1795000000099-never-accepted.jpg"  # uploaded, refused or not yet processed
    with pytest.raises(ValidationError, match=r"sourceImages\[3\] is not one of this collage's photos"):
        submit(call, collage.collage_id, customer, sourceImages=json.dumps([*listed, unlisted]))
    assert collages().get(collage.collage_id) == collage


def test_stored_sources_are_checked_too(call: Call, customer: Any) -> None:
    collage = seed_collage(customer, sources=4)
    assert submit(call, collage.collage_id, customer)["status"] == "PROCESSING"
    other = seed_collage(customer)
    stale = seed_photo_records(other.s3_prefix, other.customer_id, 3)
    stale.append(f"{other.s3_prefix}1795000000050-gone.jpg")
    collages().update(other.collage_id, {"sourceImages": stale}, when=Condition())
    with pytest.raises(ValidationError, match=r"sourceImages\[3\]"):
        submit(call, other.collage_id, customer)


def test_failed_goes_back_to_draft_then_is_submitted_again_without_its_old_error(call: Call, customer: Any) -> None:
    collage = seed_collage(customer, "FAILED", sources=4)
    collages().update(collage.collage_id, {"errorMessage": "photo 1 could not be read"}, when=Condition())
    with pytest.raises(Conflict, match="FAILED cannot move to PROCESSING"):
        submit(call, collage.collage_id, customer)
    draft = call("updateCollage", {"input": {"collageId": collage.collage_id, "status": "DRAFT"}}, customer)
    assert draft["errorMessage"] == "photo 1 could not be read"  # still shown while the owner fixes it
    submitted = submit(call, collage.collage_id, customer)
    assert (submitted["status"], submitted["errorMessage"], submitted["outputImageUrl"]) == ("PROCESSING", None, None)


def test_someone_elses_collage_is_not_found_and_unchanged(call: Call, customer: Any, other_customer: Any) -> None:
    collage = seed_collage(customer, sources=4)
    with pytest.raises(NotFound):
        submit(call, collage.collage_id, other_customer)
    assert collages().get(collage.collage_id) == collage


def test_an_album_is_submitted_from_ready_with_photos(call: Call, customer: Any) -> None:
    album = seed_album(customer, "READY", image_count=2)
    submitted = call("updateAlbum", {"input": {"albumId": album.album_id, "status": "PROCESSING"}}, customer)
    assert (submitted["status"], submitted["pdfUrl"], submitted["errorMessage"]) == ("PROCESSING", None, None)


def test_an_album_without_photos_cannot_be_submitted(call: Call, customer: Any) -> None:
    album = seed_album(customer, "READY")
    with pytest.raises(ValidationError, match="an album without photos"):
        call("updateAlbum", {"input": {"albumId": album.album_id, "status": "PROCESSING"}}, customer)
    assert albums().get(album.album_id) == album


@pytest.mark.parametrize("status", ["UPLOADING", "COMPLETED", "PROCESSING"])
def test_an_album_is_submitted_only_from_ready(call: Call, customer: Any, status: str) -> None:
    album = seed_album(customer, status, image_count=2)
    with pytest.raises(Conflict, match="status"):
        call("updateAlbum", {"input": {"albumId": album.album_id, "status": "PROCESSING"}}, customer)
    assert albums().get(album.album_id) == album


def test_outputs_are_presigned_only_when_completed(call: Call, customer: Any) -> None:
    album = seed_album(customer, "PROCESSING", image_count=1)
    condition = Condition()
    albums().update(album.album_id, {"pdfKey": f"renders/albums/{album.album_id}/album.pdf"}, when=condition)
    assert call("getAlbum", {"albumId": album.album_id}, customer)["pdfUrl"] is None
    albums().update(album.album_id, {"status": "COMPLETED"}, when=condition)
    url = call("getAlbum", {"albumId": album.album_id}, customer)["pdfUrl"]
    assert f"/renders/albums/{album.album_id}/album.pdf?" in url
    assert "X-Amz-Expires=900" in url  # no distribution configured here: the S3 adapter
    listed = call("listAlbums", {}, customer)["items"]
    assert listed[0]["pdfUrl"].split("?")[0] == url.split("?")[0]
