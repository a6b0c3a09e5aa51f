"""Stream records of real orders, albums and collages, decoded as the spine decodes them."""

from __future__ import annotations

import itertools
from typing import Any

from ape_moments.changes import Change, StreamKind, decode
from ape_moments.media.albums import Album
from ape_moments.media.collages import Collage
from ape_moments.orders.models import Order
from ape_moments.table import to_item

KINDS = {
    "order": StreamKind("order", Order),
    "album": StreamKind("album", Album),
    "collage": StreamKind("collage", Collage),
}
ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/{}/stream/2026-01-01T00:00:00.000"
_sequence = itertools.count(1)
CUSTOMER = "3f6c2a1e-5b7d-4c1a-9e2f-8a4b6c0d1e2f"
GUEST = "us-east-1:0b7c9a3e-1f2d-4e5c-8b9a-7d6e5f4c3b2a"


def order(
    status: str, *, contact: str | None = "jamie@example.com", owner: str = CUSTOMER, **extra: Any
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "orderId": "6b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b",
        "customerId": owner,
        "status": status,
        "totalPrice": "12.50",
        "currency": "EUR",
        "items": [
            {"sku": "PRINT_4X6", "quantity": 2, "unitPrice": "2.50", "lineTotal": "5.00"},
            {"sku": "PRINT_5X7", "quantity": 1, "unitPrice": "7.50", "lineTotal": "7.50"},
        ],
        "createdAt": "2026-12-03T06:00:00.000Z",
        "updatedAt": "2026-12-03T06:00:00.000Z",
        **extra,
    }
    if contact is not None:
        item["contactEmail"] = contact
    return item


def album(status: str, *, name: str = "Wedding", owner: str = CUSTOMER) -> dict[str, Any]:
    return {
        "albumId": "a1b2c3d4",
        "customerId": owner,
        "name": name,
        "s3Prefix": "albums/a1b2c3d4/",
        "imageCount": 3,
        "status": status,
        "createdAt": "2026-12-03T06:00:00.000Z",
        "updatedAt": "2026-12-03T06:00:00.000Z",
    }


def collage(status: str, *, name: str = "Booth strip", owner: str = CUSTOMER) -> dict[str, Any]:
    return {
        "collageId": "c0ffee01",
        "customerId": owner,
        "name": name,
        "s3Prefix": "collages/c0ffee01/",
        "template": "STRIP_1X4",
        "status": status,
        "createdAt": "2026-12-03T06:00:00.000Z",
        "updatedAt": "2026-12-03T06:00:00.000Z",
    }


def change(
    kind: str, old: dict[str, Any] | None, new: dict[str, Any] | None, *, event_id: str | None = None
) -> Change[Any]:
    seq = next(_sequence)
    event = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
    images: dict[str, Any] = {"SequenceNumber": str(seq), "ApproximateCreationDateTime": 1_796_000_000 + seq}
    if old:
        images["OldImage"] = to_item(old)
    if new:
        images["NewImage"] = to_item(new)
    record = {
        "eventID": event_id or f"event-{seq}",
        "eventName": event,
        "eventSourceARN": ARN.format(kind),
        "dynamodb": images,
    }
    return decode(record, KINDS[kind])
