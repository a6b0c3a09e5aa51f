"""processOrder and the worker: charge once, decline, redelivery, dead letters (SPEC 3)."""

from __future__ import annotations

from typing import Any

import pytest

from ape_moments.errors import Conflict, InternalError, NotFound
from ape_moments.orders import processing
from ape_moments.orders.fulfilment import FulfilmentFiles
from ape_moments.orders.payments import DECLINED_OVER_LIMIT, SandboxPaymentProvider
from ape_moments.orders.processing import OrderProcessor
from ape_moments.orders.queue import ProcessingQueue
from tests.conftest import FakeContext, call, load_handler, sqs_event
from tests.unit.orders.helpers import seed_order, stored_order


def order_of_payment(payment_id: str) -> str:
    """The sandbox names its payments pay_<orderId>_<digest>."""
    return payment_id.removeprefix("pay_").rsplit("_", 1)[0]


@pytest.fixture
def charges(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every payment the sandbox captured (money moved): orderId, amount (minor units), currency."""
    calls: list[dict[str, Any]] = []
    real_capture = SandboxPaymentProvider.capture_money

    def spy(self: SandboxPaymentProvider, *, payment_id: str, amount: int, currency: str) -> None:
        calls.append({"order_id": order_of_payment(payment_id), "amount": amount, "currency": currency})
        real_capture(self, payment_id=payment_id, amount=amount, currency=currency)

    monkeypatch.setattr(SandboxPaymentProvider, "capture_money", spy)
    return calls


def process(identity: dict[str, Any], order_id: str) -> Any:
    return call("processOrder", {"orderId": order_id}, identity)


def deliver(aws: Any, queue_url: str, function_dir: str) -> list[str]:
    """One poll as Lambda's SQS poller does it: failed messages become visible again, the rest are deleted."""
    arn = aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    messages = aws.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
        "Messages", []
    )
    if not messages:
        return []
    response = load_handler(function_dir).lambda_handler(sqs_event(messages, arn), FakeContext())
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    for message in messages:
        if message["MessageId"] in failed:
            aws.sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        else:
            aws.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return sorted(failed)


def queued(aws: Any, queue_url: str) -> int:
    attributes = aws.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_process_queues_and_worker_completes(aws: Any, customer: dict[str, Any], charges: list[dict[str, Any]]) -> None:
    order = seed_order(customer, quantity=10)
    accepted = process(customer, order.order_id)
    assert accepted["status"] == "PROCESSING"
    assert accepted["expiresAt"] is None
    assert queued(aws, aws.queue_url) == 1
    assert deliver(aws, aws.queue_url, "order_worker") == []
    done = stored_order(order.order_id)
    assert done is not None
    assert done.status == "COMPLETED"
    assert done.payment_id is not None
    assert done.payment_id.startswith("pay_")
    assert done.payment is not None
    assert (done.payment.status, done.payment.amount, done.payment.amount_refunded) == ("CAPTURED", 500, 0)
    assert done.payment.provider == "sandbox"
    assert charges == [{"order_id": order.order_id, "amount": 500, "currency": "USD"}]
    assert queued(aws, aws.queue_url) == 0


def test_guest_and_admin_may_process(
    aws: Any, guest: dict[str, Any], admin: dict[str, Any], customer: dict[str, Any]
) -> None:
    assert process(guest, seed_order(guest).order_id)["status"] == "PROCESSING"
    assert process(admin, seed_order(customer).order_id)["status"] == "PROCESSING"


def test_decline_above_limit_fails_the_order(aws: Any, customer: dict[str, Any], charges: list[dict[str, Any]]) -> None:
    over = seed_order(customer, sku="PHOTO_ALBUM", quantity=41)  # 1025.00
    at_limit = seed_order(customer, sku="PHOTO_ALBUM", quantity=40)  # 1000.00 exactly
    process(customer, over.order_id)
    process(customer, at_limit.order_id)
    assert deliver(aws, aws.queue_url, "order_worker") == []
    declined = stored_order(over.order_id)
    assert declined is not None
    assert declined.status == "FAILED"
    assert declined.error_message == DECLINED_OVER_LIMIT == "payment declined: amount exceeds limit"
    assert declined.payment_id is None
    assert stored_order(at_limit.order_id).status == "COMPLETED"  # type: ignore[union-attr]
    assert [c["order_id"] for c in charges] == [at_limit.order_id]  # the declined one moved no money


def test_processing_twice_charges_once(aws: Any, customer: dict[str, Any], charges: list[dict[str, Any]]) -> None:
    order = seed_order(customer)
    process(customer, order.order_id)
    again = process(customer, order.order_id)  # a client retrying: PROCESSING is queued again
    assert again["status"] == "PROCESSING"
    assert queued(aws, aws.queue_url) == 2
    deliver(aws, aws.queue_url, "order_worker")
    assert len(charges) == 1
    assert stored_order(order.order_id).status == "COMPLETED"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        process(customer, order.order_id)  # COMPLETED cannot be processed


def test_redelivery_after_a_crash_does_not_charge_twice(
    aws: Any, customer: dict[str, Any], charges: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker charges, then crashes before completing; the redelivered message must not charge again."""
    order = seed_order(customer)
    process(customer, order.order_id)
    crashes = {"left": 1}
    real_copy = FulfilmentFiles.copy

    def crash_once(files: FulfilmentFiles, source: str, target: str) -> None:
        if crashes["left"]:
            crashes["left"] -= 1
            raise ConnectionError("bucket unreachable")
        real_copy(files, source, target)

    monkeypatch.setattr(FulfilmentFiles, "copy", crash_once)
    assert len(deliver(aws, aws.queue_url, "order_worker")) == 1  # reported as a batch item failure
    assert stored_order(order.order_id).status == "PROCESSING"  # type: ignore[union-attr]
    assert deliver(aws, aws.queue_url, "order_worker") == []  # redelivered, now succeeds
    assert stored_order(order.order_id).status == "COMPLETED"  # type: ignore[union-attr]
    assert len(charges) == 1


def test_a_message_that_keeps_failing_ends_in_the_dead_letter_queue_and_the_order_failed(
    aws: Any, customer: dict[str, Any], charges: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    healthy = seed_order(customer)
    poisoned = seed_order(customer)
    process(customer, healthy.order_id)
    process(customer, poisoned.order_id)

    real_fulfil = OrderProcessor._fulfil

    def fail_for_poisoned(worker: OrderProcessor, o: Any, found: Any) -> None:
        if o.order_id == poisoned.order_id:
            raise RuntimeError("fulfilment keeps crashing")
        real_fulfil(worker, o, found)

    monkeypatch.setattr(OrderProcessor, "_fulfil", fail_for_poisoned)
    for _ in range(3):  # maxReceiveCount in the redrive policy
        deliver(aws, aws.queue_url, "order_worker")
    assert stored_order(healthy.order_id).status == "COMPLETED"  # type: ignore[union-attr]
    assert stored_order(poisoned.order_id).status == "PROCESSING"  # type: ignore[union-attr]
    assert deliver(aws, aws.queue_url, "order_worker") == []  # the 4th receive moves it to the DLQ
    assert queued(aws, aws.dead_letter_queue_url) == 1
    assert deliver(aws, aws.dead_letter_queue_url, "order_dead_letter") == []
    failed = stored_order(poisoned.order_id)
    assert failed is not None
    assert failed.status == "FAILED"
    # Captured before fulfilment kept crashing: the dead-letter handler refunded it in full.
    assert failed.error_message == f"{processing.GAVE_UP_MESSAGE}; the payment was refunded"
    assert failed.payment is not None
    assert (failed.payment.status, failed.payment.amount_refunded) == ("REFUNDED", failed.payment.amount)
    assert queued(aws, aws.dead_letter_queue_url) == 0
    assert [c["order_id"] for c in charges].count(poisoned.order_id) == 1  # charged once, never again


def test_worker_leaves_an_order_an_admin_already_moved(
    aws: Any, customer: dict[str, Any], admin: dict[str, Any], charges: list[dict[str, Any]]
) -> None:
    order = seed_order(customer)
    process(customer, order.order_id)
    call(
        "updateOrderStatus",
        {"orderId": order.order_id, "status": "FAILED", "errorMessage": "out of paper"},
        admin,
    )
    deliver(aws, aws.queue_url, "order_worker")
    assert stored_order(order.order_id).status == "FAILED"  # type: ignore[union-attr]
    assert charges == []


def test_dead_letter_does_not_overwrite_a_finished_order(aws: Any, customer: dict[str, Any]) -> None:
    order = seed_order(customer, "COMPLETED")
    aws.sqs.send_message(QueueUrl=aws.dead_letter_queue_url, MessageBody=f'{{"orderId": "{order.order_id}"}}')
    assert deliver(aws, aws.dead_letter_queue_url, "order_dead_letter") == []
    assert stored_order(order.order_id).status == "COMPLETED"  # type: ignore[union-attr]


def test_malformed_message_is_reported_not_swallowed(aws: Any) -> None:
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody="not json")
    assert len(deliver(aws, aws.queue_url, "order_worker")) == 1


def test_process_rules(aws: Any, customer: dict[str, Any], other_customer: dict[str, Any]) -> None:
    order = seed_order(customer)
    with pytest.raises(NotFound):
        process(other_customer, order.order_id)
    for status in ("COMPLETED", "FAILED"):
        with pytest.raises(Conflict):
            process(customer, seed_order(customer, status).order_id)
    with pytest.raises(NotFound):
        process(customer, "22222222-2222-2222-2222-222222222222")
    assert queued(aws, aws.queue_url) == 0
    assert stored_order(order.order_id).status == "PENDING"  # type: ignore[union-attr]


def test_queue_failure_puts_the_order_back(aws: Any, customer: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    order = seed_order(customer)

    def unavailable(self: ProcessingQueue, order_id: str) -> None:
        raise ConnectionError("sqs unreachable")

    monkeypatch.setattr(ProcessingQueue, "send", unavailable)
    with pytest.raises(InternalError) as failed:
        process(customer, order.order_id)
    assert "sqs" not in failed.value.message.lower()
    back = stored_order(order.order_id)
    assert back is not None
    assert back.status == "PENDING"  # not stuck in PROCESSING without a message
    assert back.expires_at is not None
