"""listAlbumPhotos, listCollagePhotos, deletePhoto (SPEC 7) through their real handler, against
moto, with photos that went through the real upload pipeline."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ape_moments import aws as aws_clients
from ape_moments.media.albums import Album
from ape_moments.media.collages import Collage
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.wiring import photo_settings
from ape_moments.settings import ConfigurationError
from tests.conftest import BUCKET, FakeContext, count_aws_calls, load_handler
from tests.unit.imaging.images import encode, noisy
from tests.unit.media.conftest import Call
from tests.unit.media.helpers import albums, collages, seed_album, seed_collage, versions_under
from tests.unit.media.photo_files import land


def photos() -> PhotosRepository:
    return PhotosRepository("PhotosTable", aws_clients.client("dynamodb"))


def upload(aws: Any, prefix: str, n: int, *, second: int | None = None) -> str:
    """A real JPEG landed and processed; uploadedAt ordered by ``second``."""
    key = f"{prefix}17644000000{n:02d}-photo{n}.jpg"
    at = f"2026-11-29T10:00:{second if second is not None else n:02d}.000Z"
    event = land(aws.s3, key, encode(noisy(160, 120, seed=n), "JPEG"), "image/jpeg", at=at)
    load_handler("upload_events").lambda_handler(event, FakeContext())
    return key


def album_with(aws: Any, identity: dict[str, Any], count: int, status: str = "UPLOADING") -> tuple[Album, list[str]]:
    album = seed_album(identity)
    keys = [upload(aws, album.s3_prefix, n) for n in range(count)]
    if status != "UPLOADING":
        albums().update(album.album_id, {"status": status}, when=_any())
    return album, keys


def _any() -> Any:
    from ape_moments.table import Condition

    return Condition()


def test_an_albums_photos_come_oldest_first_with_presigned_urls(call: Call, aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    keys = [upload(aws, album.s3_prefix, n, second=s) for n, s in ((0, 30), (1, 10), (2, 20))]
    page = call("listAlbumPhotos", {"albumId": album.album_id}, customer)
    assert [p["key"] for p in page["items"]] == [keys[1], keys[2], keys[0]]
    assert page["nextToken"] is None
    first = page["items"][0]
    assert first | {"url": "", "thumbnailUrl": ""} == {
        "key": keys[1],
        "fileName": "photo1.jpg",
        "contentType": "image/jpeg",
        "size": first["size"],
        "width": 160,
        "height": 120,
        "url": "",
        "thumbnailUrl": "",
        "uploadedAt": "2026-11-29T10:00:10.000Z",
    }
    record = photos().get(keys[1])
    assert record is not None
    for field, key in (("url", keys[1]), ("thumbnailUrl", record.thumbnail_key)):
        url = urlsplit(first[field])
        assert unquote(url.path) in (f"/{BUCKET}/{key}", f"/{key}")  # path or virtual-hosted style
        query = parse_qs(url.query)
        assert query["X-Amz-Expires"] == ["900"]  # 15 minutes by default
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]


def test_pagination_is_one_get_and_one_query_a_page_and_no_s3_call(call: Call, aws: Any, customer: Any) -> None:
    album, keys = album_with(aws, customer, 5)
    calls = count_aws_calls("dynamodb", "s3")
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = call("listAlbumPhotos", {"albumId": album.album_id, "limit": 2, "nextToken": token}, customer)
        seen += [p["key"] for p in page["items"]]
        pages += 1
        token = page["nextToken"]
        if token is None:
            break
    assert seen == keys
    assert calls == Counter({"dynamodb.GetItem": pages, "dynamodb.Query": pages})


def test_a_token_of_another_album_or_a_forged_one_is_refused(call: Call, aws: Any, customer: Any) -> None:
    first, _ = album_with(aws, customer, 2)
    second, _ = album_with(aws, customer, 2)
    token = call("listAlbumPhotos", {"albumId": first.album_id, "limit": 1}, customer)["nextToken"]
    with pytest.raises(Exception, match="nextToken") as refused:
        call("listAlbumPhotos", {"albumId": second.album_id, "limit": 1, "nextToken": token}, customer)
    assert type(refused.value).__name__ == "ValidationError"
    with pytest.raises(Exception, match="nextToken"):
        call("listAlbumPhotos", {"albumId": first.album_id, "nextToken": "bm90IGEgdG9rZW4"}, customer)


@pytest.mark.parametrize("limit", [0, 101, "5"])
def test_limit_is_1_to_100(call: Call, aws: Any, customer: Any, limit: Any) -> None:
    album = seed_album(customer)
    with pytest.raises(Exception, match="limit") as refused:
        call("listAlbumPhotos", {"albumId": album.album_id, "limit": limit}, customer)
    assert type(refused.value).__name__ == "ValidationError"


def test_someone_elses_album_is_not_found_and_an_admin_sees_it(
    call: Call, aws: Any, customer: Any, other_customer: Any, admin: Any
) -> None:
    album, keys = album_with(aws, customer, 1)
    for args in ({"albumId": album.album_id}, {"albumId": "no-such-album"}):
        with pytest.raises(Exception, match="albumId: no such album") as refused:
            call("listAlbumPhotos", args, other_customer)
        assert type(refused.value).__name__ == "NotFound"
    assert [p["key"] for p in call("listAlbumPhotos", {"albumId": album.album_id}, admin)["items"]] == keys
    with pytest.raises(Exception, match="key: no such photo"):
        call("deletePhoto", {"key": keys[0]}, other_customer)
    assert photos().get(keys[0]) is not None


def test_a_guest_lists_and_deletes_their_own(call: Call, aws: Any, guest: Any) -> None:
    album, keys = album_with(aws, guest, 2)
    assert len(call("listAlbumPhotos", {"albumId": album.album_id}, guest)["items"]) == 2
    call("deletePhoto", {"key": keys[0]}, guest)
    assert [p["key"] for p in call("listAlbumPhotos", {"albumId": album.album_id}, guest)["items"]] == keys[1:]


def test_a_collages_photos(call: Call, aws: Any, customer: Any, other_customer: Any) -> None:
    collage = seed_collage(customer)
    keys = [upload(aws, collage.s3_prefix, n) for n in range(3)]
    assert [p["key"] for p in call("listCollagePhotos", {"collageId": collage.collage_id}, customer)["items"]] == keys
    with pytest.raises(Exception, match="collageId: no such collage"):
        call("listCollagePhotos", {"collageId": collage.collage_id}, other_customer)


def test_delete_removes_every_version_the_thumbnail_and_the_record_and_the_count_follows(
    call: Call, aws: Any, customer: Any
) -> None:
    album, keys = album_with(aws, customer, 2)
    aws.s3.put_object(Bucket=BUCKET, Key=keys[0], Body=b"an older version", ContentType="image/jpeg")
    aws.s3.delete_object(Bucket=BUCKET, Key=keys[0])  # and a delete marker
    deleted = call("deletePhoto", {"key": keys[0]}, customer)
    assert deleted["key"] == keys[0]
    assert [k for k, _ in versions_under(aws.s3, album.s3_prefix)] == [keys[1]]
    kept = photos().get(keys[1])
    assert kept is not None
    assert [k for k, _ in versions_under(aws.s3, "thumbnails/")] == [kept.thumbnail_key]
    assert photos().get(keys[0]) is None
    assert call("getAlbum", {"albumId": album.album_id}, customer)["imageCount"] == 1
    listed = call("listAlbumPhotos", {"albumId": album.album_id}, customer)["items"]
    assert [p["key"] for p in listed] == keys[1:]
    with pytest.raises(Exception, match="key: no such photo") as again:
        call("deletePhoto", {"key": keys[0]}, customer)
    assert type(again.value).__name__ == "NotFound"


@pytest.mark.parametrize("status", ["PROCESSING", "COMPLETED"])
def test_an_album_that_takes_no_uploads_keeps_its_photos(call: Call, aws: Any, customer: Any, status: str) -> None:
    album, keys = album_with(aws, customer, 1, status)
    with pytest.raises(Exception, match=f"in {status} cannot be deleted") as refused:
        call("deletePhoto", {"key": keys[0]}, customer)
    assert type(refused.value).__name__ == "Conflict"
    assert photos().get(keys[0]) is not None
    assert len(versions_under(aws.s3, album.s3_prefix)) == 1


def test_a_ready_album_and_a_failed_collage_allow_deletes(call: Call, aws: Any, customer: Any) -> None:
    _, keys = album_with(aws, customer, 1, "READY")
    call("deletePhoto", {"key": keys[0]}, customer)
    collage = seed_collage(customer, "FAILED")
    key = upload(aws, collage.s3_prefix, 1)
    call("deletePhoto", {"key": key}, customer)
    assert photos().get(key) is None


def test_a_collage_source_cannot_be_deleted(call: Call, aws: Any, customer: Any) -> None:
    collage = seed_collage(customer)
    keys = [upload(aws, collage.s3_prefix, n) for n in range(2)]
    collages().update(collage.collage_id, {"sourceImages": [keys[0]]}, when=_any())
    with pytest.raises(Exception, match="sourceImages") as refused:
        call("deletePhoto", {"key": keys[0]}, customer)
    assert type(refused.value).__name__ == "Conflict"
    assert photos().get(keys[0]) is not None
    call("deletePhoto", {"key": keys[1]}, customer)  # not a source: fine
    for status in ("PROCESSING", "COMPLETED"):
        collages().update(collage.collage_id, {"status": status, "sourceImages": None}, when=_any())
        with pytest.raises(Exception, match=f"in {status} cannot be deleted"):
            call("deletePhoto", {"key": keys[0]}, customer)


@pytest.mark.parametrize(
    "key", ["", "albums/", "albums/x", "thumbnails/albums/a/1-x.jpg.jpg", "orders/a/b", "albums/a/b/c.jpg", "x" * 300]
)
def test_a_key_no_photo_can_have_is_a_validation_error(call: Call, aws: Any, customer: Any, key: str) -> None:
    with pytest.raises(Exception, match="key") as refused:
        call("deletePhoto", {"key": key}, customer)
    assert type(refused.value).__name__ == "ValidationError"


def test_concurrent_deletes_of_one_photo_count_once(call: Call, aws: Any, customer: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    album, keys = album_with(aws, customer, 3)

    def delete(_: int) -> str:
        try:
            call("deletePhoto", {"key": keys[0]}, customer)
        except Exception as error:
            return type(error).__name__
        return "deleted"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = Counter(pool.map(delete, range(4)))
    assert outcomes["deleted"] >= 1
    assert set(outcomes) <= {"deleted", "NotFound"}
    album_now = albums().get(album.album_id)
    assert album_now is not None
    assert album_now.image_count == 2 == len(photos().keys_under(album.s3_prefix))


def test_uploads_and_deletes_at_once_keep_image_count_exact(call: Call, aws: Any, customer: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    album, keys = album_with(aws, customer, 4)
    new = [
        land(
            aws.s3,
            f"{album.s3_prefix}17644000001{n:02d}-new{n}.jpg",
            encode(noisy(64, 48, seed=n), "JPEG"),
            "image/jpeg",
        )
        for n in range(4)
    ]
    handler = load_handler("upload_events")
    jobs = [lambda e=e: handler.lambda_handler(e, FakeContext()) for e in new]
    jobs += [lambda k=k: call("deletePhoto", {"key": k}, customer) for k in keys]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(job) for job in jobs]:
            future.result()
    album_now = albums().get(album.album_id)
    assert album_now is not None
    assert album_now.image_count == 4 == len(photos().keys_under(album.s3_prefix))


def test_deleting_an_album_or_a_collage_removes_thumbnails_and_records(call: Call, aws: Any, customer: Any) -> None:
    album, album_keys = album_with(aws, customer, 3)
    collage: Collage = seed_collage(customer)
    collage_keys = [upload(aws, collage.s3_prefix, n) for n in range(2)]
    call("deleteAlbum", {"input": {"albumId": album.album_id}}, customer)
    assert versions_under(aws.s3, album.s3_prefix) == []
    assert versions_under(aws.s3, f"thumbnails/{album.s3_prefix}") == []
    assert all(photos().get(key) is None for key in album_keys)
    assert len(versions_under(aws.s3, f"thumbnails/{collage.s3_prefix}")) == 2  # the collage's untouched
    call("deleteCollage", {"input": {"collageId": collage.collage_id}}, customer)
    assert versions_under(aws.s3, "thumbnails/") == []
    assert all(photos().get(key) is None for key in collage_keys)


def test_url_lifetime_is_configurable_up_to_an_hour(
    call: Call, aws: Any, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    album, _ = album_with(aws, customer, 1)
    monkeypatch.setenv("PHOTO_URL_EXPIRES_IN", "120")
    photo_settings.cache_clear()
    from ape_moments.media import wiring

    wiring.photo_service.cache_clear()
    item = call("listAlbumPhotos", {"albumId": album.album_id}, customer)["items"][0]
    assert parse_qs(urlsplit(item["url"]).query)["X-Amz-Expires"] == ["120"]
    monkeypatch.setenv("PHOTO_URL_EXPIRES_IN", "3601")
    photo_settings.cache_clear()
    with pytest.raises(ConfigurationError, match="PHOTO_URL_EXPIRES_IN"):
        photo_settings()
