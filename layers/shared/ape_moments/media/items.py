"""Albums and collages as one parameterised kind of media item (SPEC 4, 5, 8): what both are, and
``MediaItemKind``, the one table of differences each kind fills in (``albums.ALBUMS``,
``collages.COLLAGES``). Pure rules, no I/O.

Both are an owned item with a state machine, a name, an upload prefix and one rendered file; they
differ in a few facts, each a field of ``MediaItemKind``: their fields and statuses, what a
submission checks (an album: it has photos; a collage: its sources fit its template), where a
failed render leaves them, and whether they count their photos (an album does, up to a limit).
The service (``item_service``), the repository (``item_repository``) and the resolvers
(``resolvers``) are written once against this table.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

from pydantic import create_model, model_validator
from pydantic.alias_generators import to_camel

from ape_moments.clock import to_aws_datetime
from ape_moments.errors import Conflict
from ape_moments.media.uploads import PresignUploadRequest
from ape_moments.models import MEDIA_ITEMS, ApiModel, InputRequest, Kind, ObjectId, StatusRules, StoredModel


class Rendering(StrEnum):
    """The statuses both kinds share (each kind's own enum has them with the same values)."""

    PROCESSING = "PROCESSING"  # submitted: being rendered
    COMPLETED = "COMPLETED"  # the rendered file is ready


PROCESSING, COMPLETED = Rendering.PROCESSING, Rendering.COMPLETED
# The attribute a counting kind (an album) keeps its number of photos in.
PHOTO_COUNT = "imageCount"


def id_attribute(kind: Kind) -> str:
    """``album_id``: the id's Python name in the inputs and models (``albumId`` on the wire)."""
    return f"{kind.value}_id"


class MediaItem(StoredModel):
    """What every album and collage stores; each kind adds its id, status and own fields."""

    kind: ClassVar[Kind]
    customer_id: str
    name: str
    s3_prefix: str
    error_message: str | None = None  # why the last render failed
    created_at: str
    updated_at: str

    if TYPE_CHECKING:  # each kind declares it with its own status type
        status: StrEnum

    @property
    def item_id(self) -> str:
        return str(getattr(self, id_attribute(self.kind)))

    @property
    def rendered_key(self) -> str | None:
        """The rendered file's key (the PDF, the collage's JPEG), set with COMPLETED."""
        raise NotImplementedError

    @property
    def source_keys(self) -> frozenset[str]:
        """Photos the item's rendering names (a collage's sourceImages): they cannot be deleted."""
        return frozenset()

    @property
    def photo_count(self) -> int | None:
        """The photos it counts (an album's imageCount); None: the kind does not count them."""
        return None

    def to_graphql(self, *, rendered_url: str | None = None) -> dict[str, Any]:
        raise NotImplementedError


def new_item_fields(kind: Kind, *, name: str, customer_id: str, now: datetime) -> dict[str, Any]:
    """What every new item starts with: a new id, its owner and name, its own upload prefix
    (``albums/{id}/``), created and updated now. The kind adds its status and fields."""
    item_id = str(uuid.uuid4())
    timestamp = to_aws_datetime(now)
    return {
        id_attribute(kind): item_id,
        "customer_id": customer_id,
        "name": name,
        "s3_prefix": f"{kind.prefix}{item_id}/",
        "created_at": timestamp,
        "updated_at": timestamp,
    }


class MediaItemUpdate(ApiModel):
    """An update's input: absent fields stay as they are, an explicit null removes an optional
    one; the required ones (``not_null``) may not be null, and something must change."""

    kind: ClassVar[Kind]
    not_null: ClassVar[tuple[str, ...]] = ("name", "status")
    # The fields that decide the rendering: they change only while the kind allows content edits.
    content_fields: ClassVar[frozenset[str]] = frozenset()

    if TYPE_CHECKING:
        status: StrEnum | None

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        for required in self.not_null:
            if required in self.model_fields_set and getattr(self, required) is None:
                raise ValueError(f"{required} may not be null")
        changeable = [name for name in type(self).model_fields if name != id_attribute(self.kind)]
        if not self.model_fields_set - {id_attribute(self.kind)}:
            raise ValueError(f"give at least one of {', '.join(to_camel(name) for name in changeable)}")
        return self

    @property
    def item_id(self) -> str:
        return str(getattr(self, id_attribute(self.kind)))

    @property
    def changes_content(self) -> bool:
        return bool(self.content_fields & self.model_fields_set)

    def changed_fields(self) -> dict[str, Any]:
        """The stored attributes to set (value) or remove (None), by their table names."""
        fields = self.model_fields_set - {id_attribute(self.kind), "status"}
        return self.model_dump(mode="json", by_alias=True, include=fields)


class NewItem[M](Protocol):
    """A new item of the kind, made from its create input, owned by ``customer_id``."""

    def __call__(self, request: Any, *, customer_id: str, now: datetime) -> M: ...


# What a submission checks, given the item as read, the update and a way to list its photos
# (called only by a kind that needs them, so an album's submission makes no listing query):
# raises ValidationError, or returns the attribute values the write must still find.
type SubmissionCheck[M, U] = Callable[[M, U, Callable[[], Iterable[str]]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class MediaItemKind[M: MediaItem, U: MediaItemUpdate]:
    """One kind of media item: the facts in which albums and collages differ."""

    kind: Kind
    model: type[M]
    rules: StatusRules[Any]
    create_input: type[ApiModel]
    update_input: type[U]
    new: NewItem[M]
    check_submission: SubmissionCheck[M, U]
    rendered_attribute: str  # the stored key of the rendered file: pdfKey, outputKey
    failed_status: StrEnum  # where a failed render leaves it (an album: READY, a collage: FAILED)
    max_photos: int | None = None  # an album counts its photos (PHOTO_COUNT), up to this; a collage none
    sources_attribute: str | None = None  # the photos its rendering names (a collage's sourceImages)

    @property
    def noun(self) -> str:
        return self.kind.value

    @property
    def create_request(self) -> type[InputRequest[Any]]:
        return InputRequest[self.create_input]  # type: ignore[name-defined]  # pydantic caches it

    @property
    def update_request(self) -> type[InputRequest[U]]:
        return InputRequest[self.update_input]  # type: ignore[name-defined]

    @property
    def requests(self) -> ItemRequests:
        return REQUESTS[self.kind]

    def check_room_for_upload(self, item: M) -> None:
        count = item.photo_count
        if self.max_photos is not None and count is not None and count >= self.max_photos:
            raise Conflict(f"{self.rules.noun} holds at most {self.max_photos} photos")

    def has_room(self, item: M) -> bool:
        count = item.photo_count
        return self.max_photos is None or count is None or count < self.max_photos


# ---- the requests that name one item by its id (the same for both kinds) -----------------------


class _ItemRef(ApiModel):
    kind: ClassVar[Kind]

    @property
    def item_id(self) -> str:
        return str(getattr(self, id_attribute(self.kind)))


class _PresignItemUpload(PresignUploadRequest):
    kind: ClassVar[Kind]

    @property
    def item_id(self) -> str:
        return str(getattr(self, id_attribute(self.kind)))


def _with_id[B: ApiModel](name: str, base: type[B], kind: Kind) -> type[B]:
    model: type[B] = create_model(name, __base__=base, **{id_attribute(kind): (ObjectId, ...)})  # type: ignore[call-overload]
    model.kind = kind  # type: ignore[attr-defined]
    return model


@dataclass(frozen=True, slots=True)
class ItemRequests:
    """getX(xId), deleteX(input: {xId}) and presignXUpload(xId, ...) for one kind."""

    get: type[_ItemRef]
    delete: type[InputRequest[Any]]
    presign: type[_PresignItemUpload]


def _requests(kind: Kind) -> ItemRequests:
    name = kind.type_name
    delete_input = _with_id(f"Delete{name}Input", _ItemRef, kind)
    return ItemRequests(
        get=_with_id(f"Get{name}Request", _ItemRef, kind),
        delete=InputRequest[delete_input],  # type: ignore[valid-type]
        presign=_with_id(f"Presign{name}UploadRequest", _PresignItemUpload, kind),
    )


REQUESTS: dict[Kind, ItemRequests] = {kind: _requests(kind) for kind in MEDIA_ITEMS}
