"""Collage use cases: the GraphQL collage operations, presignCollageUpload, and landed images.

Rules live in ``collages`` (fields, JSON limits, the state machine, when the content is
editable) and ``uploads``. Someone else's collage does not exist for the caller (SPEC
section 1): a query returns None, a mutation raises NotFound.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ape_moments.caller import Caller
from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.errors import ApiError, Conflict, NotFound
from ape_moments.media.collage_repository import CollagesRepository
from ape_moments.media.collages import (
    COLLAGE_IMAGE_KEY,
    COLLAGE_RULES,
    Collage,
    CollageStatus,
    CreateCollageRequest,
    DeleteCollageRequest,
    GetCollageRequest,
    ListCollagesRequest,
    UpdateCollageRequest,
    new_collage,
)
from ape_moments.media.photo_storage import PhotoStorage
from ape_moments.media.uploads import PresignCollageUploadRequest, PresignedUpload
from ape_moments.models import actor_of, owner_condition
from ape_moments.table import Condition, ConditionFailed, Page
from ape_moments.validation import parse

logger = Logger(child=True)


def _not_found() -> NotFound:
    return NotFound("collageId: no such collage")


class CollageService:
    def __init__(
        self,
        collages: CollagesRepository,
        storage: PhotoStorage,
        *,
        upload_expires_in: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._collages = collages
        self._storage = storage
        self._expires_in = upload_expires_in
        self._clock = clock

    def create_collage(self, caller: Caller, arguments: dict[str, Any]) -> Collage:
        request = parse(CreateCollageRequest, arguments)
        collage = new_collage(request.input, customer_id=caller.owner_id, now=self._clock())
        self._collages.insert(collage)
        return collage

    def get_collage(self, caller: Caller, arguments: dict[str, Any]) -> Collage | None:
        return self._visible(caller, parse(GetCollageRequest, arguments).collage_id)

    def _visible(self, caller: Caller, collage_id: str) -> Collage | None:
        collage = self._collages.get(collage_id)
        return collage if collage is not None and caller.may_access(collage.customer_id) else None

    def list_collages(self, caller: Caller, arguments: dict[str, Any]) -> Page[Collage]:
        request = parse(ListCollagesRequest, arguments)
        customer_id = caller.customer_to_list(request.customer_id)
        return self._collages.list_for_customer(customer_id, limit=request.limit, token=request.next_token)

    def update_collage(self, caller: Caller, arguments: dict[str, Any]) -> Collage:
        """The changes and the move to ``status`` in one conditional write that holds every rule.

        The caller owns it (unless admin), its status is one from which the caller may move it
        to the target, and template or sourceImages change only while the collage is editable.
        """
        change = parse(UpdateCollageRequest, arguments).input
        actor = actor_of(caller)
        allowed = COLLAGE_RULES.writable_from(actor, change.status, changes_content=change.changes_content)
        if allowed is not None and not allowed:
            raise self._explain_edit(self._collages.get(change.collage_id), caller, change.status)
        writes = change.changed_fields() | {"updatedAt": to_aws_datetime(self._clock())}
        if change.status is not None:
            writes["status"] = change.status.value
        try:
            return self._collages.update(
                change.collage_id, writes, when=Condition(owner_id=owner_condition(caller), statuses=allowed)
            )
        except ConditionFailed as failed:
            raise self._explain_edit(failed.current, caller, change.status) from None

    @staticmethod
    def _explain_edit(current: Collage | None, caller: Caller, target: CollageStatus | None) -> ApiError:
        if current is None or not caller.may_access(current.customer_id):
            return _not_found()
        return COLLAGE_RULES.explain_edit(actor_of(caller), current.status, target)

    def delete_collage(self, caller: Caller, arguments: dict[str, Any]) -> Collage:
        """Delete the images first (every version), then the collage: a failure leaves it to retry."""
        collage_id = parse(DeleteCollageRequest, arguments).input.collage_id
        collage = self._visible(caller, collage_id)
        if collage is None:
            raise _not_found()
        COLLAGE_RULES.check_deletable(collage.status)
        self._storage.delete_everything_under(collage.s3_prefix)
        try:
            deleted = self._collages.delete(
                collage_id, when=Condition(owner_id=owner_condition(caller), statuses=COLLAGE_RULES.deletable)
            )
        except ConditionFailed as failed:
            current = failed.current
            if current is None:
                raise _not_found() from None  # a concurrent delete won
            COLLAGE_RULES.check_deletable(current.status)
            raise Conflict("a collage changed while being deleted; try again") from None
        return deleted or collage

    def presign_collage_upload(self, caller: Caller, arguments: dict[str, Any]) -> PresignedUpload:
        """One GetItem for ownership and status; the signature is computed locally."""
        request = parse(PresignCollageUploadRequest, arguments)
        collage = self._visible(caller, request.collage_id)
        if collage is None:
            raise _not_found()
        COLLAGE_RULES.check_accepts_uploads(collage.status)
        return self._storage.presign_upload(collage.s3_prefix, request, now=self._clock(), expires_in=self._expires_in)

    def image_landed(self, bucket: str, raw_key: str, version_id: str | None) -> bool | None:
        """An image landed under a collage's prefix: keep it, unless its collage is gone.

        Returns whether the image was kept (None: not a collage image of this bucket).
        """
        upload = self._storage.landed(bucket, raw_key, version_id, COLLAGE_IMAGE_KEY)
        if upload is None:
            return None
        if self._collages.get(upload.item_id) is not None:
            return True
        self._storage.remove_orphan(upload)
        logger.info("image of a deleted collage removed", collage_id=upload.item_id)
        return False
