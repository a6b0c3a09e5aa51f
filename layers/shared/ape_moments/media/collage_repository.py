"""Data access for the Collages table: the only module that names its attributes and index.

Table: partition key ``collageId``; GSI ``customerId-createdAt-index`` (sorted by
``createdAt``, projecting everything). Every call is one request through ``ape_moments.table``.
"""

from __future__ import annotations

from typing import Any

from ape_moments.media.collages import Collage
from ape_moments.table import Condition, ConditionFailed, Item, Page, Table

CUSTOMER_INDEX = "customerId-createdAt-index"
_CUSTOMER_KEYS = frozenset({"collageId", "customerId", "createdAt"})
_SHOWN = tuple(field.alias or name for name, field in Collage.model_fields.items())


class CollagesRepository:
    def __init__(self, table_name: str, client: Any) -> None:
        self._table = Table(table_name, "collageId", client, projection=_SHOWN)

    def insert(self, collage: Collage) -> None:
        self._table.put_new(collage.model_dump(mode="json", by_alias=True))

    def get(self, collage_id: str) -> Collage | None:
        return _collage(self._table.get(collage_id))

    def list_for_customer(self, customer_id: str, *, limit: int, token: str | None) -> Page[Collage]:
        page = self._table.query_page(
            index=CUSTOMER_INDEX,
            partition=("customerId", customer_id),
            key_attributes=_CUSTOMER_KEYS,
            limit=limit,
            token=token,
        )
        return page.map(Collage.model_validate)

    def update(self, collage_id: str, changes: dict[str, Any], *, when: Condition) -> Collage:
        return Collage.model_validate(self._table.update(collage_id, changes, when=when))

    def delete(self, collage_id: str, *, when: Condition) -> Collage | None:
        """The collage as it was; None when botocore's retry found our own delete already done."""
        return _collage(self._table.delete(collage_id, when=when))


def current_collage(failed: ConditionFailed) -> Collage | None:
    """The collage a refused write handed back, if there was one."""
    return _collage(failed.current)


def _collage(item: Item | None) -> Collage | None:
    return Collage.model_validate(item) if item else None
