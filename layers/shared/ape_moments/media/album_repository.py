"""Data access for the Albums table: partition key ``albumId``; GSI ``customerId-createdAt-index``
(sorted by ``createdAt``, projecting everything). Every call is one request.

Besides the shared operations of ``ape_moments.table`` it counts photos: ``uploadedPhotos``, a
string set on the album item, holds the name of every photo counted, so a photo S3 reports
twice is counted once. Reads never return that set (``Album`` does not name it).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from ape_moments.media.albums import Album
from ape_moments.table import Condition, ConditionFailed, Table


class PhotoCount(StrEnum):
    COUNTED = "counted"
    ALREADY_COUNTED = "already-counted"  # S3 delivered the event again, or the key was overwritten
    NO_SUCH_ALBUM = "no-such-album"  # the album was deleted (or never existed)


class AlbumsRepository(Table[Album]):
    def __init__(self, table_name: str, client: Any) -> None:
        super().__init__(table_name, "albumId", Album, client)

    def count_photo(self, album_id: str, photo_name: str, *, now: str) -> PhotoCount:
        """Add 1 to imageCount unless ``photo_name`` was counted already: one conditional write.

        The name joins ``uploadedPhotos`` in the same write, so of two deliveries of the same
        event exactly one applies; the other fails the condition and is reported, not counted.
        """
        try:
            self.update(
                album_id,
                {"updatedAt": now},
                add={"imageCount": 1, "uploadedPhotos": {photo_name}},
                when=Condition(lacks=("uploadedPhotos", photo_name)),
            )
        except ConditionFailed as failed:
            return PhotoCount.ALREADY_COUNTED if failed.current else PhotoCount.NO_SUCH_ALBUM
        return PhotoCount.COUNTED
