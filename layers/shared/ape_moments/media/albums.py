"""Albums' own rules and models (SPEC sections 4, 8): the status state machine, the inputs, the
stored album, what a submission checks, and ``ALBUMS``, the album's row of the media items' table
of differences (``items``). Pure rules, no I/O.

What albums share with collages (the service, the requests naming one item, deletion, uploads)
is written once in ``items``, ``item_service`` and ``resolvers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import Field

from ape_moments.errors import ValidationError
from ape_moments.media.items import MediaItem, MediaItemKind, MediaItemUpdate, new_item_fields
from ape_moments.models import PEOPLE, STAFF, ApiModel, Kind, Name, ObjectId, StatusRules

# Bounds the album item: every counted photo's name is kept in it to count each photo once.
MAX_PHOTOS_PER_ALBUM = 1000

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


class UpdateAlbumInput(MediaItemUpdate):
    """An explicit null description removes it."""

    kind: ClassVar[Kind] = Kind.ALBUM
    album_id: ObjectId
    name: Name | None = None
    description: Description | None = None
    status: AlbumStatus | None = None


# ---- the stored album -----------------------------------------------------------------------


class Album(MediaItem):
    # The item also holds `uploadedPhotos` (the counted names); it is never read back.
    kind: ClassVar[Kind] = Kind.ALBUM
    album_id: str
    description: str | None = None
    image_count: int
    status: AlbumStatus
    # The PDF's key (set with COMPLETED); pdfUrl is presigned from it when read.
    pdf_key: str | None = None

    @property
    def rendered_key(self) -> str | None:
        return self.pdf_key

    @property
    def photo_count(self) -> int:
        return self.image_count

    def to_graphql(self, *, rendered_url: str | None = None) -> dict[str, Any]:
        """The PDF key never leaves; pdfUrl is the read URL the service made from it."""
        return self.model_dump(mode="json", by_alias=True, exclude={"pdf_key"}) | {"pdfUrl": rendered_url}


def check_submission(album: Album, change: UpdateAlbumInput, photos: Callable[[], Iterable[str]]) -> dict[str, Any]:
    """SPEC 8: an album without photos cannot become a PDF. The write must find the count checked."""
    if album.image_count < 1:
        raise ValidationError("status: an album without photos cannot be submitted")
    return {"imageCount": album.image_count}


def new_album(request: CreateAlbumInput, *, customer_id: str, now: datetime) -> Album:
    """A new album takes uploads at once: UPLOADING, no photos, its own prefix."""
    new = new_item_fields(Kind.ALBUM, name=request.name, customer_id=customer_id, now=now)
    return Album(**new, description=request.description, image_count=0, status=AlbumStatus.UPLOADING)


ALBUMS = MediaItemKind(
    kind=Kind.ALBUM,
    model=Album,
    rules=ALBUM_RULES,
    create_input=CreateAlbumInput,
    update_input=UpdateAlbumInput,
    new=new_album,
    check_submission=check_submission,
    rendered_attribute="pdfKey",
    failed_status=AlbumStatus.READY,  # making the PDF failed: back to the customer
    max_photos=MAX_PHOTOS_PER_ALBUM,
)
