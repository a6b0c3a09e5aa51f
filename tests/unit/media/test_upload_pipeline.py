"""The upload pipeline (SPEC 7, issue 12): real image files land in S3 (moto) and the real
upload-events handler decodes them. Accepted photos get a record, a metadata-free thumbnail and
one count; hostile files are refused: 0 crashes, 0 accepted, 0 left in S3."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from PIL import Image

from ape_moments import aws as aws_clients
from ape_moments.media.albums import MAX_PHOTOS_PER_ALBUM
from ape_moments.media.photo_pipeline import Outcome
from ape_moments.media.photo_repository import PhotosRepository
from tests.conftest import BUCKET, FakeContext, load_handler
from tests.unit.imaging.images import BLUE, RED, encode, noisy
from tests.unit.media.conftest import Call, s3_created_event
from tests.unit.media.helpers import albums, seed_album, seed_collage, versions_under
from tests.unit.media.photo_files import GOOD, HOSTILE, land, thumbnail_bytes, thumbnail_of


def deliver(event: dict[str, Any]) -> None:
    load_handler("upload_events").lambda_handler(event, FakeContext())


def photos() -> PhotosRepository:
    return PhotosRepository("PhotosTable", aws_clients.client("dynamodb"))


def image_count(album_id: str) -> int:
    album = albums().get(album_id)
    assert album is not None
    return album.image_count


def emitted(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The EMF blobs printed by Powertools Metrics: (metric names, dimensions) per blob."""
    blobs = []
    for line in capsys.readouterr().out.splitlines():
        if line.startswith("{") and "_aws" in line:
            blobs.append(json.loads(line))
    return blobs


def metric_rows(blobs: list[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    rows = []
    for blob in blobs:
        directive = blob["_aws"]["CloudWatchMetrics"][0]
        for metric in directive["Metrics"]:
            dims = {name: blob[name] for name in directive["Dimensions"][0]}
            rows.append((metric["Name"], dims))
    return rows


@pytest.mark.parametrize("name", sorted(GOOD))
def test_a_real_photo_becomes_a_listed_counted_photo_with_a_thumbnail(name: str, aws: Any, customer: Any) -> None:
    data, content_type, (width, height) = GOOD[name]
    album = seed_album(customer)
    key = f"{album.s3_prefix}1764400000000-{name}.{content_type.split('/')[1]}"
    deliver(land(aws.s3, key, data, content_type))
    record = photos().get(key)
    assert record is not None
    assert (record.width, record.height, record.size) == (width, height, len(data))
    assert record.content_type == content_type
    assert record.file_name == f"{name}.{content_type.split('/')[1]}"
    assert record.uploaded_at == "2026-11-25T15:00:00.000Z"  # S3's event time
    assert image_count(album.album_id) == 1
    thumbnail = thumbnail_of(aws.s3, key)
    assert thumbnail.format == "JPEG"
    assert max(thumbnail.size) == min(400, max(width, height))
    assert not thumbnail.getexif()
    assert "icc_profile" not in thumbnail.info


def test_the_exif_6_jpeg_thumbnail_is_upright_and_carries_no_gps(aws: Any, customer: Any) -> None:
    data, content_type, _ = GOOD["jpeg-exif6-gps"]
    album = seed_album(customer)
    key = f"{album.s3_prefix}1764400000000-rotated.jpg"
    deliver(land(aws.s3, key, data, content_type))
    raw = thumbnail_bytes(aws.s3, key)
    assert b"Exif" not in raw
    assert b"ApeCam" not in raw
    thumbnail = thumbnail_of(aws.s3, key).convert("RGB")
    assert thumbnail.size == (300, 400)  # portrait: the orientation was applied
    # red was top-left as stored; rotated 90 degrees clockwise it is top-right
    top_right = thumbnail.getpixel((thumbnail.width - 20, 20))
    top_left = thumbnail.getpixel((20, 20))
    assert isinstance(top_right, tuple)
    assert isinstance(top_left, tuple)
    assert top_right[0] > 200 > top_right[2]
    assert top_left[2] > 200 > top_left[0]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_refused_deleted_every_version_logged_and_counted(
    name: str, aws: Any, customer: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    data, content_type, reason = HOSTILE[name]
    album = seed_album(customer)
    key = f"{album.s3_prefix}1764400000000-{name}.bin"
    aws.s3.put_object(Bucket=BUCKET, Key=key, Body=b"an earlier version", ContentType=content_type)
    event = land(aws.s3, key, data, content_type)
    started = time.process_time()  # CPU time: a busy machine slows the wall clock, not this
    deliver(event)  # no crash: the handler returns
    assert time.process_time() - started < 5
    assert versions_under(aws.s3, album.s3_prefix) == []  # every version, no delete marker
    assert versions_under(aws.s3, "thumbnails/") == []
    assert photos().get(key) is None
    assert image_count(album.album_id) == 0
    logged = [r for r in caplog.records if r.getMessage() == "upload refused and deleted"]
    assert [getattr(r, "reason", None) for r in logged] == [reason]
    assert ("PhotosRefused", {"service": "media", "reason": reason}) in metric_rows(emitted(capsys))


@pytest.mark.parametrize(
    "chosen",
    [
        {"ContentDisposition": "attachment; filename=evil.html"},
        {"CacheControl": "public, max-age=31536000"},
        {"ContentEncoding": "gzip"},
        {"Metadata": {"owner": "someone-else"}},
        {"WebsiteRedirectLocation": "https://example.com/"},
    ],
    ids=["content-disposition", "cache-control", "content-encoding", "x-amz-meta", "redirect"],
)
def test_an_upload_stored_with_headers_of_its_own_is_refused_and_deleted(
    chosen: dict[str, Any], aws: Any, customer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 22: S3 stores unsigned headers of a presigned PUT and serves them back; a real photo
    that carries any is not one of ours."""
    album = seed_album(customer)
    key = f"{album.s3_prefix}1764400000000-headers.jpg"
    data = encode(noisy(64, 48), "JPEG")
    version = aws.s3.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType="image/jpeg", **chosen)["VersionId"]
    deliver(s3_created_event(key, version_id=version, size=len(data)))
    assert versions_under(aws.s3, album.s3_prefix) == []
    assert photos().get(key) is None
    assert image_count(album.album_id) == 0
    logged = [r for r in caplog.records if r.getMessage() == "upload refused and deleted"]
    assert [getattr(r, "reason", None) for r in logged] == ["chosen_headers"]


def test_a_good_photo_right_after_a_scan_bomb_is_accepted_promptly(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    bomb, content_type, _ = HOSTILE["jpeg-scan-bomb"]
    started = time.perf_counter()
    deliver(land(aws.s3, f"{album.s3_prefix}1-bomb.jpg", bomb, content_type))
    deliver(land(aws.s3, f"{album.s3_prefix}2-good.jpg", encode(noisy(640, 480), "JPEG"), "image/jpeg"))
    assert time.perf_counter() - started < 10  # generous: both together, on a busy machine
    assert photos().get(f"{album.s3_prefix}1-bomb.jpg") is None
    assert photos().get(f"{album.s3_prefix}2-good.jpg") is not None
    assert image_count(album.album_id) == 1


def test_refusals_and_acceptances_follow_the_metric_contract(
    aws: Any, customer: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    album = seed_album(customer)
    capsys.readouterr()
    deliver(land(aws.s3, f"{album.s3_prefix}1-a.jpg", encode(noisy(64, 48), "JPEG"), "image/jpeg"))
    deliver(land(aws.s3, f"{album.s3_prefix}2-b.jpg", b"not a jpeg at all", "image/jpeg"))
    rows = metric_rows(emitted(capsys))
    service = {"service": "media"}  # the contract (docs/OPERATIONS.md): {service=media}, whatever the function
    assert ("PhotosAccepted", service) in rows
    assert ("PhotosRefused", service) in rows
    assert ("PhotosRefused", service | {"reason": "not_an_image"}) in rows


def test_a_file_that_lands_twice_is_one_photo(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    key = f"{album.s3_prefix}1764400000000-twice.jpg"
    event = land(aws.s3, key, encode(noisy(320, 240), "JPEG"), "image/jpeg")
    deliver(event)
    deliver(event)  # S3 delivered the event again
    first_version = event["Records"][0]["s3"]["object"]["versionId"]
    deliver(land(aws.s3, key, encode(noisy(320, 240, seed=2), "JPEG"), "image/jpeg"))  # the same URL used twice
    assert image_count(album.album_id) == 1
    record = photos().get(key)
    assert record is not None
    assert record.version_id == first_version
    # one key is one photo, the first: the second upload's version went, the first is current again
    assert versions_under(aws.s3, album.s3_prefix) == [(key, "version")]
    assert aws.s3.head_object(Bucket=BUCKET, Key=key)["VersionId"] == first_version
    assert len(versions_under(aws.s3, "thumbnails/")) == 1


def test_a_hostile_file_put_over_a_recorded_photo_is_removed_and_the_photo_kept(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    key = f"{album.s3_prefix}1764400000000-kept.jpg"
    photo = encode(noisy(320, 240), "JPEG")
    deliver(land(aws.s3, key, photo, "image/jpeg"))
    deliver(land(aws.s3, key, HOSTILE["png-declaring-30000x30000"][0], "image/jpeg"))
    assert aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == photo
    assert versions_under(aws.s3, album.s3_prefix) == [(key, "version")]
    assert image_count(album.album_id) == 1


def test_concurrent_deliveries_of_one_upload_count_once(aws: Any, customer: Any) -> None:
    from ape_moments.media.photo_pipeline import LandedObject
    from ape_moments.media.pipeline_wiring import upload_pipeline

    album = seed_album(customer)
    key = f"{album.s3_prefix}1764400000000-once.jpg"
    event = land(aws.s3, key, encode(noisy(320, 240), "JPEG"), "image/jpeg")
    obj = event["Records"][0]["s3"]["object"]
    landed = LandedObject(BUCKET, obj["key"], obj["versionId"], obj["size"], "2026-11-25T15:00:00.000Z")
    load_handler("upload_events")  # its cold start validates the settings the pipeline reads
    pipeline = upload_pipeline()
    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda _: pipeline.photo_landed(landed), range(6)))
    assert outcomes.count(Outcome.ACCEPTED) == 1
    assert outcomes.count(Outcome.ALREADY_RECORDED) == 5
    assert image_count(album.album_id) == 1


def test_concurrent_uploads_to_one_album_are_all_counted(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    events = [
        land(
            aws.s3,
            f"{album.s3_prefix}17644000000{n:02d}-p{n}.jpg",
            encode(noisy(200, 150, seed=n), "JPEG"),
            "image/jpeg",
        )
        for n in range(12)
    ]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(deliver, events))
    assert image_count(album.album_id) == 12
    assert len(photos().keys_under(album.s3_prefix)) == 12


def test_an_album_deleted_during_processing_leaves_nothing(call: Call, aws: Any, customer: Any) -> None:
    """The album is deleted while the photo is being decoded: the transaction finds no album, so
    the original and the thumbnail just written go, and no record or count remains."""
    from ape_moments.media import photo_pipeline

    album = seed_album(customer)
    key = f"{album.s3_prefix}1764400000000-late.jpg"
    event = land(aws.s3, key, encode(noisy(320, 240), "JPEG"), "image/jpeg")
    real_check = photo_pipeline.check_photo

    def check_while_deleting(source: Any, content_type: str) -> Any:
        call("deleteAlbum", {"input": {"albumId": album.album_id}}, customer)
        return real_check(source, content_type)

    handler = load_handler("upload_events")
    from ape_moments.media.pipeline_wiring import upload_pipeline

    pipeline = upload_pipeline()
    pipeline._check = check_while_deleting
    handler.lambda_handler(event, FakeContext())
    assert albums().get(album.album_id) is None
    assert versions_under(aws.s3, album.s3_prefix) == []
    assert versions_under(aws.s3, "thumbnails/") == []
    assert photos().get(key) is None


def test_an_upload_deleted_before_processing_is_skipped(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    key = f"{album.s3_prefix}1764400000000-gone.jpg"
    event = land(aws.s3, key, encode(noisy(64, 48), "JPEG"), "image/jpeg")
    version = event["Records"][0]["s3"]["object"]["versionId"]
    aws.s3.delete_object(Bucket=BUCKET, Key=key, VersionId=version)
    deliver(event)
    assert photos().get(key) is None
    assert image_count(album.album_id) == 0


def test_a_photo_landing_after_its_album_was_deleted_is_removed(aws: Any) -> None:
    prefix = "albums/0b9a7c1e-deleted-album/"
    deliver(land(aws.s3, f"{prefix}1764000000001-late.jpg", encode(noisy(64, 48), "JPEG"), "image/jpeg"))
    assert versions_under(aws.s3, prefix) == []
    assert albums().get("0b9a7c1e-deleted-album") is None


def test_a_full_album_refuses_one_more(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    albums().update(album.album_id, {"imageCount": MAX_PHOTOS_PER_ALBUM}, when=_anything())
    key = f"{album.s3_prefix}1764400000000-extra.jpg"
    deliver(land(aws.s3, key, encode(noisy(64, 48), "JPEG"), "image/jpeg"))
    assert image_count(album.album_id) == MAX_PHOTOS_PER_ALBUM
    assert versions_under(aws.s3, album.s3_prefix) == []
    assert versions_under(aws.s3, "thumbnails/") == []
    assert photos().get(key) is None


def _anything() -> Any:
    from ape_moments.table import Condition

    return Condition()


def test_a_collage_image_is_recorded_not_counted(aws: Any, customer: Any) -> None:
    collage = seed_collage(customer)
    key = f"{collage.s3_prefix}1764400000000-face.png"
    deliver(land(aws.s3, key, encode(Image.new("RGB", (900, 900), RED), "PNG"), "image/png"))
    record = photos().get(key)
    assert record is not None
    assert record.parent == collage.s3_prefix
    assert thumbnail_of(aws.s3, key).size == (400, 400)
    deliver(land(aws.s3, f"{collage.s3_prefix}2-x.png", b"\x89PNG\r\n\x1a\n junk", "image/png"))
    assert len(photos().keys_under(collage.s3_prefix)) == 1


def test_thumbnails_are_never_uploads(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    key = f"{album.s3_prefix}1764400000000-a.jpg"
    deliver(land(aws.s3, key, encode(two_halves_photo(), "JPEG"), "image/jpeg"))
    deliver(s3_created_event(f"thumbnails/{key}.jpg"))  # even if such an event came, it is ignored
    assert image_count(album.album_id) == 1
    assert len(versions_under(aws.s3, "thumbnails/")) == 1


def two_halves_photo() -> Image.Image:
    image = Image.new("RGB", (800, 400), BLUE)
    image.paste(RED, (0, 0, 400, 400))
    return image


@pytest.mark.parametrize(
    "key",
    ["albums/", "albums/abc", "albums/abc/sub/a.jpg", "temp/a.jpg", "albums/a b/x.jpg", "thumbnails/albums/a/1-x.jpg"],
)
def test_keys_we_never_issue_are_ignored(aws: Any, customer: Any, key: str) -> None:
    album = seed_album(customer)
    deliver(s3_created_event(key))
    assert image_count(album.album_id) == 0


def test_another_buckets_event_is_ignored(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    deliver(s3_created_event(f"{album.s3_prefix}1764000000001-a.jpg", bucket="someone-elses-bucket"))
    assert image_count(album.album_id) == 0


def test_an_s3_test_event_is_accepted_and_does_nothing(aws: Any) -> None:
    deliver({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": BUCKET})


def test_non_created_events_are_ignored(aws: Any, customer: Any) -> None:
    album = seed_album(customer)
    event = land(aws.s3, f"{album.s3_prefix}1-a.jpg", encode(noisy(64, 48), "JPEG"), "image/jpeg")
    event["Records"][0]["eventName"] = "ObjectRemoved:Delete"
    deliver(event)
    assert image_count(album.album_id) == 0


def test_the_api_functions_never_load_the_imaging_layer(aws: Any, customer: Any) -> None:
    """Run in a fresh interpreter: importing every API handler loads neither PIL nor ape_imaging."""
    import subprocess
    import sys

    code = (
        "import importlib.util, sys, pathlib\n"
        "for folder in sorted(p.parent.name for p in pathlib.Path('src').glob('*/app.py')):\n"
        "    if folder in {'upload_events', 'renderer'}: continue\n"
        "    spec = importlib.util.spec_from_file_location('h_' + folder, f'src/{folder}/app.py')\n"
        "    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'PIL', 'pillow_heif', 'ape_imaging'})\n"
        "print(loaded)\n"
    )
    from tests.unit.core.test_settings import VALID  # a valid value for every variable any function reads

    env = {**__import__("os").environ, **VALID, "PYTHONPATH": "layers/shared"}
    for name in ("ORDERS", "ALBUMS", "COLLAGES", "PHOTOS", "IDEMPOTENCY"):
        env[f"{name}_TABLE_NAME"] = name.title()
    env |= {
        "MEDIA_BUCKET_NAME": BUCKET,
        "ORDER_QUEUE_URL": "http://127.0.0.1/q",
        "RENDER_QUEUE_URL": "http://127.0.0.1/r",
        "GRAPHQL_URL": "http://127.0.0.1/graphql",
    }
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]"
