"""Render dispatch as a reaction (SPEC section 8): a collage or album that moved into PROCESSING
(its owner submitted it) becomes a render request on the render queue.

Idempotent per change: a redelivered change queues the request again, and the renderer finds
the item already moved out of PROCESSING (one conditional write) and skips it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from ape_moments.changes import Change
from ape_moments.media.render_queue import RenderQueue
from ape_moments.media.renders import PROCESSING, RenderRequest, render_id_of
from ape_moments.models import MEDIA_ITEMS, Kind

logger = Logger(child=True)


def submission_of(change: Change[Any]) -> RenderRequest | None:
    """The render request a change holds: an existing collage or album that moved into
    PROCESSING (an edit while processing, the renderer's own move, an insert, a removal: None)."""
    if change.kind not in MEDIA_ITEMS or change.event != "MODIFY" or not change.moved_into(PROCESSING):
        return None
    kind = Kind(change.kind)
    # the submission's updatedAt names its render: one output key per submission (SPEC 16 caching)
    submitted_at = change.new_item.get("updatedAt")
    render_id = render_id_of(submitted_at) if isinstance(submitted_at, str) and submitted_at else None
    return RenderRequest(kind=kind, id=change.new_item[kind.id_field], render_id=render_id or None)


class RenderDispatch:
    name = "render"

    def __init__(self, queue: RenderQueue) -> None:
        self._queue = queue

    def wants(self, change: Change[Any]) -> bool:
        return submission_of(change) is not None

    def react(self, change: Change[Any]) -> None:
        request = submission_of(change)
        if request is None:
            return
        self._queue.send([request])  # raises if SQS refused it: the record is retried
        logger.info("render requested", kind=request.kind.value, item_id=request.id)
