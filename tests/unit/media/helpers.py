"""Seeding albums and collages straight into their tables, for tests that need a given state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ape_moments import aws
from ape_moments.media.album_repository import AlbumsRepository
from ape_moments.media.albums import Album, AlbumStatus, CreateAlbumInput, new_album
from ape_moments.media.collage_repository import CollagesRepository
from ape_moments.media.collages import Collage, CollageStatus, CollageTemplate, CreateCollageInput, new_collage
from tests.conftest import BUCKET, owner_of

__all__ = ["owner_of"]  # the tests import it from here with the other seeding helpers


def albums() -> AlbumsRepository:
    return AlbumsRepository("AlbumsTable", aws.client("dynamodb"))


def collages() -> CollagesRepository:
    return CollagesRepository("CollagesTable", aws.client("dynamodb"))


def seed_album(identity: dict[str, Any], status: str = "UPLOADING", *, created: datetime | None = None) -> Album:
    album = new_album(CreateAlbumInput(name="Seeded"), customer_id=owner_of(identity), now=created or datetime.now(UTC))
    album = album.model_copy(update={"status": AlbumStatus(status)})
    albums().insert(album)
    return album


def seed_collage(identity: dict[str, Any], status: str = "DRAFT", *, created: datetime | None = None) -> Collage:
    request = CreateCollageInput(name="Seeded", template=CollageTemplate.GRID_2X2)
    collage = new_collage(request, customer_id=owner_of(identity), now=created or datetime.now(UTC))
    collage = collage.model_copy(update={"status": CollageStatus(status)})
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
