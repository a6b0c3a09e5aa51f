"""createOrder: catalog pricing, input limits, owners, expiry and idempotency keys (SPEC 3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ape_moments.errors import Conflict, Forbidden, InternalError, ValidationError
from ape_moments.orders.models import CATALOG
from tests.conftest import call
from tests.unit.orders.helpers import item, source_for

# SPEC section 3's price table, written out again on purpose: the test does not trust the code's copy.
SPEC_PRICES = {
    "PRINT_4X6": ("0.50", "0.45", "0.40"),
    "PRINT_5X7": ("1.50", "1.35", "1.20"),
    "PRINT_8X10": ("4.00", "3.60", "3.20"),
    "PHOTO_STRIP": ("3.00", "2.70", "2.40"),
    "COLLAGE_PRINT": ("6.00", "5.40", "4.80"),
    "PHOTO_ALBUM": ("25.00", "22.50", "20.00"),
    "DIGITAL_DOWNLOAD": ("2.00", "1.80", "1.60"),
}


def create(identity: dict[str, Any], items: list[dict[str, Any]], currency: str = "USD", **extra: Any) -> Any:
    return call("createOrder", {"items": items, "currency": currency, **extra}, identity)


def stored(aws: Any, order_id: str) -> dict[str, Any] | None:
    item = aws.dynamodb.get_item(TableName="OrdersTable", Key={"orderId": {"S": order_id}}).get("Item")
    return item


def order_count(aws: Any) -> int:
    return int(aws.dynamodb.scan(TableName="OrdersTable", Select="COUNT")["Count"])


def test_catalog_matches_spec() -> None:
    assert set(CATALOG) == set(SPEC_PRICES)
    for sku, prices in SPEC_PRICES.items():
        assert [CATALOG[sku][c] for c in ("USD", "EUR", "GBP")] == [Decimal(p) for p in prices]


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP"])
def test_every_sku_is_priced_from_the_catalog(aws: Any, customer: dict[str, Any], currency: str) -> None:
    column = ("USD", "EUR", "GBP").index(currency)
    items = [item(customer, sku, n) for n, sku in enumerate(SPEC_PRICES, start=1)]
    order = create(customer, items, currency)
    expected_total = Decimal(0)
    for line, (sku, prices) in zip(order["items"], SPEC_PRICES.items(), strict=True):
        unit = Decimal(prices[column])
        assert line["sku"] == sku
        assert Decimal(str(line["unitPrice"])) == unit
        assert Decimal(str(line["lineTotal"])) == unit * line["quantity"]
        expected_total += unit * line["quantity"]
    assert Decimal(str(order["totalPrice"])) == expected_total
    assert order["currency"] == currency
    # Stored as exact decimals (DynamoDB numbers), never binary floats.
    assert Decimal(stored(aws, order["orderId"])["totalPrice"]["N"]) == expected_total  # type: ignore[index]


def test_money_is_exact_where_floats_drift(aws: Any, customer: dict[str, Any]) -> None:
    # 0.45 * 3 and 1.35 * 7 are inexact in binary floating point; the total must still be exact.
    order = create(customer, [item(customer, "PRINT_4X6", 3), item(customer, "PRINT_5X7", 7)], "EUR")
    assert Decimal(stored(aws, order["orderId"])["totalPrice"]["N"]) == Decimal("10.80")  # type: ignore[index]
    assert order["totalPrice"] == 10.8


def test_new_order_is_pending_for_seven_days(aws: Any, customer: dict[str, Any]) -> None:
    before = datetime.now(UTC)
    order = create(customer, [item(customer, "PRINT_8X10")])
    created = datetime.strptime(order["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert order["status"] == "PENDING"
    assert order["customerId"] == customer["sub"]
    assert order["createdAt"] == order["updatedAt"]
    assert abs(created - before) < timedelta(seconds=5)
    assert order["expiresAt"] == int((created + timedelta(days=7)).timestamp())
    assert order["errorMessage"] is None
    assert stored(aws, order["orderId"])["expiresAt"] == {"N": str(order["expiresAt"])}  # type: ignore[index]


def test_guest_orders_belong_to_their_identity(aws: Any, guest: dict[str, Any]) -> None:
    order = create(guest, [item(guest, "PHOTO_STRIP", 2)])
    assert order["customerId"] == guest["cognitoIdentityId"]


def test_customer_id_argument_rules(
    aws: Any, customer: dict[str, Any], other_customer: dict[str, Any], admin: dict[str, Any]
) -> None:
    own = create(customer, [item(customer, "PRINT_4X6")], customerId=customer["sub"])
    assert own["customerId"] == customer["sub"]
    with pytest.raises(Forbidden):
        create(customer, [item(other_customer, "PRINT_4X6")], customerId=other_customer["sub"])
    for_customer = create(admin, [item(other_customer, "PRINT_4X6")], customerId=other_customer["sub"])
    assert for_customer["customerId"] == other_customer["sub"]
    for_self = create(admin, [item(admin, "PRINT_4X6")])
    assert for_self["customerId"] == admin["sub"]


# Input checks come before any read: a source that does not exist is fine for these.
ONE = {"sku": "PRINT_4X6", "quantity": 1, "photoKey": "albums/a1/1795000000000-one.jpg"}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"items": [], "currency": "USD"}, "items"),
        ({"items": [{"sku": f"X{i}", "quantity": 1} for i in range(51)], "currency": "USD"}, "items"),
        ({"items": [ONE | {"quantity": 0}], "currency": "USD"}, "items[0].quantity"),
        ({"items": [ONE | {"quantity": 101}], "currency": "USD"}, "items[0].quantity"),
        ({"items": [ONE | {"quantity": -3}], "currency": "USD"}, "items[0].quantity"),
        ({"items": [ONE | {"quantity": 1.5}], "currency": "USD"}, "items[0].quantity"),
        ({"items": [ONE | {"quantity": True}], "currency": "USD"}, "items[0].quantity"),
        ({"items": [ONE, ONE | {"sku": "POSTER_A1"}], "currency": "USD"}, "items[1].sku"),
        ({"items": [ONE, ONE | {"quantity": 2}], "currency": "USD"}, "items[1].photoKey"),
        ({"items": [ONE | {"photoKey": "../etc/passwd"}], "currency": "USD"}, "items[0].photoKey"),
        ({"items": [ONE | {"photoKey": "thumbnails/albums/a1/x.jpg.jpg"}], "currency": "USD"}, "items[0].photoKey"),
        ({"items": [ONE | {"photoKey": None, "collageId": "not an id"}], "currency": "USD"}, "items[0].collageId"),
        ({"items": [ONE], "currency": "usd"}, "currency"),
        ({"items": [ONE], "currency": "JPY"}, "currency"),
        ({"items": [ONE], "currency": "USD", "idempotencyKey": ""}, "idempotencyKey"),
        ({"items": [ONE], "currency": "USD", "idempotencyKey": "x" * 65}, "idempotencyKey"),
        ({"items": [ONE], "currency": "USD", "idempotencyKey": "has space"}, "idempotencyKey"),
        ({"items": [ONE], "currency": "USD", "idempotencyKey": "ünïcode"}, "idempotencyKey"),
        ({"items": [ONE | {"unitPrice": 0.01}], "currency": "USD"}, "items[0].unitPrice"),
    ],
)
def test_bad_input_is_a_validation_error_naming_the_field(
    aws: Any, customer: dict[str, Any], arguments: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        call("createOrder", arguments, customer)
    assert refused.value.message.startswith(f"{field}:")
    assert order_count(aws) == 0  # nothing half-written


def test_limits_are_inclusive(aws: Any, customer: dict[str, Any]) -> None:
    skus = list(SPEC_PRICES)
    order = create(customer, [item(customer, skus[0], 100), item(customer, skus[1], 1)])
    assert [line["quantity"] for line in order["items"]] == [100, 1]
    create(customer, [item(customer, "PRINT_4X6")], idempotencyKey="k" * 64)


# ---- idempotency keys -----------------------------------------------------------------------------


def test_same_key_and_payload_returns_the_same_order(aws: Any, customer: dict[str, Any]) -> None:
    items = [item(customer, "PRINT_4X6", 2), item(customer, "PHOTO_STRIP")]
    first = create(customer, items, idempotencyKey="booth-7")
    again = create(customer, items, idempotencyKey="booth-7")
    reordered = create(customer, list(reversed(items)), idempotencyKey="booth-7")
    assert again == first
    assert reordered["orderId"] == first["orderId"]
    assert order_count(aws) == 1


def test_same_key_with_another_payload_is_a_conflict(aws: Any, customer: dict[str, Any]) -> None:
    line = item(customer, "PRINT_4X6", 2)
    create(customer, [line], idempotencyKey="booth-8")
    with pytest.raises(Conflict):
        create(customer, [line | {"quantity": 3}], idempotencyKey="booth-8")
    with pytest.raises(Conflict):
        create(customer, [line], "EUR", idempotencyKey="booth-8")
    with pytest.raises(Conflict):  # the sources are part of the payload: another photo is another order
        create(customer, [line | source_for(customer, "PRINT_4X6")], idempotencyKey="booth-8")
    assert order_count(aws) == 1


def test_keys_are_per_caller(
    aws: Any, customer: dict[str, Any], other_customer: dict[str, Any], guest: dict[str, Any]
) -> None:
    orders = {
        create(who, [item(who, "PRINT_4X6")], idempotencyKey="shared-key")["orderId"]
        for who in (customer, other_customer, guest)
    }
    assert len(orders) == 3


def test_without_a_key_every_call_creates_an_order(aws: Any, customer: dict[str, Any]) -> None:
    line = item(customer, "PRINT_4X6")
    assert create(customer, [line])["orderId"] != create(customer, [line])["orderId"]
    assert order_count(aws) == 2


def test_a_key_is_remembered_for_24_hours_only(aws: Any, customer: dict[str, Any]) -> None:
    line = item(customer, "PRINT_4X6")
    first = create(customer, [line], idempotencyKey="day-old")
    records = aws.dynamodb.scan(TableName="IdempotencyTable")["Items"]
    assert len(records) == 1
    expiration = int(records[0]["expiration"]["N"])
    assert abs(expiration - (datetime.now(UTC) + timedelta(hours=24)).timestamp()) < 60
    # Age the record past its 24 hours (DynamoDB's TTL deletes it lazily; Powertools checks the time).
    aws.dynamodb.update_item(
        TableName="IdempotencyTable",
        Key={"id": records[0]["id"]},
        UpdateExpression="SET expiration = :past",
        ExpressionAttributeValues={":past": {"N": str(int(datetime.now(UTC).timestamp()) - 1)}},
    )
    later = create(customer, [line], idempotencyKey="day-old")
    assert later["orderId"] != first["orderId"]


def test_a_failed_create_leaves_no_key_behind(
    aws: Any, customer: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ape_moments.orders.repository import OrdersRepository

    def broken_insert(self: OrdersRepository, order: Any) -> None:
        raise RuntimeError("table unavailable")

    line = item(customer, "PRINT_4X6")
    with monkeypatch.context() as patch:
        patch.setattr(OrdersRepository, "insert", broken_insert)
        with pytest.raises(InternalError):
            create(customer, [line], idempotencyKey="retry-me")
    assert aws.dynamodb.scan(TableName="IdempotencyTable")["Count"] == 0
    order = create(customer, [line], idempotencyKey="retry-me")  # the retry creates the order
    assert order_count(aws) == 1
    assert order["status"] == "PENDING"


# ---- where the order's emails go (SPEC 13) ---------------------------------------------------------


def test_a_guest_gives_a_contact_email_kept_on_the_order_not_shown(aws: Any, guest: dict[str, Any]) -> None:
    order = create(guest, [item(guest, "PRINT_4X6", 2)], contactEmail="Jamie@Example.COM")
    assert "contactEmail" not in order  # the recipient is the backend's, never part of the Order type
    assert stored(aws, order["orderId"])["contactEmail"] == {"S": "Jamie@example.com"}  # type: ignore[index]


@pytest.mark.parametrize("address", ["not an address", "a@b", "x" * 250 + "@example.com", "two@@example.com"])
def test_an_invalid_contact_email_is_refused_naming_it_and_nothing_is_written(
    aws: Any, guest: dict[str, Any], address: str
) -> None:
    before = order_count(aws)
    with pytest.raises(ValidationError, match=r"^contactEmail: "):
        create(guest, [item(guest, "PRINT_4X6", 1)], contactEmail=address)
    assert order_count(aws) == before


def test_a_signed_in_customers_verified_email_is_kept_and_an_admins_own_is_not(
    aws: Any, customer: dict[str, Any], admin: dict[str, Any]
) -> None:
    customer["claims"] |= {"email": "sam@example.com", "email_verified": "true"}
    own = create(customer, [item(customer, "PRINT_4X6", 1)])
    assert stored(aws, own["orderId"])["contactEmail"] == {"S": "sam@example.com"}  # type: ignore[index]
    # an admin ordering for the customer: the admin's own address is not the customer's
    admin["claims"] |= {"email": "boss@example.com", "email_verified": "true"}
    made_for = create(admin, [item(customer, "PRINT_4X6", 1)], customerId=customer["sub"])
    assert "contactEmail" not in stored(aws, made_for["orderId"])  # type: ignore[operator]


def test_an_unverified_email_or_an_access_token_keeps_no_address(aws: Any, customer: dict[str, Any]) -> None:
    customer["claims"] |= {"email": "sam@example.com", "email_verified": "false"}
    order = create(customer, [item(customer, "PRINT_4X6", 1)])
    assert "contactEmail" not in stored(aws, order["orderId"])  # type: ignore[operator]
