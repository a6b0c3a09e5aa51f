"""Rendering's rules (SPEC section 8): what a render request names, where outputs live, which
table changes are submissions. Pure rules, no I/O.

Outputs live under ``renders/`` (outside the upload notifications' ``albums/`` and ``collages/``
prefixes, so writing one is never an upload), at one key per submission: the render id is the
submission's ``updatedAt`` (the write that moved the item into PROCESSING), carried by the render
request. A redelivered request overwrites its output instead of adding a second one; a new
submission (after FAILED, say) writes a new key, so a URL cached by CloudFront or a browser for
an earlier render never shows stale bytes (SPEC 16: long-lived caching under content-changing keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from ape_moments.models import ObjectId

RenderId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,32}$")]

RENDERS_PREFIX = "renders/"
PROCESSING = "PROCESSING"  # the status both kinds are submitted into
# What the owner reads when rendering kept failing for a reason the renderer could not name
# (a crash, a timeout, memory): the details are in the logs.
GAVE_UP_MESSAGE = "rendering failed repeatedly; please try again later"


class RenderKind(StrEnum):
    COLLAGE = "collage"
    ALBUM = "album"


# The key attribute of each kind's table, as the stream record's Keys name it.
_KEY_ATTRIBUTE = {"collageId": RenderKind.COLLAGE, "albumId": RenderKind.ALBUM}


class RenderRequest(BaseModel):
    """One message of the render queue: render this collage or album."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: RenderKind
    id: ObjectId
    # Absent in requests queued before render ids existed: the item's updatedAt stands in.
    render_id: RenderId | None = None


def output_prefix(kind: RenderKind, item_id: str) -> str:
    """``renders/collages/{id}/`` or ``renders/albums/{id}/``: deleted with the collage or album."""
    return f"{RENDERS_PREFIX}{kind.value}s/{item_id}/"


def render_id_of(updated_at: str) -> str:
    """``2026-12-03T06:20:00.123Z`` -> ``20261203T062000123Z``: a key segment naming one submission."""
    return "".join(ch for ch in updated_at if ch.isalnum())[:32]


def collage_output_key(collage_id: str, render_id: str) -> str:
    return f"{output_prefix(RenderKind.COLLAGE, collage_id)}{render_id}/collage.jpg"


def album_pdf_key(album_id: str, render_id: str) -> str:
    return f"{output_prefix(RenderKind.ALBUM, album_id)}{render_id}/album.pdf"


def _status(image: Mapping[str, Any] | None) -> str | None:
    value = (image or {}).get("status")
    return value.get("S") if isinstance(value, dict) else None


def submission_of(record: Mapping[str, Any]) -> RenderRequest | None:
    """The render request a stream record holds: an item that moved into PROCESSING, else None.

    The event source's filter already selects these records (template.yaml); checking again here
    keeps a filter mistake from rendering anything twice or at the wrong time.
    """
    change = record.get("dynamodb") or {}
    if record.get("eventName") != "MODIFY":
        return None
    if _status(change.get("NewImage")) != PROCESSING or _status(change.get("OldImage")) == PROCESSING:
        return None
    submitted_at = (change.get("NewImage") or {}).get("updatedAt")
    render_id = render_id_of(submitted_at["S"]) if isinstance(submitted_at, dict) and "S" in submitted_at else None
    for attribute, kind in _KEY_ATTRIBUTE.items():
        key = (change.get("Keys") or {}).get(attribute)
        if isinstance(key, dict) and "S" in key:
            return RenderRequest(kind=kind, id=key["S"], render_id=render_id or None)
    return None
