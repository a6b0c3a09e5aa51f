"""Every media sample in events/ runs against the function template.yaml wires it to.

The samples name fixed users, one album and one collage; each test seeds what its sample
needs (owned by the sample's caller, or by the sample customer for admin samples), invokes
the handler with the file as it is, and checks the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

import pytest

import ape_imaging.photos  # noqa: F401 - registers pillow-heif, so the test can write a HEIC
from ape_moments import aws as aws_clients
from ape_moments.media import wiring
from ape_moments.media.albums import Album, AlbumStatus
from ape_moments.media.collages import Collage, CollageStatus, CollageTemplate
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photos import Photo, file_name_of, thumbnail_key
from ape_moments.table import Condition
from tests.conftest import BUCKET, EVENTS, FakeContext, load_handler, resolver_functions
from tests.unit.imaging.images import encode, noisy
from tests.unit.media.helpers import albums, collages, photos

SAMPLE_ALBUM_ID = "5c2e9a14-8b3f-4d6a-9e1c-7f0b2d4a6c8e"
SAMPLE_COLLAGE_ID = "8d4f1b36-2a5c-4e7b-9f0d-3c6e8a1b4d7f"
SAMPLE_CUSTOMER = "3f6c2a1e-5b7d-4c1a-9e2f-8a4b6c0d1e2f"
MEDIA_PREFIXES = ("album_", "collage_", "presign_", "s3_", "photo_")


def media_samples() -> list[str]:
    return sorted(path.name for path in EVENTS.glob("*.json") if path.name.startswith(MEDIA_PREFIXES))


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


def owner_in(sample: dict[str, Any]) -> str:
    identity = sample["identity"]
    if "admins" in (identity.get("groups") or []):
        return SAMPLE_CUSTOMER  # admins act on the customer's objects
    return str(identity.get("sub") or identity["cognitoIdentityId"])


def seed_sample_album(owner: str, status: str = "UPLOADING") -> Album:
    now = "2026-11-24T10:00:00.000Z"
    album = Album(
        album_id=SAMPLE_ALBUM_ID,
        customer_id=owner,
        name="Sample",
        s3_prefix=f"albums/{SAMPLE_ALBUM_ID}/",
        image_count=1 if status == "READY" else 0,  # a READY sample album can be submitted
        status=AlbumStatus(status),
        created_at=now,
        updated_at=now,
    )
    albums().insert(album)
    return album


def seed_sample_collage(owner: str, status: str = "DRAFT") -> Collage:
    now = "2026-11-24T10:00:00.000Z"
    collage = Collage(
        collage_id=SAMPLE_COLLAGE_ID,
        customer_id=owner,
        name="Sample",
        template=CollageTemplate.GRID_2X2,
        s3_prefix=f"collages/{SAMPLE_COLLAGE_ID}/",
        status=CollageStatus(status),
        created_at=now,
        updated_at=now,
    )
    collages().insert(collage)
    return collage


def seed_submittable_collage(owner: str) -> Collage:
    """The sample collage with the photos collage_update.json submits as its sourceImages."""
    collage = seed_sample_collage(owner)
    for n in range(4):
        key = f"{collage.s3_prefix}{1795000000000 + n}-IMG_{n + 1:04d}.jpg"
        photos().insert(
            Photo(
                key=key,
                parent=collage.s3_prefix,
                customer_id=owner,
                file_name=f"IMG_{n + 1:04d}.jpg",
                content_type="image/jpeg",
                size=1000,
                width=400,
                height=300,
                thumbnail_key=thumbnail_key(key),
                uploaded_at=collage.created_at,
            )
        )
    return collage


SAMPLE_PHOTO_KEY = f"albums/{SAMPLE_ALBUM_ID}/1795000000000-IMG_0042.jpg"
SAMPLE_COLLAGE_PHOTO_KEY = f"collages/{SAMPLE_COLLAGE_ID}/1795000000000-face.jpg"


def seed_sample_photo(owner: str, key: str, *, in_collage: bool = False) -> None:
    """The album (or collage) and one photo in it, as the upload pipeline leaves it: record, files, count."""
    seed_sample_collage(owner) if in_collage else seed_sample_album(owner)
    parent = key.rsplit("/", 1)[0] + "/"
    photo = Photo(
        key=key,
        parent=parent,
        customer_id=owner,
        file_name=file_name_of(key.rsplit("/", 1)[1]),
        content_type="image/jpeg",
        size=1234,
        width=4032,
        height=3024,
        thumbnail_key=thumbnail_key(key),
        uploaded_at="2026-11-24T10:05:00.000Z",
    )
    PhotosRepository("PhotosTable", aws_clients.client("dynamodb")).insert(photo)
    if not in_collage:
        albums().update(SAMPLE_ALBUM_ID, {"imageCount": 1}, when=Condition())
    s3 = aws_clients.client("s3")
    for stored in (key, photo.thumbnail_key):
        s3.put_object(Bucket=BUCKET, Key=stored, Body=b"stored", ContentType="image/jpeg")


# sample -> (what to seed, given the owner; what the answer must show)
Check = Callable[[Any], None]
EXPECTATIONS: dict[str, tuple[Callable[[str], Any], Check]] = {
    "album_create.json": (lambda o: None, lambda r: r["status"] == "UPLOADING" and r["customerId"] == SAMPLE_CUSTOMER),
    "album_create_guest.json": (lambda o: None, lambda r: r["customerId"].startswith("us-east-1:")),
    "album_get.json": (seed_sample_album, lambda r: r["albumId"] == SAMPLE_ALBUM_ID),
    "album_get_admin.json": (seed_sample_album, lambda r: r["customerId"] == SAMPLE_CUSTOMER),
    "album_list.json": (seed_sample_album, lambda r: [a["albumId"] for a in r["items"]] == [SAMPLE_ALBUM_ID]),
    "album_list_admin.json": (seed_sample_album, lambda r: [a["albumId"] for a in r["items"]] == [SAMPLE_ALBUM_ID]),
    "album_update.json": (seed_sample_album, lambda r: r["status"] == "READY" and r["name"].startswith("Jamie")),
    "album_update_admin.json": (lambda o: seed_sample_album(o, "READY"), lambda r: r["status"] == "PROCESSING"),
    "album_delete.json": (seed_sample_album, lambda r: r["albumId"] == SAMPLE_ALBUM_ID),
    "collage_create.json": (
        lambda o: None,
        lambda r: r["status"] == "DRAFT" and json.loads(r["metadata"])["background"] == "#FFD700",
    ),
    "collage_get.json": (seed_sample_collage, lambda r: r["collageId"] == SAMPLE_COLLAGE_ID),
    "collage_get_guest.json": (seed_sample_collage, lambda r: r["collageId"] == SAMPLE_COLLAGE_ID),
    "collage_list.json": (seed_sample_collage, lambda r: [c["collageId"] for c in r["items"]] == [SAMPLE_COLLAGE_ID]),
    "collage_list_admin.json": (seed_sample_collage, lambda r: len(r["items"]) == 1),
    "collage_update.json": (
        seed_submittable_collage,
        lambda r: r["status"] == "PROCESSING" and len(json.loads(r["sourceImages"])) == 4,
    ),
    "collage_update_admin.json": (lambda o: seed_sample_collage(o, "PROCESSING"), lambda r: r["status"] == "FAILED"),
    "collage_delete.json": (seed_sample_collage, lambda r: r["collageId"] == SAMPLE_COLLAGE_ID),
    "presign_album_upload.json": (seed_sample_album, lambda r: r["s3Key"].endswith("-IMG_0042.jpg")),
    "presign_album_upload_guest.json": (seed_sample_album, lambda r: r["s3Key"].endswith("-booth_shot.heic")),
    "presign_collage_upload.json": (
        seed_sample_collage,
        lambda r: r["s3Key"].startswith(f"collages/{SAMPLE_COLLAGE_ID}/"),
    ),
    "photo_list_album.json": (
        lambda o: seed_sample_photo(o, SAMPLE_PHOTO_KEY),
        lambda r: [p["key"] for p in r["items"]] == [SAMPLE_PHOTO_KEY] and "X-Amz-Signature" in r["items"][0]["url"],
    ),
    "photo_list_collage_guest.json": (
        lambda o: seed_sample_photo(o, SAMPLE_COLLAGE_PHOTO_KEY, in_collage=True),
        lambda r: [p["fileName"] for p in r["items"]] == ["face.jpg"],
    ),
    "photo_delete.json": (
        lambda o: seed_sample_photo(o, SAMPLE_PHOTO_KEY),
        lambda r: r["key"] == SAMPLE_PHOTO_KEY and albums().get(SAMPLE_ALBUM_ID).image_count == 0,  # type: ignore[union-attr]
    ),
}


def test_every_media_sample_has_an_expectation() -> None:
    appsync_samples = {name for name in media_samples() if not name.startswith("s3_")}
    assert appsync_samples == set(EXPECTATIONS)


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_appsync_sample(aws: Any, name: str) -> None:
    sample = load(name)
    seed, check = EXPECTATIONS[name]
    seed(owner_in(sample))
    folder, type_name = resolver_functions()[sample["info"]["fieldName"]]
    assert sample["info"]["parentTypeName"] == type_name
    result = load_handler(folder).lambda_handler(sample, FakeContext())
    assert check(result), result


def test_s3_photo_created_sample_becomes_a_counted_photo(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sample = load("s3_album_photo_created.json")
    record = sample["Records"][0]
    # The sample names a deployed bucket; this function's MEDIA_BUCKET_NAME must be that bucket.
    bucket = record["s3"]["bucket"]["name"]
    monkeypatch.setenv("MEDIA_BUCKET_NAME", bucket)
    wiring.upload_events_settings.cache_clear()
    seed_sample_album(SAMPLE_CUSTOMER)
    # The object the sample reports, a real HEIC; moto issues its own version id.
    key = unquote_plus(record["s3"]["object"]["key"])
    aws.s3.create_bucket(Bucket=bucket)
    aws.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    data = encode(noisy(640, 480), "HEIF", quality=80)
    stored = aws.s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="image/heic")
    record["s3"]["object"] |= {"versionId": stored["VersionId"], "size": len(data)}
    load_handler("upload_events").lambda_handler(sample, FakeContext())
    album = albums().get(SAMPLE_ALBUM_ID)
    assert album is not None
    assert album.image_count == 1
    assert album.updated_at > datetime(2026, 11, 24, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    photo = PhotosRepository("PhotosTable", aws_clients.client("dynamodb")).get(key)
    assert photo is not None
    assert (photo.file_name, photo.width, photo.height) == ("booth shot.heic", 640, 480)


def test_the_s3_sample_prefix_matches_the_template_filter() -> None:
    from devtools import template

    events = template.load()["Resources"]["UploadEventsFunction"]["Properties"]["Events"]
    (rule,) = events["AlbumPhotoCreated"]["Properties"]["Filter"]["S3Key"]["Rules"]
    key = load("s3_album_photo_created.json")["Records"][0]["s3"]["object"]["key"]
    assert rule == {"Name": "prefix", "Value": "albums/"}
    assert key.startswith(rule["Value"])
