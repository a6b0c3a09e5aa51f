"""Photo use cases of the API: listAlbumPhotos, listCollagePhotos, deletePhoto (SPEC section 7).

Rules live in ``photos`` (keys, the parent's statuses, sourceImages). Someone else's album or
collage does not exist for the caller: a listing or a delete raises NotFound, as for one that
never existed. URLs are presigned when a photo is read, never stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ape_moments.caller import Caller
from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.errors import NotFound
from ape_moments.media.item_repository import MediaItemsRepository
from ape_moments.media.items import PHOTO_COUNT
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photo_storage import PhotoStorage
from ape_moments.media.photos import (
    DeletePhotoRequest,
    ListAlbumPhotosRequest,
    ListCollagePhotosRequest,
    Photo,
    PhotoParent,
    parent_of_key,
)
from ape_moments.media_urls import MediaUrls
from ape_moments.models import Kind, owner_condition
from ape_moments.table import Condition, Page, TransactionRefused, transact
from ape_moments.validation import parse

logger = Logger(child=True)


class PhotoParents:
    """Albums and collages as the parents of photos: one GetItem each, and the parent's side of
    a transaction that adds or removes a photo (a counting kind, the album, counts it; a collage
    only has to exist, and keeps the photos its rendering names)."""

    def __init__(self, items: Mapping[Kind, MediaItemsRepository[Any]]) -> None:
        self._items = items

    def get(self, kind: Kind, item_id: str) -> PhotoParent | None:
        items = self._items[kind]
        item = items.get(item_id)
        return PhotoParent(items.kind, item) if item else None

    def photo_added(self, kind: Kind, item_id: str, *, now: str) -> dict[str, Any]:
        """The parent must still exist; an album counts the photo, up to its limit."""
        items = self._items[kind]
        limit = items.kind.max_photos
        if limit is None:
            return items.check_action(item_id, when=Condition())
        when = Condition(below={PHOTO_COUNT: limit})
        return items.update_action(item_id, {"updatedAt": now}, add={PHOTO_COUNT: 1}, when=when)

    def photo_removed(self, parent: PhotoParent, key: str, *, owner_id: str | None, now: str) -> dict[str, Any]:
        """Still the caller's (unless admin), still in a status that allows it, key not a source."""
        items = self._items[parent.kind.kind]
        statuses = parent.kind.rules.accepts_uploads
        sources = parent.kind.sources_attribute
        when = Condition(owner_id=owner_id, statuses=statuses, lacks=(sources, key) if sources else None)
        if parent.kind.max_photos is None:
            return items.check_action(parent.item_id, when=when)
        return items.update_action(parent.item_id, {"updatedAt": now}, add={PHOTO_COUNT: -1}, when=when)

    def model_of(self, kind: Kind, item: dict[str, Any] | None) -> PhotoParent | None:
        """The parent a refused transaction handed back."""
        items = self._items[kind]
        model = items.model_of(item)
        return PhotoParent(items.kind, model) if model else None


class PhotoService:
    def __init__(
        self,
        photos: PhotosRepository,
        parents: PhotoParents,
        storage: PhotoStorage,
        dynamodb: Any,
        *,
        urls: MediaUrls,
        url_expires_in: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._photos = photos
        self._parents = parents
        self._storage = storage
        self._dynamodb = dynamodb
        self._urls = urls
        self._expires_in = url_expires_in
        self._clock = clock

    def list_album_photos(self, caller: Caller, arguments: dict[str, Any]) -> Page[dict[str, Any]]:
        request = parse(ListAlbumPhotosRequest, arguments)
        return self._list(caller, Kind.ALBUM, request.album_id, request.limit, request.next_token)

    def list_collage_photos(self, caller: Caller, arguments: dict[str, Any]) -> Page[dict[str, Any]]:
        request = parse(ListCollagePhotosRequest, arguments)
        return self._list(caller, Kind.COLLAGE, request.collage_id, request.limit, request.next_token)

    def _list(self, caller: Caller, kind: Kind, item_id: str, limit: int, token: str | None) -> Page[dict[str, Any]]:
        """One GetItem (the parent: owner) and one Query a page; URLs are signed locally."""
        parent = self._visible(caller, kind, item_id)
        if parent is None:
            raise NotFound(f"{kind.id_field}: no such {kind.value}")
        return self._photos.list_for_parent(parent.prefix, limit=limit, token=token).map(self.shown)

    def shown(self, photo: Photo) -> dict[str, Any]:
        return photo.to_graphql(
            url=self._urls.url_for(photo.key, expires_in=self._expires_in),
            thumbnail_url=self._urls.url_for(photo.thumbnail_key, expires_in=self._expires_in),
        )

    def _visible(self, caller: Caller, kind: Kind, item_id: str) -> PhotoParent | None:
        parent = self._parents.get(kind, item_id)
        return parent if parent is not None and caller.may_access(parent.customer_id) else None

    def delete_photo(self, caller: Caller, arguments: dict[str, Any]) -> dict[str, Any]:
        """The files first (every version of the original, the thumbnail), then the record and the
        count in one transaction that holds every rule.

        In this order a failure at any step leaves the record in place, so the client's retry
        finds the photo and finishes the job (as deleting an album does).
        """
        key = parse(DeletePhotoRequest, arguments).key
        parsed = parent_of_key(key)
        assert parsed is not None, "DeletePhotoRequest admits photo keys only"
        kind, item_id = parsed
        parent = self._visible(caller, kind, item_id)
        photo = self._photos.get(key) if parent is not None else None
        if parent is None or photo is None:
            raise NotFound("key: no such photo")
        parent.check_photo_deletable(key)
        self._storage.delete_every_version_of(key)
        self._storage.delete_every_version_of(photo.thumbnail_key)
        now = to_aws_datetime(self._clock())
        try:
            transact(
                self._dynamodb,
                [
                    self._photos.delete_action(key, when=Condition()),
                    self._parents.photo_removed(parent, key, owner_id=owner_condition(caller), now=now),
                ],
            )
        except TransactionRefused as refused:
            if refused.failed(0):
                if refused.retried and not refused.failed(1):
                    return self.shown(photo)  # our own first attempt, whose answer was lost, deleted it
                raise NotFound("key: no such photo") from None  # a concurrent delete won
            current = self._parents.model_of(kind, refused.items[1])
            if current is None or not caller.may_access(current.customer_id):
                raise NotFound("key: no such photo") from None
            current.check_photo_deletable(key)
            raise  # not explained by the rules: an InternalError with details in the logs
        logger.info("photo deleted", key=key)
        return self.shown(photo)
