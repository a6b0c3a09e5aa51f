"""The order's files in the media bucket (SPEC 9): server-side copies of each item's file under
``fulfillment/{orderId}/``, the manifest the print lab reads, and download URLs of the copies.

The only module of orders that talks to S3. Copies are made by S3 itself (CopyObject: no bytes
pass through the function) and appear whole or not at all, so a listed copy is a finished one.
"""

from __future__ import annotations

import json
from typing import Any

from ape_moments.orders.sources import FULFILMENT_PREFIX, fulfilment_prefix, manifest_key

_GONE = {"NoSuchKey", "404", "NoSuchVersion"}


class SourceFileGone(Exception):  # noqa: N818 - a storage-layer signal
    """The file to copy is no longer in the bucket."""


class FulfilmentFiles:
    def __init__(self, bucket: str, client: Any) -> None:
        self.bucket = bucket
        self._client = client

    def existing(self, order_id: str) -> dict[str, int]:
        """The order's files already written (key -> size in bytes): one ListObjectsV2 (51 keys at most)."""
        response = self._client.list_objects_v2(Bucket=self.bucket, Prefix=fulfilment_prefix(order_id))
        return {entry["Key"]: int(entry["Size"]) for entry in response.get("Contents", [])}

    def copy(self, source_key: str, target_key: str) -> None:
        """Copy ``source_key`` to ``target_key`` inside the bucket; SourceFileGone if it is not there."""
        self._check(target_key)
        try:
            self._client.copy_object(
                Bucket=self.bucket,
                Key=target_key,
                CopySource={"Bucket": self.bucket, "Key": source_key},
                MetadataDirective="COPY",
            )
        except Exception as error:
            if getattr(error, "response", {}).get("Error", {}).get("Code") in _GONE:
                raise SourceFileGone(source_key) from None
            raise

    def put_manifest(self, order_id: str, manifest: dict[str, Any]) -> None:
        key = manifest_key(order_id)
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        self._client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")

    def presign_get(self, key: str, *, expires_in: int) -> str:
        """A presigned GET of one of an order's files, computed locally (no S3 call)."""
        self._check(key)
        url: str = self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_in, HttpMethod="GET"
        )
        return url

    @staticmethod
    def _check(key: str) -> None:
        if not key.startswith(FULFILMENT_PREFIX) or ".." in key:
            raise ValueError(f"refusing {key!r}: an order's files live under {FULFILMENT_PREFIX}")
