"""The media bucket: the only module that talks to S3 (read URLs: ``media_urls``).

The bucket is versioned, so a plain DeleteObject only hides a photo behind a delete marker
and the bytes stay (and are billed) as a noncurrent version. Deleting an album or collage
therefore removes every version and every delete marker under its prefix: afterwards nothing
of it is left to restore. See docs/MEDIA.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger

from ape_moments.media.photos import THUMBNAILS_PREFIX
from ape_moments.media.uploads import PresignedUpload, PresignUploadRequest, object_key
from ape_moments.models import PHOTO_KEY

# An original (albums/{id}/{name}, collages/{id}/{name}) or its thumbnail.
PHOTO_FILE = re.compile(rf"({THUMBNAILS_PREFIX})?{PHOTO_KEY.pattern}(\.jpg)?")

logger = Logger(child=True)

DELETE_BATCH = 1000  # the most DeleteObjects takes at once
# Only whole album or collage prefixes (or their thumbnails' or rendered outputs') may be
# purged: never '', never a shared parent.
_PURGEABLE = re.compile(r"(thumbnails/|renders/)?(albums|collages)/[A-Za-z0-9_-]{1,64}/")
# Rendered outputs: renders/collages/{id}/{renderId}/collage.jpg, renders/albums/{id}/{renderId}/album.pdf.
_RENDER_OUTPUT = re.compile(r"renders/(albums|collages)/[A-Za-z0-9_-]{1,64}/[A-Za-z0-9]{1,32}/[a-z]+\.(jpg|pdf)")
# Thumbnails and rendered outputs never change under their key (a new render is a new key, a
# thumbnail belongs to one original), so browsers and CloudFront may keep them for a year
# (SPEC 16). "public": CloudFront does not cache "private" objects; the URLs stay signed.
IMMUTABLE = "public, max-age=31536000, immutable"
# Multipart parts of the album PDF: memory holds one part; 10,000 parts reach 160 GB.
RENDER_PART_SIZE = 16 * 1024 * 1024
_DOWNLOAD_CHUNK = 1024 * 1024


class UploadGone(Exception):  # noqa: N818 - a storage-layer signal
    """The object (or the version S3 reported) is no longer there: deleted while it was processed."""


@dataclass(frozen=True, slots=True)
class Downloaded:
    content_type: str  # as the upload stored it (the presigned PUT signed it)
    size: int
    # Response headers the uploader chose beyond the signed ones (S3 stores an unsigned
    # Content-Disposition, Cache-Control, Content-Encoding, ... and serves them back): names only.
    chosen_headers: tuple[str, ...] = ()


# What a GetObject answer may carry that the uploader chose; none is set by the presigned PUT we
# hand out, so any of them marks an upload made with headers of its own (issue 22).
_CHOSEN_HEADERS = (
    "ContentDisposition",
    "CacheControl",
    "ContentEncoding",
    "ContentLanguage",
    "WebsiteRedirectLocation",
    "Metadata",
)


class PurgeIncomplete(Exception):  # noqa: N818 - a storage-layer signal
    """S3 refused to delete some versions; the caller's delete must fail and be retried."""


@dataclass(frozen=True, slots=True)
class LandedUpload:
    """An object S3 reported as created, under a key this backend hands out."""

    key: str
    item_id: str  # the album or collage it was uploaded to
    name: str
    version_id: str | None


class PhotoStorage:
    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self._client = client

    def presign_upload(
        self, prefix: str, request: PresignUploadRequest, *, now: datetime, expires_in: int
    ) -> PresignedUpload:
        """A presigned PUT for one file under ``prefix``; computed locally (no S3 call)."""
        key = object_key(prefix, request.file_name, now)
        url = self.presign_put(
            key, content_type=request.content_type, content_length=request.size, expires_in=expires_in
        )
        return PresignedUpload(presigned_url=url, s3_key=key, expires_in=expires_in)

    def landed(
        self, bucket: str, raw_key: str, version_id: str | None, pattern: re.Pattern[str]
    ) -> LandedUpload | None:
        """The upload an S3 event reports, if it is in this bucket under a key ``pattern`` matches.

        S3 URL-encodes keys in events (a space arrives as ``+``). Keys we never hand out are
        logged and left alone.
        """
        key = unquote_plus(raw_key)
        match = pattern.fullmatch(key)
        if bucket != self.bucket or match is None:
            logger.warning("not an upload of ours; ignored", bucket=bucket, key=key)
            return None
        return LandedUpload(key=key, item_id=match["item_id"], name=match["name"], version_id=version_id)

    def presign_put(self, key: str, *, content_type: str, content_length: int, expires_in: int) -> str:
        """A SigV4 presigned PUT whose signature covers Content-Type and Content-Length.

        Both go into ``X-Amz-SignedHeaders``: S3 recomputes the signature from the request's
        own headers, so a PUT with another type or another size (bigger or smaller) fails with
        403 SignatureDoesNotMatch. The client must send exactly the headers it declared.
        """
        url: str = self._client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": key, "ContentType": content_type, "ContentLength": content_length},
            ExpiresIn=expires_in,
            HttpMethod="PUT",
        )
        return url

    def delete_item_files(self, s3_prefix: str, outputs_prefix: str) -> None:
        """Everything a deleted album or collage leaves in the bucket: its uploads (every
        version), their thumbnails and its rendered output, in that order."""
        self.delete_everything_under(s3_prefix)
        self.delete_everything_under(THUMBNAILS_PREFIX + s3_prefix)
        self.delete_everything_under(outputs_prefix)

    def delete_everything_under(self, prefix: str) -> int:
        """Delete every version and delete marker under ``prefix``; return how many went."""
        if not _PURGEABLE.fullmatch(prefix):
            raise ValueError(f"refusing to purge {prefix!r}: not an album or collage prefix")
        deleted = 0
        batch: list[dict[str, str]] = []
        for version in self._versions_under(prefix):
            batch.append(version)
            if len(batch) == DELETE_BATCH:
                deleted += self._delete_batch(batch)
                batch = []
        if batch:
            deleted += self._delete_batch(batch)
        return deleted

    def download(self, key: str, version_id: str | None, into: IO[bytes]) -> Downloaded:
        """Copy one object (the exact version S3 reported) into ``into``, a chunk at a time."""
        request = {"Bucket": self.bucket, "Key": key} | ({"VersionId": version_id} if version_id else {})
        try:
            response = self._client.get_object(**request)
        except Exception as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code in {"NoSuchKey", "NoSuchVersion", "404", "InvalidArgument"}:
                raise UploadGone(key) from None
            raise
        size = 0
        for chunk in response["Body"].iter_chunks(_DOWNLOAD_CHUNK):
            into.write(chunk)
            size += len(chunk)
        into.flush()
        chosen = tuple(name for name in _CHOSEN_HEADERS if response.get(name))
        return Downloaded(content_type=str(response.get("ContentType") or ""), size=size, chosen_headers=chosen)

    def put_thumbnail(self, key: str, data: bytes, *, content_type: str) -> None:
        """Write a thumbnail; its key is under thumbnails/, outside the upload notifications."""
        if not key.startswith(THUMBNAILS_PREFIX):
            raise ValueError(f"refusing to write {key!r}: thumbnails live under {THUMBNAILS_PREFIX}")
        self._client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, CacheControl=IMMUTABLE
        )

    def delete_every_version_of(self, key: str) -> int:
        """Delete every version and delete marker of exactly ``key``; return how many went."""
        if not PHOTO_FILE.fullmatch(key):
            raise ValueError(f"refusing to delete {key!r}: not a photo or thumbnail key")
        versions = [version for version in self._versions_under(key) if version["Key"] == key]
        for start in range(0, len(versions), DELETE_BATCH):
            self._delete_batch(versions[start : start + DELETE_BATCH])
        return len(versions)

    def opener(self, key: str) -> Callable[[], IO[bytes]]:
        """Opens the current version of ``key`` as a stream when called; UploadGone if it is not there."""

        def open_object() -> IO[bytes]:
            try:
                body: IO[bytes] = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
            except Exception as error:
                code = getattr(error, "response", {}).get("Error", {}).get("Code")
                if code in {"NoSuchKey", "404"}:
                    raise UploadGone(key) from None
                raise
            return body

        return open_object

    def put_render(self, key: str, data: bytes, *, content_type: str) -> None:
        """Write a rendered output in one request: it is visible only once whole."""
        self._check_render_key(key)
        self._client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, CacheControl=IMMUTABLE
        )

    def render_upload(self, key: str, *, content_type: str) -> MultipartWrite:
        """A file object writing ``key`` through a multipart upload (complete it, or abort it)."""
        self._check_render_key(key)
        return MultipartWrite(self._client, self.bucket, key, content_type=content_type)

    @staticmethod
    def _check_render_key(key: str) -> None:
        if not _RENDER_OUTPUT.fullmatch(key):
            raise ValueError(f"refusing to write {key!r}: rendered outputs live under renders/")

    def delete_version(self, key: str, version_id: str) -> None:
        """Delete one exact version: the bytes go, no delete marker is left."""
        self._client.delete_object(Bucket=self.bucket, Key=key, VersionId=version_id)

    def _versions_under(self, prefix: str) -> Iterator[dict[str, str]]:
        paginator = self._client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for entry in (*page.get("Versions", []), *page.get("DeleteMarkers", [])):
                yield {"Key": entry["Key"], "VersionId": entry["VersionId"]}

    def _delete_batch(self, batch: list[dict[str, str]]) -> int:
        response = self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        errors = response.get("Errors", [])
        if errors:
            logger.error("S3 kept some versions", failed=len(errors), first_code=errors[0].get("Code"))
            raise PurgeIncomplete(f"{len(errors)} of {len(batch)} versions were not deleted")
        return len(batch)


class MultipartWrite:
    """A write-only file object that sends a part every ``RENDER_PART_SIZE`` bytes.

    The object appears only when ``complete`` succeeds (S3 assembles the parts then), so a
    render that fails or crashes half-way leaves nothing visible: ``abort`` drops the parts, and
    parts a crash left behind are removed by the bucket's incomplete-upload lifecycle rule.
    """

    def __init__(self, client: Any, bucket: str, key: str, *, content_type: str) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self.bytes_written = 0
        self._upload_id: str = client.create_multipart_upload(
            Bucket=bucket, Key=key, ContentType=content_type, CacheControl=IMMUTABLE
        )["UploadId"]

    def write(self, data: bytes | memoryview) -> int:
        self._buffer += data
        self.bytes_written += len(data)
        while len(self._buffer) >= RENDER_PART_SIZE:
            self._send(bytes(self._buffer[:RENDER_PART_SIZE]))
            del self._buffer[:RENDER_PART_SIZE]
        return len(data)

    def _send(self, part: bytes) -> None:
        number = len(self._parts) + 1
        response = self._client.upload_part(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=part
        )
        self._parts.append({"PartNumber": number, "ETag": response["ETag"]})

    def complete(self) -> None:
        if self._buffer or not self._parts:
            self._send(bytes(self._buffer))
            self._buffer.clear()
        self._client.complete_multipart_upload(
            Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
        )

    def abort(self) -> None:
        self._buffer.clear()
        try:
            self._client.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)
        except Exception:  # the lifecycle rule removes what an abort could not
            logger.exception("could not abort a multipart upload", key=self._key)
