"""getOrder and listOrders: isolation, newest-first pages, opaque tokens, no scans (SPEC 3)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from ape_moments.errors import Forbidden, ValidationError
from tests.conftest import call
from tests.unit.orders.helpers import minutes_ago, seed_order


def get(identity: dict[str, Any], order_id: str) -> Any:
    return call("getOrder", {"orderId": order_id}, identity)


def list_orders(identity: dict[str, Any], **arguments: Any) -> Any:
    return call("listOrders", arguments, identity)


def test_get_own_order(aws: Any, customer: dict[str, Any], guest: dict[str, Any]) -> None:
    for owner in (customer, guest):
        order = seed_order(owner, quantity=4)
        fetched = get(owner, order.order_id)
        assert fetched == order.to_graphql()


def test_someone_elses_order_is_null(
    aws: Any, customer: dict[str, Any], other_customer: dict[str, Any], guest: dict[str, Any]
) -> None:
    order = seed_order(customer)
    assert get(other_customer, order.order_id) is None
    assert get(guest, order.order_id) is None
    assert get(customer, "11111111-1111-1111-1111-111111111111") is None  # same answer: existence is not leaked


def test_admin_sees_any_order(aws: Any, customer: dict[str, Any], guest: dict[str, Any], admin: dict[str, Any]) -> None:
    for owner in (customer, guest):
        order = seed_order(owner)
        assert get(admin, order.order_id)["customerId"] == order.customer_id


def test_malformed_order_id_is_a_validation_error(aws: Any, customer: dict[str, Any]) -> None:
    for bad in ("", "a/b", "x" * 65, "' OR 1=1 --"):
        with pytest.raises(ValidationError, match=r"^orderId:"):
            get(customer, bad)


def test_customers_page_through_their_own_orders_newest_first(
    aws: Any, customer: dict[str, Any], other_customer: dict[str, Any]
) -> None:
    mine = [seed_order(customer, created=minutes_ago(60 - i)) for i in range(7)]
    seed_order(other_customer, created=minutes_ago(1))  # newest overall, but not theirs
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = list_orders(customer, limit=3, **({"nextToken": token} if token else {}))
        pages += 1
        assert len(page["items"]) <= 3
        seen += [order["orderId"] for order in page["items"]]
        token = page["nextToken"]
        if not token:
            break
    assert seen == [order.order_id for order in reversed(mine)]
    assert pages in (3, 4)  # 3+3+1 (DynamoDB may hand back one empty last page)


def test_customer_filters_by_status(aws: Any, customer: dict[str, Any]) -> None:
    pending = seed_order(customer, created=minutes_ago(3))
    seed_order(customer, "COMPLETED", created=minutes_ago(2))
    failed = seed_order(customer, "FAILED", created=minutes_ago(1), error_message="declined")
    assert [o["orderId"] for o in list_orders(customer, status="PENDING")["items"]] == [pending.order_id]
    assert [o["orderId"] for o in list_orders(customer, status="FAILED")["items"]] == [failed.order_id]
    assert len(list_orders(customer)["items"]) == 3


def test_guest_lists_own_orders(aws: Any, guest: dict[str, Any], customer: dict[str, Any]) -> None:
    order = seed_order(guest)
    seed_order(customer)
    assert [o["orderId"] for o in list_orders(guest)["items"]] == [order.order_id]
    assert list_orders(guest, customerId=guest["cognitoIdentityId"])["items"][0]["orderId"] == order.order_id


def test_non_admin_may_not_name_another_customer(
    aws: Any, customer: dict[str, Any], other_customer: dict[str, Any], guest: dict[str, Any]
) -> None:
    seed_order(other_customer)
    for who in (customer, guest):
        with pytest.raises(Forbidden):
            list_orders(who, customerId=other_customer["sub"])


def test_admin_lists_by_customer_or_by_status(
    aws: Any, customer: dict[str, Any], other_customer: dict[str, Any], admin: dict[str, Any]
) -> None:
    a = seed_order(customer, created=minutes_ago(5))
    b = seed_order(other_customer, "PROCESSING", created=minutes_ago(4))
    c = seed_order(customer, "PROCESSING", created=minutes_ago(3))
    assert [o["orderId"] for o in list_orders(admin, customerId=customer["sub"])["items"]] == [c.order_id, a.order_id]
    assert [o["orderId"] for o in list_orders(admin, status="PROCESSING")["items"]] == [c.order_id, b.order_id]
    both = list_orders(admin, customerId=customer["sub"], status="PROCESSING")["items"]
    assert [o["orderId"] for o in both] == [c.order_id]
    with pytest.raises(ValidationError, match="customerId"):
        list_orders(admin)


def test_admin_pages_by_status(aws: Any, customer: dict[str, Any], admin: dict[str, Any]) -> None:
    orders = [seed_order(customer, "FAILED", created=minutes_ago(30 - i)) for i in range(5)]
    first = list_orders(admin, status="FAILED", limit=2)
    second = list_orders(admin, status="FAILED", limit=2, nextToken=first["nextToken"])
    ids = [o["orderId"] for o in first["items"] + second["items"]]
    assert ids == [o.order_id for o in reversed(orders)][:4]


@pytest.mark.parametrize("limit", [0, 101, -1])
def test_limit_bounds(aws: Any, customer: dict[str, Any], limit: int) -> None:
    with pytest.raises(ValidationError, match=r"^limit:"):
        list_orders(customer, limit=limit)


def test_default_page_is_twenty(aws: Any, customer: dict[str, Any]) -> None:
    for i in range(21):
        seed_order(customer, created=minutes_ago(100 - i))
    page = list_orders(customer)
    assert len(page["items"]) == 20
    assert page["nextToken"]
    assert len(list_orders(customer, limit=100)["items"]) == 21


def _token(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def test_forged_tokens_are_validation_errors(
    aws: Any, customer: dict[str, Any], other_customer: dict[str, Any]
) -> None:
    victim = seed_order(other_customer)
    forged = [
        "not-a-token",
        "",
        "%%%",
        "x" * 5000,
        _token(["a list"]),
        _token({"orderId": {"S": victim.order_id}}),  # missing index keys
        _token({"orderId": {"N": "1"}, "customerId": {"S": customer["sub"]}, "createdAt": {"S": "2026"}}),
        _token(
            {
                "orderId": {"S": "x"},
                "customerId": {"S": customer["sub"]},
                "createdAt": {"S": "2026"},
                "extra": {"S": "y"},
            }
        ),
        # a well-formed key that points into another customer's partition
        _token(
            {
                "orderId": {"S": victim.order_id},
                "customerId": {"S": victim.customer_id},
                "createdAt": {"S": victim.created_at},
            }
        ),
    ]
    for token in forged:
        with pytest.raises(ValidationError, match=r"^nextToken:"):
            list_orders(customer, nextToken=token)


def test_a_token_only_continues_the_listing_it_came_from(
    aws: Any, customer: dict[str, Any], other_customer: dict[str, Any], admin: dict[str, Any]
) -> None:
    for i in range(3):
        seed_order(other_customer, created=minutes_ago(10 - i))
        seed_order(customer, "PROCESSING", created=minutes_ago(10 - i))
    foreign = list_orders(other_customer, limit=1)["nextToken"]
    assert foreign
    with pytest.raises(ValidationError):  # someone else's token is no way into their orders
        list_orders(customer, nextToken=foreign)
    status_token = list_orders(admin, status="PROCESSING", limit=1)["nextToken"]
    with pytest.raises(ValidationError):  # a status-listing token does not fit a customer listing
        list_orders(customer, nextToken=status_token)
    with pytest.raises(ValidationError):
        list_orders(admin, status="PENDING", nextToken=status_token)
