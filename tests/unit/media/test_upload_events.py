"""imageCount from S3 ObjectCreated events (SPEC 4): exact under duplicate delivery, per photo."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ape_moments.media.album_repository import PhotoCount
from ape_moments.media.wiring import album_service
from tests.conftest import BUCKET, FakeContext, load_handler
from tests.unit.media.conftest import Call, s3_created_event
from tests.unit.media.helpers import albums, put_photo, seed_album, seed_collage, versions_under


def deliver(event: dict[str, Any]) -> None:
    load_handler("upload_events").lambda_handler(event, FakeContext())


def image_count(album_id: str) -> int:
    album = albums().get(album_id)
    assert album is not None
    return album.image_count


def test_each_landed_photo_counts_once(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    for name in ("1764000000001-a.jpg", "1764000000002-b.jpg", "1764000000003-c.png"):
        deliver(s3_created_event(f"{album.s3_prefix}{name}"))
    assert image_count(album.album_id) == 3


def test_a_duplicate_delivery_is_not_counted_again(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    event = s3_created_event(f"{album.s3_prefix}1764000000001-a.jpg")
    for _ in range(3):
        deliver(event)
    assert image_count(album.album_id) == 1


def test_concurrent_duplicate_deliveries_count_once(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    key = f"{album.s3_prefix}1764000000001-a.jpg"
    service = album_service()
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda _: service.photo_landed(BUCKET, key, "v1"), range(8)))
    assert outcomes.count(PhotoCount.COUNTED) == 1
    assert outcomes.count(PhotoCount.ALREADY_COUNTED) == 7
    assert image_count(album.album_id) == 1


def test_an_overwrite_of_the_same_key_is_still_one_photo(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    key = f"{album.s3_prefix}1764000000001-a.jpg"
    deliver(s3_created_event(key, version_id="v1"))
    deliver(s3_created_event(key, version_id="v2"))  # the same presigned URL used twice
    assert image_count(album.album_id) == 1


def test_url_encoded_keys_are_decoded(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    event = s3_created_event(f"{album.s3_prefix}1764000000001-my photo+1.jpg")
    assert "my+photo%2B1.jpg" in event["Records"][0]["s3"]["object"]["key"]
    deliver(event)
    deliver(s3_created_event(f"{album.s3_prefix}1764000000001-my photo+1.jpg"))
    assert image_count(album.album_id) == 1
    item = aws.dynamodb.get_item(TableName="AlbumsTable", Key={"albumId": {"S": album.album_id}})["Item"]
    assert item["uploadedPhotos"]["SS"] == ["1764000000001-my photo+1.jpg"]


def test_counting_moves_updated_at_but_the_internal_set_never_reaches_the_api(call: Call, customer: Any) -> None:
    album = seed_album(customer)
    deliver(s3_created_event(f"{album.s3_prefix}1764000000001-a.jpg"))
    shown = call("getAlbum", {"albumId": album.album_id}, customer)
    assert shown["imageCount"] == 1
    assert shown["updatedAt"] >= album.updated_at
    assert "uploadedPhotos" not in shown
    listed = call("listAlbums", {}, customer)["items"][0]
    assert listed == shown


@pytest.mark.parametrize(
    "key",
    ["collages/abc/1-a.jpg", "albums/", "albums/abc", "albums/abc/sub/a.jpg", "temp/a.jpg", "albums/a b/x.jpg"],
)
def test_keys_we_never_issue_are_ignored(aws: Any, customer: Any, key: str) -> None:
    album = seed_album(customer)
    assert album_service().photo_landed(BUCKET, key, "v1") is None
    assert image_count(album.album_id) == 0


def test_another_buckets_event_is_ignored(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    deliver(s3_created_event(f"{album.s3_prefix}1764000000001-a.jpg", bucket="someone-elses-bucket"))
    assert image_count(album.album_id) == 0


def test_a_photo_landing_after_its_album_was_deleted_is_removed(aws: Any, customer: Any) -> None:
    prefix = "albums/0b9a7c1e-deleted-album/"
    kept = put_photo(aws.s3, f"{prefix}1764000000001-late.jpg")
    deliver(s3_created_event(f"{prefix}1764000000001-late.jpg", version_id=kept))
    assert versions_under(aws.s3, prefix) == []  # the exact version is gone, no delete marker left
    assert albums().get("0b9a7c1e-deleted-album") is None  # and no album item was invented


def test_an_s3_test_event_is_accepted_and_does_nothing(aws: Any) -> None:
    deliver({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET})


def test_non_created_events_are_ignored(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    event = s3_created_event(f"{album.s3_prefix}1764000000001-a.jpg")
    event["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    deliver(event)
    assert image_count(album.album_id) == 0


def test_an_image_landing_after_its_collage_was_deleted_is_removed(aws: Any, customer: Any) -> None:
    prefix = "collages/5d1e0f2a-deleted-collage/"
    late = put_photo(aws.s3, f"{prefix}1764000000001-late.png")
    deliver(s3_created_event(f"{prefix}1764000000001-late.png", version_id=late))
    assert versions_under(aws.s3, prefix) == []  # the exact version is gone, no delete marker left


def test_an_image_of_a_live_collage_is_kept(aws: Any, customer: Any) -> None:
    collage = seed_collage(customer)
    key = f"{collage.s3_prefix}1764000000001-face.png"
    version = put_photo(aws.s3, key)
    deliver(s3_created_event(key, version_id=version))
    deliver(s3_created_event(key, version_id=version))  # a duplicate delivery changes nothing either
    assert versions_under(aws.s3, collage.s3_prefix) == [(key, "version")]
