"""Photos' rules and models (SPEC section 7): the stored photo record, the listing and delete
inputs, and where a photo's files live. Pure rules, no I/O.

A photo is an accepted upload: its original stays at the key it was uploaded to
(``albums/{albumId}/{name}`` or ``collages/{collageId}/{name}``), its thumbnail lives under
``thumbnails/`` + that key (outside the upload notifications' prefixes, so writing it is never
an upload). The record is in the Photos table: partition key ``key``, and the GSI
``parent-uploadedAt-index`` lists one album's or collage's photos oldest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ape_moments.errors import Conflict
from ape_moments.media.items import MediaItem, MediaItemKind
from ape_moments.models import PHOTO_KEY, ApiModel, Kind, ObjectId, PageLimit, PhotoKey, StoredModel

THUMBNAILS_PREFIX = "thumbnails/"
# The timestamp presign puts before the client's file name (uploads.object_key).
_TIMESTAMPED = re.compile(r"\d{1,16}-(?P<file_name>.+)")


def album_parent(album_id: str) -> str:
    return f"{Kind.ALBUM.prefix}{album_id}/"


def thumbnail_key(key: str, version_id: str | None = None) -> str:
    """``thumbnails/{original key}[.{version}].jpg``: under its own prefix, never under albums/ or
    collages/; per version of the original, so two uploads to one key never share a thumbnail."""
    return f"{THUMBNAILS_PREFIX}{key}{f'.{version_id}' if version_id else ''}.jpg"


def file_name_of(name: str) -> str:
    """The client's (safe) file name: the key's last segment without presign's timestamp."""
    match = _TIMESTAMPED.fullmatch(name)
    return match["file_name"] if match else name


# ---- inputs ---------------------------------------------------------------------------------


class ListAlbumPhotosRequest(ApiModel):
    album_id: ObjectId
    limit: PageLimit = 20
    next_token: str | None = None


class ListCollagePhotosRequest(ApiModel):
    collage_id: ObjectId
    limit: PageLimit = 20
    next_token: str | None = None


class DeletePhotoRequest(ApiModel):
    key: PhotoKey


# ---- the stored photo -----------------------------------------------------------------------


class Photo(StoredModel):
    """One accepted upload. URLs are never stored: they are presigned when the photo is read."""

    key: str  # the original's S3 key
    parent: str  # the album's or collage's prefix: albums/{id}/ or collages/{id}/
    customer_id: str
    file_name: str
    content_type: str
    size: int  # bytes of the original
    width: int  # of the original, after EXIF orientation
    height: int
    thumbnail_key: str
    uploaded_at: str  # AWSDateTime: when S3 stored it (the event's time)
    version_id: str | None = None  # the version of the key that was checked: one key is one photo

    def to_graphql(self, *, url: str, thumbnail_url: str) -> dict[str, Any]:
        return {
            "key": self.key,
            "fileName": self.file_name,
            "contentType": self.content_type,
            "size": self.size,
            "width": self.width,
            "height": self.height,
            "url": url,
            "thumbnailUrl": thumbnail_url,
            "uploadedAt": self.uploaded_at,
        }


# ---- the album or collage a photo belongs to -------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhotoParent:
    """What the photo rules need of an album or a collage: the item and its kind's facts."""

    kind: MediaItemKind[Any, Any]
    item: MediaItem

    @property
    def item_id(self) -> str:
        return self.item.item_id

    @property
    def customer_id(self) -> str:
        return self.item.customer_id

    @property
    def status(self) -> StrEnum:
        return self.item.status

    @property
    def prefix(self) -> str:
        return f"{self.kind.kind.prefix}{self.item_id}/"

    def check_photo_deletable(self, key: str) -> None:
        """SPEC 7: while the album takes uploads or the collage is editable; never a named source."""
        rules = self.kind.rules
        if self.status not in rules.accepts_uploads:
            raise Conflict(f"key: photos of {rules.noun} in {self.status} cannot be deleted")
        if key in self.item.source_keys:
            raise Conflict("key: the photo is one of its collage's sourceImages; remove it from them first")

    def has_room(self) -> bool:
        return self.kind.has_room(self.item)


def parent_of_key(key: str) -> tuple[Kind, str] | None:
    """(album or collage, its id) of a photo key, or None for a key no photo can have."""
    match = PHOTO_KEY.fullmatch(key)
    return (Kind.of_prefix(match["kind"]), match["item_id"]) if match else None
