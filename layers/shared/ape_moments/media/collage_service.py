"""Collage use cases: the GraphQL collage operations and presignCollageUpload.

Rules live in ``collages`` (fields, JSON limits), ``statuses`` (who may change what, when the
content is editable), ``uploads``; ``media_service`` holds what collages share with albums.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger

from ape_moments.caller import Caller
from ape_moments.media.collages import (
    COLLAGES_PREFIX,
    Collage,
    CreateCollageRequest,
    DeleteCollageRequest,
    GetCollageRequest,
    ListCollagesRequest,
    UpdateCollageRequest,
    new_collage,
)
from ape_moments.media.media_service import MediaService
from ape_moments.media.records import Page
from ape_moments.media.statuses import CollageStatus
from ape_moments.media.uploads import PresignCollageUploadRequest, PresignedUpload
from ape_moments.validation import parse

logger = Logger(child=True)

_COLLAGE_IMAGE_KEY = re.compile(rf"{COLLAGES_PREFIX}(?P<collage_id>[A-Za-z0-9_-]{{1,64}})/(?P<name>[^/]+)")


class CollageService(MediaService[Collage, CollageStatus]):
    def create_collage(self, caller: Caller, arguments: dict[str, Any]) -> Collage:
        request = parse(CreateCollageRequest, arguments)
        collage = new_collage(request.input, customer_id=caller.owner_id, now=self._clock())
        self._records.insert(collage)
        return collage

    def get_collage(self, caller: Caller, arguments: dict[str, Any]) -> Collage | None:
        return self._get_visible(caller, parse(GetCollageRequest, arguments).collage_id)

    def list_collages(self, caller: Caller, arguments: dict[str, Any]) -> Page[Collage]:
        request = parse(ListCollagesRequest, arguments)
        return self._list(caller, request.customer_id, request.limit, request.next_token)

    def update_collage(self, caller: Caller, arguments: dict[str, Any]) -> Collage:
        change = parse(UpdateCollageRequest, arguments).input
        return self._update(
            caller,
            change.collage_id,
            change.changed_fields(),
            target=change.status,
            changes_content=change.changes_content,
        )

    def delete_collage(self, caller: Caller, arguments: dict[str, Any]) -> Collage:
        return self._delete(caller, parse(DeleteCollageRequest, arguments).input.collage_id)

    def presign_collage_upload(self, caller: Caller, arguments: dict[str, Any]) -> PresignedUpload:
        request = parse(PresignCollageUploadRequest, arguments)
        return self._presign(caller, request.collage_id, request)

    # ---- S3 ObjectCreated ------------------------------------------------------------------

    def image_landed(self, bucket: str, raw_key: str, version_id: str | None) -> bool | None:
        """An image landed under a collage's prefix: keep it, unless its collage is gone.

        A URL issued before the collage was deleted can still be used afterwards; the image it
        uploads is deleted by its exact version, so deleted collages leave nothing behind.
        Returns whether the image was kept (None: not a collage image of this bucket).
        """
        key = unquote_plus(raw_key)
        match = _COLLAGE_IMAGE_KEY.fullmatch(key)
        if bucket != self._storage.bucket or match is None:
            logger.warning("not a collage image; ignored", bucket=bucket, key=key)
            return None
        if self._records.get(match["collage_id"]) is not None:
            return True
        if version_id:
            self._storage.delete_version(key, version_id)
        else:  # the bucket is versioned (template.yaml); without a version there is nothing exact to delete
            logger.warning("image of a deleted collage has no version id; left in place", key=key)
        logger.info("image of a deleted collage removed", collage_id=match["collage_id"])
        return False
