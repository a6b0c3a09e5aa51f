"""The payment steps every order path shares: start processing on an authorization, and give the
money back when an order cannot be made (SPEC 12).

``PaymentSteps.void`` is the one way an order that will not be fulfilled lets go of its payment:
it reads the payment's current state from the provider, cancels what is only authorized
("nothing was charged") and refunds in full what was captured ("the payment was refunded"), then
writes the FAILED status and the payment in one conditional write. Every step is idempotent: the
provider is asked for the current state first and each call carries the step's idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime

from aws_lambda_powertools import Logger

from ape_moments import metrics
from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.orders.models import MAX_ERROR_MESSAGE, Order, OrderStatus, Payment, PaymentStatus, status_change
from ape_moments.orders.payments import Intent, PaymentProvider, keys
from ape_moments.orders.queue import ProcessingQueue
from ape_moments.orders.repository import OrdersRepository
from ape_moments.table import ConditionFailed

logger = Logger(child=True)

NOTHING_CHARGED = "nothing was charged"
REFUNDED = "the payment was refunded"
_HOLDS_MONEY = frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED})
_CANCELABLE = frozenset({PaymentStatus.REQUIRES_PAYMENT, PaymentStatus.REQUIRES_ACTION, PaymentStatus.AUTHORIZED})


def holds_money(payment: Payment | None) -> bool:
    """Authorized or captured: money the order must either use or give back."""
    return payment is not None and payment.status in _HOLDS_MONEY


def with_outcome(reason: str, payment: Payment | None) -> str:
    """The FAILED message, ending with what became of the money (the notifications read it)."""
    outcome = REFUNDED if payment is not None and payment.status is PaymentStatus.REFUNDED else NOTHING_CHARGED
    if reason.endswith(outcome):
        return reason[:MAX_ERROR_MESSAGE]
    suffix = f"; {outcome}"
    return reason[: MAX_ERROR_MESSAGE - len(suffix)] + suffix


class PaymentSteps:
    def __init__(
        self,
        orders: OrdersRepository,
        provider: PaymentProvider,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.orders = orders
        self.provider = provider
        self._clock = clock

    def now(self) -> str:
        return to_aws_datetime(self._clock())

    def stored(self, intent: Intent) -> Payment:
        return intent.stored(self.provider.name, self.now())

    def release(self, payment: Payment) -> Payment:
        """Cancel an authorization, refund a capture (in full, once); the payment as it now is."""
        intent = self.provider.retrieve(payment)
        if intent.status in _CANCELABLE:
            intent = self.provider.cancel(payment, idempotency_key=keys.cancel(payment.payment_id))
        if intent.status is PaymentStatus.CAPTURED:
            intent = self.provider.refund(payment, idempotency_key=keys.refund(payment.payment_id))
            if intent.status is PaymentStatus.REFUNDED:
                metrics.payment_refunded(payment.payment_id, intent.amount_refunded, intent.currency)
        return self.stored(intent)

    def void(
        self,
        order: Order,
        reason: str,
        failure: metrics.OrderFailure,
        *,
        allowed_from: Collection[OrderStatus],
        declined: bool = False,
    ) -> bool:
        """Fail ``order`` (from ``allowed_from``), cancelling or refunding its payment first.

        True when this call moved the order. An order that moved meanwhile (an admin's decision)
        keeps its status, but its payment is released and recorded all the same: a FAILED order
        never keeps money. ``declined``: the provider refused the payment, the reason says it all
        (SPEC 3's sandbox message, kept exactly).
        """
        payment = self.release(order.payment) if order.payment is not None else None
        message = reason[:MAX_ERROR_MESSAGE] if declined else with_outcome(reason, payment)
        change = status_change(OrderStatus.FAILED, now=self._clock(), error_message=message)
        try:
            if payment is None:
                self.orders.change_status(order.order_id, change, allowed_from=allowed_from)
            else:
                self.orders.record_payment(order.order_id, payment, allowed_from=allowed_from, change=change)
        except ConditionFailed as failed:
            current = failed.current
            logger.warning("order moved while failing it", order_id=order.order_id, status=current and current.status)
            if payment is not None and current is not None:
                self.keep_payment(current, payment)
            return False
        metrics.order_failed(order.order_id, failure)
        return True

    def keep_payment(self, order: Order, payment: Payment) -> None:
        """Record ``payment`` on the order as it is (no status change), if it is still the order's payment."""
        try:
            self.orders.record_payment(
                order.order_id,
                payment,
                allowed_from=set(OrderStatus),
                keep_error_message=True,
                expected_payment_id=payment.payment_id,
            )
        except ConditionFailed:
            logger.warning("order holds another payment now; left as is", order_id=order.order_id)


class ProcessingStart:
    """An authorized payment starts processing by itself (SPEC 12), whoever learns of it first."""

    def __init__(self, steps: PaymentSteps, queue: ProcessingQueue) -> None:
        self._steps = steps
        self._queue = queue

    def start(self, order: Order, intent: Intent) -> Order:
        """PENDING → PROCESSING with the AUTHORIZED payment in one write, then queue it.

        Only the order's own payment moves it (``expected_payment_id``). An order already moved
        by the other path (webhook or checkout) is answered as it is. A queue that cannot be
        reached puts the order back to PENDING (the authorization stays; the next checkout or the
        sweeper starts it again) and raises.
        """
        payment = self._steps.stored(intent)
        change = status_change(OrderStatus.PROCESSING, now=self._steps._clock())
        orders = self._steps.orders
        try:
            moved = orders.record_payment(
                order.order_id,
                payment,
                allowed_from={OrderStatus.PENDING},
                change=change,
                expected_payment_id=intent.payment_id,
            )
        except ConditionFailed as failed:
            logger.info("authorized order already moved", order_id=order.order_id)
            return failed.current or order
        try:
            self._queue.send(order.order_id)
        except Exception:
            logger.exception("could not queue the authorized order; back to PENDING", order_id=order.order_id)
            try:
                orders.change_status(
                    order.order_id,
                    status_change(OrderStatus.PENDING, now=self._steps._clock()),
                    allowed_from={OrderStatus.PROCESSING},
                    expected_updated_at=moved.updated_at,
                )
            except ConditionFailed:
                logger.warning("order changed while undoing PROCESSING; left as is", order_id=order.order_id)
            raise
        metrics.order_queued(order.order_id)
        return moved
