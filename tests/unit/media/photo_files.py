"""Real photo files for the pipeline and photo API tests (made with Pillow, like tests/unit/imaging)."""

from __future__ import annotations

import io
import os
from typing import Any

from PIL import Image

import ape_imaging.photos  # noqa: F401 - registers pillow-heif's HEIF opener, so HEIC can be written
from tests.conftest import BUCKET
from tests.unit.imaging.images import (
    BLUE,
    RED,
    encode,
    exif_with_gps,
    jpeg_declaring,
    jpeg_scan_bomb,
    noisy,
    png_declaring,
    png_in_chunks,
    quadrant_marker,
    rgb16_png,
    two_halves,
)
from tests.unit.media.conftest import s3_created_event


def jpeg_orientation_6_with_gps() -> bytes:
    """640x480 as stored, red top-left; orientation 6 shows it 480x640 with red top-right."""
    return encode(quadrant_marker(640, 480), "JPEG", quality=92, exif=exif_with_gps(6))


def cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (600, 300), (0, 255, 255, 0)), "JPEG", quality=95)


def transparent_png() -> bytes:
    image = Image.new("RGBA", (500, 250), (255, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 250, 250))
    return encode(image, "PNG")


# name -> (bytes, content type, (width, height) after orientation)
GOOD: dict[str, tuple[bytes, str, tuple[int, int]]] = {
    "jpeg-exif6-gps": (jpeg_orientation_6_with_gps(), "image/jpeg", (480, 640)),
    "png-transparent": (transparent_png(), "image/png", (500, 250)),
    "webp": (encode(noisy(800, 600), "WEBP", quality=80), "image/webp", (800, 600)),
    "heic": (encode(two_halves(1024, 768, RED, BLUE), "HEIF", quality=80), "image/heic", (1024, 768)),
    "cmyk-jpeg": (cmyk_jpeg(), "image/jpeg", (600, 300)),
    "png-16-bit": (rgb16_png(300, 200), "image/png", (300, 200)),
}

_whole_jpeg = encode(noisy(1200, 900), "JPEG", quality=90)

# name -> (bytes, declared content type, the refusal reason logged)
HOSTILE: dict[str, tuple[bytes, str, str]] = {
    "png-sent-as-jpeg": (encode(noisy(300, 200), "PNG"), "image/jpeg", "wrong_type"),
    "truncated-jpeg": (_whole_jpeg[: len(_whole_jpeg) // 2], "image/jpeg", "truncated"),
    "zero-bytes": (b"", "image/jpeg", "empty"),
    "random-bytes": (os.urandom(4096), "image/png", "not_an_image"),
    "png-declaring-30000x30000": (png_declaring(30000, 30000), "image/png", "too_many_pixels"),
    "jpeg-declaring-30000x30000": (jpeg_declaring(30000, 30000), "image/jpeg", "too_many_pixels"),
    # issue 22: a minute of decoding in 50 KB, and a PNG that costs Pillow's chunk loop seconds
    "jpeg-scan-bomb": (jpeg_scan_bomb(3000, 3000, 2500), "image/jpeg", "too_costly"),
    "png-of-200000-chunks": (png_in_chunks(64, 64, 200_000), "image/png", "too_costly"),
}


def land(s3: Any, key: str, data: bytes, content_type: str, *, at: str | None = None) -> dict[str, Any]:
    """Store ``data`` as a presigned PUT would, and return the S3 notification it causes."""
    version = s3.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType=content_type)["VersionId"]
    event = s3_created_event(key, version_id=version, size=len(data))
    if at is not None:
        event["Records"][0]["eventTime"] = at
    return event


def thumbnail_bytes(s3: Any, key: str) -> bytes:
    """The thumbnail the photo record under ``key`` names."""
    from ape_moments import aws as aws_clients
    from ape_moments.media.photo_repository import PhotosRepository

    photo = PhotosRepository("PhotosTable", aws_clients.client("dynamodb")).get(key)
    assert photo is not None, key
    assert photo.thumbnail_key.startswith(f"thumbnails/{key}")
    return bytes(s3.get_object(Bucket=BUCKET, Key=photo.thumbnail_key)["Body"].read())


def thumbnail_of(s3: Any, key: str) -> Image.Image:
    return Image.open(io.BytesIO(thumbnail_bytes(s3, key)))
