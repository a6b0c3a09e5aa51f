"""Orders stuck in PROCESSING: the orders' part of the sweeper (``ape_moments.jobs.sweeper``).

An order is PROCESSING from processOrder until the worker finishes it or the dead-letter handler
fails it. It stays there only if its message was lost: processOrder's queue send and its undo both
failed (the double fault of docs/SECURITY.md), or a message vanished. Past the limit the sweeper
queues it again (the worker charges at most once per order, so a second message is safe) and counts
that on the order (``sweepCount``); an order found stuck after ``max_requeues`` requeues is failed
with reason ``stuck``. Every move is one conditional write on the ``updatedAt`` the sweeper read, so
an order that moved meanwhile, or that a concurrent sweep took, is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from aws_lambda_powertools import Logger

from ape_moments import metrics
from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.orders.models import Order, OrderStatus, status_change
from ape_moments.orders.queue import ProcessingQueue
from ape_moments.orders.repository import OrdersRepository
from ape_moments.table import ConditionFailed

logger = Logger(child=True)

STUCK_MESSAGE = "processing did not finish: the order was found stuck and failed by the sweeper; retry it"


class StuckOrders:
    kind = "order"

    def __init__(
        self,
        orders: OrdersRepository,
        queue: ProcessingQueue,
        *,
        max_requeues: int,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._orders = orders
        self._queue = queue
        self._max_requeues = max_requeues
        self._clock = clock

    def find(self, cutoff: datetime) -> Iterator[Order]:
        return self._orders.processing_since_before(to_aws_datetime(cutoff))

    def item_id(self, order: Order) -> str:
        return order.order_id

    def settle(self, order: Order) -> str | None:
        """Requeue or fail one stuck order; what was done, or None if it had moved meanwhile."""
        if (order.sweep_count or 0) >= self._max_requeues:
            return "failed" if self._fail(order) else None
        return "requeued" if self._requeue(order) else None

    def _requeue(self, order: Order) -> bool:
        try:
            self._orders.mark_requeued(
                order.order_id, seen_updated_at=order.updated_at, now=to_aws_datetime(self._clock())
            )
        except ConditionFailed:
            return False
        # A send that fails leaves the order PROCESSING with its count raised: the next sweep
        # finds it again, and fails it once the count runs out.
        self._queue.send(order.order_id)
        return True

    def _fail(self, order: Order) -> bool:
        change = status_change(OrderStatus.FAILED, now=self._clock(), error_message=STUCK_MESSAGE)
        try:
            self._orders.change_status(
                order.order_id, change, allowed_from={OrderStatus.PROCESSING}, expected_updated_at=order.updated_at
            )
        except ConditionFailed:
            return False
        metrics.order_failed(order.order_id, metrics.OrderFailure.STUCK)
        return True
