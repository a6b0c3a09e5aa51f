"""Photos end to end (SPEC 7): a photo PUT through its presigned URL is decoded by the upload
pipeline (run by the local stack's S3 notification, with the imaging layer from the template),
listed within 5 s with presigned URLs that fetch it, and deleted; a hostile file never shows."""

from __future__ import annotations

import io
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from PIL import Image

from tests.e2e.conftest import Caller, eventually
from tests.unit.imaging.images import encode, exif_with_gps, quadrant_marker

pytestmark = pytest.mark.e2e

PHOTO = encode(quadrant_marker(1600, 1200), "JPEG", quality=90, exif=exif_with_gps(6))
CREATE_ALBUM = 'mutation { createAlbum(input: {name: "Photos"}) { albumId } }'
PRESIGN = """
mutation($id: ID!, $name: String!, $type: String!, $size: Int) {
  presignAlbumUpload(albumId: $id, fileName: $name, contentType: $type, fileSize: $size) { presignedUrl s3Key }
}"""
LIST = """
query($id: ID!, $limit: Int, $token: String) {
  listAlbumPhotos(albumId: $id, limit: $limit, nextToken: $token) {
    items { key fileName contentType size width height url thumbnailUrl uploadedAt }
    nextToken
  }
}"""
DELETE = "mutation($key: String!) { deletePhoto(key: $key) { key } }"
GET_ALBUM = "query($id: ID!) { getAlbum(albumId: $id) { imageCount } }"


def _album(caller: Caller) -> str:
    return str(caller.graphql(CREATE_ALBUM).data["createAlbum"]["albumId"])


def _upload(
    caller: Caller, album_id: str, body: bytes, *, name: str = "booth.jpg", content_type: str = "image/jpeg"
) -> str:
    variables = {"id": album_id, "name": name, "type": content_type, "size": len(body)}
    upload = caller.graphql(PRESIGN, variables).data["presignAlbumUpload"]
    put = requests.put(upload["presignedUrl"], data=body, headers={"Content-Type": content_type}, timeout=60)
    assert put.status_code == 200, put.text
    return str(upload["s3Key"])


def _listed(caller: Caller, album_id: str) -> list[dict[str, Any]]:
    return list(caller.graphql(LIST, {"id": album_id}).data["listAlbumPhotos"]["items"])


def test_an_uploaded_photo_is_listed_within_5_seconds_and_its_urls_fetch_it(customer_caller: Caller) -> None:
    album_id = _album(customer_caller)
    started = time.monotonic()
    key = _upload(customer_caller, album_id, PHOTO)
    items = eventually(lambda: _listed(customer_caller, album_id), timeout=5, interval=0.1)
    took = time.monotonic() - started
    assert items, "the photo was not listed within 5 s"
    assert took < 5
    (photo,) = items
    assert (photo["key"], photo["fileName"], photo["contentType"]) == (key, "booth.jpg", "image/jpeg")
    assert (photo["width"], photo["height"], photo["size"]) == (1200, 1600, len(PHOTO))  # EXIF 6 applied
    original = requests.get(photo["url"], timeout=60)
    assert original.status_code == 200
    assert original.content == PHOTO
    thumbnail = requests.get(photo["thumbnailUrl"], timeout=60)
    assert thumbnail.status_code == 200
    image = Image.open(io.BytesIO(thumbnail.content))
    assert (image.format, image.size) == ("JPEG", (300, 400))
    assert b"Exif" not in thumbnail.content
    assert customer_caller.graphql(GET_ALBUM, {"id": album_id}).data["getAlbum"]["imageCount"] == 1


def _tampered(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_photo_urls_are_scoped_to_their_key_and_expire(customer_caller: Caller) -> None:
    album_id = _album(customer_caller)
    _upload(customer_caller, album_id, PHOTO, name="one.jpg")
    _upload(customer_caller, album_id, PHOTO, name="two.jpg")

    def both() -> list[dict[str, Any]] | None:
        listed = _listed(customer_caller, album_id)
        return listed if len(listed) == 2 else None

    items = eventually(both, timeout=5)
    assert items
    first, second = items
    expires = int(dict(parse_qsl(urlsplit(first["url"]).query))["Expires"])
    assert time.time() + 800 < expires <= time.time() + 900  # PhotoUrlExpiresIn's default, 15 minutes
    # the first URL's signature on the second key: refused
    other_key = urlsplit(first["url"])._replace(path=urlsplit(second["url"]).path).geturl()
    assert requests.get(other_key, timeout=60).status_code == 403
    # an expiry moved: refused (expired URLs: tests/e2e/test_media_cdn.py)
    assert requests.get(_tampered(first["url"], Expires=str(expires + 3600)), timeout=60).status_code == 403


def test_a_hostile_upload_is_never_listed_and_is_deleted(customer_caller: Caller) -> None:
    album_id = _album(customer_caller)
    key = _upload(customer_caller, album_id, b"\xff\xd8\xff\xe0 this is not a photo" * 50, name="fake.jpg")
    s3 = customer_caller.stack.client("s3")

    def gone() -> bool:
        listed = s3.list_object_versions(Bucket=customer_caller.stack.bucket, Prefix=key)
        return not listed.get("Versions") and not listed.get("DeleteMarkers")

    assert eventually(gone, timeout=5), "the refused upload is still in S3"
    assert _listed(customer_caller, album_id) == []
    assert customer_caller.graphql(GET_ALBUM, {"id": album_id}).data["getAlbum"]["imageCount"] == 0


def test_a_guest_deletes_a_photo_and_the_count_follows(guest_caller: Caller) -> None:
    album_id = _album(guest_caller)
    key = _upload(guest_caller, album_id, PHOTO)
    assert eventually(lambda: _listed(guest_caller, album_id), timeout=5)
    assert guest_caller.graphql(DELETE, {"key": key}).data["deletePhoto"]["key"] == key
    assert _listed(guest_caller, album_id) == []
    assert guest_caller.graphql(GET_ALBUM, {"id": album_id}).data["getAlbum"]["imageCount"] == 0
    s3 = guest_caller.stack.client("s3")
    assert not s3.list_object_versions(Bucket=guest_caller.stack.bucket, Prefix=key).get("Versions")
    assert not s3.list_object_versions(Bucket=guest_caller.stack.bucket, Prefix=f"thumbnails/{key}").get("Versions")


def test_someone_elses_album_is_not_found(customer_caller: Caller, guest_caller: Caller) -> None:
    album_id = _album(customer_caller)
    answer = guest_caller.graphql(LIST, {"id": album_id})
    assert answer.error_types == ["NotFound"]
