"""Seeding orders straight into the table, for tests that need an order in a given state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ape_moments import aws
from ape_moments.media.collages import CollageTemplate
from ape_moments.media.photos import Photo, file_name_of, thumbnail_key
from ape_moments.media.renders import album_pdf_key, collage_output_key
from ape_moments.orders.models import CreateOrderRequest, Order, OrderStatus, new_order
from ape_moments.orders.repository import OrdersRepository
from ape_moments.table import Condition
from tests.conftest import BUCKET, owner_of
from tests.unit.media.helpers import albums, collages, photos, seed_album, seed_collage, seed_photo_records


def seed_order(
    identity: dict[str, Any],
    status: str = "PENDING",
    *,
    quantity: int = 1,
    sku: str = "PRINT_4X6",
    created: datetime | None = None,
    error_message: str | None = None,
) -> Order:
    """An order of one item, whose source (a real one of the identity's) is made first."""
    items = [{"sku": sku, "quantity": quantity, **source_for(identity, sku)}]
    request = CreateOrderRequest.model_validate({"items": items, "currency": "USD"})
    order = new_order(request, customer_id=owner_of(identity), now=created or datetime.now(UTC))
    if status != "PENDING":
        order = order.model_copy(
            update={"status": OrderStatus(status), "expires_at": None, "error_message": error_message}
        )
    OrdersRepository("OrdersTable", aws.client("dynamodb")).insert(order)
    return order


def stored_order(order_id: str) -> Order | None:
    return OrdersRepository("OrdersTable", aws.client("dynamodb")).get(order_id)


def minutes_ago(minutes: int) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)


# ---- sources (SPEC 9): real records, and their files in the moto bucket ----------------------

JPEG_BYTES = b"\xff\xd8\xff\xe0 a photo's bytes \xff\xd9"
PDF_BYTES = b"%PDF-1.7 an album \n%%EOF"


def seed_photo_source(identity: dict[str, Any], *, key: str | None = None, body: bytes = JPEG_BYTES) -> str:
    """A listed photo of the identity's (its record and its original); returns its key."""
    if key is None:
        album = seed_album(identity, "READY", image_count=1)
        key = seed_photo_records(album.s3_prefix, album.customer_id, 1)[0]
    else:
        photos().insert(
            Photo(
                key=key,
                parent=key.rsplit("/", 1)[0] + "/",
                customer_id=owner_of(identity),
                file_name=file_name_of(key.rsplit("/", 1)[1]),
                content_type="image/jpeg",
                size=len(body),
                width=400,
                height=300,
                thumbnail_key=thumbnail_key(key),
                uploaded_at="2026-11-29T10:00:00.000Z",
            )
        )
    aws.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="image/jpeg")
    return key


def seed_collage_source(
    identity: dict[str, Any],
    status: str = "COMPLETED",
    *,
    template: str = "GRID_2X2",
    collage_id: str | None = None,
    body: bytes = JPEG_BYTES,
) -> str:
    """A collage of the identity's; a COMPLETED one has its rendered output. Returns its id."""
    collage = seed_collage(identity, status)
    collages().delete(collage.collage_id, when=Condition())
    collage_id = collage_id or collage.collage_id
    output = collage_output_key(collage_id, "r1") if status == "COMPLETED" else None
    changes = {
        "collage_id": collage_id,
        "template": CollageTemplate(template),
        "output_key": output,
        "s3_prefix": f"collages/{collage_id}/",
    }
    collages().insert(collage.model_copy(update=changes))
    if output:
        aws.client("s3").put_object(Bucket=BUCKET, Key=output, Body=body, ContentType="image/jpeg")
    return collage_id


def seed_album_source(
    identity: dict[str, Any], status: str = "COMPLETED", *, album_id: str | None = None, body: bytes = PDF_BYTES
) -> str:
    """An album of the identity's; a COMPLETED one has its PDF. Returns its id."""
    album = seed_album(identity, status)
    albums().delete(album.album_id, when=Condition())
    album_id = album_id or album.album_id
    pdf = album_pdf_key(album_id, "r1") if status == "COMPLETED" else None
    albums().insert(album.model_copy(update={"album_id": album_id, "pdf_key": pdf, "s3_prefix": f"albums/{album_id}/"}))
    if pdf:
        aws.client("s3").put_object(Bucket=BUCKET, Key=pdf, Body=body, ContentType="application/pdf")
    return album_id


def seed_named_source(identity: dict[str, Any], sku: str, source: dict[str, str]) -> None:
    """The source an item names (a sample event's), made the identity's and orderable."""
    [(field, value)] = source.items()
    if field == "photoKey":
        seed_photo_source(identity, key=value)
    elif field == "collageId":
        seed_collage_source(identity, template="STRIP_1X4" if sku == "PHOTO_STRIP" else "GRID_2X2", collage_id=value)
    else:
        seed_album_source(identity, album_id=value)


# The kind of source each SKU is made from in the tests' valid orders (SPEC 9 allows others too).
_SOURCE_OF = {
    "PRINT_4X6": "photo",
    "PRINT_5X7": "photo",
    "PRINT_8X10": "collage",
    "PHOTO_STRIP": "strip",
    "COLLAGE_PRINT": "collage",
    "PHOTO_ALBUM": "album",
    "DIGITAL_DOWNLOAD": "photo",
}


def source_for(identity: dict[str, Any], sku: str, kind: str | None = None) -> dict[str, str]:
    """A fresh, orderable source of ``sku`` for the identity, as the item's source field."""
    match kind or _SOURCE_OF[sku]:
        case "photo":
            return {"photoKey": seed_photo_source(identity)}
        case "strip":
            return {"collageId": seed_collage_source(identity, template="STRIP_1X4")}
        case "collage":
            return {"collageId": seed_collage_source(identity)}
        case _:
            return {"albumId": seed_album_source(identity)}


def item(identity: dict[str, Any], sku: str, quantity: int = 1, kind: str | None = None) -> dict[str, Any]:
    """An order item with a real source of the identity's."""
    return {"sku": sku, "quantity": quantity, **source_for(identity, sku, kind)}
