"""Stream records of the four tables, in the shape Lambda delivers them, and the Stats table in moto."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from ape_moments.changes import ChangeConsumer, StreamKind
from ape_moments.media.albums import Album
from ape_moments.media.collages import Collage
from ape_moments.media.photos import Photo
from ape_moments.orders.models import Order
from ape_moments.stats.reaction import StatsReaction
from ape_moments.stats.repository import StatsRepository
from ape_moments.table import to_item
from devtools import template

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/{}/stream/2026-01-01T00:00:00.000"
KINDS = {
    "Orders": StreamKind("order", Order),
    "Albums": StreamKind("album", Album),
    "Collages": StreamKind("collage", Collage),
    "Photos": StreamKind("photo", Photo),
}
DAY = "2026-12-03"
AT = datetime(2026, 12, 3, 10, 0, tzinfo=UTC).timestamp()
_sequence = itertools.count(1)


def stats_table(aws: Any, monkeypatch: pytest.MonkeyPatch) -> StatsRepository:
    """The template's Stats table in moto (tests/conftest.py's ``aws`` makes it; made here if not)."""
    if "StatsTable" not in aws.dynamodb.list_tables()["TableNames"]:
        aws.dynamodb.create_table(**template.table_definition("StatsTable"))
        monkeypatch.setenv("STATS_TABLE_NAME", "StatsTable")
    return StatsRepository("StatsTable", aws.dynamodb)


def consumer(repository: StatsRepository) -> ChangeConsumer:
    return ChangeConsumer(KINDS, [StatsReaction(repository)])


def record(table: str, old: dict[str, Any] | None, new: dict[str, Any] | None, *, at: float = AT) -> dict[str, Any]:
    sequence = next(_sequence)
    event = "INSERT" if not old else ("REMOVE" if not new else "MODIFY")
    images: dict[str, Any] = {"SequenceNumber": f"{sequence:021d}", "ApproximateCreationDateTime": at}
    if old:
        images["OldImage"] = to_item(old)
    if new:
        images["NewImage"] = to_item(new)
    return {"eventID": f"event-{sequence}", "eventName": event, "eventSourceARN": ARN.format(table), "dynamodb": images}


def order(order_id: str, status: str, *, currency: str = "USD", updated: str = "2026-12-03T10:00:00.000Z",
          **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "orderId": order_id,
        "customerId": "customer-1",
        "status": status,
        "totalPrice": extra.pop("totalPrice", "26.50") if currency == "USD" else extra.pop("totalPrice", "23.85"),
        "currency": currency,
        "items": [
            {"sku": "PRINT_4X6", "quantity": 3, "unitPrice": "0.50", "lineTotal": "1.50", "photoKey": "albums/a/1.jpg"},
            {"sku": "PHOTO_ALBUM", "quantity": 1, "unitPrice": "25.00", "lineTotal": "25.00", "albumId": "a"},
        ],
        "createdAt": "2026-12-03T09:00:00.000Z",
        "updatedAt": updated,
        **extra,
    }


def photo(key: str) -> dict[str, Any]:
    return {
        "key": key,
        "parent": key.rsplit("/", 1)[0] + "/",
        "customerId": "customer-1",
        "fileName": "p.jpg",
        "contentType": "image/jpeg",
        "size": 1000,
        "width": 10,
        "height": 10,
        "thumbnailKey": "thumbnails/" + key,
        "uploadedAt": "2026-12-03T09:30:00.000Z",
    }


def collage(collage_id: str, status: str, updated: str = "2026-12-03T10:00:00.000Z") -> dict[str, Any]:
    return {
        "collageId": collage_id,
        "customerId": "customer-1",
        "name": "c",
        "template": "SINGLE",
        "s3Prefix": f"collages/{collage_id}/",
        "status": status,
        "createdAt": "2026-12-03T09:00:00.000Z",
        "updatedAt": updated,
    }


def album(album_id: str, status: str, updated: str = "2026-12-03T10:00:00.000Z", **extra: Any) -> dict[str, Any]:
    return {
        "albumId": album_id,
        "customerId": "customer-1",
        "name": "a",
        "s3Prefix": f"albums/{album_id}/",
        "imageCount": 1,
        "status": status,
        "createdAt": "2026-12-03T09:00:00.000Z",
        "updatedAt": updated,
        **extra,
    }


def payment(status: str, amount: int, currency: str, refunded: int = 0) -> dict[str, Any]:
    return {
        "provider": "stripe",
        "paymentId": "pi_1",
        "status": status,
        "amount": amount,
        "currency": currency,
        "amountRefunded": refunded,
        "updatedAt": "2026-12-03T11:00:00.000Z",
    }
