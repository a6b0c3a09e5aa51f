"""Data access for the Albums table: the only module that names its attributes and index.

Table: partition key ``albumId``; GSI ``customerId-createdAt-index`` (sorted by ``createdAt``,
projecting everything). Every call is one request through ``ape_moments.table``. Besides the
shared operations it counts photos: ``uploadedPhotos``, a string set on the album item, holds
the name of every photo counted, so a photo S3 reports twice is counted once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from ape_moments.media.albums import Album
from ape_moments.table import Condition, ConditionFailed, Item, Page, Table

CUSTOMER_INDEX = "customerId-createdAt-index"
_CUSTOMER_KEYS = frozenset({"albumId", "customerId", "createdAt"})
# What reads return: the attributes the API shows, never the internal uploadedPhotos.
_SHOWN = tuple(field.alias or name for name, field in Album.model_fields.items())


class PhotoCount(StrEnum):
    COUNTED = "counted"
    ALREADY_COUNTED = "already-counted"  # S3 delivered the event again, or the key was overwritten
    NO_SUCH_ALBUM = "no-such-album"  # the album was deleted (or never existed)


class AlbumsRepository:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = Table(table_name, "albumId", client, projection=_SHOWN)

    def insert(self, album: Album) -> None:
        self._table.put_new(album.model_dump(mode="json", by_alias=True))

    def get(self, album_id: str) -> Album | None:
        return _album(self._table.get(album_id))

    def list_for_customer(self, customer_id: str, *, limit: int, token: str | None) -> Page[Album]:
        page = self._table.query_page(
            index=CUSTOMER_INDEX,
            partition=("customerId", customer_id),
            key_attributes=_CUSTOMER_KEYS,
            limit=limit,
            token=token,
        )
        return page.map(Album.model_validate)

    def update(self, album_id: str, changes: dict[str, Any], *, when: Condition) -> Album:
        return Album.model_validate(self._table.update(album_id, changes, when=when))

    def delete(self, album_id: str, *, when: Condition) -> Album | None:
        """The album as it was; None when botocore's retry found our own delete already done."""
        return _album(self._table.delete(album_id, when=when))

    def count_photo(self, album_id: str, photo_name: str, *, now: str) -> PhotoCount:
        """Add 1 to imageCount unless ``photo_name`` was counted already: one conditional write.

        The name joins ``uploadedPhotos`` in the same write, so of two deliveries of the same
        event exactly one applies; the other fails the condition and is reported, not counted.
        """
        try:
            self._table.update(
                album_id,
                {"updatedAt": now},
                add={"imageCount": 1, "uploadedPhotos": {photo_name}},
                when=Condition(lacks=("uploadedPhotos", photo_name)),
            )
        except ConditionFailed as failed:
            return PhotoCount.ALREADY_COUNTED if failed.current else PhotoCount.NO_SUCH_ALBUM
        return PhotoCount.COUNTED


def current_album(failed: ConditionFailed) -> Album | None:
    """The album a refused write handed back, if there was one."""
    return _album(failed.current)


def _album(item: Item | None) -> Album | None:
    return Album.model_validate(item) if item else None
