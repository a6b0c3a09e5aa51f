"""Collage use cases: the GraphQL collage operations and presignCollageUpload.

Rules live in ``collages`` (fields, JSON limits), ``statuses`` (who may change what, when the
content is editable), ``uploads``; ``media_service`` holds what collages share with albums.
"""

from __future__ import annotations

from typing import Any

from ape_moments.caller import Caller
from ape_moments.media.collages import (
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
