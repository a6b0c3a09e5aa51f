"""Payments (SPEC 12) with the stripe provider against localstripe: checkout, 3-D Secure, declines,
capture after the source check, cancel and refund, refundOrder, the webhook.

The functions' handlers run in-process with moto for AWS; the Stripe API is a real localstripe
process (``payments_helpers.emulator``), so every money move is counted at the emulator.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ape_moments.clock import to_aws_datetime
from ape_moments.errors import Conflict, Forbidden, NotFound, ValidationError
from ape_moments.orders import processing
from ape_moments.orders.models import Order, OrderStatus, Payment, PaymentStatus
from ape_moments.orders.payments import ProviderUnavailable, StripePaymentProvider
from ape_moments.orders.processing import OrderProcessor
from ape_moments.orders.reconcile import authorized_order_to_process, failed_order_keeps_money
from ape_moments.orders.wiring import payment_reconciliation
from tests.conftest import EVENTS, FakeContext, call, load_handler
from tests.unit.orders.helpers import seed_order, stored_order
from tests.unit.orders.payments_helpers import (
    DECLINED,
    THREE_D_SECURE,
    VISA,
    card,
    deliver_webhook,
    emulator,
    payment_event,
    signature,
    stripe_provider,
)
from tests.unit.orders.test_processing import deliver, queued

__all__ = ["emulator", "stripe_provider"]


def checkout(identity: dict[str, Any], order_id: str, payment_method: str | None = None) -> dict[str, Any]:
    arguments = {"orderId": order_id} | ({"paymentMethodId": payment_method} if payment_method else {})
    return dict(call("checkoutOrder", arguments, identity))


def intents_of(emulator: Any, order_id: str) -> list[dict[str, Any]]:
    return [i for i in emulator.payment_intents() if i["metadata"].get("orderId") == order_id]


def test_the_test_card_authorizes_then_processing_captures_and_completes(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    order = seed_order(customer, quantity=3)  # 3 x 0.50 USD
    answer = checkout(customer, order.order_id, card(stripe_provider, VISA))
    assert answer["status"] == "AUTHORIZED"
    assert (answer["amount"], answer["currency"], answer["provider"]) == (150, "USD", "stripe")
    assert answer["publishableKey"].startswith("pk_")
    started = stored_order(order.order_id)
    assert started is not None
    assert started.status == "PROCESSING"
    assert started.payment is not None
    assert started.payment.status == "AUTHORIZED"
    assert queued(aws, aws.queue_url) == 1
    assert deliver(aws, aws.queue_url, "order_worker") == []
    done = stored_order(order.order_id)
    assert done is not None
    assert done.status == "COMPLETED"
    assert done.payment is not None
    assert (done.payment.status, done.payment.amount, done.payment.amount_refunded) == ("CAPTURED", 150, 0)
    [intent] = intents_of(stripe_provider, order.order_id)
    assert intent["status"] == "succeeded"
    assert intent["latest_charge"]["captured"] is True
    assert intent["metadata"]["customerId"] == order.customer_id
    # The same call again once processing started: the same answer, nothing new at the provider.
    assert checkout(customer, order.order_id)["status"] == "CAPTURED"
    assert len(intents_of(stripe_provider, order.order_id)) == 1


def test_a_decline_leaves_the_order_pending_and_another_card_succeeds_with_one_capturable_payment(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    order = seed_order(customer)
    declined = checkout(customer, order.order_id, card(stripe_provider, DECLINED))
    assert declined["status"] == "REQUIRES_PAYMENT"
    assert declined["declineReason"]
    pending = stored_order(order.order_id)
    assert pending is not None
    assert pending.status == "PENDING"
    assert pending.error_message == declined["declineReason"]
    assert queued(aws, aws.queue_url) == 0
    retried = checkout(customer, order.order_id, card(stripe_provider, VISA))
    assert retried["status"] == "AUTHORIZED"
    assert retried["declineReason"] is None
    statuses = sorted(i["status"] for i in intents_of(stripe_provider, order.order_id))
    assert statuses == ["canceled", "requires_capture"]  # never two capturable payments
    moved = stored_order(order.order_id)
    assert moved is not None
    assert moved.status == "PROCESSING"
    assert moved.error_message is None


def test_three_d_secure_then_checkout_again_authorizes(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    order = seed_order(customer)
    asked = checkout(customer, order.order_id, card(stripe_provider, THREE_D_SECURE))
    assert asked["status"] == "REQUIRES_ACTION"
    assert asked["clientSecret"]
    assert checkout(customer, order.order_id)["status"] == "REQUIRES_ACTION"  # not yet authenticated
    assert stored_order(order.order_id).status == "PENDING"  # type: ignore[union-attr]
    [intent] = intents_of(stripe_provider, order.order_id)
    stripe_provider.authenticate(intent["id"], asked["clientSecret"])
    assert checkout(customer, order.order_id)["status"] == "AUTHORIZED"
    assert stored_order(order.order_id).status == "PROCESSING"  # type: ignore[union-attr]
    assert queued(aws, aws.queue_url) == 1
    deliver(aws, aws.queue_url, "order_worker")
    assert stored_order(order.order_id).status == "COMPLETED"  # type: ignore[union-attr]


def test_checkout_rules(
    aws: Any, stripe_provider: Any, customer: dict[str, Any], other_customer: dict[str, Any]
) -> None:
    order = seed_order(customer)
    with pytest.raises(NotFound):
        checkout(other_customer, order.order_id)
    with pytest.raises(Conflict):
        checkout(customer, seed_order(customer, "FAILED").order_id)
    with pytest.raises(ValidationError):
        checkout(customer, order.order_id, "pm with spaces")
    # With stripe, processOrder wants an authorized payment first.
    with pytest.raises(Conflict, match="checkoutOrder"):
        call("processOrder", {"orderId": order.order_id}, customer)
    assert stripe_provider.payment_intents() is not None
    assert intents_of(stripe_provider, order.order_id) == []


def test_a_source_deleted_before_capture_cancels_the_authorization(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    order = seed_order(customer)
    checkout(customer, order.order_id, card(stripe_provider, VISA))
    photo_key = order.items[0].photo_key
    boto3.client("dynamodb").delete_item(TableName="PhotosTable", Key={"key": {"S": photo_key}})
    deliver(aws, aws.queue_url, "order_worker")
    failed = stored_order(order.order_id)
    assert failed is not None
    assert failed.status == "FAILED"
    assert failed.error_message is not None
    assert failed.error_message.endswith("nothing was charged")
    assert failed.payment is not None
    assert failed.payment.status == "CANCELED"
    [intent] = intents_of(stripe_provider, order.order_id)
    assert intent["status"] == "canceled"


def test_a_failure_after_capture_is_refunded_once(
    aws: Any, stripe_provider: Any, customer: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    order = seed_order(customer)
    checkout(customer, order.order_id, card(stripe_provider, VISA))

    def broken(worker: OrderProcessor, o: Any, found: Any) -> None:
        raise RuntimeError("fulfilment keeps crashing")

    monkeypatch.setattr(OrderProcessor, "_fulfil", broken)
    for _ in range(4):  # three receives, then the redrive moves it to the dead-letter queue
        deliver(aws, aws.queue_url, "order_worker")
    assert deliver(aws, aws.dead_letter_queue_url, "order_dead_letter") == []
    aws.sqs.send_message(QueueUrl=aws.dead_letter_queue_url, MessageBody=json.dumps({"orderId": order.order_id}))
    assert deliver(aws, aws.dead_letter_queue_url, "order_dead_letter") == []  # a duplicate: nothing more
    failed = stored_order(order.order_id)
    assert failed is not None
    assert failed.status == "FAILED"
    assert failed.error_message == f"{processing.GAVE_UP_MESSAGE}; the payment was refunded"
    assert failed.payment is not None
    assert (failed.payment.status, failed.payment.amount_refunded) == ("REFUNDED", 50)
    [intent] = intents_of(stripe_provider, order.order_id)
    assert len(stripe_provider.refunds(intent["id"])) == 1


def test_refund_order_is_for_admins_and_happens_once(
    aws: Any, stripe_provider: Any, customer: dict[str, Any], admin: dict[str, Any]
) -> None:
    order = seed_order(customer)
    with pytest.raises(Conflict):
        call("refundOrder", {"orderId": order.order_id}, admin)  # PENDING, nothing captured
    checkout(customer, order.order_id, card(stripe_provider, VISA))
    deliver(aws, aws.queue_url, "order_worker")
    with pytest.raises(Forbidden):
        call("refundOrder", {"orderId": order.order_id}, customer)
    refunded = call("refundOrder", {"orderId": order.order_id, "reason": "print smudged"}, admin)
    assert refunded["status"] == "COMPLETED"
    assert refunded["payment"]["status"] == "REFUNDED"
    assert refunded["payment"]["amountRefunded"] == refunded["payment"]["amount"] == 50
    with pytest.raises(Conflict):
        call("refundOrder", {"orderId": order.order_id}, admin)
    [intent] = intents_of(stripe_provider, order.order_id)
    assert len(stripe_provider.refunds(intent["id"])) == 1
    with pytest.raises(NotFound):
        call("refundOrder", {"orderId": "22222222-2222-2222-2222-222222222222"}, admin)


def test_forged_unsigned_and_stale_webhooks_are_refused_and_change_nothing(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    order = seed_order(customer)
    asked = checkout(customer, order.order_id, card(stripe_provider, THREE_D_SECURE))
    [intent] = intents_of(stripe_provider, order.order_id)
    stripe_provider.authenticate(intent["id"], asked["clientSecret"])
    payload = payment_event("payment_intent.amount_capturable_updated", intent["id"])
    refused = [
        deliver_webhook(payload, None),
        deliver_webhook(payload, signature(payload, "whsec_forged")),
        deliver_webhook(payload, signature(payload, stripe_provider.webhook_secret, at=int(time.time()) - 301)),
        deliver_webhook(payload.replace("amount_capturable", "xx"), signature(payload, stripe_provider.webhook_secret)),
        deliver_webhook(payload, "t=1,v1=00"),
    ]
    assert [r["statusCode"] for r in refused] == [400] * 5
    assert stored_order(order.order_id).status == "PENDING"  # type: ignore[union-attr]
    assert queued(aws, aws.queue_url) == 0


def test_a_signed_webhook_starts_processing_once_and_unknown_events_are_acknowledged(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    order = seed_order(customer)
    asked = checkout(customer, order.order_id, card(stripe_provider, THREE_D_SECURE))
    [intent] = intents_of(stripe_provider, order.order_id)
    stripe_provider.authenticate(intent["id"], asked["clientSecret"])
    payload = payment_event("payment_intent.amount_capturable_updated", intent["id"], event_id="evt_once")
    first = deliver_webhook(payload, signature(payload, stripe_provider.webhook_secret))
    again = deliver_webhook(payload, signature(payload, stripe_provider.webhook_secret))
    assert (first["statusCode"], again["statusCode"]) == (200, 200)
    assert json.loads(first["body"]) == json.loads(again["body"]) == {"message": "processing started"}
    assert stored_order(order.order_id).status == "PROCESSING"  # type: ignore[union-attr]
    assert queued(aws, aws.queue_url) == 1  # applied once
    # The customer's own second call finds it started: the same answer, no second start.
    assert checkout(customer, order.order_id)["status"] == "AUTHORIZED"
    assert queued(aws, aws.queue_url) == 1
    other = json.dumps({"id": "evt_other", "type": "customer.created", "data": {"object": {"id": "cus_1"}}})
    ignored = deliver_webhook(other, signature(other, stripe_provider.webhook_secret))
    assert (ignored["statusCode"], json.loads(ignored["body"])) == (200, {"message": "ignored"})


def test_a_decline_reported_by_webhook_out_of_order_changes_nothing_after_authorization(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    """The webhook reads the current state: a late payment_failed for an authorized payment is no decline."""
    order = seed_order(customer)
    checkout(customer, order.order_id, card(stripe_provider, VISA))
    [intent] = intents_of(stripe_provider, order.order_id)
    late = payment_event("payment_intent.payment_failed", intent["id"])
    answer = deliver_webhook(late, signature(late, stripe_provider.webhook_secret))
    assert json.loads(answer["body"]) == {"message": "nothing to do"}
    current = stored_order(order.order_id)
    assert current is not None
    assert (current.status, current.error_message) == ("PROCESSING", None)


# ---- the sweeper's payment reconciliation (orders/reconcile.py) ------------------------------------


def _age(order_id: str, minutes: int, **changes: str) -> None:
    """Make the order look last changed ``minutes`` ago (and set ``changes``), as if time had passed."""
    stamp = to_aws_datetime(datetime.now(UTC) - timedelta(minutes=minutes))
    values = {"updatedAt": stamp, **changes}
    names = {f"#a{i}": name for i, name in enumerate(values)}
    boto3.client("dynamodb").update_item(
        TableName="OrdersTable",
        Key={"orderId": {"S": order_id}},
        UpdateExpression="SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(values))),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={f":v{i}": {"S": value} for i, value in enumerate(values.values())},
    )


def test_rules_of_reconciliation() -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    payment = Payment(provider="stripe", payment_id="pi_1", status=PaymentStatus.AUTHORIZED, amount=50,
                      currency="USD", updated_at=to_aws_datetime(now))  # fmt: skip
    order = Order.model_validate(
        {"orderId": "o", "customerId": "c", "status": "PENDING", "totalPrice": "0.50", "currency": "USD",
         "items": [], "createdAt": to_aws_datetime(now), "updatedAt": to_aws_datetime(now - timedelta(minutes=16))}
    )  # fmt: skip
    assert authorized_order_to_process(order, PaymentStatus.AUTHORIZED, now=now)
    assert not authorized_order_to_process(order, PaymentStatus.REQUIRES_ACTION, now=now)
    recent = order.model_copy(update={"updated_at": to_aws_datetime(now - timedelta(minutes=14))})
    assert not authorized_order_to_process(recent, PaymentStatus.AUTHORIZED, now=now)
    failed = order.model_copy(update={"status": OrderStatus.FAILED, "payment": payment})
    assert failed_order_keeps_money(failed)
    assert failed_order_keeps_money(
        failed.model_copy(update={"payment": payment.model_copy(update={"status": "CAPTURED"})})
    )
    assert not failed_order_keeps_money(
        failed.model_copy(update={"payment": payment.model_copy(update={"status": "REFUNDED"})})
    )
    assert not failed_order_keeps_money(failed.model_copy(update={"status": OrderStatus.COMPLETED}))


def test_an_authorized_order_left_pending_for_15_minutes_is_processed_once(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    old, fresh = seed_order(customer), seed_order(customer)
    for order in (old, fresh):
        asked = checkout(customer, order.order_id, card(stripe_provider, THREE_D_SECURE))
        [intent] = intents_of(stripe_provider, order.order_id)
        stripe_provider.authenticate(intent["id"], asked["clientSecret"])  # and the customer never came back
    _age(old.order_id, 16)
    assert payment_reconciliation().run() == {"processed": 1, "released": 0, "errors": 0}
    assert stored_order(old.order_id).status == "PROCESSING"  # type: ignore[union-attr]
    assert stored_order(fresh.order_id).status == "PENDING"  # type: ignore[union-attr]
    assert payment_reconciliation().run() == {"processed": 0, "released": 0, "errors": 0}
    assert queued(aws, aws.queue_url) == 1
    deliver(aws, aws.queue_url, "order_worker")
    assert stored_order(old.order_id).status == "COMPLETED"  # type: ignore[union-attr]


def test_a_captured_payment_on_a_failed_order_is_refunded_once(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    order = seed_order(customer)
    checkout(customer, order.order_id, card(stripe_provider, VISA))
    deliver(aws, aws.queue_url, "order_worker")
    _age(order.order_id, 1, status="FAILED")  # e.g. an admin's repair left a captured order FAILED
    assert payment_reconciliation().run() == {"processed": 0, "released": 1, "errors": 0}
    assert payment_reconciliation().run() == {"processed": 0, "released": 0, "errors": 0}
    released = stored_order(order.order_id)
    assert released is not None
    assert released.payment is not None
    assert (released.payment.status, released.payment.amount_refunded) == ("REFUNDED", 50)
    [intent] = intents_of(stripe_provider, order.order_id)
    assert len(stripe_provider.refunds(intent["id"])) == 1


def test_the_refund_and_webhook_samples_run_against_their_functions(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    """events/refund_order_admin.json and events/payment_webhook.json (the latter signed afresh: a
    signature older than five minutes is refused, so the stored one is; that is the first check)."""
    sample = json.loads((EVENTS / "payment_webhook.json").read_text())
    assert load_handler("payment_webhook").lambda_handler(sample, FakeContext())["statusCode"] == 400
    order = seed_order(customer)
    checkout(customer, order.order_id, card(stripe_provider, VISA))
    deliver(aws, aws.queue_url, "order_worker")
    [intent] = intents_of(stripe_provider, order.order_id)
    payload = sample["body"].replace("pi_3PqR2sT3uV4wX5yZ", intent["id"])
    answer = deliver_webhook(payload, signature(payload, stripe_provider.webhook_secret))
    assert json.loads(answer["body"]) == {"message": "nothing to do"}  # captured already: the event is only a hint
    refund = json.loads((EVENTS / "refund_order_admin.json").read_text())
    refund["arguments"]["orderId"] = order.order_id
    refunded = load_handler("refund_order").lambda_handler(refund, FakeContext())
    assert refunded["payment"]["status"] == "REFUNDED"


def test_an_order_cancelled_after_3ds_passed_lets_go_of_the_authorization(
    aws: Any, stripe_provider: Any, customer: dict[str, Any]
) -> None:
    """Found by the payment fault sweep: the order records REQUIRES_ACTION, the provider holds it authorized."""
    by_webhook, by_sweeper = seed_order(customer), seed_order(customer)
    intents = {}
    for order in (by_webhook, by_sweeper):
        asked = checkout(customer, order.order_id, card(stripe_provider, THREE_D_SECURE))
        [intent] = intents_of(stripe_provider, order.order_id)
        stripe_provider.authenticate(intent["id"], asked["clientSecret"])
        call("updateOrderStatus", {"orderId": order.order_id, "status": "FAILED"}, customer)  # the customer cancels
        intents[order.order_id] = intent["id"]
    event = payment_event("payment_intent.amount_capturable_updated", intents[by_webhook.order_id])
    answer = deliver_webhook(event, signature(event, stripe_provider.webhook_secret))
    assert json.loads(answer["body"]) == {"message": "payment released"}
    assert payment_reconciliation().run() == {"processed": 0, "released": 1, "errors": 0}  # the other one
    assert payment_reconciliation().run() == {"processed": 0, "released": 0, "errors": 0}
    for order in (by_webhook, by_sweeper):
        assert stripe_provider.payment_intent(intents[order.order_id])["status"] == "canceled"
        released = stored_order(order.order_id)
        assert released is not None
        assert released.payment is not None
        assert (released.status, released.payment.status) == ("FAILED", "CANCELED")


def test_one_order_the_reconciliation_cannot_settle_does_not_block_the_others(
    aws: Any, stripe_provider: Any, customer: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the payment fault sweep: one refund that raised ended the whole run, every run."""
    stuck, other = seed_order(customer), seed_order(customer)
    for order in (stuck, other):
        checkout(customer, order.order_id, card(stripe_provider, VISA))
        deliver(aws, aws.queue_url, "order_worker")
        _age(order.order_id, 1, status="FAILED")
    [stuck_intent] = intents_of(stripe_provider, stuck.order_id)
    real_refund = StripePaymentProvider.refund
    outage = [True]

    def unreachable_for_one(provider: StripePaymentProvider, payment: Payment, *, idempotency_key: str) -> Any:
        if outage and payment.payment_id == stuck_intent["id"]:
            raise ProviderUnavailable("stripe: APIConnectionError")
        return real_refund(provider, payment, idempotency_key=idempotency_key)

    monkeypatch.setattr(StripePaymentProvider, "refund", unreachable_for_one)
    assert payment_reconciliation().run() == {"processed": 0, "released": 1, "errors": 1}
    outage.clear()  # the provider is back
    assert payment_reconciliation().run() == {"processed": 0, "released": 1, "errors": 0}
    for order in (stuck, other):
        [intent] = intents_of(stripe_provider, order.order_id)
        assert len(stripe_provider.refunds(intent["id"])) == 1
        assert stored_order(order.order_id).payment.status == "REFUNDED"  # type: ignore[union-attr]


class _TimingOut(FakeContext):
    """An invocation about to time out: what it leaves in progress expires at once."""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 1


def test_a_refund_left_in_progress_by_a_killed_sweeper_run_is_done_by_the_next_run(
    aws: Any, stripe_provider: Any, customer: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the payment fault sweep: the sweeper never told Powertools its timeout, so a refund
    record left in progress never expired and the order kept its money for the record's 90 days."""
    order = seed_order(customer)
    checkout(customer, order.order_id, card(stripe_provider, VISA))
    deliver(aws, aws.queue_url, "order_worker")
    _age(order.order_id, 1, status="FAILED")
    real_refund = StripePaymentProvider.refund
    killed = [True]

    def killed_once(provider: StripePaymentProvider, payment: Payment, *, idempotency_key: str) -> Any:
        if killed:
            killed.clear()
            raise SystemExit("the sandbox of the function was torn down")  # nothing cleans up after it
        return real_refund(provider, payment, idempotency_key=idempotency_key)

    monkeypatch.setattr(StripePaymentProvider, "refund", killed_once)
    sweeper = load_handler("sweeper")
    with pytest.raises(SystemExit):
        sweeper.lambda_handler({}, _TimingOut())
    report = sweeper.lambda_handler({}, _TimingOut())  # the next scheduled run, after the timeout
    assert report["payment"] == {"processed": 0, "released": 1, "errors": 0}
    [intent] = intents_of(stripe_provider, order.order_id)
    assert len(stripe_provider.refunds(intent["id"])) == 1
    assert stored_order(order.order_id).payment.status == "REFUNDED"  # type: ignore[union-attr]


def test_an_event_left_in_progress_by_a_killed_webhook_is_applied_on_stripes_retry(
    aws: Any, stripe_provider: Any, customer: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    order = seed_order(customer)
    asked = checkout(customer, order.order_id, card(stripe_provider, THREE_D_SECURE))
    [intent] = intents_of(stripe_provider, order.order_id)
    stripe_provider.authenticate(intent["id"], asked["clientSecret"])
    real_retrieve = StripePaymentProvider.retrieve
    killed = [True]

    def killed_once(provider: StripePaymentProvider, payment: Payment) -> Any:
        if killed:
            killed.clear()
            raise SystemExit("the sandbox of the function was torn down")
        return real_retrieve(provider, payment)

    monkeypatch.setattr(StripePaymentProvider, "retrieve", killed_once)
    payload = payment_event("payment_intent.amount_capturable_updated", intent["id"])
    event = {
        "version": "2.0",
        "headers": {"stripe-signature": signature(payload, stripe_provider.webhook_secret)},
        "body": payload,
        "isBase64Encoded": False,
        "requestContext": {"http": {"method": "POST", "path": "/"}},
    }
    webhook = load_handler("payment_webhook")
    with pytest.raises(SystemExit):
        webhook.lambda_handler(event, _TimingOut())
    answer = webhook.lambda_handler(event, _TimingOut())  # Stripe's retry of the same event
    assert json.loads(answer["body"]) == {"message": "processing started"}
    assert stored_order(order.order_id).status == "PROCESSING"  # type: ignore[union-attr]
