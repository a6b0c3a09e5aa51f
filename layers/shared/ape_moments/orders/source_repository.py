"""Reads an order's sources (SPEC 9): photos, collages and albums, whatever their number, in one
BatchGetItem across the Photos, Collages and Albums tables (only the keys the order names, only
the attributes the checks need, strongly consistent). Keys DynamoDB leaves unprocessed under load
are asked for again, with backoff.
"""

from __future__ import annotations

import random
import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ape_moments.models import Kind
from ape_moments.orders.sources import SOURCE_KINDS, SourceRecord, SourceRef
from ape_moments.table import BATCH_ATTEMPTS, from_item

MAX_BATCH_KEYS = 100  # BatchGetItem's limit; an order has at most 50 items


@dataclass(frozen=True, slots=True)
class _Source:
    key: str  # the table's partition key
    attributes: tuple[str, ...]  # what the checks read

    def record(self, item: dict[str, Any]) -> SourceRecord:
        return SourceRecord(
            customer_id=str(item["customerId"]),
            status=item.get("status"),
            template=item.get("template"),
            file_key=item.get("key") or item.get("outputKey") or item.get("pdfKey"),
            size=int(item["size"]) if "size" in item else None,
        )


_SOURCES = {
    Kind.PHOTO: _Source(Kind.PHOTO.id_field, ("key", "customerId", "size")),
    Kind.COLLAGE: _Source(Kind.COLLAGE.id_field, ("collageId", "customerId", "status", "template", "outputKey")),
    Kind.ALBUM: _Source(Kind.ALBUM.id_field, ("albumId", "customerId", "status", "pdfKey")),
}


class SourceRepository:
    def __init__(self, *, photos_table: str, collages_table: str, albums_table: str, client: Any) -> None:
        self._tables = {
            Kind.PHOTO: photos_table,
            Kind.COLLAGE: collages_table,
            Kind.ALBUM: albums_table,
        }
        self._kinds = {name: kind for kind, name in self._tables.items()}
        self._client = client

    def read(self, refs: Collection[SourceRef]) -> dict[SourceRef, SourceRecord]:
        """The stored sources among ``refs`` (absent ones are simply missing): one request."""
        wanted = sorted(set(refs))
        assert len(wanted) <= MAX_BATCH_KEYS, "an order names at most 50 sources"
        request: dict[str, Any] = {}
        for kind in SOURCE_KINDS:
            keys = [{_SOURCES[kind].key: {"S": ref.value}} for ref in wanted if ref.kind is kind]
            if keys:
                names = {f"#a{i}": name for i, name in enumerate(_SOURCES[kind].attributes)}
                request[self._tables[kind]] = {
                    "Keys": keys,
                    "ConsistentRead": True,
                    "ProjectionExpression": ", ".join(names),
                    "ExpressionAttributeNames": names,
                }
        found: dict[SourceRef, SourceRecord] = {}
        for attempt in range(BATCH_ATTEMPTS):
            if not request:
                return found
            response = self._client.batch_get_item(RequestItems=request)
            for table, items in response.get("Responses", {}).items():
                kind = self._kinds[table]
                for typed in items:
                    item = from_item(typed)
                    found[SourceRef(kind, str(item[_SOURCES[kind].key]))] = _SOURCES[kind].record(item)
            request = response.get("UnprocessedKeys") or {}
            if request:
                time.sleep(random.uniform(0.05, 0.1) * 2**attempt)  # noqa: S311 - jitter, not secrecy
        raise RuntimeError(f"sources still unprocessed after {BATCH_ATTEMPTS} attempts")
