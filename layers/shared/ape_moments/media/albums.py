"""Album inputs, the stored album, and the pure rules that build one (SPEC section 4)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from ape_moments.clock import to_aws_datetime
from ape_moments.media.owned import Name, OwnedMedia
from ape_moments.media.statuses import AlbumStatus
from ape_moments.models import ApiModel, ObjectId, OwnerId, PageLimit

ALBUMS_PREFIX = "albums/"
# Bounds the album item: every counted photo's name is kept in it to count each photo once.
MAX_PHOTOS_PER_ALBUM = 1000

Description = Annotated[str, Field(max_length=1000)]


# ---- inputs -------------------------------------------------------------------------------


class CreateAlbumInput(ApiModel):
    name: Name
    description: Description | None = None


class CreateAlbumRequest(ApiModel):
    input: CreateAlbumInput


class GetAlbumRequest(ApiModel):
    album_id: ObjectId


class ListAlbumsRequest(ApiModel):
    customer_id: OwnerId | None = None
    limit: PageLimit = 20
    next_token: str | None = None


class UpdateAlbumInput(ApiModel):
    """Absent fields stay as they are; an explicit null description removes it."""

    album_id: ObjectId
    name: Name | None = None
    description: Description | None = None
    status: AlbumStatus | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name may not be null")
        if "status" in self.model_fields_set and self.status is None:
            raise ValueError("status may not be null")
        if not self.model_fields_set - {"album_id"}:
            raise ValueError("give at least one of name, description, status")
        return self

    def changed_fields(self) -> dict[str, Any]:
        """The stored attributes to set (value) or remove (None), by their table names."""
        return self.model_dump(by_alias=True, include=self.model_fields_set - {"album_id", "status"})


class UpdateAlbumRequest(ApiModel):
    input: UpdateAlbumInput


class DeleteAlbumInput(ApiModel):
    album_id: ObjectId


class DeleteAlbumRequest(ApiModel):
    input: DeleteAlbumInput


# ---- the stored album -----------------------------------------------------------------------


class Album(OwnedMedia):
    # The item also holds `uploadedPhotos` (the counted names); it is never read back.
    album_id: str
    description: str | None = None
    image_count: int
    status: AlbumStatus
    pdf_url: str | None = None

    def to_graphql(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def new_album(request: CreateAlbumInput, *, customer_id: str, now: datetime) -> Album:
    """A new album takes uploads at once: UPLOADING, no photos, its own prefix."""
    album_id = str(uuid.uuid4())
    timestamp = to_aws_datetime(now)
    return Album(
        album_id=album_id,
        customer_id=customer_id,
        name=request.name,
        description=request.description,
        s3_prefix=f"{ALBUMS_PREFIX}{album_id}/",
        image_count=0,
        status=AlbumStatus.UPLOADING,
        created_at=timestamp,
        updated_at=timestamp,
    )
