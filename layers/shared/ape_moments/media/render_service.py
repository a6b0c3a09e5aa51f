"""Rendering's use cases that need no image code: the backend's last move of a rendered or failed
item, and the dead letters (dispatching submissions is ``ape_moments.reactions.render``).

The renderer itself (``rendering``, on the imaging layer) calls ``RenderOutcomes`` when it is
done; the dead-letter function calls it when the renderer kept failing, so no collage or album
stays in PROCESSING. Every move is one conditional write from PROCESSING: a redelivered request
finds the item already moved and changes nothing; an admin's repair meanwhile stands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.media.item_repository import MediaItemsRepository
from ape_moments.media.items import COMPLETED, PROCESSING, MediaItem
from ape_moments.media.renders import GAVE_UP_MESSAGE, RenderRequest
from ape_moments.models import Kind
from ape_moments.table import Condition, ConditionFailed

logger = Logger(child=True)

_PROCESSING = Condition(statuses=frozenset({PROCESSING}))


class RenderOutcomes:
    """The backend's moves out of PROCESSING (SPEC 8), for either kind of media item."""

    def __init__(
        self,
        items: Mapping[Kind, MediaItemsRepository[Any]],
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._items = items
        self._clock = clock

    def item(self, request: RenderRequest) -> MediaItem | None:
        return self._items[request.kind].get(request.id)

    def completed(self, request: RenderRequest, output_key: str) -> bool:
        rendered = self._items[request.kind].kind.rendered_attribute
        return self._finish(request, {"status": COMPLETED, rendered: output_key, "errorMessage": None})

    def failed(self, request: RenderRequest, message: str) -> bool:
        """A collage becomes FAILED, an album goes back to READY (the kind's ``failed_status``);
        both say why."""
        kind = self._items[request.kind].kind
        changes = {"status": kind.failed_status.value, "errorMessage": message, kind.rendered_attribute: None}
        return self._finish(request, changes)

    def _finish(self, request: RenderRequest, changes: dict[str, Any]) -> bool:
        """True when this call moved the item; False when it was no longer PROCESSING."""
        writes = changes | {"updatedAt": to_aws_datetime(self._clock())}
        try:
            self._items[request.kind].update(request.id, writes, when=_PROCESSING)
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
