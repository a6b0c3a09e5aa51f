"""Albums' rules and models (SPEC section 4): the status state machine, inputs, the stored
album, and the pure rules that build one. Pure rules, no I/O."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from ape_moments.clock import to_aws_datetime
from ape_moments.errors import Conflict, ValidationError
from ape_moments.models import (
    PEOPLE,
    STAFF,
    ApiModel,
    InputRequest,
    ListRequest,
    Name,
    ObjectId,
    StatusRules,
    StoredModel,
)

ALBUMS_PREFIX = "albums/"
# Bounds the album item: every counted photo's name is kept in it to count each photo once.
MAX_PHOTOS_PER_ALBUM = 1000

# albums/{albumId}/{photo name}: the only keys presignAlbumUpload hands out.
ALBUM_PHOTO_KEY = re.compile(rf"{ALBUMS_PREFIX}(?P<item_id>[A-Za-z0-9_-]{{1,64}})/(?P<name>[^/]+)")

Description = Annotated[str, Field(max_length=1000)]


# ---- the state machine ----------------------------------------------------------------------


class AlbumStatus(StrEnum):
    UPLOADING = "UPLOADING"
    READY = "READY"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"


_UP, _READY, _PROC, _DONE = AlbumStatus

ALBUM_RULES = StatusRules[AlbumStatus](
    noun="an album",
    transitions={
        (_UP, _READY): PEOPLE,  # "I am done uploading"
        (_READY, _UP): PEOPLE,  # reopen for more photos
        (_READY, _PROC): PEOPLE,  # the owner submits it: the PDF is being made (SPEC 8)
        (_PROC, _DONE): STAFF,  # the PDF is ready (pdfUrl): the renderer, or an admin repairing
        (_PROC, _READY): STAFF,  # making the PDF failed: back to the customer (errorMessage)
    },
    accepts_uploads=frozenset({_UP, _READY}),
    content_editable=frozenset(AlbumStatus),  # name and description are labels: always editable
    deletable=frozenset({_UP, _READY, _DONE}),  # not while the PDF is being made
)


# ---- inputs -------------------------------------------------------------------------------


class CreateAlbumInput(ApiModel):
    name: Name
    description: Description | None = None


CreateAlbumRequest = InputRequest[CreateAlbumInput]


class GetAlbumRequest(ApiModel):
    album_id: ObjectId


ListAlbumsRequest = ListRequest


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


UpdateAlbumRequest = InputRequest[UpdateAlbumInput]


class DeleteAlbumInput(ApiModel):
    album_id: ObjectId


DeleteAlbumRequest = InputRequest[DeleteAlbumInput]


# ---- the stored album -----------------------------------------------------------------------


class Album(StoredModel):
    # The item also holds `uploadedPhotos` (the counted names); it is never read back.
    album_id: str
    customer_id: str
    name: str
    s3_prefix: str
    description: str | None = None
    image_count: int
    status: AlbumStatus
    # The PDF's key (set with COMPLETED); pdfUrl is presigned from it when read.
    pdf_key: str | None = None
    error_message: str | None = None  # why the last PDF could not be made (back in READY)
    created_at: str
    updated_at: str

    def to_graphql(self, *, pdf_url: str | None = None) -> dict[str, Any]:
        """The PDF key never leaves; pdfUrl is the presigned URL the service made from it."""
        return self.model_dump(mode="json", by_alias=True, exclude={"pdf_key"}) | {"pdfUrl": pdf_url}


def check_submission(album: Album) -> None:
    """SPEC 8: an album without photos cannot become a PDF."""
    if album.image_count < 1:
        raise ValidationError("status: an album without photos cannot be submitted")


def check_room_for_upload(album: Album) -> None:
    if album.image_count >= MAX_PHOTOS_PER_ALBUM:
        raise Conflict(f"an album holds at most {MAX_PHOTOS_PER_ALBUM} photos")


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
