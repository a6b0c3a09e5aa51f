"""Deleting an album or collage deletes its photos, every version of them (SPEC 4, docs/MEDIA.md)."""

from __future__ import annotations

from typing import Any

import pytest

from ape_moments import aws as aws_clients
from ape_moments.errors import Conflict, InternalError, NotFound
from ape_moments.media import photo_storage
from tests.unit.media.conftest import Call
from tests.unit.media.helpers import albums, collages, put_photo, seed_album, seed_collage, versions_under


def fill(s3: Any, prefix: str) -> None:
    """Two photos, one overwritten (a noncurrent version) and one deleted (a delete marker)."""
    put_photo(s3, f"{prefix}1764000000001-a.jpg", b"first")
    put_photo(s3, f"{prefix}1764000000001-a.jpg", b"second")  # same key again: a new version
    put_photo(s3, f"{prefix}1764000000002-b.jpg")
    s3.delete_object(Bucket="apemoments-test-media", Key=f"{prefix}1764000000002-b.jpg")  # a delete marker


def test_deleting_an_album_removes_every_version_and_marker_and_returns_it(call: Call, aws: Any, customer: Any) -> None:
    album = seed_album(customer, "READY")
    neighbour = seed_album(customer)
    fill(aws.s3, album.s3_prefix)
    put_photo(aws.s3, f"{neighbour.s3_prefix}1764000000001-keep.jpg")
    assert len(versions_under(aws.s3, album.s3_prefix)) == 4

    deleted = call("deleteAlbum", {"input": {"albumId": album.album_id}}, customer)

    assert deleted["albumId"] == album.album_id
    assert deleted["status"] == "READY"
    assert versions_under(aws.s3, album.s3_prefix) == []
    assert albums().get(album.album_id) is None
    assert call("getAlbum", {"albumId": album.album_id}, customer) is None
    assert versions_under(aws.s3, neighbour.s3_prefix) == [(f"{neighbour.s3_prefix}1764000000001-keep.jpg", "version")]


def test_deleting_a_collage_removes_its_images(call: Call, aws: Any, guest: Any) -> None:
    collage = seed_collage(guest)
    fill(aws.s3, collage.s3_prefix)
    deleted = call("deleteCollage", {"input": {"collageId": collage.collage_id}}, guest)
    assert deleted["collageId"] == collage.collage_id
    assert versions_under(aws.s3, collage.s3_prefix) == []
    assert collages().get(collage.collage_id) is None


def test_a_prefix_that_merely_starts_alike_is_not_touched(call: Call, aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    lookalike = album.s3_prefix.rstrip("/") + "-copy/1764000000001-a.jpg"
    put_photo(aws.s3, lookalike)
    call("deleteAlbum", {"input": {"albumId": album.album_id}}, customer)
    assert versions_under(aws.s3, lookalike) == [(lookalike, "version")]


def test_many_versions_are_deleted_in_batches(
    call: Call, aws: Any, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(photo_storage, "DELETE_BATCH", 3)
    album = seed_album(customer)
    for i in range(8):
        put_photo(aws.s3, f"{album.s3_prefix}176400000000{i}-p.jpg")
    batches: list[int] = []
    s3 = aws_clients.client("s3")
    s3.meta.events.register(
        "provide-client-params.s3.DeleteObjects", lambda params, **_: batches.append(len(params["Delete"]["Objects"]))
    )
    call("deleteAlbum", {"input": {"albumId": album.album_id}}, customer)
    assert batches == [3, 3, 2]
    assert versions_under(aws.s3, album.s3_prefix) == []


def test_strangers_delete_nothing(call: Call, aws: Any, customer: Any, other_customer: Any, guest: Any) -> None:
    album = seed_album(customer)
    collage = seed_collage(customer)
    put_photo(aws.s3, f"{album.s3_prefix}1764000000001-a.jpg")
    put_photo(aws.s3, f"{collage.s3_prefix}1764000000001-a.jpg")
    for stranger in (other_customer, guest):
        with pytest.raises(NotFound, match="albumId"):
            call("deleteAlbum", {"input": {"albumId": album.album_id}}, stranger)
        with pytest.raises(NotFound, match="collageId"):
            call("deleteCollage", {"input": {"collageId": collage.collage_id}}, stranger)
    assert albums().get(album.album_id) == album
    assert collages().get(collage.collage_id) == collage
    assert len(versions_under(aws.s3, album.s3_prefix)) == 1
    assert len(versions_under(aws.s3, collage.s3_prefix)) == 1


def test_an_admin_deletes_anyones_album(call: Call, aws: Any, customer: Any, admin: Any) -> None:
    album = seed_album(customer, "COMPLETED")
    put_photo(aws.s3, f"{album.s3_prefix}1764000000001-a.jpg")
    call("deleteAlbum", {"input": {"albumId": album.album_id}}, admin)
    assert albums().get(album.album_id) is None
    assert versions_under(aws.s3, album.s3_prefix) == []


def test_deleting_twice_is_not_found_the_second_time(call: Call, customer: Any) -> None:
    album = seed_album(customer)
    call("deleteAlbum", {"input": {"albumId": album.album_id}}, customer)
    with pytest.raises(NotFound):
        call("deleteAlbum", {"input": {"albumId": album.album_id}}, customer)


@pytest.mark.parametrize(
    ("kind", "status", "deletable"),
    [
        ("album", "UPLOADING", True),
        ("album", "READY", True),
        ("album", "PROCESSING", False),
        ("album", "COMPLETED", True),
        ("collage", "DRAFT", True),
        ("collage", "PROCESSING", False),
        ("collage", "COMPLETED", True),
        ("collage", "FAILED", True),
    ],
)
def test_nothing_is_deleted_while_it_is_being_processed(
    call: Call, aws: Any, customer: Any, kind: str, status: str, deletable: bool
) -> None:
    if kind == "album":
        record: Any = seed_album(customer, status)
        field, arguments, repository = "deleteAlbum", {"albumId": record.album_id}, albums()
        object_id = record.album_id
    else:
        record = seed_collage(customer, status)
        field, arguments, repository = "deleteCollage", {"collageId": record.collage_id}, collages()
        object_id = record.collage_id
    put_photo(aws.s3, f"{record.s3_prefix}1764000000001-a.jpg")
    if deletable:
        call(field, {"input": arguments}, customer)
        assert repository.get(object_id) is None
    else:
        with pytest.raises(Conflict, match="cannot be deleted"):
            call(field, {"input": arguments}, customer)
        assert repository.get(object_id) == record
        assert len(versions_under(aws.s3, record.s3_prefix)) == 1  # photos untouched


def test_when_s3_keeps_some_photos_the_album_stays_and_a_retry_finishes(
    call: Call, aws: Any, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    album = seed_album(customer)
    put_photo(aws.s3, f"{album.s3_prefix}1764000000001-a.jpg")
    s3 = aws_clients.client("s3")
    real_delete_objects = s3.delete_objects

    def refusing(**params: Any) -> dict[str, Any]:
        return {"Errors": [{"Key": o["Key"], "Code": "AccessDenied"} for o in params["Delete"]["Objects"]]}

    monkeypatch.setattr(s3, "delete_objects", refusing)
    with pytest.raises(InternalError) as refused:
        call("deleteAlbum", {"input": {"albumId": album.album_id}}, customer)
    assert "AccessDenied" not in refused.value.message  # no AWS detail reaches the client
    assert albums().get(album.album_id) == album  # the album stays, so the client can retry

    monkeypatch.setattr(s3, "delete_objects", real_delete_objects)
    call("deleteAlbum", {"input": {"albumId": album.album_id}}, customer)
    assert albums().get(album.album_id) is None
    assert versions_under(aws.s3, album.s3_prefix) == []


def test_purging_refuses_anything_but_one_whole_album_or_collage_prefix(aws: Any) -> None:
    storage = photo_storage.PhotoStorage("apemoments-test-media", aws_clients.client("s3"))
    for prefix in ("", "albums/", "albums", "collages/x", "temp/x/", "albums/../", "albums/a/b/"):
        with pytest.raises(ValueError, match="refusing"):
            storage.delete_everything_under(prefix)
