"""Album use cases: the GraphQL album operations and presignAlbumUpload (photos: ``photo_service``).

Rules live in ``albums`` (fields, the state machine, the photo limit) and ``uploads`` (what may
be uploaded). Someone else's album does not exist for the caller (SPEC section 1): a query
returns None, a mutation raises NotFound, exactly as for one that never existed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ape_moments.caller import Caller
from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.errors import ApiError, Conflict, NotFound
from ape_moments.media.album_repository import AlbumsRepository
from ape_moments.media.albums import (
    ALBUM_RULES,
    Album,
    AlbumStatus,
    CreateAlbumRequest,
    DeleteAlbumRequest,
    GetAlbumRequest,
    ListAlbumsRequest,
    UpdateAlbumRequest,
    check_room_for_upload,
    check_submission,
    new_album,
)
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photo_storage import PhotoStorage
from ape_moments.media.renders import RenderKind, output_prefix
from ape_moments.media.uploads import PresignAlbumUploadRequest, PresignedUpload
from ape_moments.media_urls import MediaUrls
from ape_moments.models import actor_of, owner_condition
from ape_moments.table import Condition, ConditionFailed, Page
from ape_moments.validation import parse

logger = Logger(child=True)


def _not_found() -> NotFound:
    return NotFound("albumId: no such album")


class AlbumService:
    def __init__(
        self,
        albums: AlbumsRepository,
        storage: PhotoStorage,
        photos: PhotosRepository,
        *,
        urls: MediaUrls,
        upload_expires_in: int,
        url_expires_in: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._albums = albums
        self._storage = storage
        self._photos = photos
        self._urls = urls
        self._expires_in = upload_expires_in
        self._url_expires_in = url_expires_in
        self._clock = clock

    def to_graphql(self, album: Album) -> dict[str, Any]:
        """pdfUrl is a read URL made now (SPEC 8, 16), null until COMPLETED."""
        url = None
        if album.status is AlbumStatus.COMPLETED and album.pdf_key:
            url = self._urls.url_for(album.pdf_key, expires_in=self._url_expires_in)
        return album.to_graphql(pdf_url=url)

    def create_album(self, caller: Caller, arguments: dict[str, Any]) -> Album:
        request = parse(CreateAlbumRequest, arguments)
        album = new_album(request.input, customer_id=caller.owner_id, now=self._clock())
        self._albums.insert(album)
        return album

    def get_album(self, caller: Caller, arguments: dict[str, Any]) -> Album | None:
        return self._visible(caller, parse(GetAlbumRequest, arguments).album_id)

    def _visible(self, caller: Caller, album_id: str) -> Album | None:
        album = self._albums.get(album_id)
        return album if album is not None and caller.may_access(album.customer_id) else None

    def list_albums(self, caller: Caller, arguments: dict[str, Any]) -> Page[Album]:
        request = parse(ListAlbumsRequest, arguments)
        customer_id = caller.customer_to_list(request.customer_id)
        return self._albums.list_for_customer(customer_id, limit=request.limit, token=request.next_token)

    def update_album(self, caller: Caller, arguments: dict[str, Any]) -> Album:
        """The changes and the move to ``status`` in one conditional write that holds every rule.

        The caller owns it (unless admin) and its status is one from which the caller may move
        it to the target. A refused write is explained from the album it handed back.
        """
        change = parse(UpdateAlbumRequest, arguments).input
        allowed = ALBUM_RULES.writable_from(actor_of(caller), change.status, changes_content=False)
        if allowed is not None and not allowed:
            # No status could satisfy the condition: nothing to write, only to explain.
            raise self._explain_edit(self._albums.get(change.album_id), caller, change.status)
        writes = change.changed_fields() | {"updatedAt": to_aws_datetime(self._clock())}
        if change.status is not None:
            writes["status"] = change.status.value
        when = Condition(owner_id=owner_condition(caller), statuses=allowed)
        if change.status is AlbumStatus.PROCESSING:
            when = self._checked_submission(caller, change.album_id, when)
            writes |= {"errorMessage": None, "pdfKey": None}
        try:
            return self._albums.update(change.album_id, writes, when=when)
        except ConditionFailed as failed:
            current = failed.current
            if change.status is AlbumStatus.PROCESSING and current is not None and current.status in (allowed or ()):
                raise Conflict("an album changed while being submitted; try again") from None
            raise self._explain_edit(current, caller, change.status) from None

    def _checked_submission(self, caller: Caller, album_id: str, when: Condition) -> Condition:
        """SPEC 8: an album is submitted from READY with at least one photo. The write that
        follows must find the photo count it checked."""
        current = self._albums.get(album_id)
        if current is None or not caller.may_access(current.customer_id):
            raise _not_found()
        if when.statuses is not None and current.status not in when.statuses:
            raise self._explain_edit(current, caller, AlbumStatus.PROCESSING)
        check_submission(current)
        return replace(when, equals={"imageCount": current.image_count})

    @staticmethod
    def _explain_edit(current: Album | None, caller: Caller, target: AlbumStatus | None) -> ApiError:
        if current is None or not caller.may_access(current.customer_id):
            return _not_found()
        return ALBUM_RULES.explain_edit(actor_of(caller), current.status, target)

    def delete_album(self, caller: Caller, arguments: dict[str, Any]) -> Album:
        """Delete the photos first (every version), then the album.

        In this order a failure at any step leaves the album in place, so the client's retry
        finds it and finishes the job; photos are never left behind without an album naming them.
        """
        album_id = parse(DeleteAlbumRequest, arguments).input.album_id
        album = self._visible(caller, album_id)
        if album is None:
            raise _not_found()
        ALBUM_RULES.check_deletable(album.status)
        self._storage.delete_item_files(album.s3_prefix, output_prefix(RenderKind.ALBUM, album_id))
        self._photos.delete_keys(self._photos.keys_under(album.s3_prefix))
        when = Condition(owner_id=owner_condition(caller), statuses=ALBUM_RULES.deletable)
        try:
            return self._albums.delete(album_id, when=when) or album
        except ConditionFailed as failed:
            current = failed.current
            if current is None:
                raise _not_found() from None  # a concurrent delete won
            ALBUM_RULES.check_deletable(current.status)
            raise Conflict("an album changed while being deleted; try again") from None

    def presign_album_upload(self, caller: Caller, arguments: dict[str, Any]) -> PresignedUpload:
        """One GetItem for ownership, status and room; the signature is computed locally."""
        request = parse(PresignAlbumUploadRequest, arguments)
        album = self._visible(caller, request.album_id)
        if album is None:
            raise _not_found()
        ALBUM_RULES.check_accepts_uploads(album.status)
        check_room_for_upload(album)
        return self._storage.presign_upload(album.s3_prefix, request, now=self._clock(), expires_in=self._expires_in)
