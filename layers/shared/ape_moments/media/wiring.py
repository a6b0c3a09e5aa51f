"""The services as deployed: tables, bucket and URL lifetime from the function's environment.

Cached per execution environment (tests clear these caches between tests).
"""

from __future__ import annotations

import functools

from ape_moments import aws
from ape_moments.media.album_repository import AlbumsRepository
from ape_moments.media.album_service import AlbumService
from ape_moments.media.collage_repository import CollagesRepository
from ape_moments.media.collage_service import CollageService
from ape_moments.media.photo_storage import PhotoStorage
from ape_moments.media.statuses import ALBUM_RULES, COLLAGE_RULES
from ape_moments.settings import settings


def photo_storage() -> PhotoStorage:
    return PhotoStorage(settings().require("media_bucket_name"), aws.client("s3"))


@functools.cache
def album_service() -> AlbumService:
    return AlbumService(
        AlbumsRepository(settings().require("albums_table_name"), aws.client("dynamodb")),
        photo_storage(),
        ALBUM_RULES,
        id_argument="albumId",
        upload_expires_in=settings().upload_url_expires_in,
    )


@functools.cache
def collage_service() -> CollageService:
    return CollageService(
        CollagesRepository(settings().require("collages_table_name"), aws.client("dynamodb")),
        photo_storage(),
        COLLAGE_RULES,
        id_argument="collageId",
        upload_expires_in=settings().upload_url_expires_in,
    )
