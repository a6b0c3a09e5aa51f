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
from typing import Annotated, Any

from pydantic import Field

from ape_moments.models import ApiModel, ObjectId, PageLimit, StoredModel

THUMBNAILS_PREFIX = "thumbnails/"
# albums/{id}/{name} or collages/{id}/{name}: the only keys photos have (names as presign made them).
PHOTO_KEY = re.compile(
    r"(?P<parent>(?P<kind>albums|collages)/(?P<item_id>[A-Za-z0-9_-]{1,64})/)(?P<name>[A-Za-z0-9._-]{1,128})"
)
# The timestamp presign puts before the client's file name (uploads.object_key).
_TIMESTAMPED = re.compile(r"\d{1,16}-(?P<file_name>.+)")

PhotoKey = Annotated[str, Field(min_length=1, max_length=256, pattern=PHOTO_KEY.pattern)]


def album_parent(album_id: str) -> str:
    return f"albums/{album_id}/"


def collage_parent(collage_id: str) -> str:
    return f"collages/{collage_id}/"


def thumbnail_key(key: str) -> str:
    """``thumbnails/{original key}.jpg``: under its own prefix, never under albums/ or collages/."""
    return f"{THUMBNAILS_PREFIX}{key}.jpg"


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
