"""Data access for the Photos table: partition key ``key`` (the original's S3 key); GSI
``parent-uploadedAt-index`` (partition ``parent``, the album's or collage's prefix; sort
``uploadedAt``; projecting everything). Every call is one request.

A listing page is one Query of the index, oldest upload first; looking a photo up by its key is
one GetItem. Writes that must agree with an album's ``imageCount`` go through transactions
(``photo_service`` / ``photo_pipeline`` build them from ``Table``'s actions).
"""

from __future__ import annotations

from typing import Any

from ape_moments.media.photos import Photo
from ape_moments.table import Page, Table

PARENT_INDEX = "parent-uploadedAt-index"
_INDEX_KEYS = frozenset({"key", "parent", "uploadedAt"})


class PhotosRepository(Table[Photo]):
    def __init__(self, table_name: str, client: Any) -> None:
        super().__init__(table_name, "key", Photo, client)

    def list_for_parent(self, parent: str, *, limit: int, token: str | None) -> Page[Photo]:
        """One page of an album's or collage's photos, oldest upload first: one Query."""
        return self.query_page(
            PARENT_INDEX, ("parent", parent), _INDEX_KEYS, limit=limit, token=token, newest_first=False
        )

    def keys_under(self, parent: str) -> list[str]:
        """Every photo key of one album or collage (deleting it): one Query a 1000 keys."""
        keys: list[str] = []
        token: str | None = None
        while True:
            page = self.query_page(
                PARENT_INDEX, ("parent", parent), _INDEX_KEYS, limit=1000, token=token, newest_first=False
            )
            keys.extend(photo.key for photo in page.items)
            token = page.next_token
            if token is None:
                return keys
