"""Album use cases: the GraphQL album operations, presignAlbumUpload, and counting landed photos.

Rules live in ``albums`` (fields), ``statuses`` (who may change what), ``uploads`` (what may be
uploaded); ``media_service`` holds what albums share with collages.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger

from ape_moments.caller import Caller
from ape_moments.errors import Conflict
from ape_moments.media.album_repository import AlbumsRepository, PhotoCount
from ape_moments.media.albums import (
    ALBUMS_PREFIX,
    MAX_PHOTOS_PER_ALBUM,
    Album,
    CreateAlbumRequest,
    DeleteAlbumRequest,
    GetAlbumRequest,
    ListAlbumsRequest,
    UpdateAlbumRequest,
    new_album,
)
from ape_moments.media.media_service import MediaService
from ape_moments.media.records import Page
from ape_moments.media.statuses import AlbumStatus
from ape_moments.media.uploads import PresignAlbumUploadRequest, PresignedUpload
from ape_moments.validation import parse

logger = Logger(child=True)

# albums/{albumId}/{photo name}: the only keys presignAlbumUpload hands out.
_ALBUM_PHOTO_KEY = re.compile(rf"{ALBUMS_PREFIX}(?P<album_id>[A-Za-z0-9_-]{{1,64}})/(?P<name>[^/]+)")


class AlbumService(MediaService[Album, AlbumStatus]):
    _records: AlbumsRepository

    def create_album(self, caller: Caller, arguments: dict[str, Any]) -> Album:
        request = parse(CreateAlbumRequest, arguments)
        album = new_album(request.input, customer_id=caller.owner_id, now=self._clock())
        self._records.insert(album)
        return album

    def get_album(self, caller: Caller, arguments: dict[str, Any]) -> Album | None:
        return self._get_visible(caller, parse(GetAlbumRequest, arguments).album_id)

    def list_albums(self, caller: Caller, arguments: dict[str, Any]) -> Page[Album]:
        request = parse(ListAlbumsRequest, arguments)
        return self._list(caller, request.customer_id, request.limit, request.next_token)

    def update_album(self, caller: Caller, arguments: dict[str, Any]) -> Album:
        change = parse(UpdateAlbumRequest, arguments).input
        return self._update(
            caller, change.album_id, change.changed_fields(), target=change.status, changes_content=False
        )

    def delete_album(self, caller: Caller, arguments: dict[str, Any]) -> Album:
        return self._delete(caller, parse(DeleteAlbumRequest, arguments).input.album_id)

    def presign_album_upload(self, caller: Caller, arguments: dict[str, Any]) -> PresignedUpload:
        request = parse(PresignAlbumUploadRequest, arguments)
        return self._presign(caller, request.album_id, request)

    def _check_room_for_upload(self, record: Album) -> None:
        if record.image_count >= MAX_PHOTOS_PER_ALBUM:
            raise Conflict(f"an album holds at most {MAX_PHOTOS_PER_ALBUM} photos")

    # ---- S3 ObjectCreated ------------------------------------------------------------------

    def photo_landed(self, bucket: str, raw_key: str, version_id: str | None) -> PhotoCount | None:
        """Count one photo S3 reports as created; exactly once however often S3 reports it.

        S3 URL-encodes keys in events (a space arrives as ``+``). A photo for an album that no
        longer exists (uploaded with a URL issued before the album was deleted) is deleted, so
        deleted albums leave nothing behind. Keys we never hand out are logged and left alone.
        """
        key = unquote_plus(raw_key)
        match = _ALBUM_PHOTO_KEY.fullmatch(key)
        if bucket != self._storage.bucket or match is None:
            logger.warning("not an album photo; ignored", bucket=bucket, key=key)
            return None
        outcome = self._records.count_photo(match["album_id"], match["name"], now=self._now())
        if outcome is PhotoCount.NO_SUCH_ALBUM:
            if version_id:
                self._storage.delete_version(key, version_id)
            else:  # the bucket is versioned (template.yaml); without a version there is nothing exact to delete
                logger.warning("photo of a deleted album has no version id; left in place", key=key)
        logger.info("album photo landed", album_id=match["album_id"], outcome=outcome.value)
        return outcome
