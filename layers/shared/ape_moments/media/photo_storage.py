"""The media bucket: the only module that talks to S3.

The bucket is versioned, so a plain DeleteObject only hides a photo behind a delete marker
and the bytes stay (and are billed) as a noncurrent version. Deleting an album or collage
therefore removes every version and every delete marker under its prefix: afterwards nothing
of it is left to restore. See docs/MEDIA.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger

from ape_moments.media.uploads import PresignedUpload, PresignUploadRequest, object_key

logger = Logger(child=True)

DELETE_BATCH = 1000  # the most DeleteObjects takes at once
# Only whole album or collage prefixes may be purged: never '', never a shared parent.
_PURGEABLE = re.compile(r"(albums|collages)/[A-Za-z0-9_-]{1,64}/")


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

    def remove_orphan(self, upload: LandedUpload) -> None:
        """Delete an upload whose album or collage is gone (its URL was issued before the delete).

        Deleted by its exact version, so deleted items leave nothing behind.
        """
        if upload.version_id:
            self.delete_version(upload.key, upload.version_id)
        else:  # the bucket is versioned (template.yaml); without a version there is nothing exact to delete
            logger.warning("upload of a deleted item has no version id; left in place", key=upload.key)

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
