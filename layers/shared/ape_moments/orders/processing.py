"""Asynchronous order processing: check the sources, charge, fulfil, complete (SPEC sections 3, 9).

Fed by the order queue. Safe to run twice for the same order: a finished order is skipped, and
the charge is made at most once per order (``payments.OncePerOrder``). A message that keeps
failing goes to the dead-letter queue, whose function calls ``DeadLetters.give_up``, so no order stays in
PROCESSING without a trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from ape_moments import metrics
from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.errors import ValidationError
from ape_moments.orders.fulfilment import FulfilmentFiles, SourceFileGone
from ape_moments.orders.models import MAX_ERROR_MESSAGE, Order, OrderStatus, StatusChange, status_change
from ape_moments.orders.payments import OncePerOrder, PaymentDeclined
from ape_moments.orders.repository import OrdersRepository
from ape_moments.orders.source_repository import SourceRepository
from ape_moments.orders.sources import SourceGone, SourceRecord, SourceRef, check_found, fulfilled_key, manifest_key
from ape_moments.table import ConditionFailed

logger = Logger(child=True)

_FROM_PROCESSING = frozenset({OrderStatus.PROCESSING})
_STILL_OPEN = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})
GAVE_UP_MESSAGE = "processing failed repeatedly; the order was moved to the dead-letter queue"


class ProcessingMessage(BaseModel):
    orderId: str  # noqa: N815 - the message's wire name


class OrderProcessor:
    """The order worker: sources checked, charged once, files copied, manifest written, finished.

    Every step is safe to repeat. The payment id is recorded on the order as soon as the charge
    is made, so a redelivery after it skips the source check and the charge; copies have
    deterministic keys and one listing tells which exist, so none is made twice; the manifest is
    written after every copy and the order is COMPLETED only after the manifest.
    """

    def __init__(
        self,
        orders: OrdersRepository,
        sources: SourceRepository,
        files: FulfilmentFiles,
        charge_once: OncePerOrder,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._orders = orders
        self._sources = sources
        self._files = files
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
        unnamed = next((index for index, item in enumerate(order.items) if not item.has_source), None)
        if unnamed is not None:  # an order stored before items named their sources: nothing to make it from
            message = f"items[{unnamed}]: the item names no photo, collage or album; nothing was charged"
            self._fail(order_id, message, metrics.OrderFailure.SOURCE_GONE)
            return
        items = [(item.sku, item.source) for item in order.items]
        found = self._sources.read({ref for _, ref in items})
        if order.payment_id is None:
            try:
                check_found(items, found, order.customer_id)
            except ValidationError as gone:
                message = f"a source is no longer available ({gone.message}); nothing was charged"
                self._fail(order_id, message, metrics.OrderFailure.SOURCE_GONE)
                return
            try:
                payment_id = self._charge_once(order)
            except PaymentDeclined as declined:
                metrics.payment_declined(order_id)
                self._fail(order_id, declined.reason, metrics.OrderFailure.PAYMENT_DECLINED)
                return
            try:
                order = self._orders.record_payment(order_id, payment_id, updated_at=to_aws_datetime(self._clock()))
            except ConditionFailed:
                logger.error("order moved while it was charged; left as is", order_id=order_id, payment_id=payment_id)
                return
        try:
            self._fulfil(order, found)
        except SourceGone as gone:
            # Charged, but a source went before its file was copied: the order cannot be made.
            logger.error("charged order could not be fulfilled; refund due", order_id=order_id, reason=str(gone))
            self._fail(order_id, f"{gone}; the payment will be refunded", metrics.OrderFailure.FULFILMENT_ERROR)
            return
        completed = status_change(OrderStatus.COMPLETED, now=self._clock())
        if finish(self._orders, order_id, completed, _FROM_PROCESSING):
            metrics.order_completed(order_id)

    def _fulfil(self, order: Order, found: Mapping[SourceRef, SourceRecord]) -> None:
        """Copy each item's file (unless a previous delivery did), then write the manifest."""
        existing = self._files.existing(order.order_id)
        copied = False
        for index, item in enumerate(order.items):
            target = fulfilled_key(order.order_id, index, item.sku, item.source)
            if target in existing:
                continue
            record = found.get(item.source)
            gone = SourceGone(f"items[{index}].{item.source.kind.value}: the {item.source.kind.noun} was deleted")
            if record is None or record.file_key is None:
                raise gone
            try:
                self._files.copy(record.file_key, target)
            except SourceFileGone:
                raise gone from None
            copied = True
        sizes = self._files.existing(order.order_id) if copied else existing
        if manifest_key(order.order_id) in sizes:
            return  # written by a delivery that crashed before COMPLETED
        self._files.put_manifest(order.order_id, manifest(order, sizes))
        logger.info("order fulfilled", order_id=order.order_id, items=len(order.items))

    def _fail(self, order_id: str, reason: str, failure: metrics.OrderFailure) -> None:
        change = status_change(OrderStatus.FAILED, now=self._clock(), error_message=reason[:MAX_ERROR_MESSAGE])
        if finish(self._orders, order_id, change, _FROM_PROCESSING):
            metrics.order_failed(order_id, failure)


def manifest(order: Order, sizes: Mapping[str, int]) -> dict[str, Any]:
    """What the print lab reads: per item, what to make, from which source, and the copied file."""
    entries = []
    for index, item in enumerate(order.items):
        key = fulfilled_key(order.order_id, index, item.sku, item.source)
        entries.append(
            {
                "sku": item.sku,
                "quantity": item.quantity,
                "source": {item.source.kind.value: item.source.value},
                "key": key,
                "size": sizes[key],
            }
        )
    return {"orderId": order.order_id, "customerId": order.customer_id, "items": entries}


class DeadLetters:
    """The dead-letter function: an order whose message kept failing ends FAILED, with the reason."""

    def __init__(self, orders: OrdersRepository, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._orders = orders
        self._clock = clock

    def give_up(self, order_id: str) -> None:
        """Record the failure on the order if it is still open."""
        change = status_change(OrderStatus.FAILED, now=self._clock(), error_message=GAVE_UP_MESSAGE)
        if finish(self._orders, order_id, change, _STILL_OPEN):
            metrics.order_failed(order_id, metrics.OrderFailure.DEAD_LETTERED)


def finish(
    orders: OrdersRepository,
    order_id: str,
    change: StatusChange,
    sources: frozenset[OrderStatus],
    *,
    payment_id: str | None = None,
) -> bool:
    """The backend's last move of an order; if an admin moved it meanwhile, their decision stands.

    True when this call moved the order (its metrics are then published by the caller).
    """
    try:
        orders.change_status(order_id, change, allowed_from=sources, payment_id=payment_id)
    except ConditionFailed as failed:
        current = failed.current
        logger.warning(
            "order changed during processing; left as is", order_id=order_id, status=current and current.status
        )
        return False
    logger.info("order processed", order_id=order_id, status=change.status.value)
    return True
