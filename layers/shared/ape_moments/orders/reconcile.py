"""The payments' part of the stuck-work sweeper (SPEC 12): no authorization left waiting, no money
kept by a FAILED order.

- An order still PENDING 15 minutes after its payment last moved, whose payment the provider
  says is authorized (the customer finished 3-D Secure but never came back, the webhook was lost,
  or the queue failed), is processed: moved to PROCESSING and queued, as checkoutOrder would.
- A FAILED order whose payment is still authorized or captured has it cancelled or refunded in
  full (once: the provider's current state is read first, each call carries its step's key).

Both read the status index (no Scan) and act through ``PaymentSteps`` and ``ProcessingStart``,
whose writes are conditional, so a run that overlaps another, or a webhook, does nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from ape_moments.clock import to_aws_datetime, utc_now
from ape_moments.orders.charging import PaymentSteps, ProcessingStart
from ape_moments.orders.models import Order, OrderStatus, PaymentStatus

logger = Logger(child=True)

AUTHORIZED_PENDING_AFTER = timedelta(minutes=15)
_MAY_BE_AUTHORIZED = ("AUTHORIZED", "REQUIRES_ACTION")  # 3-D Secure may have finished at the provider
_HOLDS_MONEY = ("AUTHORIZED", "CAPTURED")


def authorized_order_to_process(order: Order, provider_status: PaymentStatus, *, now: datetime) -> bool:
    """The rule: PENDING, its payment authorized at the provider, untouched for 15 minutes."""
    return (
        order.status is OrderStatus.PENDING
        and provider_status is PaymentStatus.AUTHORIZED
        and order.updated_at < to_aws_datetime(now - AUTHORIZED_PENDING_AFTER)
    )


def failed_order_keeps_money(order: Order) -> bool:
    """The rule: FAILED, and its payment (as recorded) still authorized or captured."""
    return order.status is OrderStatus.FAILED and order.payment is not None and order.payment.status in _HOLDS_MONEY


class PaymentReconciliation:
    def __init__(self, steps: PaymentSteps, start: ProcessingStart, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._steps = steps
        self._orders = steps.orders
        self._start = start
        self._clock = clock

    def run(self) -> dict[str, int]:
        """One pass: how many authorized orders were started, and failed orders' payments released."""
        now = self._clock()
        report = {"processed": 0, "released": 0}
        cutoff = to_aws_datetime(now - AUTHORIZED_PENDING_AFTER)
        for order in self._orders.with_payment_in(OrderStatus.PENDING, _MAY_BE_AUTHORIZED, updated_before=cutoff):
            if order.payment is None:
                continue
            intent = self._steps.provider.retrieve(order.payment)
            if authorized_order_to_process(order, intent.status, now=now):
                moved = self._start.start(order, intent)
                if moved.status is OrderStatus.PROCESSING:
                    report["processed"] += 1
                    logger.warning("authorized order left PENDING; processing started", order_id=order.order_id)
        for order in self._orders.with_payment_in(OrderStatus.FAILED, _HOLDS_MONEY):
            if failed_order_keeps_money(order) and order.payment is not None:
                self._steps.keep_payment(order, self._steps.release(order.payment))
                report["released"] += 1
                logger.warning("failed order held its payment; released", order_id=order.order_id)
        return report
