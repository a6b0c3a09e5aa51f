"""Asynchronous order processing: check the sources, capture, fulfil, complete (SPEC 3, 9, 12).

Fed by the order queue. Safe to run twice for the same order, or to be killed between any two
steps: a finished order is skipped; the payment is captured only while the provider says it is
authorized (and with the step's idempotency key), and recorded on the order at once; a source
gone before the capture cancels the authorization ("nothing was charged"), any failure after it
refunds in full, once ("the payment was refunded"). A message that keeps failing goes to the
dead-letter queue, whose function calls ``DeadLetters.give_up`` (which releases the payment the
same way), so no order stays in PROCESSING without a trace and none ends FAILED with money kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from ape_moments import metrics
from ape_moments.clock import utc_now
from ape_moments.errors import ValidationError
from ape_moments.orders.charging import PaymentSteps
from ape_moments.orders.fulfilment import FulfilmentFiles, SourceFileGone
from ape_moments.orders.models import Order, OrderStatus, Payment, PaymentStatus, StatusChange, status_change
from ape_moments.orders.payments import keys, to_minor_units
from ape_moments.orders.repository import OrdersRepository
from ape_moments.orders.source_repository import SourceRepository
from ape_moments.orders.sources import SourceGone, SourceRecord, SourceRef, check_found, fulfilled_key, manifest_key
from ape_moments.table import ConditionFailed

logger = Logger(child=True)

_FROM_PROCESSING = frozenset({OrderStatus.PROCESSING})
_STILL_OPEN = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})
GAVE_UP_MESSAGE = "processing failed repeatedly; the order was moved to the dead-letter queue"
NO_AUTHORIZATION = "the order has no authorized payment (checkoutOrder first)"


class ProcessingMessage(BaseModel):
    orderId: str  # noqa: N815 - the message's wire name


class OrderProcessor:
    """The order worker: sources checked, payment captured once, files copied, manifest written, finished.

    With the sandbox provider an order without a payment (processOrder straight away, SPEC 3) is
    authorized here first; with Stripe the payment was authorized at checkout.
    """

    def __init__(
        self,
        orders: OrdersRepository,
        sources: SourceRepository,
        files: FulfilmentFiles,
        steps: PaymentSteps,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._orders = orders
        self._sources = sources
        self._files = files
        self._steps = steps
        self._provider = steps.provider
        self._clock = clock

    def register_lambda_context(self, context: Any) -> None:
        """Lets Powertools expire an in-progress capture or refund record when the function times out."""
        register = getattr(self._provider, "register_lambda_context", None)
        if register is not None:
            register(context)

    def process(self, order_id: str) -> None:
        order = self._orders.get(order_id)
        if order is None or order.status is not OrderStatus.PROCESSING:
            # Already finished (a redelivery), cancelled, or deleted: nothing left to do.
            logger.info("order not in PROCESSING; skipped", order_id=order_id, status=order and order.status)
            return
        unnamed = next((index for index, item in enumerate(order.items) if not item.has_source), None)
        if unnamed is not None:  # an order stored before items named their sources: nothing to make it from
            message = f"items[{unnamed}]: the item names no photo, collage or album"
            self._fail(order, message, metrics.OrderFailure.SOURCE_GONE)
            return
        items = [(item.sku, item.source) for item in order.items]
        found = self._sources.read({ref for _, ref in items})
        if order.payment is None or order.payment.status is not PaymentStatus.CAPTURED:
            try:
                check_found(items, found, order.customer_id)
            except ValidationError as gone:
                self._fail(order, f"a source is no longer available ({gone.message})", metrics.OrderFailure.SOURCE_GONE)
                return
            captured = self._capture(order)
            if captured is None:
                return
            order = captured
        try:
            self._fulfil(order, found)
        except SourceGone as gone:
            # Captured, but a source went before its file was copied: the order cannot be made.
            logger.error("captured order could not be fulfilled; refunding", order_id=order_id, reason=str(gone))
            self._fail(order, str(gone), metrics.OrderFailure.FULFILMENT_ERROR)
            return
        completed = status_change(OrderStatus.COMPLETED, now=self._clock())
        if finish(self._orders, order_id, completed, _FROM_PROCESSING):
            metrics.order_completed(order_id)

    def _authorized(self, order: Order) -> Payment | None:
        """The order's authorized payment; the sandbox authorizes an order without one here."""
        payment = order.payment
        if payment is not None and payment.status in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED):
            return payment
        if self._provider.confirms_at_checkout:
            self._fail(order, NO_AUTHORIZATION, metrics.OrderFailure.PAYMENT_DECLINED)
            return None
        amount = to_minor_units(order.total_price, order.currency)
        intent = self._provider.create(
            order_id=order.order_id,
            customer_id=order.customer_id,
            amount=amount,
            currency=order.currency,
            idempotency_key=keys.create(order.order_id, amount, order.currency),
        )
        pending = self._steps.stored(intent)
        intent = self._provider.confirm(pending, "sandbox", idempotency_key=keys.confirm(intent.payment_id, "sandbox"))
        if intent.decline_reason is not None:
            metrics.payment_declined(order.order_id)
            self._steps.void(
                order.model_copy(update={"payment": None}),
                intent.decline_reason,
                metrics.OrderFailure.PAYMENT_DECLINED,
                allowed_from=_FROM_PROCESSING,
                declined=True,
            )
            return None
        return self._steps.stored(intent)

    def _capture(self, order: Order) -> Order | None:
        """Capture the authorized payment and record it on the order; None when the order ended."""
        payment = self._authorized(order)
        if payment is None:
            return None
        intent = self._provider.capture(payment, idempotency_key=keys.capture(payment.payment_id))
        captured = self._steps.stored(intent)
        if intent.status is not PaymentStatus.CAPTURED:
            # Canceled or expired at the provider meanwhile: nothing to capture, nothing charged.
            self._fail(
                order.model_copy(update={"payment": captured}),
                "the payment authorization was lost",
                metrics.OrderFailure.PAYMENT_DECLINED,
            )
            return None
        metrics.payment_captured(payment.payment_id, intent.amount, intent.currency)
        try:
            return self._orders.record_payment(
                order.order_id, captured, allowed_from=_FROM_PROCESSING, keep_error_message=True
            )
        except ConditionFailed as failed:
            # An admin moved the order while it was captured: it will not be made, so give the money back.
            current = failed.current
            logger.error("order moved while it was captured; refunding", order_id=order.order_id)
            if current is not None:
                self._steps.keep_payment(current, self._steps.release(captured))
            return None

    def _fulfil(self, order: Order, found: Mapping[SourceRef, SourceRecord]) -> None:
        """Copy each item's file (unless a previous delivery did), then write the manifest."""
        existing = self._files.existing(order.order_id)
        copied = False
        for index, item in enumerate(order.items):
            target = fulfilled_key(order.order_id, index, item.sku, item.source)
            if target in existing:
                continue
            record = found.get(item.source)
            gone = SourceGone(f"items[{index}].{item.source.field}: the {item.source.kind.value} was deleted")
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

    def _fail(self, order: Order, reason: str, failure: metrics.OrderFailure) -> None:
        """FAILED from PROCESSING, the payment cancelled or refunded first (the message says which)."""
        self._steps.void(order, reason, failure, allowed_from=_FROM_PROCESSING)


def manifest(order: Order, sizes: Mapping[str, int]) -> dict[str, Any]:
    """What the print lab reads: per item, what to make, from which source, and the copied file."""
    entries = []
    for index, item in enumerate(order.items):
        key = fulfilled_key(order.order_id, index, item.sku, item.source)
        entries.append(
            {
                "sku": item.sku,
                "quantity": item.quantity,
                "source": {item.source.field: item.source.value},
                "key": key,
                "size": sizes[key],
            }
        )
    return {"orderId": order.order_id, "customerId": order.customer_id, "items": entries}


class DeadLetters:
    """The dead-letter function: an order whose message kept failing ends FAILED, its payment released."""

    def __init__(self, orders: OrdersRepository, steps: PaymentSteps) -> None:
        self._orders = orders
        self._steps = steps

    def register_lambda_context(self, context: Any) -> None:
        register = getattr(self._steps.provider, "register_lambda_context", None)
        if register is not None:
            register(context)

    def give_up(self, order_id: str) -> None:
        """Record the failure on the order if it is still open (cancel or refund its payment first)."""
        order = self._orders.get(order_id)
        if order is None or order.status not in _STILL_OPEN:
            return
        self._steps.void(order, GAVE_UP_MESSAGE, metrics.OrderFailure.DEAD_LETTERED, allowed_from=_STILL_OPEN)


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
