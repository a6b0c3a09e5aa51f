"""Rendering's use cases that need no image code: the backend's last move of a rendered or failed
item, and the dead letters (dispatching submissions is ``ape_moments.reactions.render``).

The renderer itself (``rendering``, on the imaging layer) calls ``RenderOutcomes`` when it is
done; the dead-letter function calls it when the renderer kept failing, so no collage or album
stays in PROCESSING. Every move is one conditional write from PROCESSING: a redelivered request
finds the item already moved and changes nothing; an admin's repair meanwhile stands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.media.album_repository import AlbumsRepository
from ape_moments.media.albums import AlbumStatus
from ape_moments.media.collage_repository import CollagesRepository
from ape_moments.media.collages import CollageStatus
from ape_moments.media.renders import GAVE_UP_MESSAGE, RenderKind, RenderRequest
from ape_moments.table import Condition, ConditionFailed

logger = Logger(child=True)

_COLLAGE_PROCESSING = Condition(statuses=frozenset({CollageStatus.PROCESSING}))
_ALBUM_PROCESSING = Condition(statuses=frozenset({AlbumStatus.PROCESSING}))


class RenderOutcomes:
    """The backend's moves out of PROCESSING (SPEC 8)."""

    def __init__(
        self,
        albums: AlbumsRepository,
        collages: CollagesRepository,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.albums = albums
        self.collages = collages
        self._clock = clock

    def completed(self, request: RenderRequest, output_key: str) -> bool:
        if request.kind is RenderKind.COLLAGE:
            changes = {"status": CollageStatus.COMPLETED.value, "outputKey": output_key, "errorMessage": None}
        else:
            changes = {"status": AlbumStatus.COMPLETED.value, "pdfKey": output_key, "errorMessage": None}
        return self._finish(request, changes)

    def failed(self, request: RenderRequest, message: str) -> bool:
        """A collage becomes FAILED, an album goes back to READY; both say why."""
        if request.kind is RenderKind.COLLAGE:
            changes = {"status": CollageStatus.FAILED.value, "errorMessage": message, "outputKey": None}
        else:
            changes = {"status": AlbumStatus.READY.value, "errorMessage": message, "pdfKey": None}
        return self._finish(request, changes)

    def _finish(self, request: RenderRequest, changes: dict[str, Any]) -> bool:
        """True when this call moved the item; False when it was no longer PROCESSING."""
        writes = changes | {"updatedAt": to_aws_datetime(self._clock())}
        try:
            if request.kind is RenderKind.COLLAGE:
                self.collages.update(request.id, writes, when=_COLLAGE_PROCESSING)
            else:
                self.albums.update(request.id, writes, when=_ALBUM_PROCESSING)
        except ConditionFailed as refused:
            current = refused.current
            logger.warning(
                "render finished but the item is no longer PROCESSING; left as is",
                kind=request.kind.value,
                item_id=request.id,
                status=current and current.status,
            )
            return False
        logger.info("render finished", kind=request.kind.value, item_id=request.id, status=changes["status"])
        return True


class RenderDeadLetters:
    """A render request the renderer kept failing on (crash, timeout): the item says so."""

    def __init__(self, outcomes: RenderOutcomes) -> None:
        self._outcomes = outcomes

    def give_up(self, request: RenderRequest) -> bool:
        return self._outcomes.failed(request, GAVE_UP_MESSAGE)
