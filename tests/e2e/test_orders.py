"""Orders end to end: customers with id tokens, guests with SigV4, admins, over HTTP."""

from __future__ import annotations

import pytest
import requests

from tests.e2e.conftest import Caller, Stack, eventually
from tests.e2e.order_sources import JPEG, items_of, real_photo, real_photos

pytestmark = pytest.mark.e2e

ORDER_FIELDS = (
    "orderId customerId status totalPrice currency items { sku quantity unitPrice lineTotal photoKey } expiresAt"
)
CREATE_ORDER = f"""
mutation Create($items: [OrderItemInput!]!, $currency: String!) {{
  createOrder(items: $items, currency: $currency) {{ {ORDER_FIELDS} createdAt updatedAt }}
}}"""
PROCESS_ORDER = "mutation Process($id: ID!) { processOrder(orderId: $id) { orderId status } }"
GET_ORDER = """query Get($id: ID!) {
  getOrder(orderId: $id) { orderId status errorMessage expiresAt items { sku photoKey downloadUrl } }
}"""
DELETE_PHOTO = "mutation($key: String!) { deletePhoto(key: $key) { key } }"


def _order_flow(caller: Caller) -> str:
    """An order of a real photo: 4 prints and a download; once COMPLETED the download is the
    order's own copy of the very bytes uploaded, and stays so when the photo is deleted."""
    photo = real_photo(caller)
    items = items_of(photo, ("PRINT_4X6", 4), ("DIGITAL_DOWNLOAD", 1))
    created = caller.graphql(CREATE_ORDER, {"items": items, "currency": "EUR"}).data["createOrder"]
    assert created["customerId"] == caller.owner_id
    assert created["status"] == "PENDING"
    assert created["totalPrice"] == 3.60  # 4 x 0.45 + 1.80
    assert [line["photoKey"] for line in created["items"]] == [photo, photo]
    assert created["expiresAt"] > 0
    assert created["createdAt"].endswith("Z")

    processing = caller.graphql(PROCESS_ORDER, {"id": created["orderId"]}).data["processOrder"]
    assert processing["status"] == "PROCESSING"

    # The worker is fed by the local queue: the order completes asynchronously.
    def completed() -> dict | None:
        order = caller.graphql(GET_ORDER, {"id": created["orderId"]}).data["getOrder"]
        return order if order["status"] == "COMPLETED" else None

    order = eventually(completed)
    assert order, "the order never reached COMPLETED"
    assert order["expiresAt"] is None  # an order that leaves PENDING loses its TTL
    assert order["items"][0]["downloadUrl"] is None  # prints are not downloads
    download = order["items"][1]["downloadUrl"]
    assert f"/media/fulfillment/{created['orderId']}/" in download  # a signed /media URL (SPEC 16)
    assert requests.get(download, timeout=60).content == JPEG
    # The copy is the order's: deleting the photo changes nothing about the fulfilled order.
    caller.graphql(DELETE_PHOTO, {"key": photo}).data["deletePhoto"]
    again = caller.graphql(GET_ORDER, {"id": created["orderId"]}).data["getOrder"]
    assert requests.get(again["items"][1]["downloadUrl"], timeout=60).content == JPEG
    return created["orderId"]


def test_a_customer_orders_and_the_worker_completes_the_order(customer_caller: Caller) -> None:
    _order_flow(customer_caller)


def test_a_guest_signing_with_sigv4_orders_as_their_identity(guest_caller: Caller) -> None:
    assert guest_caller.owner_id.startswith("us-east-1:")
    _order_flow(guest_caller)


def test_a_declined_payment_ends_failed_with_the_reason(customer_caller: Caller) -> None:
    # Three photos, 100 8x10 prints of each: 1200.00, over the sandbox's limit.
    items = [{"sku": "PRINT_8X10", "quantity": 100, "photoKey": key} for key in real_photos(customer_caller, 3)]
    created = customer_caller.graphql(CREATE_ORDER, {"items": items, "currency": "USD"}).data["createOrder"]
    customer_caller.graphql(PROCESS_ORDER, {"id": created["orderId"]})

    def failed() -> dict | None:
        order = customer_caller.graphql(GET_ORDER, {"id": created["orderId"]}).data["getOrder"]
        return order if order["status"] == "FAILED" else None

    order = eventually(failed)
    assert order, "the order never reached FAILED"
    assert order["errorMessage"] == "payment declined: amount exceeds limit"


def test_two_guests_get_their_own_identities_and_cannot_see_each_other(stack: Stack, guest_caller: Caller) -> None:
    from tests.e2e.conftest import guest

    other = guest(stack)
    assert other.owner_id != guest_caller.owner_id
    items = items_of(real_photo(guest_caller), ("PRINT_5X7", 1))
    order_id = guest_caller.graphql(CREATE_ORDER, {"items": items, "currency": "GBP"}).data["createOrder"]["orderId"]
    # The other guest cannot order the first guest's photo: it reads as missing.
    refused = other.graphql(CREATE_ORDER, {"items": items, "currency": "GBP"})
    assert refused.error_types == ["ValidationError"]
    assert refused.body["errors"][0]["message"] == "items[0].photoKey: no such photo"
    assert other.graphql(GET_ORDER, {"id": order_id}).data["getOrder"] is None
    assert guest_caller.graphql(GET_ORDER, {"id": order_id}).data["getOrder"]["orderId"] == order_id


def test_an_admin_lists_orders_by_status(customer_caller: Caller, admin_caller: Caller) -> None:
    items = items_of(real_photo(customer_caller), ("DIGITAL_DOWNLOAD", 3))
    order_id = customer_caller.graphql(CREATE_ORDER, {"items": items, "currency": "USD"}).data["createOrder"]["orderId"]
    listed = admin_caller.graphql(
        "query { listOrders(status: PENDING, limit: 100) { items { orderId status customerId } nextToken } }"
    ).data["listOrders"]
    assert order_id in [order["orderId"] for order in listed["items"]]
    assert {order["status"] for order in listed["items"]} == {"PENDING"}


def test_a_customer_may_not_list_by_status_for_someone_else(customer_caller: Caller) -> None:
    response = customer_caller.graphql('query { listOrders(customerId: "someone-else") { items { orderId } } }')
    assert response.status == 200
    assert response.body["data"] is None  # OrderConnection! is non-null: the error nulls the parent
    error = response.body["errors"][0]
    assert error["errorType"] == "Forbidden"
    assert error["path"] == ["listOrders"]
    assert set(error) == {"path", "data", "errorType", "errorInfo", "locations", "message"}
    assert error["locations"][0]["line"] == 1


def test_a_handler_error_keeps_its_type_and_message(customer_caller: Caller) -> None:
    response = customer_caller.graphql(
        CREATE_ORDER, {"items": [{"sku": "NOPE", "quantity": 1, "photoKey": "albums/a/1-x.jpg"}], "currency": "USD"}
    )
    assert response.error_types == ["ValidationError"]
    assert "sku" in response.body["errors"][0]["message"]
