"""The media family's composition root: each function's service, built from its settings.

A handler calls its settings function at import (the cold start fails on bad configuration)
and its service function per request; both are cached per execution environment. The upload
pipeline (``photo_pipeline``, which needs the imaging layer) is wired by ``upload_pipeline`` in
``pipeline_wiring``, so the API functions never import it.
"""

from __future__ import annotations

import functools

from ape_moments import aws
from ape_moments.media.album_repository import AlbumsRepository
from ape_moments.media.album_service import AlbumService
from ape_moments.media.collage_repository import CollagesRepository
from ape_moments.media.collage_service import CollageService
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photo_service import PhotoParents, PhotoService
from ape_moments.media.photo_storage import PhotoStorage
from ape_moments.media_urls import read_urls
from ape_moments.settings import (
    AlbumSettings,
    CollageSettings,
    MediaSettings,
    PhotoSettings,
    UploadEventsSettings,
)


@functools.cache
def album_settings() -> AlbumSettings:
    return AlbumSettings.from_environment()


@functools.cache
def collage_settings() -> CollageSettings:
    return CollageSettings.from_environment()


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


def photo_parents(config: UploadEventsSettings | PhotoSettings) -> PhotoParents:
    dynamodb = aws.client("dynamodb")
    return PhotoParents(
        AlbumsRepository(config.albums_table_name, dynamodb), CollagesRepository(config.collages_table_name, dynamodb)
    )


@functools.cache
def album_service() -> AlbumService:
    config = album_settings()
    return AlbumService(
        AlbumsRepository(config.albums_table_name, aws.client("dynamodb")),
        storage(config),
        photos_repository(config),
        urls=read_urls(config),
        upload_expires_in=config.upload_url_expires_in,
        url_expires_in=config.photo_url_expires_in,
    )


@functools.cache
def collage_service() -> CollageService:
    config = collage_settings()
    return CollageService(
        CollagesRepository(config.collages_table_name, aws.client("dynamodb")),
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
