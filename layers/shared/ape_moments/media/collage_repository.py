"""Data access for the Collages table: partition key ``collageId``; GSI
``customerId-createdAt-index`` (sorted by ``createdAt``, projecting everything).

Collages need only the shared operations of ``ape_moments.table`` (one request each).
"""

from __future__ import annotations

from typing import Any

from ape_moments.media.collages import Collage
from ape_moments.table import Table


class CollagesRepository(Table[Collage]):
    def __init__(self, table_name: str, client: Any) -> None:
        super().__init__(table_name, "collageId", Collage, client)
