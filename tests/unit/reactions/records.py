"""Stream records shaped as Lambda hands them (DynamoDB's typed images, made with the table
helper's own ``to_item``), for objects built by the domains' own constructors."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from ape_moments.media.albums import Album, AlbumStatus, CreateAlbumInput, new_album
from ape_moments.media.collages import Collage, CollageStatus, CollageTemplate, CreateCollageInput, new_collage
from ape_moments.media.photos import Photo, thumbnail_key
from ape_moments.orders.models import CreateOrderRequest, Order, OrderStatus, new_order
from ape_moments.table import to_item

_sequence = itertools.count(1000)
KEYS = {"OrdersTable": "orderId", "AlbumsTable": "albumId", "CollagesTable": "collageId", "PhotosTable": "key"}


def stream_record(table: str, event: str, old: BaseModel | None, new: BaseModel | None) -> dict[str, Any]:
    """One record of ``table``'s stream (the table as the test environment names it)."""
    old_item = to_item(old.model_dump(by_alias=True)) if old is not None else None
    new_item = to_item(new.model_dump(by_alias=True)) if new is not None else None
    key = KEYS[table]
    images: dict[str, Any] = {
        "ApproximateCreationDateTime": 1795000000,
        "Keys": {key: (new_item or old_item or {})[key]},
        "SequenceNumber": str(next(_sequence)).rjust(24, "0"),
        "SizeBytes": 400,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if old_item is not None:
        images["OldImage"] = old_item
    if new_item is not None:
        images["NewImage"] = new_item
    return {
        "eventID": uuid.uuid4().hex,
        "eventName": event,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": images,
        "eventSourceARN": f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-11-29T10:00:00.000",
    }


def collage(status: str = "DRAFT") -> Collage:
    made = new_collage(
        CreateCollageInput(name="Booth night", template=CollageTemplate.GRID_2X2),
        customer_id="customer-1",
        now=datetime.now(UTC),
    )
    return made.model_copy(update={"status": CollageStatus(status)})


def album(status: str = "READY") -> Album:
    made = new_album(CreateAlbumInput(name="Summer"), customer_id="customer-1", now=datetime.now(UTC))
    return made.model_copy(update={"status": AlbumStatus(status), "image_count": 3})


def moved(item: BaseModel, status: str, **changes: Any) -> Any:
    """The item after a write that set ``status`` (and ``changes``, by field name), validated again."""
    changed = item.model_copy(update={"status": status, **changes})
    return type(item).model_validate(changed.model_dump(by_alias=True, warnings=False))


def order(status: str = "PENDING") -> Order:
    items = [{"sku": "PRINT_4X6", "quantity": 2, "photoKey": "albums/a-1/1795000000000-IMG_0001.jpg"}]
    request = CreateOrderRequest.model_validate({"items": items, "currency": "USD"})
    made = new_order(request, customer_id="customer-1", now=datetime.now(UTC))
    return made if status == "PENDING" else made.model_copy(update={"status": OrderStatus(status), "expires_at": None})


def photo(parent: str = "albums/a-1/") -> Photo:
    key = f"{parent}1795000000000-IMG_0001.jpg"
    return Photo(
        key=key,
        parent=parent,
        customer_id="customer-1",
        file_name="IMG_0001.jpg",
        content_type="image/jpeg",
        size=2048,
        width=640,
        height=480,
        thumbnail_key=thumbnail_key(key),
        uploaded_at="2026-11-29T10:00:00.000Z",
    )
