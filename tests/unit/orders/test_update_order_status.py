"""updateOrderStatus: the transition table by role, owners, messages, expiry, races (SPEC 3)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from ape_moments.caller import caller_from_identity
from ape_moments.errors import ApiError, Conflict, Forbidden, NotFound, ValidationError
from ape_moments.orders.wiring import order_service
from tests.conftest import call
from tests.unit.orders.helpers import seed_order, stored_order

STATUSES = ["PENDING", "PROCESSING", "COMPLETED", "FAILED"]
# SPEC section 3's table, written out independently of the code's copy.
SPEC_TRANSITIONS = {
    ("PENDING", "PROCESSING"): {"customer", "guest", "admin"},
    ("PENDING", "FAILED"): {"customer", "guest", "admin"},
    ("PROCESSING", "COMPLETED"): {"admin"},
    ("PROCESSING", "FAILED"): {"admin"},
    ("FAILED", "PENDING"): {"admin"},
}


def update(identity: dict[str, Any], order_id: str, status: str, **extra: Any) -> Any:
    arguments = {"orderId": order_id, "status": status, **extra}
    return call("updateOrderStatus", arguments, identity)


def expected_outcome(role: str, source: str, target: str) -> type[ApiError] | None:
    allowed = SPEC_TRANSITIONS.get((source, target))
    if allowed is None:
        return Conflict
    return None if role in allowed else Forbidden


CASES = [(role, s, t) for role in ("customer", "guest", "admin") for s in STATUSES for t in STATUSES]


@pytest.mark.parametrize(("role", "source", "target"), CASES, ids=[f"{r}:{s}->{t}" for r, s, t in CASES])
def test_transition_table(aws: Any, request: pytest.FixtureRequest, role: str, source: str, target: str) -> None:
    identity = request.getfixturevalue(role)
    owner = identity if role != "admin" else request.getfixturevalue("customer")
    order = seed_order(owner, source)
    expected = expected_outcome(role, source, target)
    if expected is None:
        result = update(identity, order.order_id, target)
        assert result["status"] == target
        assert stored_order(order.order_id).status == target  # type: ignore[union-attr]
    else:
        with pytest.raises(expected):
            update(identity, order.order_id, target)
        assert stored_order(order.order_id) == order  # untouched


def test_someone_elses_order_is_not_found(
    aws: Any, customer: dict[str, Any], other_customer: dict[str, Any], guest: dict[str, Any]
) -> None:
    order = seed_order(customer)
    for stranger in (other_customer, guest):
        with pytest.raises(NotFound):
            update(stranger, order.order_id, "FAILED")
        with pytest.raises(NotFound):  # even where the role could never make the move
            update(stranger, order.order_id, "COMPLETED")
    assert stored_order(order.order_id) == order


def test_missing_order_is_not_found(aws: Any, customer: dict[str, Any], admin: dict[str, Any]) -> None:
    for who in (customer, admin):
        with pytest.raises(NotFound):
            update(who, "00000000-0000-0000-0000-000000000000", "PROCESSING")


def test_error_message_is_kept_with_failed_and_cleared_after(
    aws: Any, customer: dict[str, Any], admin: dict[str, Any]
) -> None:
    order = seed_order(customer)
    failed = update(customer, order.order_id, "FAILED", errorMessage="wrong photos picked")
    assert failed["errorMessage"] == "wrong photos picked"
    assert failed["expiresAt"] is None  # left PENDING: kept, no longer expires
    retried = update(admin, order.order_id, "PENDING")
    assert retried["errorMessage"] is None
    assert retried["expiresAt"] is not None  # back in PENDING: a fresh seven days
    assert stored_order(order.order_id).error_message is None  # type: ignore[union-attr]


def test_leaving_pending_removes_expiry(aws: Any, customer: dict[str, Any]) -> None:
    order = seed_order(customer)
    assert order.expires_at is not None
    moved = update(customer, order.order_id, "PROCESSING")
    assert moved["expiresAt"] is None
    item = aws.dynamodb.get_item(TableName="OrdersTable", Key={"orderId": {"S": order.order_id}})["Item"]
    assert "expiresAt" not in item  # the TTL attribute is gone, so DynamoDB keeps the order
    assert moved["updatedAt"] >= order.updated_at


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"status": "FAILED", "errorMessage": "x" * 501}, "errorMessage"),
        ({"status": "PROCESSING", "errorMessage": "why"}, "errorMessage"),
        ({"status": "SHIPPED"}, "status"),
        ({"status": "PROCESSING", "orderId": "../../etc"}, "orderId"),
        ({"status": "PROCESSING", "orderId": "x" * 65}, "orderId"),
    ],
)
def test_bad_input(aws: Any, customer: dict[str, Any], extra: dict[str, Any], field: str) -> None:
    order = seed_order(customer)
    arguments = {"orderId": order.order_id, **extra}
    with pytest.raises(ValidationError) as refused:
        call("updateOrderStatus", arguments, customer)
    assert refused.value.message.startswith(f"{field}:")
    assert stored_order(order.order_id) == order


def test_error_message_of_500_characters_is_kept(aws: Any, customer: dict[str, Any]) -> None:
    order = seed_order(customer)
    assert update(customer, order.order_id, "FAILED", errorMessage="m" * 500)["errorMessage"] == "m" * 500


@pytest.mark.parametrize("role", ["customer", "admin"])
def test_concurrent_updates_exactly_one_wins(aws: Any, request: pytest.FixtureRequest, role: str) -> None:
    """Many callers move one PENDING order at once; the conditional write lets one through."""
    owner = request.getfixturevalue("customer")
    caller = caller_from_identity(request.getfixturevalue(role))
    order = seed_order(owner)
    service = order_service()
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def attempt(target: str) -> None:
        start.wait()
        try:
            service.update_order_status(caller, {"orderId": order.order_id, "status": target})
            result = f"won:{target}"
        except ApiError as error:
            result = type(error).__name__
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=("PROCESSING",)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("won:PROCESSING") == 1
    assert outcomes.count("Conflict") == 15
    assert stored_order(order.order_id).status == "PROCESSING"  # type: ignore[union-attr]


def test_concurrent_cancel_and_process_one_wins(aws: Any, customer: dict[str, Any]) -> None:
    """A customer's cancel races their own processing request: one of them, never both."""
    caller = caller_from_identity(customer)
    order = seed_order(customer)
    service = order_service()
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def attempt(target: str) -> None:
        start.wait()
        try:
            service.update_order_status(caller, {"orderId": order.order_id, "status": target})
            outcomes.append(f"won:{target}")
        except ApiError as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=attempt, args=(t,)) for t in ("FAILED", "PROCESSING")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(winners) == 1
    # The loser finds the order moved on: PROCESSING->FAILED is admin-only (Forbidden),
    # FAILED->PROCESSING is no transition at all (Conflict).
    assert set(outcomes) - set(winners) <= {"Conflict", "Forbidden"}
    assert stored_order(order.order_id).status == winners[0].removeprefix("won:")  # type: ignore[union-attr]
