"""The media bucket: the only module that talks to S3.

The bucket is versioned, so a plain DeleteObject only hides a photo behind a delete marker
and the bytes stay (and are billed) as a noncurrent version. Deleting an album or collage
therefore removes every version and every delete marker under its prefix: afterwards nothing
of it is left to restore. See docs/MEDIA.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from aws_lambda_powertools import Logger

logger = Logger(child=True)

DELETE_BATCH = 1000  # the most DeleteObjects takes at once
# Only whole album or collage prefixes may be purged: never '', never a shared parent.
_PURGEABLE = re.compile(r"(albums|collages)/[A-Za-z0-9_-]{1,64}/")


class PurgeIncomplete(Exception):  # noqa: N818 - a storage-layer signal
    """S3 refused to delete some versions; the caller's delete must fail and be retried."""


class PhotoStorage:
    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self._client = client

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
