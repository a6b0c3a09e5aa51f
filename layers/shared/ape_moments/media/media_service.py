"""What albums and collages share: get, list, status-checked updates, delete, presigned uploads.

Ownership (SPEC section 1): the owner comes from the identity. Someone else's album or collage
does not exist for the caller: a query returns None, a mutation raises NotFound, exactly as
for one that never existed. Admins act on anyone's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from ape_moments.caller import Caller
from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.errors import ApiError, Conflict, NotFound, ValidationError
from ape_moments.media.owned import OwnedMedia
from ape_moments.media.photo_storage import PhotoStorage
from ape_moments.media.records import ConditionFailed, OwnedRecords, Page
from ape_moments.media.statuses import Actor, StatusRules
from ape_moments.media.uploads import PresignedUpload, PresignUploadRequest, object_key


def actor_of(caller: Caller) -> Actor:
    return Actor.ADMIN if caller.is_admin else Actor.OWNER


def owner_condition(caller: Caller) -> str | None:
    """The owner a write must match: the caller's own id, or anyone's for an admin."""
    return None if caller.is_admin else caller.owner_id


class MediaService[R: OwnedMedia, S: StrEnum]:
    def __init__(
        self,
        records: OwnedRecords[R],
        storage: PhotoStorage,
        rules: StatusRules[S],
        *,
        id_argument: str,
        upload_expires_in: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._records = records
        self._storage = storage
        self._rules = rules
        self._id_argument = id_argument  # albumId / collageId: the argument errors name
        self._expires_in = upload_expires_in
        self._clock = clock

    def _not_found(self) -> NotFound:
        return NotFound(f"{self._id_argument}: no such {self._rules.noun.split()[-1]}")

    def _now(self) -> str:
        return to_aws_datetime(self._clock())

    # ---- reads ----------------------------------------------------------------------------

    def _get_visible(self, caller: Caller, object_id: str) -> R | None:
        record = self._records.get(object_id)
        if record is None or not caller.may_access(record.customer_id):
            return None
        return record

    def _list(self, caller: Caller, customer_id: str | None, limit: int, token: str | None) -> Page[R]:
        scope = caller.scope_for_listing(customer_id)
        if scope is None:
            # There is no index over everyone's items, and a Scan is never an option.
            raise ValidationError("customerId: an admin listing needs customerId")
        return self._records.list_for_customer(scope, limit=limit, token=token)

    # ---- writes ---------------------------------------------------------------------------

    def _update(
        self,
        caller: Caller,
        object_id: str,
        changes: Mapping[str, Any],
        *,
        target: S | None,
        changes_content: bool,
    ) -> R:
        """Apply ``changes`` (and the move to ``target``) in one conditional write.

        The condition carries every rule: the caller owns it (unless admin), its status is one
        from which the caller may move it to ``target``, and content changes only in an editable
        status. A refused write is explained from the item it handed back.
        """
        actor = actor_of(caller)
        allowed: frozenset[S] | None = None  # None: any status will do
        if target is not None:
            allowed = self._rules.sources_for(actor, target)
        if changes_content:
            editable = self._rules.content_editable
            allowed = editable if allowed is None else allowed & editable
        if allowed is not None and not allowed:
            # No status could satisfy the condition: nothing to write, only to explain.
            raise self._explain_update(self._records.get(object_id), caller, target)
        writes = dict(changes) | {"updatedAt": self._now()}
        if target is not None:
            writes["status"] = target.value
        try:
            return self._records.update(object_id, writes, owner_id=owner_condition(caller), allowed_from=allowed)
        except ConditionFailed as failed:
            raise self._explain_update(failed.current, caller, target) from None

    def _explain_update(self, current: R | None, caller: Caller, target: S | None) -> ApiError:
        if current is None or not caller.may_access(current.customer_id):
            return self._not_found()
        status = current.status
        if target is not None:
            if target == status:
                return Conflict(f"status: {self._rules.noun} is already {status}")
            if status not in self._rules.sources_for(actor_of(caller), target):
                return self._rules.refusal(actor_of(caller), status, target)  # type: ignore[arg-type]
        return Conflict(f"{self._rules.noun} in {status} can no longer be edited")

    def _delete(self, caller: Caller, object_id: str) -> R:
        """Delete the photos first (every version), then the item.

        In this order a failure at any step leaves the item in place, so the client's retry
        finds it and finishes the job; photos are never left behind without an item naming them.
        """
        record = self._get_visible(caller, object_id)
        if record is None:
            raise self._not_found()
        self._refuse_delete_in(record.status)
        self._storage.delete_everything_under(record.s3_prefix)
        try:
            return self._records.delete(object_id, owner_id=owner_condition(caller), allowed_from=self._rules.deletable)
        except ConditionFailed as failed:
            if failed.current is None:
                raise self._not_found() from None  # a concurrent delete won
            self._refuse_delete_in(failed.current.status)
            raise Conflict(f"{self._rules.noun} changed while being deleted; try again") from None

    def _refuse_delete_in(self, status: StrEnum) -> None:
        if status not in self._rules.deletable:
            raise Conflict(f"{self._rules.noun} in {status} cannot be deleted until it is done")

    # ---- uploads --------------------------------------------------------------------------

    def _presign(self, caller: Caller, object_id: str, request: PresignUploadRequest) -> PresignedUpload:
        """One GetItem for ownership and status; the signature is computed locally (no S3 call)."""
        record = self._get_visible(caller, object_id)
        if record is None:
            raise self._not_found()
        if record.status not in self._rules.accepts_uploads:
            raise Conflict(f"{self._rules.noun} in {record.status} takes no uploads")
        self._check_room_for_upload(record)
        key = object_key(record.s3_prefix, request.file_name, self._clock())
        url = self._storage.presign_put(
            key, content_type=request.content_type, content_length=request.size, expires_in=self._expires_in
        )
        return PresignedUpload(presigned_url=url, s3_key=key, expires_in=self._expires_in)

    def _check_room_for_upload(self, record: R) -> None:
        """A kind with a photo limit refuses here (albums)."""
