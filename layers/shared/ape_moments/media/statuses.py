"""Album and collage state machines: who may move which status to which, and what a status allows.

Pure rules, no I/O. The services turn ``sources_for`` into the condition of one atomic write,
and ``refusal`` explains a write whose condition failed (as for orders).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ape_moments.errors import ApiError, Conflict, Forbidden


class Actor(StrEnum):
    OWNER = "owner"  # the customer or guest the album or collage belongs to
    ADMIN = "admin"  # also stands in for the (future) backend that renders PDFs and collages


class AlbumStatus(StrEnum):
    UPLOADING = "UPLOADING"
    READY = "READY"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"


class CollageStatus(StrEnum):
    DRAFT = "DRAFT"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


_ANYONE = frozenset(Actor)
_ADMIN = frozenset({Actor.ADMIN})


@dataclass(frozen=True, slots=True)
class StatusRules[S: StrEnum]:
    """One kind's state machine plus the statuses in which it takes uploads, edits and deletes."""

    noun: str
    transitions: Mapping[tuple[S, S], frozenset[Actor]]
    accepts_uploads: frozenset[S]
    content_editable: frozenset[S]
    deletable: frozenset[S]

    def sources_for(self, actor: Actor, target: S) -> frozenset[S]:
        """Statuses from which ``actor`` may move to ``target``."""
        return frozenset(src for (src, dst), actors in self.transitions.items() if dst == target and actor in actors)

    def refusal(self, actor: Actor, current: S, target: S) -> ApiError:
        """The error for a transition ``actor`` may not make from ``current``."""
        allowed = self.transitions.get((current, target))
        if allowed and actor not in allowed:
            return Forbidden(f"status: your role may not move {self.noun} from {current} to {target}")
        return Conflict(f"status: {self.noun} in {current} cannot move to {target}")


_UP, _READY, _APROC, _ADONE = AlbumStatus
ALBUM_RULES = StatusRules[AlbumStatus](
    noun="an album",
    transitions={
        (_UP, _READY): _ANYONE,  # "I am done uploading"
        (_READY, _UP): _ANYONE,  # reopen for more photos
        (_READY, _APROC): _ADMIN,  # the PDF is being made
        (_APROC, _ADONE): _ADMIN,  # the PDF is ready (pdfUrl)
        (_APROC, _READY): _ADMIN,  # making the PDF failed: back to the customer
    },
    accepts_uploads=frozenset({_UP, _READY}),
    content_editable=frozenset(AlbumStatus),  # name and description are labels: always editable
    deletable=frozenset({_UP, _READY, _ADONE}),  # not while the PDF is being made
)

_DRAFT, _CPROC, _CDONE, _FAILED = CollageStatus
COLLAGE_RULES = StatusRules[CollageStatus](
    noun="a collage",
    transitions={
        (_DRAFT, _CPROC): _ANYONE,  # the customer submits the collage for rendering
        (_CPROC, _CDONE): _ADMIN,  # rendered (outputImageUrl)
        (_CPROC, _FAILED): _ADMIN,  # rendering failed
        (_FAILED, _DRAFT): _ANYONE,  # edit and submit again
    },
    # template and sourceImages decide the rendering: they change only before it or after it failed.
    accepts_uploads=frozenset({_DRAFT, _FAILED}),
    content_editable=frozenset({_DRAFT, _FAILED}),
    deletable=frozenset({_DRAFT, _CDONE, _FAILED}),  # not while it is being rendered
)
