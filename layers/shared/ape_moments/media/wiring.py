"""The media family's composition root: each function's service, built from its settings.

A handler calls its settings function at import (the cold start fails on bad configuration)
and its service function per request; both are cached per execution environment. The upload
pipeline (``photo_pipeline``, which needs the imaging layer) is wired by ``upload_pipeline`` in
``pipeline_wiring``, so the API functions never import it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Protocol

from ape_moments import aws
from ape_moments.media.albums import ALBUMS
from ape_moments.media.collages import COLLAGES
from ape_moments.media.item_repository import MediaItemsRepository
from ape_moments.media.item_service import MediaItemService
from ape_moments.media.items import MediaItem, MediaItemKind
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photo_service import PhotoParents, PhotoService
from ape_moments.media.photo_storage import PhotoStorage
from ape_moments.media_urls import read_urls
from ape_moments.models import Kind
from ape_moments.settings import (
    AlbumSettings,
    CollageSettings,
    MediaSettings,
    PhotoSettings,
    UploadEventsSettings,
)

# The two kinds of media item, by their kind, and their functions' settings.
MEDIA_KINDS: Mapping[Kind, MediaItemKind[Any, Any]] = {Kind.ALBUM: ALBUMS, Kind.COLLAGE: COLLAGES}
_SETTINGS: Mapping[Kind, type[AlbumSettings | CollageSettings]] = {
    Kind.ALBUM: AlbumSettings,
    Kind.COLLAGE: CollageSettings,
}


@functools.cache
def item_settings(kind: Kind) -> AlbumSettings | CollageSettings:
    """An album function's settings or a collage function's: each names only its own table."""
    return _SETTINGS[kind].from_environment()


def _table_name(config: AlbumSettings | CollageSettings) -> str:
    return config.albums_table_name if isinstance(config, AlbumSettings) else config.collages_table_name


class _BothTables(Protocol):
    @property
    def albums_table_name(self) -> str: ...

    @property
    def collages_table_name(self) -> str: ...


@functools.cache
def upload_events_settings() -> UploadEventsSettings:
    return UploadEventsSettings.from_environment()


@functools.cache
def photo_settings() -> PhotoSettings:
    return PhotoSettings.from_environment()


def storage(config: MediaSettings) -> PhotoStorage:
    # Reads sign URLs without S3 (SPEC 16): the client is made by the first request that uses it.
    return PhotoStorage(config.media_bucket_name, aws.lazy_client("s3"))


def photos_repository(config: MediaSettings) -> PhotosRepository:
    return PhotosRepository(config.photos_table_name, aws.client("dynamodb"))


def items_repository(kind: Kind, table_name: str) -> MediaItemsRepository[Any]:
    return MediaItemsRepository(MEDIA_KINDS[kind], table_name, aws.client("dynamodb"))


def items_repositories(config: _BothTables) -> Mapping[Kind, MediaItemsRepository[Any]]:
    """Both kinds' repositories, for a function that reads both tables."""
    return {
        Kind.ALBUM: items_repository(Kind.ALBUM, config.albums_table_name),
        Kind.COLLAGE: items_repository(Kind.COLLAGE, config.collages_table_name),
    }


def photo_parents(config: UploadEventsSettings | PhotoSettings) -> PhotoParents:
    return PhotoParents(items_repositories(config))


@functools.cache
def item_service(kind: Kind) -> MediaItemService[MediaItem]:
    """The album functions' service or the collage functions' (one service, parameterised by kind)."""
    config = item_settings(kind)
    return MediaItemService(
        items_repository(kind, _table_name(config)),
        storage(config),
        photos_repository(config),
        urls=read_urls(config),
        upload_expires_in=config.upload_url_expires_in,
        url_expires_in=config.photo_url_expires_in,
    )


@functools.cache
def photo_service() -> PhotoService:
    config = photo_settings()
    return PhotoService(
        photos_repository(config),
        photo_parents(config),
        storage(config),
        aws.client("dynamodb"),
        urls=read_urls(config),
        url_expires_in=config.photo_url_expires_in,
    )
