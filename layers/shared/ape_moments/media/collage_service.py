"""Collage use cases: the GraphQL collage operations and presignCollageUpload (photos: ``photo_service``).

Rules live in ``collages`` (fields, JSON limits, the state machine, when the content is
editable) and ``uploads``. Someone else's collage does not exist for the caller (SPEC
section 1): a query returns None, a mutation raises NotFound.
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
from ape_moments.media.collage_repository import CollagesRepository
from ape_moments.media.collages import (
    COLLAGE_RULES,
    Collage,
    CollageStatus,
    CreateCollageRequest,
    DeleteCollageRequest,
    GetCollageRequest,
    ListCollagesRequest,
    UpdateCollageInput,
    UpdateCollageRequest,
    check_submission,
    new_collage,
)
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photo_storage import PhotoStorage
from ape_moments.media.renders import RenderKind, output_prefix
from ape_moments.media.uploads import PresignCollageUploadRequest, PresignedUpload
from ape_moments.media_urls import MediaUrls
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
        photos: PhotosRepository,
        *,
        urls: MediaUrls,
        upload_expires_in: int,
        url_expires_in: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._collages = collages
        self._storage = storage
        self._photos = photos
        self._urls = urls
        self._expires_in = upload_expires_in
        self._url_expires_in = url_expires_in
        self._clock = clock

    def to_graphql(self, collage: Collage) -> dict[str, Any]:
        """outputImageUrl is a read URL made now (SPEC 8, 16), null until COMPLETED."""
        url = None
        if collage.status is CollageStatus.COMPLETED and collage.output_key:
            url = self._urls.url_for(collage.output_key, expires_in=self._url_expires_in)
        return collage.to_graphql(output_image_url=url)

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
        when = Condition(owner_id=owner_condition(caller), statuses=allowed)
        if change.status is not None:
            writes["status"] = change.status.value
        if change.status is CollageStatus.PROCESSING:
            when = self._checked_submission(caller, change, when)
            writes |= {"errorMessage": None, "outputKey": None}
        try:
            return self._collages.update(change.collage_id, writes, when=when)
        except ConditionFailed as failed:
            current = failed.current
            if change.status is CollageStatus.PROCESSING and current is not None and current.status in (allowed or ()):
                raise Conflict("a collage changed while being submitted; try again") from None
            raise self._explain_edit(current, caller, change.status) from None

    def _checked_submission(self, caller: Caller, change: UpdateCollageInput, when: Condition) -> Condition:
        """SPEC 8: sourceImages (as this request leaves them) name exactly the template's number
        of the collage's own listed photos, else ValidationError and nothing changes.

        The write that follows must find the collage as it was read (its ``updatedAt``), so the
        checked template and sources are the ones submitted.
        """
        current = self._collages.get(change.collage_id)
        if current is None or not caller.may_access(current.customer_id):
            raise _not_found()
        if when.statuses is not None and current.status not in when.statuses:
            raise self._explain_edit(current, caller, change.status)
        template = change.template or current.template
        sources = change.source_images if "source_images" in change.model_fields_set else current.source_images
        listed = set(self._photos.keys_under(current.s3_prefix))
        check_submission(template, sources, listed)
        return replace(when, equals={"updatedAt": current.updated_at})

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
        self._storage.delete_item_files(collage.s3_prefix, output_prefix(RenderKind.COLLAGE, collage_id))
        self._photos.delete_keys(self._photos.keys_under(collage.s3_prefix))
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
