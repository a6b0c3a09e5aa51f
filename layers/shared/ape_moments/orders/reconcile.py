"""The payments' part of the stuck-work sweeper (SPEC 12): no authorization left waiting, no money
kept by a FAILED order.

- An order still PENDING 15 minutes after its payment last moved, whose payment the provider
  says is authorized (the customer finished 3-D Secure but never came back, the webhook was lost,
  or the queue failed), is processed: moved to PROCESSING and queued, as checkoutOrder would.
- A FAILED order whose payment was not released (cancelled or refunded) yet has it cancelled or
  refunded in full (once: the provider's current state is read first, each call carries its step's
  key). Not only an AUTHORIZED or CAPTURED one: a customer who cancels a PENDING order after 3-D
  Secure passed at the bank leaves a payment recorded REQUIRES_ACTION that the provider holds as
  authorized (the fault sweep found it), and an order's recorded status may lag the provider's.

One order's failure (the provider unreachable, an idempotency record still in progress) is
logged and counted, and the run goes on to the next order: one order never blocks the others.

Both read the status index (no Scan) and act through ``PaymentSteps`` and ``ProcessingStart``,
whose writes are conditional, so a run that overlaps another, or a webhook, does nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.orders.charging import PaymentSteps, ProcessingStart
from ape_moments.orders.models import Order, OrderStatus, PaymentStatus

logger = Logger(child=True)

AUTHORIZED_PENDING_AFTER = timedelta(minutes=15)
_MAY_BE_AUTHORIZED = ("AUTHORIZED", "REQUIRES_ACTION")  # 3-D Secure may have finished at the provider
_NOT_RELEASED = ("REQUIRES_PAYMENT", "REQUIRES_ACTION", "AUTHORIZED", "CAPTURED")


def authorized_order_to_process(order: Order, provider_status: PaymentStatus, *, now: datetime) -> bool:
    """The rule: PENDING, its payment authorized at the provider, untouched for 15 minutes."""
    return (
        order.status is OrderStatus.PENDING
        and provider_status is PaymentStatus.AUTHORIZED
        and order.updated_at < to_aws_datetime(now - AUTHORIZED_PENDING_AFTER)
    )


def failed_order_keeps_money(order: Order) -> bool:
    """The rule: FAILED, and its payment (as recorded) neither cancelled nor refunded: it may hold money."""
    return order.status is OrderStatus.FAILED and order.payment is not None and order.payment.status in _NOT_RELEASED


class PaymentReconciliation:
    def __init__(self, steps: PaymentSteps, start: ProcessingStart, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._steps = steps
        self._orders = steps.orders
        self._start = start
        self._clock = clock

    def register_lambda_context(self, context: Any) -> None:
        """Lets Powertools expire an in-progress refund record when the function times out.

        Without it a record left in progress (the sweeper killed, or its write's answer lost)
        never expires, and every later run meets it: that order's refund would wait for 90 days.
        """
        register = getattr(self._steps.provider, "register_lambda_context", None)
        if register is not None:
            register(context)

    def run(self) -> dict[str, int]:
        """One pass: authorized orders started, failed orders' payments released, orders that failed to settle."""
        now = self._clock()
        report = {"processed": 0, "released": 0, "errors": 0}
        cutoff = to_aws_datetime(now - AUTHORIZED_PENDING_AFTER)
        for order in self._orders.with_payment_in(OrderStatus.PENDING, _MAY_BE_AUTHORIZED, updated_before=cutoff):
            if self._settle(order, self._process, report):
                report["processed"] += 1
                logger.warning("authorized order left PENDING; processing started", order_id=order.order_id)
        for order in self._orders.with_payment_in(OrderStatus.FAILED, _NOT_RELEASED):
            if failed_order_keeps_money(order) and self._settle(order, self._release, report):
                report["released"] += 1
                logger.warning("failed order held its payment; released", order_id=order.order_id)
        return report

    def _settle(self, order: Order, action: Callable[[Order], bool], report: dict[str, int]) -> bool:
        try:
            return action(order)
        except Exception:
            report["errors"] += 1
            logger.exception(
                "could not reconcile the order's payment; the next run tries again", order_id=order.order_id
            )
            return False

    def _process(self, order: Order) -> bool:
        if order.payment is None:
            return False
        intent = self._steps.provider.retrieve(order.payment)
        if not authorized_order_to_process(order, intent.status, now=self._clock()):
            return False
        return self._start.start(order, intent).status is OrderStatus.PROCESSING

    def _release(self, order: Order) -> bool:
        if order.payment is None:
            return False
        self._steps.keep_payment(order, self._steps.release(order.payment))
        return True
