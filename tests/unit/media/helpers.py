"""Seeding albums and collages straight into their tables, for tests that need a given state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ape_moments import aws
from ape_moments.media.albums import ALBUMS, Album, AlbumStatus, CreateAlbumInput, new_album
from ape_moments.media.collages import (
    COLLAGES,
    Collage,
    CollageStatus,
    CollageTemplate,
    CreateCollageInput,
    new_collage,
)
from ape_moments.media.item_repository import MediaItemsRepository
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photos import Photo, file_name_of, thumbnail_key
from tests.conftest import BUCKET, owner_of

__all__ = ["owner_of"]  # the tests import it from here with the other seeding helpers


def albums() -> MediaItemsRepository[Album]:
    return MediaItemsRepository(ALBUMS, "AlbumsTable", aws.client("dynamodb"))


def collages() -> MediaItemsRepository[Collage]:
    return MediaItemsRepository(COLLAGES, "CollagesTable", aws.client("dynamodb"))


def photos() -> PhotosRepository:
    return PhotosRepository("PhotosTable", aws.client("dynamodb"))


def seed_photo_records(parent: str, customer_id: str, count: int, *, first: int = 0) -> list[str]:
    """Photo records (accepted uploads) under ``parent``, oldest first; returns their keys."""
    keys = []
    for n in range(first, first + count):
        key = f"{parent}{1795000000000 + n}-photo{n}.jpg"
        photos().insert(
            Photo(
                key=key,
                parent=parent,
                customer_id=customer_id,
                file_name=file_name_of(key.rsplit("/", 1)[1]),
                content_type="image/jpeg",
                size=1000,
                width=400,
                height=300,
                thumbnail_key=thumbnail_key(key),
                uploaded_at=f"2026-11-29T10:{n // 60:02d}:{n % 60:02d}.000Z",
            )
        )
        keys.append(key)
    return keys


def seed_album(
    identity: dict[str, Any], status: str = "UPLOADING", *, created: datetime | None = None, image_count: int = 0
) -> Album:
    album = new_album(CreateAlbumInput(name="Seeded"), customer_id=owner_of(identity), now=created or datetime.now(UTC))
    album = album.model_copy(update={"status": AlbumStatus(status), "image_count": image_count})
    albums().insert(album)
    return album


def seed_collage(
    identity: dict[str, Any], status: str = "DRAFT", *, created: datetime | None = None, sources: int = 0
) -> Collage:
    """A GRID_2X2 collage; ``sources``: that many listed photos, named as its sourceImages."""
    request = CreateCollageInput(name="Seeded", template=CollageTemplate.GRID_2X2)
    collage = new_collage(request, customer_id=owner_of(identity), now=created or datetime.now(UTC))
    keys = seed_photo_records(collage.s3_prefix, collage.customer_id, sources) if sources else None
    collage = collage.model_copy(update={"status": CollageStatus(status), "source_images": keys})
    collages().insert(collage)
    return collage


def put_photo(s3: Any, key: str, body: bytes = b"jpeg bytes") -> str:
    """Store an object as an upload would; returns its version id."""
    return str(s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType="image/jpeg")["VersionId"])


def versions_under(s3: Any, prefix: str) -> list[tuple[str, str]]:
    """Every (key, kind) under prefix: kind is 'version' or 'delete-marker'."""
    listed = s3.list_object_versions(Bucket=BUCKET, Prefix=prefix)
    return [(v["Key"], "version") for v in listed.get("Versions", [])] + [
        (m["Key"], "delete-marker") for m in listed.get("DeleteMarkers", [])
    ]
