"""Rendering's rules (SPEC section 8): what a render request names, where outputs live. Pure
rules, no I/O. Which table changes are submissions: ``ape_moments.reactions.render``.

Outputs live under ``renders/`` (outside the upload notifications' ``albums/`` and ``collages/``
prefixes, so writing one is never an upload), at one key per submission: the render id is the
submission's ``updatedAt`` (the write that moved the item into PROCESSING), carried by the render
request. A redelivered request overwrites its output instead of adding a second one; a new
submission (after FAILED, say) writes a new key, so a URL cached by CloudFront or a browser for
an earlier render never shows stale bytes (SPEC 16: long-lived caching under content-changing keys).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator

from ape_moments.models import MEDIA_ITEMS, Kind, ObjectId

RenderId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,32}$")]

RENDERS_PREFIX = "renders/"
PROCESSING = "PROCESSING"  # the status both kinds are submitted into
# What the owner reads when rendering kept failing for a reason the renderer could not name
# (a crash, a timeout, memory): the details are in the logs.
GAVE_UP_MESSAGE = "rendering failed repeatedly; please try again later"


class RenderRequest(BaseModel):
    """One message of the render queue: render this collage or album."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind  # a media item's: "collage" or "album"
    id: ObjectId
    # Absent in requests queued before render ids existed: the item's updatedAt stands in.
    render_id: RenderId | None = None

    @field_validator("kind")
    @classmethod
    def _rendered(cls, kind: Kind) -> Kind:
        if kind not in MEDIA_ITEMS:
            raise ValueError("only albums and collages are rendered")
        return kind


def output_prefix(kind: Kind, item_id: str) -> str:
    """``renders/collages/{id}/`` or ``renders/albums/{id}/``: deleted with the collage or album."""
    return f"{RENDERS_PREFIX}{kind.prefix}{item_id}/"


def render_id_of(updated_at: str) -> str:
    """``2026-12-03T06:20:00.123Z`` -> ``20261203T062000123Z``: a key segment naming one submission."""
    return "".join(ch for ch in updated_at if ch.isalnum())[:32]


def collage_output_key(collage_id: str, render_id: str) -> str:
    return f"{output_prefix(Kind.COLLAGE, collage_id)}{render_id}/collage.jpg"


def album_pdf_key(album_id: str, render_id: str) -> str:
    return f"{output_prefix(Kind.ALBUM, album_id)}{render_id}/album.pdf"
