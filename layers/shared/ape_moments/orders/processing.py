"""Asynchronous order processing: charge, fulfil, complete (SPEC section 3).

Fed by the order queue. Safe to run twice for the same order: a finished order is skipped, and
the charge is made at most once per order (``payments.OncePerOrder``). A message that keeps
failing goes to the dead-letter queue, whose function calls ``DeadLetters.give_up``, so no order stays in
PROCESSING without a trace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from ape_moments.clock import utc_now
from ape_moments.orders.models import Order, OrderStatus, StatusChange, status_change
from ape_moments.orders.payments import OncePerOrder, PaymentDeclined
from ape_moments.orders.repository import OrdersRepository
from ape_moments.table import ConditionFailed

logger = Logger(child=True)

_FROM_PROCESSING = frozenset({OrderStatus.PROCESSING})
_STILL_OPEN = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})
GAVE_UP_MESSAGE = "processing failed repeatedly; the order was moved to the dead-letter queue"


class ProcessingMessage(BaseModel):
    orderId: str  # noqa: N815 - the message's wire name


def fulfil(order: Order) -> None:
    """Placeholder for print production and shipping (SPEC: 'fulfils (placeholder)')."""
    logger.info("order fulfilled", order_id=order.order_id, items=len(order.items))


class OrderProcessor:
    """The order worker: charge once, fulfil, finish."""

    def __init__(
        self, orders: OrdersRepository, charge_once: OncePerOrder, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._orders = orders
        self._charge_once = charge_once
        self._clock = clock

    def register_lambda_context(self, context: Any) -> None:
        self._charge_once.register_lambda_context(context)

    def process(self, order_id: str) -> None:
        order = self._orders.get(order_id)
        if order is None or order.status is not OrderStatus.PROCESSING:
            # Already finished (a redelivery), cancelled, or deleted: nothing left to do.
            logger.info("order not in PROCESSING; skipped", order_id=order_id, status=order and order.status)
            return
        try:
            payment_id = self._charge_once(order)
        except PaymentDeclined as declined:
            finish(
                self._orders,
                order_id,
                status_change(OrderStatus.FAILED, now=self._clock(), error_message=declined.reason),
                _FROM_PROCESSING,
            )
            return
        fulfil(order)
        finish(
            self._orders,
            order_id,
            status_change(OrderStatus.COMPLETED, now=self._clock()),
            _FROM_PROCESSING,
            payment_id=payment_id,
        )


class DeadLetters:
    """The dead-letter function: an order whose message kept failing ends FAILED, with the reason."""

    def __init__(self, orders: OrdersRepository, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._orders = orders
        self._clock = clock

    def give_up(self, order_id: str) -> None:
        """Record the failure on the order if it is still open."""
        change = status_change(OrderStatus.FAILED, now=self._clock(), error_message=GAVE_UP_MESSAGE)
        finish(self._orders, order_id, change, _STILL_OPEN)


def finish(
    orders: OrdersRepository,
    order_id: str,
    change: StatusChange,
    sources: frozenset[OrderStatus],
    *,
    payment_id: str | None = None,
) -> None:
    """The backend's last move of an order; if an admin moved it meanwhile, their decision stands."""
    try:
        orders.change_status(order_id, change, allowed_from=sources, payment_id=payment_id)
    except ConditionFailed as failed:
        current = failed.current
        logger.warning(
            "order changed during processing; left as is", order_id=order_id, status=current and current.status
        )
        return
    logger.info("order processed", order_id=order_id, status=change.status.value)
