"""Faults (issue 5, item 4), part 2: the order worker crashes mid-order, messages come twice,
poisoned messages keep failing.

The queue is moto's SQS with the template's redrive policy (3 receives, then the dead-letter
queue); each poll is delivered to the real worker handler as Lambda's SQS poller would, failed
messages become visible again, the dead-letter queue is drained by the real dead-letter
handler. A spy on the sandbox payment provider counts every charge.

The worker's Lambda context says how long the invocation has left. Powertools marks a charge
"in progress" until then; in production the queue's visibility timeout (180 s) is longer than
the worker's timeout (30 s), so a redelivery always comes after that mark expired. The context
here says the same (``REDELIVERY_AFTER_TIMEOUT``).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from typing import Any

import pytest

from ape_moments.orders.payments import SandboxPaymentProvider
from ape_moments.orders.processing import OrderProcessor
from tests.conftest import BUCKET, FakeContext, cognito_identity, load_handler, sqs_event
from tests.security.faults import REFUSED_KINDS, Fault, Injector, injector, total_attempts
from tests.security.figures import FIGURES
from tests.security.scenarios import call_in_process, order_of

__all__ = ["injector"]

MAX_ROUNDS = 12  # polls per test: bounded, whatever happens


class RedeliveryAfterTimeout(FakeContext):
    """A context whose invocation is about to time out: an in-progress record expires at once."""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 1


@pytest.fixture
def charges(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """orderId -> payments captured by the sandbox provider (money moved)."""
    made: Counter[str] = Counter()
    real = SandboxPaymentProvider.capture_money

    def spy(self: SandboxPaymentProvider, *, payment_id: str, amount: int, currency: str) -> None:
        real(self, payment_id=payment_id, amount=amount, currency=currency)
        made[payment_id.removeprefix("pay_").rsplit("_", 1)[0]] += 1  # pay_<orderId>_<digest>

    monkeypatch.setattr(SandboxPaymentProvider, "capture_money", spy)
    return made


def _receive(aws: Any, url: str) -> list[dict[str, Any]]:
    return aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])


def _deliver(aws: Any, url: str, function_dir: str) -> tuple[int, int]:
    """One poll: (messages delivered, messages reported failed)."""
    messages = _receive(aws, url)
    if not messages:
        return 0, 0
    arn = aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    response = load_handler(function_dir).lambda_handler(sqs_event(messages, arn), RedeliveryAfterTimeout())
    failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    for m in messages:
        if m["MessageId"] in failed:
            aws.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
        else:
            aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    redelivered = sum(int(m["Attributes"]["ApproximateReceiveCount"]) > 1 for m in messages)
    FIGURES.add("faults.redelivered", redelivered)
    return len(messages), len(failed)


def _drain(aws: Any) -> None:
    """Poll the order queue and the dead-letter queue until both are empty (bounded)."""
    for _ in range(MAX_ROUNDS):
        delivered, _failed = _deliver(aws, aws.queue_url, "order_worker")
        dead, _ = _deliver(aws, aws.dead_letter_queue_url, "order_dead_letter")
        if not delivered and not dead:
            return
    pytest.fail(f"queues not drained after {MAX_ROUNDS} polls")


def _status(order_id: str, identity: dict[str, Any]) -> dict[str, Any]:
    order = call_in_process("getOrder", {"orderId": order_id}, identity)
    assert order is not None, "order lost"
    return dict(order)


def _new_processing_order(identity: dict[str, Any], injector: Injector) -> str:
    order_id = str(call_in_process("createOrder", order_of(identity), identity)["orderId"])
    call_in_process("processOrder", {"orderId": order_id}, identity)
    injector.reset()
    return order_id


def _account(orders: list[str], charges: Counter[str], identity: dict[str, Any]) -> dict[str, str]:
    statuses = {order_id: _status(order_id, identity)["status"] for order_id in orders}
    FIGURES.add("faults.charges", sum(charges[o] for o in orders))
    FIGURES.add("faults.charged_orders", sum(1 for o in orders if charges[o]))
    FIGURES.add("faults.double_charges", sum(1 for o in orders if charges[o] > 1))
    FIGURES.add("faults.stuck", sum(1 for s in statuses.values() if s in ("PENDING", "PROCESSING")))
    for order_id, status in statuses.items():
        _check_files(order_id, status)
    return statuses


def _check_files(order_id: str, status: str) -> None:
    """A COMPLETED order has its manifest naming every copy; no file was ever written twice."""
    import boto3

    listed = boto3.client("s3").list_object_versions(Bucket=BUCKET, Prefix=f"fulfillment/{order_id}/")
    versions = Counter(version["Key"] for version in listed.get("Versions", []))
    FIGURES.add("faults.duplicate_copies", sum(count - 1 for count in versions.values()))
    assert set(versions.values()) <= {1}, (order_id, versions)
    manifest_key = f"fulfillment/{order_id}/manifest.json"
    if status == "COMPLETED":
        manifest = json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key=manifest_key)["Body"].read())
        assert {line["key"] for line in manifest["items"]} | {manifest_key} == set(versions), order_id
    else:
        assert manifest_key not in versions, (order_id, status)


# The write that records a successful charge (Powertools' idempotency record, completed after
# the provider charged): losing it is tested on its own below.
CHARGE_RECORDED = "dynamodb.UpdateItem(IdempotencyTable)"


def _worker_calls(aws: Any, injector: Injector, charges: Counter[str]) -> list[str]:
    """The AWS calls of one clean worker run, in order."""
    customer = cognito_identity(str(uuid.uuid4()))
    probe = _new_processing_order(customer, injector)
    _drain(aws)
    calls = list(injector.calls)
    assert _status(probe, customer)["status"] == "COMPLETED"
    assert charges[probe] == 1
    assert CHARGE_RECORDED in calls, calls
    return calls


def _crash_at(aws: Any, injector: Injector, customer: dict[str, Any], index: int, kind: str) -> str:
    order_id = _new_processing_order(customer, injector)
    injector.reset(Fault(index, total_attempts(), kind))
    delivered, failed = _deliver(aws, aws.queue_url, "order_worker")
    FIGURES.add("faults.injected", injector.injected)
    FIGURES.add("faults.scenarios")
    assert (delivered, failed) == (1, 1), (index, kind)  # crashed, reported, not swallowed
    FIGURES.add("faults.worker_crashes")
    injector.reset()
    _drain(aws)
    return order_id


def test_worker_crash_at_each_aws_call_is_redelivered_and_charged_once(
    aws: Any, injector: Injector, charges: Counter[str]
) -> None:
    """The worker's clean run lists its AWS calls; each one fails persistently on the first delivery."""
    worker_calls = _worker_calls(aws, injector, charges)
    customer = cognito_identity(str(uuid.uuid4()))
    orders = []
    cases: dict[str, str] = {}
    for index, call in enumerate(worker_calls):
        if call == CHARGE_RECORDED:
            continue  # test_losing_the_charge_record_after_charging_does_not_charge_twice
        for kind in REFUSED_KINDS:
            order_id = _crash_at(aws, injector, customer, index, kind)
            orders.append(order_id)
            cases[order_id] = f"{call}#{index} {kind}"
    statuses = _account(orders, charges, customer)
    assert all(status == "COMPLETED" for status in statuses.values()), statuses
    assert [f"{cases[o]}: {charges[o]}" for o in orders if charges[o] != 1] == []
    FIGURES.add("faults.retried_success", len(orders))


def test_crash_between_charge_and_completion_never_charges_twice(
    aws: Any, injector: Injector, charges: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Charged, then the worker dies before the order is COMPLETED; the redelivery must not charge again."""
    customer = cognito_identity(str(uuid.uuid4()))
    orders = [_new_processing_order(customer, injector) for _ in range(5)]
    crashed: set[str] = set()
    real_fulfil = OrderProcessor._fulfil

    def crash_once(worker: OrderProcessor, order: Any, found: Any) -> None:
        if order.order_id not in crashed:
            crashed.add(order.order_id)
            raise ConnectionError("print lab unreachable")
        real_fulfil(worker, order, found)

    monkeypatch.setattr(OrderProcessor, "_fulfil", crash_once)
    _drain(aws)
    FIGURES.add("faults.injected", len(crashed))
    FIGURES.add("faults.worker_crashes", len(crashed))
    FIGURES.add("faults.scenarios", len(orders))
    statuses = _account(orders, charges, customer)
    assert set(statuses.values()) == {"COMPLETED"}
    assert [charges[o] for o in orders] == [1] * len(orders)
    FIGURES.add("faults.retried_success", len(orders))


def test_duplicate_messages_and_repeated_process_order_charge_once(
    aws: Any, injector: Injector, charges: Counter[str]
) -> None:
    customer = cognito_identity(str(uuid.uuid4()))
    orders = [_new_processing_order(customer, injector) for _ in range(4)]
    for order_id in orders:
        call_in_process("processOrder", {"orderId": order_id}, customer)  # a client retrying
        for _ in range(2):  # SQS at-least-once: the same body again
            aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=json.dumps({"orderId": order_id}))
        FIGURES.add("faults.injected", 3)
    FIGURES.add("faults.scenarios", len(orders))
    _drain(aws)
    statuses = _account(orders, charges, customer)
    assert set(statuses.values()) == {"COMPLETED"}
    assert [charges[o] for o in orders] == [1] * len(orders)
    FIGURES.add("faults.retried_success", len(orders))


def test_poisoned_messages_end_in_the_dead_letter_queue_with_their_order_failed(
    aws: Any, injector: Injector, charges: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = cognito_identity(str(uuid.uuid4()))
    healthy = [_new_processing_order(customer, injector) for _ in range(3)]
    poisoned = [_new_processing_order(customer, injector) for _ in range(3)]
    real_fulfil = OrderProcessor._fulfil
    crashes = Counter[str]()

    def poison(worker: OrderProcessor, order: Any, found: Any) -> None:
        if order.order_id in poisoned:
            crashes[order.order_id] += 1
            raise RuntimeError("fulfilment keeps crashing")
        real_fulfil(worker, order, found)

    monkeypatch.setattr(OrderProcessor, "_fulfil", poison)
    _drain(aws)
    FIGURES.add("faults.injected", sum(crashes.values()))
    FIGURES.add("faults.worker_crashes", sum(crashes.values()))
    FIGURES.add("faults.scenarios", len(poisoned) + len(healthy))
    statuses = _account(healthy + poisoned, charges, customer)
    assert [statuses[o] for o in healthy] == ["COMPLETED"] * len(healthy)
    assert [statuses[o] for o in poisoned] == ["FAILED"] * len(poisoned)
    assert all(crashes[o] == 3 for o in poisoned), crashes  # maxReceiveCount, then the DLQ
    for order_id in poisoned:
        assert "dead-letter" in (_status(order_id, customer)["errorMessage"] or "")
    assert all(charges[o] == 1 for o in healthy + poisoned)  # the poisoned were charged once, never again
    FIGURES.add("faults.dead_lettered", len(poisoned))
    FIGURES.add("faults.retried_success", len(healthy))


def test_losing_the_charge_record_after_charging_does_not_charge_twice(
    aws: Any, injector: Injector, charges: Counter[str]
) -> None:
    worker_calls = _worker_calls(aws, injector, charges)
    customer = cognito_identity(str(uuid.uuid4()))
    index = worker_calls.index(CHARGE_RECORDED)
    orders = [_crash_at(aws, injector, customer, index, kind) for kind in REFUSED_KINDS]
    _account(orders, charges, customer)
    doubles = sum(1 for o in orders if charges[o] > 1)
    # The Powertools record is lost, so the redelivery calls the provider again; the order id as
    # the provider's idempotency key makes that call return the first payment.
    assert doubles == 0


# ---- S3 upload events: S3 invokes asynchronously and retries a failed event ----------------------


def _deliver_s3(event: dict[str, Any]) -> bool:
    """One asynchronous invocation: True if it succeeded, False if Lambda would retry it."""
    try:
        load_handler("upload_events").lambda_handler(event, FakeContext())
    except Exception:  # any error makes Lambda retry the event
        return False
    return True


def test_upload_events_survive_dynamodb_and_s3_faults_and_count_once(aws: Any, injector: Injector) -> None:
    """The upload pipeline: each of its AWS calls failing through every attempt fails the
    invocation, Lambda's retry and S3's duplicate then make exactly one counted photo; a photo of
    a deleted album is removed even when S3 failed the first delete."""
    from tests.conftest import BUCKET
    from tests.unit.imaging.images import BLUE, RED, encode, two_halves
    from tests.unit.media.photo_files import land

    customer = cognito_identity(str(uuid.uuid4()))
    album_id = call_in_process("createAlbum", {"input": {"name": "faults"}}, customer)["albumId"]
    photo = encode(two_halves(64, 48, RED, BLUE), "JPEG")
    landed = iter(land(aws.s3, f"albums/{album_id}/17000000{n:02d}-p.jpg", photo, "image/jpeg") for n in range(100))
    attempts = total_attempts()
    injector.reset()
    assert _deliver_s3(next(landed)) is True
    clean_calls = list(injector.calls)
    counted = 1
    for index, _ in enumerate(clean_calls):
        for kind in REFUSED_KINDS:
            event = next(landed)
            injector.reset(Fault(index, attempts, kind))  # this call fails through every attempt
            assert _deliver_s3(event) is False
            FIGURES.add("faults.injected", injector.injected)
            FIGURES.add("faults.scenarios")
            injector.reset()
            assert _deliver_s3(event) is True  # Lambda's retry
            assert _deliver_s3(event) is True  # S3's at-least-once duplicate
            counted += 1
            FIGURES.add("faults.redelivered", 2)
            FIGURES.add("faults.retried_success")
    album = call_in_process("getAlbum", {"albumId": album_id}, customer)
    assert album["imageCount"] == counted
    listed = call_in_process("listAlbumPhotos", {"albumId": album_id, "limit": 100}, customer)["items"]
    assert len(listed) == counted

    # A late photo of a deleted album: S3 fails the delete of its versions, the retry removes it.
    call_in_process("deleteAlbum", {"input": {"albumId": album_id}}, customer)
    event = next(landed)
    injector.reset()
    assert _deliver_s3(event) is True
    delete_index = injector.calls.index("s3.DeleteObjects")
    event = next(landed)
    injector.reset(Fault(delete_index, attempts, "server_error"))
    assert _deliver_s3(event) is False
    FIGURES.add("faults.injected", injector.injected)
    FIGURES.add("faults.scenarios")
    injector.reset()
    assert _deliver_s3(event) is True
    FIGURES.add("faults.redelivered")
    FIGURES.add("faults.retried_success")
    assert aws.s3.list_object_versions(Bucket=BUCKET, Prefix=f"albums/{album_id}/").get("Versions", []) == []
