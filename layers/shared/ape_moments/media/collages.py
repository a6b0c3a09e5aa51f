"""Collages' own rules and models (SPEC sections 4, 8): the status state machine, the template,
the inputs, the stored collage, the rules for its JSON fields, what a submission checks, and
``COLLAGES``, the collage's row of the media items' table of differences (``items``). Pure rules,
no I/O. What collages share with albums is written once in ``items``, ``item_service`` and
``resolvers``.

AppSync hands AWSJSON arguments to the resolver as JSON strings. ``metadata`` is stored as
compact JSON text (the client's values exactly, no float or Decimal round trip) and
``sourceImages`` as a list of S3 keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import BeforeValidator, Field, model_validator

from ape_moments.errors import ValidationError
from ape_moments.media.items import MediaItem, MediaItemKind, MediaItemUpdate, new_item_fields
from ape_moments.models import PEOPLE, STAFF, ApiModel, Kind, Name, ObjectId, StatusRules

MAX_METADATA_BYTES = 4096
MAX_SOURCE_IMAGES = 16
# What follows the collage's prefix in a key this backend issues (see uploads.object_key):
# one path segment of safe characters, so no traversal into another prefix.
_KEY_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")


# ---- the state machine ----------------------------------------------------------------------


class CollageStatus(StrEnum):
    DRAFT = "DRAFT"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


_DRAFT, _PROC, _DONE, _FAILED = CollageStatus

COLLAGE_RULES = StatusRules[CollageStatus](
    noun="a collage",
    transitions={
        (_DRAFT, _PROC): PEOPLE,  # the customer submits the collage for rendering (SPEC 8)
        (_PROC, _DONE): STAFF,  # rendered (outputImageUrl): the renderer, or an admin repairing
        (_PROC, _FAILED): STAFF,  # rendering failed (errorMessage)
        (_FAILED, _DRAFT): PEOPLE,  # edit and submit again
    },
    # template and sourceImages decide the rendering: they change only before it or after it failed.
    accepts_uploads=frozenset({_DRAFT, _FAILED}),
    content_editable=frozenset({_DRAFT, _FAILED}),
    deletable=frozenset({_DRAFT, _DONE, _FAILED}),  # not while it is being rendered
)


class CollageTemplate(StrEnum):
    GRID_2X2 = "GRID_2X2"
    GRID_3X3 = "GRID_3X3"
    STRIP_1X4 = "STRIP_1X4"
    SINGLE = "SINGLE"


# SPEC 8: how many photos each template draws (sourceImages must name exactly these many).
PHOTOS_PER_TEMPLATE = {
    CollageTemplate.GRID_2X2: 4,
    CollageTemplate.GRID_3X3: 9,
    CollageTemplate.STRIP_1X4: 4,
    CollageTemplate.SINGLE: 1,
}


def check_sources(template: CollageTemplate, source_images: list[str] | None, listed: set[str]) -> list[str]:
    """SPEC 8's check at submission: exactly the template's number of the collage's own listed
    photos (``listed``: those of ``source_images`` that have a photo record under this collage).
    Returns the sources as checked; raises ValidationError naming sourceImages."""
    wanted = PHOTOS_PER_TEMPLATE[template]
    sources = source_images or []
    if len(sources) != wanted:
        raise ValidationError(f"sourceImages: {template} needs exactly {wanted} photos, got {len(sources)}")
    missing = [index for index, key in enumerate(sources) if key not in listed]
    if missing:
        raise ValidationError(f"sourceImages[{missing[0]}] is not one of this collage's photos")
    return sources


# Far above any valid value (whitespace included), low enough that parsing costs nothing.
_MAX_JSON_TEXT = 32 * 1024


def _decode_json(value: Any) -> Any:
    """AWSJSON arrives as text; anything already decoded (a direct invoke) is taken as is."""
    if not isinstance(value, str):
        return value
    if len(value) > _MAX_JSON_TEXT:
        raise ValueError(f"at most {_MAX_JSON_TEXT} characters of JSON text")
    try:
        # Strict JSON (issue 22): Python reads NaN and Infinity, which JSON.parse cannot read back.
        return json.loads(value, parse_constant=_not_json)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise ValueError("not valid JSON") from None


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _compact_metadata(value: Any) -> str:
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object")
    try:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        size = len(text.encode())
    except UnicodeEncodeError:  # a lone surrogate (\ud800): not text JSON can carry
        raise ValueError("not valid JSON text") from None
    except (ValueError, RecursionError):  # NaN or Infinity given as numbers (a direct invoke), too deep
        raise ValueError("not valid JSON") from None
    if size > MAX_METADATA_BYTES:
        raise ValueError(f"at most {MAX_METADATA_BYTES} bytes of JSON")
    return text


# `metadata`: a JSON object of at most 4 KB, kept as compact JSON text.
Metadata = Annotated[str, BeforeValidator(lambda value: _compact_metadata(_decode_json(value)))]
# `sourceImages`: a JSON list of keys; that they lie in the collage's own prefix needs the
# collage id, so UpdateCollageInput checks it.
SourceImages = Annotated[
    list[Annotated[str, Field(max_length=1024)]],
    BeforeValidator(_decode_json),
    Field(max_length=MAX_SOURCE_IMAGES),
]


# ---- inputs -------------------------------------------------------------------------------


class CreateCollageInput(ApiModel):
    name: Name
    template: CollageTemplate
    metadata: Metadata | None = None


class UpdateCollageInput(MediaItemUpdate):
    """An explicit null sourceImages or metadata removes it. template and sourceImages decide
    the rendering: they change only while the collage is editable."""

    kind: ClassVar[Kind] = Kind.COLLAGE
    not_null: ClassVar[tuple[str, ...]] = ("name", "template", "status")
    content_fields: ClassVar[frozenset[str]] = frozenset({"template", "source_images"})
    collage_id: ObjectId
    name: Name | None = None
    template: CollageTemplate | None = None
    source_images: SourceImages | None = None
    metadata: Metadata | None = None
    status: CollageStatus | None = None

    @model_validator(mode="after")
    def _own_sources(self) -> Self:
        prefix = f"{Kind.COLLAGE.prefix}{self.collage_id}/"
        for index, key in enumerate(self.source_images or []):
            if not (key.startswith(prefix) and _KEY_NAME.fullmatch(key.removeprefix(prefix))):
                raise ValueError(f"sourceImages[{index}] must be a key of this collage's own images ({prefix}...)")
        if len(set(self.source_images or [])) != len(self.source_images or []):
            raise ValueError("sourceImages may not list a key twice")
        return self


# ---- the stored collage ---------------------------------------------------------------------


class Collage(MediaItem):
    kind: ClassVar[Kind] = Kind.COLLAGE
    collage_id: str
    template: CollageTemplate
    source_images: list[str] | None = None
    # The rendered JPEG's key (set with COMPLETED); outputImageUrl is presigned from it when read.
    output_key: str | None = None
    status: CollageStatus
    metadata: str | None = None

    @property
    def rendered_key(self) -> str | None:
        return self.output_key

    @property
    def source_keys(self) -> frozenset[str]:
        return frozenset(self.source_images or [])

    def to_graphql(self, *, rendered_url: str | None = None) -> dict[str, Any]:
        """AWSJSON fields leave as JSON text, the scalar's wire form; the output key never leaves."""
        graphql = self.model_dump(mode="json", by_alias=True, exclude={"output_key"})
        graphql["outputImageUrl"] = rendered_url
        if self.source_images is not None:
            graphql["sourceImages"] = json.dumps(self.source_images)
        return graphql


def check_submission(
    collage: Collage, change: UpdateCollageInput, photos: Callable[[], Iterable[str]]
) -> dict[str, Any]:
    """SPEC 8: sourceImages (as this request leaves them) name exactly the template's number of
    the collage's own listed photos, else ValidationError and nothing changes. The write must find
    the collage as it was read (its ``updatedAt``), so the checked template and sources are the
    ones submitted."""
    template = change.template or collage.template
    sources = change.source_images if "source_images" in change.model_fields_set else collage.source_images
    check_sources(template, sources, set(photos()))
    return {"updatedAt": collage.updated_at}


def new_collage(request: CreateCollageInput, *, customer_id: str, now: datetime) -> Collage:
    """A new collage is a DRAFT with no images yet, under its own prefix."""
    new = new_item_fields(Kind.COLLAGE, name=request.name, customer_id=customer_id, now=now)
    return Collage(**new, template=request.template, status=CollageStatus.DRAFT, metadata=request.metadata)


COLLAGES = MediaItemKind(
    kind=Kind.COLLAGE,
    model=Collage,
    rules=COLLAGE_RULES,
    create_input=CreateCollageInput,
    update_input=UpdateCollageInput,
    new=new_collage,
    check_submission=check_submission,
    rendered_attribute="outputKey",
    failed_status=CollageStatus.FAILED,  # the owner may fix it and submit again (FAILED -> DRAFT)
    sources_attribute="sourceImages",
)
