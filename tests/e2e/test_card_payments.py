"""Payments end to end (SPEC 12): a local stack with the stripe provider against localstripe, over HTTP.

The session's stack keeps the sandbox (processOrder charges there); this module starts its own
stack as `make run` does (``PAYMENT_PROVIDER`` unset: stripe), and pays the way a frontend does:
card details to ``stripePaymentMethodsUrl`` (Stripe.js's createPaymentMethod), the ``pm_...`` to
checkoutOrder, 3-D Secure through the emulator's ``_authenticate``, the webhook over its URL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Caller, Stack, eventually, guest, stack_of, user
from tests.e2e.order_sources import items_of, real_photo
from tests.local_stack_process import START_TIMEOUT_SECONDS, running_stack

pytestmark = pytest.mark.e2e

CHECKOUT = """mutation ($orderId: ID!, $paymentMethodId: String) {
  checkoutOrder(orderId: $orderId, paymentMethodId: $paymentMethodId) {
    orderId provider status amount currency clientSecret publishableKey declineReason
  }
}"""
ORDER = "orderId status errorMessage payment { provider status amount currency amountRefunded updatedAt }"
CREATE = f"mutation ($items: [OrderItemInput!]!) {{ createOrder(items: $items, currency: USD) {{ {ORDER} }} }}"
CREATE = CREATE.replace("currency: USD", 'currency: "USD"')
GET = f"query ($orderId: ID!) {{ getOrder(orderId: $orderId) {{ {ORDER} }} }}"
REFUND = f'mutation ($orderId: ID!) {{ refundOrder(orderId: $orderId, reason: "e2e") {{ {ORDER} }} }}'
PROCESS = "mutation ($orderId: ID!) { processOrder(orderId: $orderId) { orderId status } }"


@pytest.fixture(scope="module")
def stripe_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("stripe-stack")
    # PAYMENT_PROVIDER unset: make run's default, stripe (the stack starts localstripe beside it).
    with running_stack(
        folder, "--no-prewarm", environment={"PAYMENT_PROVIDER": None}, start_timeout=START_TIMEOUT_SECONDS * 2
    ) as running:
        yield stack_of(running)


def payment_method(stack: Stack, number: str) -> str:
    """What Stripe.js's createPaymentMethod does, through the stack's local stand-in."""
    card = {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    answer = requests.post(stack.description["stripePaymentMethodsUrl"], json=card, timeout=30)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def stripe_get(stack: Stack, path: str) -> dict[str, Any]:
    headers = {"Authorization": "Bearer sk_test_local_ape_moments"}
    answer = requests.get(stack.description["stripeApiBase"] + path, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def intents_of(stack: Stack, order_id: str) -> list[dict[str, Any]]:
    every = stripe_get(stack, "/v1/payment_intents?limit=100")["data"]
    return [i for i in every if i["metadata"].get("orderId") == order_id]


def new_order(caller: Caller) -> str:
    items = items_of(real_photo(caller), ("PRINT_5X7", 2))  # 2 x 1.50 USD = 300 cents
    return str(caller.graphql(CREATE, {"items": items}).data["createOrder"]["orderId"])


def get(caller: Caller, order_id: str) -> dict[str, Any]:
    return dict(caller.graphql(GET, {"orderId": order_id}).data["getOrder"])


def completed(caller: Caller, order_id: str) -> dict[str, Any]:
    order = eventually(lambda: (o := get(caller, order_id))["status"] in ("COMPLETED", "FAILED") and o, timeout=60)
    assert order, get(caller, order_id)
    return dict(order)


def test_the_stack_names_what_a_frontend_needs_to_pay(stripe_stack: Stack) -> None:
    d = stripe_stack.description
    assert d["paymentProvider"] == "stripe"
    assert d["stripePublishableKey"].startswith("pk_")
    assert d["outputs"]["PaymentWebhookUrl"] == d["paymentWebhookUrl"]
    assert requests.get(d["stripeJsUrl"], timeout=30).status_code == 200
    custom = json.loads(stripe_stack.amplify_outputs.read_text())["custom"]["local"]["payments"]
    assert custom["stripePaymentMethodsUrl"] == d["stripePaymentMethodsUrl"]


def test_pay_with_the_test_card_and_the_order_completes_captured(stripe_stack: Stack) -> None:
    customer = user(stripe_stack)
    order_id = new_order(customer)
    assert customer.graphql(PROCESS, {"orderId": order_id}).error_types == ["Conflict"]  # checkout first
    answer = customer.graphql(
        CHECKOUT, {"orderId": order_id, "paymentMethodId": payment_method(stripe_stack, "4242 4242 4242 4242")}
    )
    checkout = answer.data["checkoutOrder"]
    assert (checkout["status"], checkout["amount"], checkout["currency"]) == ("AUTHORIZED", 300, "USD")
    order = completed(customer, order_id)
    assert order["status"] == "COMPLETED"
    assert order["payment"] == order["payment"] | {"status": "CAPTURED", "amount": 300, "amountRefunded": 0}
    [intent] = intents_of(stripe_stack, order_id)
    assert intent["status"] == "succeeded"


def test_a_declined_card_then_another_succeeds_with_never_two_capturable_payments(stripe_stack: Stack) -> None:
    customer = user(stripe_stack)
    order_id = new_order(customer)
    declined = customer.graphql(
        CHECKOUT, {"orderId": order_id, "paymentMethodId": payment_method(stripe_stack, "4000000000000341")}
    )
    assert declined.data["checkoutOrder"]["status"] == "REQUIRES_PAYMENT"
    reason = declined.data["checkoutOrder"]["declineReason"]
    assert reason
    pending = get(customer, order_id)
    assert (pending["status"], pending["errorMessage"]) == ("PENDING", reason)
    retried = customer.graphql(
        CHECKOUT, {"orderId": order_id, "paymentMethodId": payment_method(stripe_stack, "4242424242424242")}
    )
    assert retried.data["checkoutOrder"]["status"] == "AUTHORIZED"
    assert completed(customer, order_id)["status"] == "COMPLETED"
    statuses = sorted(i["status"] for i in intents_of(stripe_stack, order_id))
    assert statuses == ["canceled", "succeeded"]


def test_three_d_secure_then_checkout_again_completes(stripe_stack: Stack) -> None:
    customer = user(stripe_stack)
    order_id = new_order(customer)
    asked = customer.graphql(
        CHECKOUT, {"orderId": order_id, "paymentMethodId": payment_method(stripe_stack, "4000000000003220")}
    )
    checkout = asked.data["checkoutOrder"]
    assert checkout["status"] == "REQUIRES_ACTION"
    [intent] = intents_of(stripe_stack, order_id)
    # What Stripe.js does with the client secret: the customer passes the bank's check.
    form = {"key": checkout["publishableKey"], "client_secret": checkout["clientSecret"], "success": "true"}
    done = requests.post(
        f"{stripe_stack.description['stripeApiBase']}/v1/payment_intents/{intent['id']}/_authenticate",
        data=form,
        timeout=30,
    )
    assert done.status_code == 200, done.text
    again = customer.graphql(CHECKOUT, {"orderId": order_id})
    assert again.data["checkoutOrder"]["status"] == "AUTHORIZED"
    assert completed(customer, order_id)["payment"]["status"] == "CAPTURED"


def test_refund_order_once_for_admins(stripe_stack: Stack) -> None:
    customer, admin = user(stripe_stack), user(stripe_stack, admin=True)
    order_id = new_order(customer)
    customer.graphql(
        CHECKOUT, {"orderId": order_id, "paymentMethodId": payment_method(stripe_stack, "4242424242424242")}
    )
    assert completed(customer, order_id)["status"] == "COMPLETED"
    assert customer.graphql(REFUND, {"orderId": order_id}).error_types == ["Forbidden"]
    refunded = admin.graphql(REFUND, {"orderId": order_id}).data["refundOrder"]
    assert refunded["status"] == "COMPLETED"
    assert (refunded["payment"]["status"], refunded["payment"]["amountRefunded"]) == ("REFUNDED", 300)
    assert admin.graphql(REFUND, {"orderId": order_id}).error_types == ["Conflict"]
    [intent] = intents_of(stripe_stack, order_id)
    assert len(stripe_get(stripe_stack, f"/v1/refunds?payment_intent={intent['id']}")["data"]) == 1


def test_a_source_deleted_before_capture_cancels_and_fails_the_order(stripe_stack: Stack) -> None:
    customer = user(stripe_stack)
    photo = real_photo(customer)
    order_id = customer.graphql(CREATE, {"items": items_of(photo, ("PRINT_4X6", 1))}).data["createOrder"]["orderId"]
    # 3-D Secure holds the order between the checkout (sources checked) and the authorization, so
    # the source can go in between, deterministically: then the worker must not capture.
    pm = payment_method(stripe_stack, "4000000000003220")
    checkout = customer.graphql(CHECKOUT, {"orderId": order_id, "paymentMethodId": pm}).data["checkoutOrder"]
    tables = stripe_stack.description["tables"]
    stripe_stack.client("dynamodb").delete_item(TableName=tables["PhotosTable"], Key={"key": {"S": photo}})
    [intent] = intents_of(stripe_stack, order_id)
    form = {"key": checkout["publishableKey"], "client_secret": checkout["clientSecret"], "success": "true"}
    base = stripe_stack.description["stripeApiBase"]
    assert requests.post(f"{base}/v1/payment_intents/{intent['id']}/_authenticate", data=form, timeout=30).ok
    assert customer.graphql(CHECKOUT, {"orderId": order_id}).data["checkoutOrder"]["status"] == "AUTHORIZED"
    order = completed(customer, order_id)
    assert order["status"] == "FAILED"
    assert order["errorMessage"].endswith("nothing was charged")
    assert order["payment"]["status"] == "CANCELED"
    assert [i["status"] for i in intents_of(stripe_stack, order_id)] == ["canceled"]


def test_forged_webhooks_are_refused(stripe_stack: Stack) -> None:
    url = stripe_stack.description["paymentWebhookUrl"]
    body = json.dumps({"id": "evt_forged", "type": "payment_intent.amount_capturable_updated",
                       "data": {"object": {"id": "pi_forged"}}})  # fmt: skip
    for signature in (None, "t=1,v1=00", f"t={int(time.time())},v1={'0' * 64}"):
        headers = {"content-type": "application/json"} | ({"stripe-signature": signature} if signature else {})
        assert requests.post(url, data=body, headers=headers, timeout=30).status_code == 400


# ---- the emails a paid order sends (SPEC 13), through this stack's change stream and mailer ----------


def mail_to(stack: Stack, address: str) -> list[dict[str, Any]]:
    answer = requests.get(stack.graphql_url.removesuffix("/graphql") + "/local/mail.json", timeout=60)
    assert answer.status_code == 200
    return [message for message in answer.json() if message["to"] == [address]]


def pay(stack: Stack, caller: Caller, contact_email: str | None) -> str:
    items = items_of(real_photo(caller), ("PRINT_5X7", 2))
    create = (
        "mutation ($items: [OrderItemInput!]!, $contactEmail: String) "
        '{ createOrder(items: $items, currency: "USD", contactEmail: $contactEmail) { orderId } }'
    )
    order_id = str(
        caller.graphql(create, {"items": items, "contactEmail": contact_email}).data["createOrder"]["orderId"]
    )
    card = payment_method(stack, "4242 4242 4242 4242")
    assert caller.graphql(CHECKOUT, {"orderId": order_id, "paymentMethodId": card}).data["checkoutOrder"]["status"] == (
        "AUTHORIZED"
    )
    assert completed(caller, order_id)["status"] == "COMPLETED"
    return order_id


def test_a_guest_paying_by_card_gets_the_paid_and_completed_emails_once_and_can_unsubscribe(
    stripe_stack: Stack,
) -> None:
    buyer, address = guest(stripe_stack), f"buyer-{time.monotonic_ns()}@example.org"
    order_id = pay(stripe_stack, buyer, address)
    eventually(lambda: len(mail_to(stripe_stack, address)) >= 2, timeout=120)
    time.sleep(4)  # time for a duplicate to arrive, if the stream or the queue could make one
    emails = sorted(mail_to(stripe_stack, address), key=lambda message: message["sentAt"])
    assert [message["subject"] for message in emails] == [
        f"Your order {order_id[:8]} is paid",
        f"Your order {order_id[:8]} is ready",
    ]
    assert all(order_id in message["text"] for message in emails)  # the order's full id
    link = emails[0]["headers"]["List-Unsubscribe"].strip("<>")
    assert emails[0]["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = requests.post(
        link,
        data="List-Unsubscribe=One-Click",
        timeout=60,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    pay(stripe_stack, buyer, address)  # unsubscribed: this order's emails are not sent
    time.sleep(8)
    assert len(mail_to(stripe_stack, address)) == 2


def test_a_guest_without_an_address_gets_no_email(stripe_stack: Stack) -> None:
    before = len(
        requests.get(stripe_stack.graphql_url.removesuffix("/graphql") + "/local/mail.json", timeout=60).json()
    )
    order_id = pay(stripe_stack, guest(stripe_stack), None)
    time.sleep(6)
    every = requests.get(stripe_stack.graphql_url.removesuffix("/graphql") + "/local/mail.json", timeout=60).json()
    assert not [message for message in every[: len(every) - before] if order_id in message["text"]]
