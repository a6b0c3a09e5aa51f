"""checkoutOrder, refundOrder and the provider's webhook (SPEC 12).

``OrderCheckout`` gives a PENDING order one payment, confirms it with the customer's payment
method, and starts processing once it is authorized. The order holds at most one payment that
could be captured: a declined one is cancelled before its replacement is made, and every write
of the order's payment is conditional on the payment it replaces.

``PaymentWebhook`` applies a verified event at most once (Powertools idempotency on the event
id) and acts only on the PaymentIntent's current state, read from the provider: the event is a
hint, never the truth. ``OrderRefunds`` is the admins' full refund of a COMPLETED order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from ape_moments import metrics
from ape_moments.caller import Caller
from ape_moments.errors import Conflict, Forbidden, InternalError, NotFound
from ape_moments.orders.charging import PaymentSteps, ProcessingStart
from ape_moments.orders.models import (
    CheckoutOrderRequest,
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    RefundOrderRequest,
)
from ape_moments.orders.payments import Intent, ProviderUnavailable, keys, to_minor_units
from ape_moments.orders.source_repository import SourceRepository
from ape_moments.orders.sources import check_found
from ape_moments.table import ConditionFailed
from ape_moments.validation import parse

logger = Logger(child=True)

_REPLACEABLE = frozenset({PaymentStatus.CANCELED, PaymentStatus.REFUNDED})
_STARTED = frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED})


def _not_found() -> NotFound:
    return NotFound("orderId: no such order")


@dataclass(frozen=True, slots=True)
class Checkout:
    order_id: str
    provider: str
    intent: Intent
    publishable_key: str | None

    def to_graphql(self) -> dict[str, Any]:
        return {
            "orderId": self.order_id,
            "provider": self.provider,
            "status": self.intent.status.value,
            "amount": self.intent.amount,
            "currency": self.intent.currency,
            "clientSecret": self.intent.client_secret,
            "publishableKey": self.publishable_key,
            "declineReason": self.intent.decline_reason
            if self.intent.status is PaymentStatus.REQUIRES_PAYMENT
            else None,
        }


class OrderCheckout:
    """checkoutOrder: the Orders table, the sources, the provider and the order queue."""

    def __init__(self, steps: PaymentSteps, sources: SourceRepository, start: ProcessingStart) -> None:
        self._steps = steps
        self._orders = steps.orders
        self._provider = steps.provider
        self._sources = sources
        self._start = start

    def checkout_order(self, caller: Caller, arguments: dict[str, Any]) -> Checkout:
        request = parse(CheckoutOrderRequest, arguments)
        order = self._orders.get(request.order_id)
        if order is None or not caller.may_access(order.customer_id):
            raise _not_found()
        amount = to_minor_units(order.total_price, order.currency)  # ValidationError before any provider call
        try:
            return self._checkout(order, amount, request.payment_method_id)
        except ProviderUnavailable:
            logger.exception("payment provider failed during checkout", order_id=order.order_id)
            raise InternalError("the payment provider could not be reached; try again") from None

    def _checkout(self, order: Order, amount: int, payment_method: str | None) -> Checkout:
        payment = order.payment
        if order.status is not OrderStatus.PENDING:
            if payment is not None and payment.status in _STARTED and order.status is not OrderStatus.FAILED:
                # A repeated call once processing started (the webhook or a first call did it): the same answer.
                return self._answer(order, self._provider.retrieve(payment))
            raise Conflict(f"status: an order in {order.status} cannot be checked out")
        if payment_method is not None and payment is None:
            # Refuse an order that cannot be made before anything is authorized (SPEC 12).
            items = [(item.sku, item.source) for item in order.items if item.has_source]
            check_found(items, self._sources.read({ref for _, ref in items}), order.customer_id)
        intent = self._provider.retrieve(payment) if payment is not None else None
        if (
            intent is None
            or intent.status in _REPLACEABLE
            or (intent.amount, intent.currency) != (amount, order.currency)
        ):
            intent, order = self._new_payment(order, amount, intent)
        elif payment_method is not None and intent.status is PaymentStatus.REQUIRES_PAYMENT and intent.decline_reason:
            # Declined before: the provider may refuse a second confirmation, so replace it.
            intent, order = self._new_payment(order, amount, intent)
        if payment_method is not None and intent.status is PaymentStatus.REQUIRES_PAYMENT:
            intent = self._provider.confirm(
                self._steps.stored(intent),
                payment_method,
                idempotency_key=keys.confirm(intent.payment_id, payment_method),
            )
        if intent.status is PaymentStatus.AUTHORIZED:
            try:
                order = self._start.start(order, intent)
            except ConditionFailed:
                raise Conflict("orderId: the order changed during checkout; try again") from None
            except Exception:
                raise InternalError("the order could not be queued for processing; try again") from None
            metrics.payment_authorized(order.order_id)
            return self._answer(order, intent)
        if intent.decline_reason is not None and intent.status is PaymentStatus.REQUIRES_PAYMENT:
            metrics.payment_declined(order.order_id)
        order = self._record(order, intent, error_message=intent.decline_reason)
        return self._answer(order, intent)

    def _new_payment(self, order: Order, amount: int, previous: Intent | None) -> tuple[Intent, Order]:
        """Cancel the previous payment (if it could still be confirmed), make the order's next one, record it."""
        replaces = None
        if previous is not None:
            replaces = previous.payment_id
            if previous.status not in _REPLACEABLE:
                stored = self._steps.stored(previous)
                previous = self._provider.cancel(stored, idempotency_key=keys.cancel(previous.payment_id))
                if previous.status is not PaymentStatus.CANCELED:
                    # Authorized meanwhile (a confirmation from the browser): that one is the order's payment.
                    return previous, order
        intent = self._provider.create(
            order_id=order.order_id,
            customer_id=order.customer_id,
            amount=amount,
            currency=order.currency,
            idempotency_key=keys.create(order.order_id, amount, order.currency, replaces),
        )
        return intent, self._record(order, intent, error_message=order.error_message, replaces=replaces)

    def _record(self, order: Order, intent: Intent, *, error_message: str | None, replaces: str | None = None) -> Order:
        """Keep the payment on the PENDING order, only while it holds the payment this call started from."""
        expected = replaces if replaces is not None else (order.payment.payment_id if order.payment else None)
        try:
            return self._orders.record_payment(
                order.order_id,
                self._steps.stored(intent),
                allowed_from={OrderStatus.PENDING},
                error_message=error_message,
                expected_payment_id=expected,
                expected_updated_at=None if expected else order.updated_at,
            )
        except ConditionFailed as failed:
            current: Order | None = failed.current
            if current is not None and current.payment is not None and current.payment.payment_id == intent.payment_id:
                return current  # a concurrent checkout recorded the same payment
            raise Conflict("orderId: the order changed during checkout; try again") from None

    def _answer(self, order: Order, intent: Intent) -> Checkout:
        return Checkout(order.order_id, self._provider.name, intent, self._provider.publishable_key)


class OrderRefunds:
    """refundOrder: admins; a COMPLETED order with a captured payment; a full refund, at most once."""

    def __init__(self, steps: PaymentSteps) -> None:
        self._steps = steps
        self._orders = steps.orders

    def refund_order(self, caller: Caller, arguments: dict[str, Any]) -> Order:
        request = parse(RefundOrderRequest, arguments)
        if not caller.is_admin:  # before any read: the same answer whether the order exists or not
            raise Forbidden("refundOrder: only admins may refund an order")
        order = self._orders.get(request.order_id)
        if order is None:
            raise _not_found()
        payment = order.payment
        if order.status is not OrderStatus.COMPLETED or payment is None or payment.status is not PaymentStatus.CAPTURED:
            shown = payment.status if payment else "no payment"
            raise Conflict(f"status: an order in {order.status} with {shown} cannot be refunded")
        try:
            refunded = self._steps.release(payment)
        except ProviderUnavailable:
            logger.exception("payment provider failed during refund", order_id=order.order_id)
            raise InternalError("the payment provider could not be reached; try again") from None
        logger.info("order refunded", order_id=order.order_id, reason=request.reason)
        try:
            return self._orders.record_payment(
                order.order_id,
                refunded,
                allowed_from={OrderStatus.COMPLETED},
                keep_error_message=True,
                expected_payment_id=payment.payment_id,
            )
        except ConditionFailed:
            raise Conflict("orderId: the order changed during the refund; try again") from None


# ---- the webhook ----------------------------------------------------------------------------------

PAYMENT_EVENTS = frozenset(
    {
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.requires_action",
    }
)
EVENT_RECORD_LIFETIME = 30 * 24 * 3600  # Stripe retries a webhook for up to 3 days


class PaymentWebhook:
    """Applies one verified provider event: at most once, from the provider's current state."""

    def __init__(
        self,
        steps: PaymentSteps,
        start: ProcessingStart,
        *,
        once: Callable[[Callable[[dict[str, Any]], str]], Callable[[dict[str, Any]], str]] = lambda apply: apply,
    ) -> None:
        self._steps = steps
        self._orders = steps.orders
        self._provider = steps.provider
        self._start = start
        self._once = once
        self._apply_once = once(self._apply)

    def register_lambda_context(self, context: Any) -> None:
        """Lets an event record left in progress expire when the invocation times out (``OncePerEvent``)."""
        register = getattr(self._once, "register_lambda_context", None)
        if register is not None:
            register(context)

    def handle(self, event: dict[str, Any]) -> str:
        """What was done with the event (for the log and the response)."""
        if event.get("type") not in PAYMENT_EVENTS:
            return "ignored"
        return self._apply_once({"id": event["id"], "type": event["type"], "paymentId": event["data"]["object"]["id"]})

    def _apply(self, event: dict[str, Any]) -> str:
        reference = Payment.reference(self._provider.name, event["paymentId"], updated_at=self._steps.now())
        intent = self._provider.retrieve(reference)  # the current state, not the event's
        order = self._orders.get(intent.order_id) if intent.order_id else None
        if order is None:
            logger.warning("payment of no order of ours", payment_id=intent.payment_id)
            return "unknown order"
        if order.payment is None or order.payment.payment_id != intent.payment_id:
            return self._stray(intent)
        if intent.status is PaymentStatus.AUTHORIZED and order.status is OrderStatus.PENDING:
            self._start.start(order, intent)
            metrics.payment_authorized(order.order_id)
            return "processing started"
        if intent.status is PaymentStatus.REQUIRES_PAYMENT and order.status is OrderStatus.PENDING:
            return self._declined(order, intent)
        if intent.status in _STARTED and order.status is OrderStatus.FAILED:
            # Authorized after the order failed (cancelled by its customer mid 3-D Secure): a FAILED
            # order keeps no money. The sweeper does the same for an event that never came.
            self._steps.keep_payment(order, self._steps.release(order.payment))
            return "payment released"
        return "nothing to do"

    def _stray(self, intent: Intent) -> str:
        """A payment the order does not hold (replaced): an order never holds two capturable payments."""
        if intent.status is PaymentStatus.AUTHORIZED:
            self._provider.cancel(self._steps.stored(intent), idempotency_key=keys.cancel(intent.payment_id))
            return "stray authorization cancelled"
        return "not the order's payment"

    def _declined(self, order: Order, intent: Intent) -> str:
        """The order stays PENDING with the decline reason; the customer may try another card."""
        try:
            self._orders.record_payment(
                order.order_id,
                self._steps.stored(intent),
                allowed_from={OrderStatus.PENDING},
                error_message=intent.decline_reason,
                expected_payment_id=intent.payment_id,
            )
        except ConditionFailed:
            return "order moved"
        return "decline recorded"


class OncePerEvent:
    """Each event applied at most once: Powertools idempotency on the event id.

    ``register_lambda_context``: an event record left in progress (the function killed, or the
    answer of its write lost) expires when the invocation would have timed out, so Stripe's retry
    of that event applies it; without it the record stays in progress for the record's lifetime
    and every retry is refused.
    """

    def __init__(self, idempotency_table: str, client: Any) -> None:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

        self._config = IdempotencyConfig(event_key_jmespath="id", expires_after_seconds=EVENT_RECORD_LIFETIME)
        self._store = DynamoDBPersistenceLayer(table_name=idempotency_table, boto3_client=client)

    def register_lambda_context(self, context: Any) -> None:
        self._config.register_lambda_context(context)

    def __call__(self, apply: Callable[[dict[str, Any]], str]) -> Callable[[dict[str, Any]], str]:
        from aws_lambda_powertools.utilities.idempotency import idempotent_function

        @idempotent_function(data_keyword_argument="event", persistence_store=self._store, config=self._config)  # type: ignore[untyped-decorator]
        def apply_event(*, event: dict[str, Any]) -> str:
            return apply(event)

        return lambda event: str(apply_event(event=event))


def once_per_event(idempotency_table: str, client: Any) -> OncePerEvent:
    """Each event applied at most once: Powertools idempotency on the event id."""
    return OncePerEvent(idempotency_table, client)
