"""Rendering's rules (SPEC section 8): what a render request names, where outputs live. Pure
rules, no I/O. Which table changes are submissions: ``ape_moments.reactions.render``.

Outputs live under ``renders/`` (outside the upload notifications' ``albums/`` and ``collages/``
prefixes, so writing one is never an upload), at one key per collage or album: a redelivered
request overwrites its output instead of adding a second one.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ape_moments.models import ObjectId

RENDERS_PREFIX = "renders/"
PROCESSING = "PROCESSING"  # the status both kinds are submitted into
# What the owner reads when rendering kept failing for a reason the renderer could not name
# (a crash, a timeout, memory): the details are in the logs.
GAVE_UP_MESSAGE = "rendering failed repeatedly; please try again later"


class RenderKind(StrEnum):
    COLLAGE = "collage"
    ALBUM = "album"


class RenderRequest(BaseModel):
    """One message of the render queue: render this collage or album."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: RenderKind
    id: ObjectId


def output_prefix(kind: RenderKind, item_id: str) -> str:
    """``renders/collages/{id}/`` or ``renders/albums/{id}/``: deleted with the collage or album."""
    return f"{RENDERS_PREFIX}{kind.value}s/{item_id}/"


def collage_output_key(collage_id: str) -> str:
    return output_prefix(RenderKind.COLLAGE, collage_id) + "collage.jpg"


def album_pdf_key(album_id: str) -> str:
    return output_prefix(RenderKind.ALBUM, album_id) + "album.pdf"
