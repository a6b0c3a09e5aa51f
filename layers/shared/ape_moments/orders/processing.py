"""Asynchronous order processing: charge, fulfil, complete (SPEC section 3).

Fed by the order queue. Safe to run twice for the same order: a finished order is skipped, and
the charge is made at most once per order (``payments.charge_once``). A message that keeps
failing goes to the dead-letter queue, whose handler calls ``give_up``, so no order stays in
PROCESSING without a trace.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from ape_moments.clock import utc_now
from ape_moments.orders.models import Order, status_change
from ape_moments.orders.payments import OncePerOrder, PaymentDeclined, SandboxPaymentProvider
from ape_moments.orders.repository import OrdersRepository, StatusConditionFailed
from ape_moments.orders.transitions import OrderStatus

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
    def __init__(
        self,
        repository: OrdersRepository,
        charge_once: OncePerOrder | None,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._orders = repository
        self._charge_once = charge_once  # None where the function only gives up (dead letters)
        self._clock = clock

    def register_lambda_context(self, context: Any) -> None:
        if self._charge_once is not None:
            self._charge_once.register_lambda_context(context)

    def process(self, order_id: str) -> None:
        order = self._orders.get(order_id)
        if order is None or order.status is not OrderStatus.PROCESSING:
            # Already finished (a redelivery), cancelled, or deleted: nothing left to do.
            logger.info("order not in PROCESSING; skipped", order_id=order_id, status=order and order.status)
            return
        if self._charge_once is None:
            raise RuntimeError("missing configuration: IDEMPOTENCY_TABLE_NAME")
        try:
            payment_id = self._charge_once(order)
        except PaymentDeclined as declined:
            self._finish(order_id, OrderStatus.FAILED, _FROM_PROCESSING, error_message=declined.reason)
            return
        fulfil(order)
        self._finish(order_id, OrderStatus.COMPLETED, _FROM_PROCESSING, payment_id=payment_id)

    def give_up(self, order_id: str) -> None:
        """The message is dead-lettered: record the failure on the order if it is still open."""
        self._finish(order_id, OrderStatus.FAILED, _STILL_OPEN, error_message=GAVE_UP_MESSAGE)

    def _finish(
        self,
        order_id: str,
        target: OrderStatus,
        sources: frozenset[OrderStatus],
        *,
        error_message: str | None = None,
        payment_id: str | None = None,
    ) -> None:
        change = status_change(target, now=self._clock(), error_message=error_message)
        try:
            self._orders.change_status(order_id, change, allowed_from=sources, payment_id=payment_id)
        except StatusConditionFailed as failed:
            # An admin moved it meanwhile; their decision stands.
            current = failed.current.status if failed.current else None
            logger.warning("order changed during processing; left as is", order_id=order_id, status=current)
            return
        logger.info("order processed", order_id=order_id, status=target.value)


@functools.cache
def order_processor() -> OrderProcessor:
    from ape_moments import aws
    from ape_moments.settings import settings

    config = settings()
    dynamodb = aws.client("dynamodb")
    charge_once = (
        OncePerOrder(SandboxPaymentProvider(), config.idempotency_table_name, dynamodb)
        if config.idempotency_table_name
        else None
    )
    return OrderProcessor(OrdersRepository(config.require("orders_table_name"), dynamodb), charge_once)
