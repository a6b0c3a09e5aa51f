"""The payment fault sweep's machinery (tests/security/test_payment_faults.py).

- ``FaultyProvider`` wraps the real ``stripe`` adapter at the payment port: every port call
  (create, confirm, retrieve, capture, cancel, refund) is counted, and the one a ``ProviderFault``
  names fails once with ``ProviderUnavailable`` (what the adapter raises for any Stripe error):
  ``before`` (the request never reached Stripe) or ``after`` (Stripe did it; the answer was lost).
  It also records every PaymentIntent made (so money is counted at the provider, per intent,
  not only in our table) and the events Stripe would send for each effect (an ``Outbox``).
- ``Production.webhooks`` delivers those events to the real webhook function, signed, each one twice and in
  reverse order (``payment_intent.succeeded`` before ``amount_capturable_updated``); a delivery
  that fails (an exception, a 5xx) stays queued, as Stripe retries it.
- ``Production`` drives an order to quiescence the way AWS would: one SQS poll of the worker
  (failed messages redelivered; after three receives the redrive moves them to the dead-letter
  queue, whose function gives up on the order), webhook deliveries and retries, and, once
  nothing else moves, time passing (the order aged past the sweeper's limits) and the sweeper
  function's run (stuck-work sweep and payment reconciliation).
- ``audit`` reads the provider's own records of an order and checks SPEC 12's invariants.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import boto3

from ape_moments.clock import to_aws_datetime
from ape_moments.orders.models import Order, OrderStatus, PaymentStatus
from ape_moments.orders.payments import Intent, PaymentProvider, ProviderUnavailable
from ape_moments.orders.repository import OrdersRepository
from devtools.local_stack.stripe_emulator import StripeEmulator
from tests.conftest import FakeContext, load_handler, sqs_event
from tests.security.faults import Injector
from tests.unit.orders.payments_helpers import signature

PROVIDER_CALLS = ("create", "confirm", "retrieve", "capture", "cancel", "refund")
EFFECTLESS = frozenset({"retrieve"})  # a lost answer of a read is the same as a refused read

# What Stripe sends after each effect (localstripe sends none with manual capture: made here).
_EVENT_FOR = {
    PaymentStatus.AUTHORIZED: "payment_intent.amount_capturable_updated",
    PaymentStatus.REQUIRES_ACTION: "payment_intent.requires_action",
    PaymentStatus.CAPTURED: "payment_intent.succeeded",
    PaymentStatus.CANCELED: "payment_intent.canceled",
    PaymentStatus.REFUNDED: "charge.refunded",  # not a payment_intent event: acknowledged, ignored
}


@dataclass(frozen=True)
class ProviderFault:
    call_index: int  # the port call (0-based, across every function of the run) to fail
    when: str  # "before": refused, nothing happened; "after": done at the provider, answer lost


@dataclass
class Event:
    event_id: str
    type: str
    payment_id: str
    attempts: int = 0
    copies: int = 2  # Stripe delivers at least once: every event twice here


@dataclass
class Ledger:
    """One run's view of the port: its calls, its fault, the intents made, the events due."""

    step: str = "setup"
    calls: list[str] = field(default_factory=list)  # "step:method", one per port call
    fault: ProviderFault | None = None
    injected: int = 0
    intents: dict[str, set[str]] = field(default_factory=dict)  # orderId -> PaymentIntent ids
    outbox: list[Event] = field(default_factory=list)
    warm: dict[str, ModuleType] = field(default_factory=dict)  # the functions' handlers, loaded once

    def handler(self, function_dir: str) -> ModuleType:
        """A warm execution environment: the handler module is loaded (its cold start run) once per test."""
        if function_dir not in self.warm:
            self.warm[function_dir] = load_handler(function_dir)
        return self.warm[function_dir]

    def reset(self, fault: ProviderFault | None = None) -> None:
        self.step = "setup"
        self.calls.clear()
        self.fault = fault
        self.injected = 0
        self.outbox.clear()

    def emit(self, event_type: str, payment_id: str, *, copies: int = 2) -> None:
        self.outbox.append(Event(f"evt_{uuid.uuid4().hex[:20]}", event_type, payment_id, copies=copies))

    def observe(self, method: str, intent: Intent) -> None:
        if method == "create" and intent.order_id is not None:
            self.intents.setdefault(intent.order_id, set()).add(intent.payment_id)
        if method in ("confirm", "capture", "cancel", "refund"):
            if method == "confirm" and intent.status is PaymentStatus.REQUIRES_PAYMENT and intent.decline_reason:
                self.emit("payment_intent.payment_failed", intent.payment_id)
            elif intent.status in _EVENT_FOR:
                self.emit(_EVENT_FOR[intent.status], intent.payment_id)


class StepInjector(Injector):
    """The AWS fault injector, with each call labelled by the function that made it."""

    step: str = "setup"

    def _before_call(self, model: Any, service: str, **kwargs: Any) -> None:
        super()._before_call(model, service, **kwargs)
        self.calls[-1] = f"{self.step}:{self.calls[-1]}"


class FaultyProvider:
    """The stripe adapter behind the port, failing the one call the ledger's fault names."""

    def __init__(self, inner: PaymentProvider, ledger: Ledger) -> None:
        self._inner = inner
        self._ledger = ledger
        self.name = inner.name
        self.publishable_key = inner.publishable_key
        self.confirms_at_checkout = inner.confirms_at_checkout

    def _run(self, method: str, call: Callable[[], Intent]) -> Intent:
        ledger = self._ledger
        index = len(ledger.calls)
        ledger.calls.append(f"{ledger.step}:{method}")
        fault = ledger.fault if ledger.fault is not None and ledger.fault.call_index == index else None
        if fault is not None and fault.when == "before":
            ledger.injected += 1
            raise ProviderUnavailable("stripe: APIConnectionError (injected before the request)")
        intent = call()
        ledger.observe(method, intent)
        if fault is not None:
            ledger.injected += 1
            raise ProviderUnavailable("stripe: APIConnectionError (injected: the answer was lost)")
        return intent

    def create(self, **kwargs: Any) -> Intent:
        return self._run("create", lambda: self._inner.create(**kwargs))

    def confirm(self, payment: Any, payment_method: str, **kwargs: Any) -> Intent:
        return self._run("confirm", lambda: self._inner.confirm(payment, payment_method, **kwargs))

    def retrieve(self, payment: Any) -> Intent:
        return self._run("retrieve", lambda: self._inner.retrieve(payment))

    def capture(self, payment: Any, **kwargs: Any) -> Intent:
        return self._run("capture", lambda: self._inner.capture(payment, **kwargs))

    def cancel(self, payment: Any, **kwargs: Any) -> Intent:
        return self._run("cancel", lambda: self._inner.cancel(payment, **kwargs))

    def refund(self, payment: Any, **kwargs: Any) -> Intent:
        return self._run("refund", lambda: self._inner.refund(payment, **kwargs))


# ---- production: the queue poller, Stripe's webhook retries, the sweeper's schedule -------------

MAX_ROUNDS = 16  # bounded, whatever happens
WEBHOOK_ATTEMPTS = 6  # Stripe retries for days; here a few rounds say the same
AGED_BY = timedelta(minutes=31)  # past the sweeper's limits (STUCK_AFTER_MINUTES 30, PENDING 15)
_OPEN = frozenset({OrderStatus.PENDING, OrderStatus.PROCESSING})


class RedeliveryAfterTimeout(FakeContext):
    """The next try comes after this one's timeout: an in-progress record it left has expired.

    The SQS visibility timeout (180 s) outlasts the worker (30 s); the sweeper's schedule (every
    few minutes) outlasts the sweeper; Stripe's webhook retries (minutes apart, then hours)
    outlast the webhook function.
    """

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 1


@dataclass
class Production:
    aws: Any
    emulator: StripeEmulator
    ledger: Ledger
    injector: StepInjector
    figures: Counter[str]
    webhooks_lost: bool = False  # the endpoint unreachable for good: the sweeper is all that is left
    reader: OrdersRepository = field(init=False)

    def __post_init__(self) -> None:
        # Our own client: reading the order never shifts the injector's call count.
        self.reader = OrdersRepository("OrdersTable", boto3.client("dynamodb"))
        self._dynamodb = boto3.client("dynamodb")

    def step(self, name: str) -> None:
        self.ledger.step = name
        self.injector.step = name

    def poll(self, url: str, function_dir: str) -> int:
        """One poll as Lambda's SQS poller: failed messages visible again, the rest deleted."""
        sqs = self.aws.sqs
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return 0
        self.step(function_dir)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        try:
            response = self.ledger.handler(function_dir).lambda_handler(
                sqs_event(messages, arn), RedeliveryAfterTimeout()
            )
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        except Exception:  # the whole invocation failed: every message comes back
            failed = {m["MessageId"] for m in messages}
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
                self.figures["redeliveries"] += 1
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def webhooks(self) -> int:
        """Every due event, newest first, each twice; a failed one stays due (Stripe retries it)."""
        if self.webhooks_lost:
            self.ledger.outbox.clear()
            return 0
        due = [event for event in reversed(self.ledger.outbox) if event.attempts < WEBHOOK_ATTEMPTS]
        delivered = set()
        for event in due:
            for _ in range(event.copies):
                if self.deliver(event):
                    delivered.add(event.event_id)
        self.ledger.outbox = [e for e in self.ledger.outbox if e.event_id not in delivered]
        return len(due)

    def deliver(self, event: Event) -> bool:
        self.step("payment_webhook")
        payload = json.dumps(
            {
                "id": event.event_id,
                "object": "event",
                "type": event.type,
                "data": {"object": {"id": event.payment_id, "object": "payment_intent"}},
            }
        )
        event.attempts += 1
        self.figures["webhook deliveries"] += 1
        try:
            answer = self.ledger.handler("payment_webhook").lambda_handler(
                self._signed(payload), RedeliveryAfterTimeout()
            )
        except Exception:
            self.figures["webhook retries"] += 1
            return False
        if answer["statusCode"] != 200:
            self.figures["webhook retries"] += 1
            return False
        return True

    def _signed(self, payload: str) -> dict[str, Any]:
        """The function URL's event (payload format 2.0) for a body Stripe signed."""
        headers = {
            "content-type": "application/json",
            "stripe-signature": signature(payload, self.emulator.webhook_secret),
        }
        return {
            "version": "2.0",
            "rawPath": "/",
            "headers": headers,
            "body": payload,
            "isBase64Encoded": False,
            "requestContext": {"http": {"method": "POST", "path": "/"}},
        }

    def stale_replays(self, order_id: str) -> None:
        """Old events sent again under new ids (no idempotency record helps): only the current state may count."""
        for payment_id in sorted(self.ledger.intents.get(order_id, ())):
            for event_type in ("payment_intent.amount_capturable_updated", "payment_intent.payment_failed"):
                self.ledger.emit(event_type, payment_id, copies=1)  # the duplicates were the regular events' part

    def age(self, order_id: str) -> None:
        """Time passes: the open order looks last changed past the sweeper's limits."""
        stamp = to_aws_datetime(datetime.now(UTC) - AGED_BY)
        self._dynamodb.update_item(
            TableName="OrdersTable",
            Key={"orderId": {"S": order_id}},
            UpdateExpression="SET updatedAt = :t",
            ExpressionAttributeValues={":t": {"S": stamp}},
        )

    def sweep(self) -> bool:
        """The sweeper function's scheduled run; True when it did something."""
        self.step("sweeper")
        self.figures["sweeper runs"] += 1
        try:
            report = self.ledger.handler("sweeper").lambda_handler({}, RedeliveryAfterTimeout())
        except Exception:
            self.figures["sweeper runs failed"] += 1
            return True  # it will run again on schedule
        return any(count for part in report.values() for count in part.values())

    def settle(self, order_id: str) -> None:
        """Drive the order until nothing moves any more: polls, webhooks, then the sweeper's schedule."""
        for _ in range(MAX_ROUNDS):
            moved = self.poll(self.aws.queue_url, "order_worker")
            moved += self.poll(self.aws.dead_letter_queue_url, "order_dead_letter")
            moved += self.webhooks()
            if moved:
                continue
            order = self.reader.get(order_id)
            if order is not None and order.status in _OPEN:
                self.age(order_id)
            if self.sweep():
                continue
            return  # a quiet scheduled run with the order aged past every limit: nothing is left to move it
        self.figures["not settled in bounds"] += 1


# ---- the provider's records against the order --------------------------------------------------


@dataclass
class Audit:
    captures: int = 0
    refunds: int = 0
    double_captures: int = 0
    double_refunds: int = 0
    unrefunded_failed: int = 0
    held_by_failed: int = 0  # authorized, never captured nor cancelled, on a FAILED order
    stuck: int = 0
    disagreements: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Audit) -> None:
        for name in ("captures", "refunds", "double_captures", "double_refunds", "unrefunded_failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("held_by_failed", "stuck", "disagreements"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems.extend(other.problems)


def _status_at_provider(intent: dict[str, Any]) -> PaymentStatus:
    from ape_moments.orders.payments import intent_of

    return intent_of(intent).status


def audit(order: Order, emulator: StripeEmulator, intent_ids: set[str]) -> Audit:
    """Money at the provider (every intent made for the order) against the order and SPEC 12."""
    found = Audit()
    captured: list[str] = []
    held: list[str] = []
    unrefunded: list[str] = []
    statuses: dict[str, PaymentStatus] = {}
    for payment_id in sorted(intent_ids):
        intent = emulator.payment_intent(payment_id)
        status = _status_at_provider(intent)
        statuses[payment_id] = status
        charge = intent.get("latest_charge")
        # localstripe answers 500 to a refund listing of an intent that was never charged.
        refunds = emulator.refunds(payment_id) if charge else []
        was_captured = isinstance(charge, dict) and bool(charge.get("captured")) and intent["status"] == "succeeded"
        if was_captured:
            captured.append(payment_id)
            if not refunds:
                unrefunded.append(payment_id)
        if status is PaymentStatus.AUTHORIZED:
            held.append(payment_id)
        found.refunds += len(refunds)
        refunded = sum(int(r["amount"]) for r in refunds)
        if len(refunds) > 1 or refunded > int(intent["amount"]):
            found.double_refunds += 1
            found.problems.append(f"{order.order_id}: {payment_id} refunded {len(refunds)} times ({refunded})")
    found.captures = len(captured)
    if len(captured) > 1:
        found.double_captures += 1
        found.problems.append(f"{order.order_id}: {len(captured)} captured intents {captured}")
    if order.status is OrderStatus.FAILED:
        if unrefunded:
            found.unrefunded_failed += 1
            found.problems.append(f"{order.order_id}: FAILED with captured {unrefunded} unrefunded")
        if held:
            found.held_by_failed += 1
            found.problems.append(f"{order.order_id}: FAILED still holding the authorization {held}")
    # Stuck: open with nothing left that would move it. PENDING is a legitimate wait only while no
    # authorization is held (the customer may try a card, or finish 3-D Secure); PROCESSING never is.
    others_hold = [p for p in held + unrefunded if order.payment is None or p != order.payment.payment_id]
    if order.status is OrderStatus.PROCESSING or (order.status is OrderStatus.PENDING and held):
        found.stuck += 1
        found.problems.append(f"{order.order_id}: stuck in {order.status} (held at the provider: {held})")
    elif others_hold and order.status is not OrderStatus.FAILED:
        found.stuck += 1
        found.problems.append(f"{order.order_id}: money held by intents the order does not name: {others_hold}")
    if order.status is OrderStatus.COMPLETED and not captured:
        found.disagreements += 1
        found.problems.append(f"{order.order_id}: COMPLETED with nothing captured at the provider")
    payment = order.payment
    if payment is not None:
        at_provider = statuses.get(payment.payment_id)
        if at_provider is None or at_provider is not payment.status:
            found.disagreements += 1
            found.problems.append(
                f"{order.order_id} ({order.status}): payment {payment.payment_id} is {payment.status} on the order, "
                f"{at_provider} at the provider"
            )
        elif payment.status is PaymentStatus.REFUNDED and payment.amount_refunded != payment.amount:
            found.disagreements += 1
            found.problems.append(f"{order.order_id}: REFUNDED {payment.amount_refunded} of {payment.amount}")
    elif captured or held:
        found.disagreements += 1
        found.problems.append(f"{order.order_id}: no payment on the order, money at the provider")
    return found
