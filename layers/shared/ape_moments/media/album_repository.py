"""Data access for the Albums table: partition key ``albumId``; GSI ``customerId-createdAt-index``
(sorted by ``createdAt``, projecting everything). Every call is one request.

``imageCount`` is kept by the photo transactions (``photo_service``, ``photo_pipeline``), which
add or remove a photo record and the count together.
"""

from __future__ import annotations

from typing import Any

from ape_moments.media.albums import Album
from ape_moments.table import Table


class AlbumsRepository(Table[Album]):
    def __init__(self, table_name: str, client: Any) -> None:
        super().__init__(table_name, "albumId", Album, client)
