"""The stuck-work sweeper: finds items left in PROCESSING past a limit and requeues or fails them.

Run on a schedule (template.yaml's ``SweeperSchedule``, EventBridge Scheduler). Each kind of item
that can be stuck plugs in as a ``StuckKind``: where to find its stuck items (an index query,
never a Scan) and how to settle one (a conditional write through its repository, then a message).
Orders plug in today (``orders/stuck.py``). Albums and collages would plug in the same way once
their tables have a status index (their renderer exists; a render stuck in PROCESSING is ended
by the render dead-letter function today): see docs/OPERATIONS.md, "Sweeper".

Every item whose settling this run did is counted as ``StuckItemsFound``; an item that moved
between the read and the write (finished meanwhile, or taken by an overlapping run) is neither
settled nor counted, so two runs never double-handle an item.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from ape_moments import aws, metrics
from ape_moments.clock import utc_now
from ape_moments.orders.queue import ProcessingQueue
from ape_moments.orders.repository import OrdersRepository
from ape_moments.orders.stuck import StuckOrders
from ape_moments.settings import SweeperSettings

logger = Logger(child=True)


class StuckKind[T](Protocol):
    kind: str  # "order", later "collage", "album": the metric metadata and the report's key

    def find(self, cutoff: datetime) -> Iterable[T]:
        """Items in PROCESSING whose last change is older than ``cutoff``."""
        ...

    def item_id(self, item: T) -> str: ...

    def settle(self, item: T) -> str | None:
        """Requeue or fail ``item``: "requeued" / "failed", or None when it moved meanwhile."""
        ...


class Sweeper:
    def __init__(
        self, kinds: list[StuckKind[Any]], *, stuck_after: timedelta, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._kinds = kinds
        self._stuck_after = stuck_after
        self._clock = clock

    def sweep(self) -> dict[str, dict[str, int]]:
        """One run: for each kind, how many stuck items were requeued and failed."""
        cutoff = self._clock() - self._stuck_after
        report: dict[str, dict[str, int]] = {}
        for kind in self._kinds:
            counts = report.setdefault(kind.kind, {"requeued": 0, "failed": 0})
            for item in kind.find(cutoff):
                item_id = kind.item_id(item)
                done = kind.settle(item)
                if done is None:
                    logger.info("stuck item moved meanwhile; left as is", kind=kind.kind, item_id=item_id)
                    continue
                counts[done] += 1
                metrics.stuck_item_found(kind.kind, item_id)
                logger.warning("stuck item settled", kind=kind.kind, item_id=item_id, action=done)
        return report


# ---- composition root ---------------------------------------------------------------------------


@functools.cache
def sweeper_settings() -> SweeperSettings:
    return SweeperSettings.from_environment()


@functools.cache
def sweeper() -> Sweeper:
    config = sweeper_settings()
    orders = StuckOrders(
        OrdersRepository(config.orders_table_name, aws.client("dynamodb")),
        ProcessingQueue(config.order_queue_url, aws.client("sqs")),
        max_requeues=config.max_requeues,
    )
    return Sweeper([orders], stuck_after=timedelta(minutes=config.stuck_after_minutes))
