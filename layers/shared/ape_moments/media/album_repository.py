"""Data access for the Albums table: the only module that names it (see ``records``).

Besides the shared operations it counts photos: ``uploadedPhotos``, a string set on the album
item, holds the name of every photo counted, so a photo S3 reports twice is counted once.
"""

from __future__ import annotations

from enum import StrEnum

from ape_moments.dynamo import is_conditional_check_failure
from ape_moments.media.albums import Album
from ape_moments.media.records import OwnedRecords


class PhotoCount(StrEnum):
    COUNTED = "counted"
    ALREADY_COUNTED = "already-counted"  # S3 delivered the event again, or the key was overwritten
    NO_SUCH_ALBUM = "no-such-album"  # the album was deleted (or never existed)


class AlbumsRepository(OwnedRecords[Album]):
    key = "albumId"
    model = Album
    public_attributes = tuple(field.alias or name for name, field in Album.model_fields.items())

    def count_photo(self, album_id: str, photo_name: str, *, now: str) -> PhotoCount:
        """Add 1 to imageCount unless ``photo_name`` was counted already: one conditional write.

        The name joins ``uploadedPhotos`` in the same write, so of two deliveries of the same
        event exactly one applies; the other fails the condition and is reported, not counted.
        """
        try:
            self._client.update_item(
                TableName=self._table,
                Key=self._key(album_id),
                UpdateExpression="ADD imageCount :one, uploadedPhotos :names SET updatedAt = :now",
                ConditionExpression="attribute_exists(albumId) AND NOT contains(uploadedPhotos, :name)",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":names": {"SS": [photo_name]},
                    ":name": {"S": photo_name},
                    ":now": {"S": now},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as error:
            if not is_conditional_check_failure(error):
                raise
            album_was_there = bool(getattr(error, "response", {}).get("Item"))
            return PhotoCount.ALREADY_COUNTED if album_was_there else PhotoCount.NO_SUCH_ALBUM
        return PhotoCount.COUNTED
