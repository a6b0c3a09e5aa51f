"""The media items' use cases, once for albums and collages: create, get, list, update (with
submission), delete (with the photos), presign an upload (photos: ``photo_service``).

Rules live in ``items`` (what both share), the kind's module (``albums``, ``collages``: fields,
the state machine, what a submission checks) and ``uploads`` (what may be uploaded). Someone
else's item does not exist for the caller (SPEC section 1): a query returns None, a mutation
raises NotFound, exactly as for one that never existed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from ape_moments.caller import Caller
from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.errors import ApiError, Conflict, NotFound
from ape_moments.media.item_repository import MediaItemsRepository
from ape_moments.media.items import COMPLETED, PROCESSING, MediaItem, MediaItemUpdate
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photo_storage import PhotoStorage
from ape_moments.media.renders import output_prefix
from ape_moments.media.uploads import PresignedUpload
from ape_moments.media_urls import MediaUrls
from ape_moments.models import ListRequest, actor_of, owner_condition
from ape_moments.table import Condition, ConditionFailed, Page
from ape_moments.validation import parse


class MediaItemService[M: MediaItem]:
    def __init__(
        self,
        items: MediaItemsRepository[M],
        storage: PhotoStorage,
        photos: PhotosRepository,
        *,
        urls: MediaUrls,
        upload_expires_in: int,
        url_expires_in: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._items = items
        self._kind = items.kind
        self._requests = items.kind.requests
        self._storage = storage
        self._photos = photos
        self._urls = urls
        self._expires_in = upload_expires_in
        self._url_expires_in = url_expires_in
        self._clock = clock

    def _not_found(self) -> NotFound:
        return NotFound(f"{self._kind.kind.id_field}: no such {self._kind.noun}")

    def to_graphql(self, item: M) -> dict[str, Any]:
        """The rendered file's URL (pdfUrl, outputImageUrl) is a read URL made now (SPEC 8, 16),
        null until COMPLETED."""
        url = None
        if item.status == COMPLETED and item.rendered_key:
            url = self._urls.url_for(item.rendered_key, expires_in=self._url_expires_in)
        return item.to_graphql(rendered_url=url)

    def create(self, caller: Caller, arguments: dict[str, Any]) -> M:
        request = parse(self._kind.create_request, arguments)
        item = self._kind.new(request.input, customer_id=caller.owner_id, now=self._clock())
        self._items.insert(item)
        return item

    def get(self, caller: Caller, arguments: dict[str, Any]) -> M | None:
        return self._visible(caller, parse(self._requests.get, arguments).item_id)

    def _visible(self, caller: Caller, item_id: str) -> M | None:
        item = self._items.get(item_id)
        return item if item is not None and caller.may_access(item.customer_id) else None

    def list(self, caller: Caller, arguments: dict[str, Any]) -> Page[M]:
        request = parse(ListRequest, arguments)
        customer_id = caller.customer_to_list(request.customer_id)
        return self._items.list_for_customer(customer_id, limit=request.limit, token=request.next_token)

    def update(self, caller: Caller, arguments: dict[str, Any]) -> M:
        """The changes and the move to ``status`` in one conditional write that holds every rule.

        The caller owns it (unless admin), its status is one from which the caller may move it to
        the target, and the fields that decide the rendering change only while the kind allows.
        A refused write is explained from the item it handed back.
        """
        change: MediaItemUpdate = parse(self._kind.update_request, arguments).input
        rules = self._kind.rules
        allowed = rules.writable_from(actor_of(caller), change.status, changes_content=change.changes_content)
        if allowed is not None and not allowed:
            # No status could satisfy the condition: nothing to write, only to explain.
            raise self._explain_edit(self._items.get(change.item_id), caller, change.status)
        writes = change.changed_fields() | {"updatedAt": to_aws_datetime(self._clock())}
        if change.status is not None:
            writes["status"] = change.status.value
        when = Condition(owner_id=owner_condition(caller), statuses=allowed)
        submitting = change.status == PROCESSING
        if submitting:
            when = self._checked_submission(caller, change, when)
            writes |= {"errorMessage": None, self._kind.rendered_attribute: None}
        try:
            return self._items.update(change.item_id, writes, when=when)
        except ConditionFailed as failed:
            current = failed.current
            if submitting and current is not None and current.status in (allowed or ()):
                raise Conflict(f"{rules.noun} changed while being submitted; try again") from None
            raise self._explain_edit(current, caller, change.status) from None

    def _checked_submission(self, caller: Caller, change: MediaItemUpdate, when: Condition) -> Condition:
        """SPEC 8: the kind's submission check on the item as read; the write that follows must
        find the item as the check saw it (what the check returns)."""
        current = self._items.get(change.item_id)
        if current is None or not caller.may_access(current.customer_id):
            raise self._not_found()
        if when.statuses is not None and current.status not in when.statuses:
            raise self._explain_edit(current, caller, change.status)
        prefix = current.s3_prefix
        expected = self._kind.check_submission(current, change, lambda: self._photos.keys_under(prefix))
        return replace(when, equals=expected)

    def _explain_edit(self, current: M | None, caller: Caller, target: Any) -> ApiError:
        if current is None or not caller.may_access(current.customer_id):
            return self._not_found()
        return self._kind.rules.explain_edit(actor_of(caller), current.status, target)

    def delete(self, caller: Caller, arguments: dict[str, Any]) -> M:
        """Delete the photos and the rendered files first (every version), then the item.

        In this order a failure at any step leaves the item in place, so the client's retry finds
        it and finishes the job; photos are never left behind without an item naming them.
        """
        item_id = parse(self._requests.delete, arguments).input.item_id
        item = self._visible(caller, item_id)
        if item is None:
            raise self._not_found()
        rules = self._kind.rules
        rules.check_deletable(item.status)
        self._storage.delete_item_files(item.s3_prefix, output_prefix(self._kind.kind, item_id))
        self._photos.delete_keys(self._photos.keys_under(item.s3_prefix))
        when = Condition(owner_id=owner_condition(caller), statuses=rules.deletable)
        try:
            return self._items.delete(item_id, when=when) or item
        except ConditionFailed as failed:
            current = failed.current
            if current is None:
                raise self._not_found() from None  # a concurrent delete won
            rules.check_deletable(current.status)
            raise Conflict(f"{rules.noun} changed while being deleted; try again") from None

    def presign_upload(self, caller: Caller, arguments: dict[str, Any]) -> PresignedUpload:
        """One GetItem for ownership, status and room; the signature is computed locally."""
        request = parse(self._requests.presign, arguments)
        item = self._visible(caller, request.item_id)
        if item is None:
            raise self._not_found()
        self._kind.rules.check_accepts_uploads(item.status)
        self._kind.check_room_for_upload(item)
        return self._storage.presign_upload(item.s3_prefix, request, now=self._clock(), expires_in=self._expires_in)
