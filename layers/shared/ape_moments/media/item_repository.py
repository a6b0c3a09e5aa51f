"""Data access for the Albums and Collages tables, one ``Table`` per kind: partition key
``albumId`` or ``collageId``; GSI ``customerId-createdAt-index`` (sorted by ``createdAt``,
projecting everything). Every call is one request.

An album's ``imageCount`` is kept by the photo transactions (``photo_service``,
``photo_pipeline``), which add or remove a photo record and the count together.
"""

from __future__ import annotations

from typing import Any

from ape_moments.media.items import MediaItem, MediaItemKind
from ape_moments.table import Table


class MediaItemsRepository[M: MediaItem](Table[M]):
    def __init__(self, kind: MediaItemKind[M, Any], table_name: str, client: Any) -> None:
        super().__init__(table_name, kind.kind.id_field, kind.model, client)
        self.kind = kind
