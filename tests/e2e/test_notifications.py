"""Emails through the local stack (SPEC 13): the mailer fed by the email queue, the mailbox at
/local/mail, the one-click unsubscribe link served by the stack, the preferences operations.

The emails' source (the change-stream consumer's notifications reaction, and contactEmail on
createOrder) lands with other branches; the order flow below runs once both are in the stack.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from devtools import template
from tests.e2e.conftest import Caller, Stack, eventually
from tests.e2e.order_sources import real_photo

pytestmark = pytest.mark.e2e

ORDER_ID = "6b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b"


def origin(stack: Stack) -> str:
    return stack.graphql_url.removesuffix("/graphql")


def mail_to(stack: Stack, address: str) -> list[dict[str, Any]]:
    answer = requests.get(origin(stack) + "/local/mail.json", timeout=60)
    assert answer.status_code == 200
    return [message for message in answer.json() if message["to"] == [address]]


def queue(stack: Stack, notice: dict[str, Any], times: int = 1) -> None:
    sqs = stack.client("sqs")
    for _ in range(times):
        sqs.send_message(QueueUrl=stack.description["queues"]["EmailQueue"], MessageBody=json.dumps(notice))


def order_notice(address: str, kind: str = "order_paid") -> dict[str, Any]:
    return {
        "change_id": f"e2e-{uuid.uuid4().hex}",
        "kind": kind,
        "object_id": ORDER_ID,
        "owner_id": f"us-east-1:{uuid.uuid4()}",  # a guest: their address is their switch
        "recipient": address,
        "total": "12.50",
        "currency": "EUR",
        "item_count": 3,
    }


def settle(stack: Stack, address: str, count: int) -> list[dict[str, Any]]:
    """The address's emails once ``count`` arrived, and a few more seconds for any duplicate."""
    eventually(lambda: len(mail_to(stack, address)) >= count, timeout=60)
    time.sleep(4)  # the queue's redeliveries had time to send a second email, if they could
    return mail_to(stack, address)


def test_a_redelivered_email_arrives_once_with_its_one_click_unsubscribe(stack: Stack) -> None:
    address = f"guest-{uuid.uuid4().hex[:8]}@example.org"
    queue(stack, order_notice(address), times=3)  # the same change delivered three times
    [message] = settle(stack, address, 1)
    assert message["subject"] == f"Your order {ORDER_ID[:8]} is paid"
    assert ORDER_ID in message["text"]
    assert message["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["headers"]["List-Unsubscribe"].strip("<>")
    assert link.startswith(origin(stack) + "/local/function-urls/UnsubscribeFunction/")
    assert link in message["text"]
    assert message["messageId"]
    assert message["sentAt"]

    token = parse_qs(urlparse(link).query)["token"][0]
    tampered = link.replace(token, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    assert requests.post(tampered, data="List-Unsubscribe=One-Click", timeout=30).status_code == 400
    assert requests.get(link, timeout=30).status_code == 200  # a page with a button: changes nothing
    queue(stack, order_notice(address, "order_completed"))
    assert len(settle(stack, address, 2)) == 2  # still subscribed after the GET and the tampered POST

    one_click = requests.post(
        link,
        data="List-Unsubscribe=One-Click",
        timeout=30,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    queue(stack, order_notice(address, "order_failed"))
    time.sleep(8)  # generous: the mailer polls every second
    assert len(mail_to(stack, address)) == 2  # unsubscribed: nothing more


def test_the_mailbox_page_shows_the_emails_escaped(stack: Stack) -> None:
    address = f"guest-{uuid.uuid4().hex[:8]}@example.org"
    queue(stack, order_notice(address, "order_completed"))
    settle(stack, address, 1)
    page = requests.get(origin(stack) + "/local/mail", timeout=60)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert f"Your order {ORDER_ID[:8]} is ready" in page.text
    assert "<iframe sandbox" in page.text


def test_a_customer_sets_their_email_preferences_and_a_guest_may_not(
    customer_caller: Caller, guest_caller: Caller
) -> None:
    read = "query { emailPreferences { orderEmails } }"
    write = "mutation($on: Boolean!) { setEmailPreferences(orderEmails: $on) { orderEmails } }"
    assert customer_caller.graphql(read).data == {"emailPreferences": {"orderEmails": True}}
    assert customer_caller.graphql(write, {"on": False}).data == {"setEmailPreferences": {"orderEmails": False}}
    assert customer_caller.graphql(read).data == {"emailPreferences": {"orderEmails": False}}
    assert guest_caller.graphql(read).error_types == ["Forbidden"]
    assert guest_caller.graphql(write, {"on": False}).error_types == ["Forbidden"]


CONSUMER_WIRED = "ChangeStreamFunction" in template.load()["Resources"]
CONTACT_EMAIL_ARGUMENT = "contactEmail" in template.SCHEMA.read_text()


def _order_with_contact(stack: Stack, caller: Caller, address: str) -> str:
    """A new order of ``caller``'s naming a real photo, whose item carries ``contactEmail``: through
    createOrder once it takes the argument, else written on the stored item (what createOrder will
    store), before the order is processed."""
    photo = real_photo(caller)
    if CONTACT_EMAIL_ARGUMENT:
        created = caller.graphql(
            'mutation($photo: String, $email: String) { createOrder(items: [{sku: "PRINT_4X6", quantity: 1, '
            'photoKey: $photo}], currency: "EUR", contactEmail: $email) { orderId } }',
            {"photo": photo, "email": address},
        )
        return str(created.data["createOrder"]["orderId"])
    created = caller.graphql(
        'mutation($photo: String) { createOrder(items: [{sku: "PRINT_4X6", quantity: 1, photoKey: $photo}], '
        'currency: "EUR") { orderId } }',
        {"photo": photo},
    )
    order_id = str(created.data["createOrder"]["orderId"])
    stack.client("dynamodb").update_item(
        TableName=stack.description["tables"]["OrdersTable"],
        Key={"orderId": {"S": order_id}},
        UpdateExpression="SET contactEmail = :email",
        ExpressionAttributeValues={":email": {"S": address}},
    )
    return order_id


@pytest.mark.skipif(not CONSUMER_WIRED, reason="needs the change-stream consumer (the spine's ChangeStreamFunction)")
def test_an_orders_paid_and_completed_emails_arrive_once_each(stack: Stack, guest_caller: Caller) -> None:
    address = f"guest-{uuid.uuid4().hex[:8]}@example.org"
    order_id = _order_with_contact(stack, guest_caller, address)
    processed = guest_caller.graphql("mutation($id: ID!) { processOrder(orderId: $id) { status } }", {"id": order_id})
    assert processed.error_types == []
    eventually(
        lambda: (
            guest_caller.graphql("query($id: ID!) { getOrder(orderId: $id) { status } }", {"id": order_id}).data[
                "getOrder"
            ]["status"]
            == "COMPLETED"
        ),
        timeout=60,
    )
    messages = settle(stack, address, 2)
    subjects = sorted(message["subject"] for message in messages)
    assert subjects == sorted([f"Your order {order_id[:8]} is paid", f"Your order {order_id[:8]} is ready"])
    for message in messages:
        assert order_id in message["text"]
        assert message["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.skipif(not CONSUMER_WIRED, reason="needs the change-stream consumer (the spine's ChangeStreamFunction)")
def test_an_order_without_an_address_mails_nobody(stack: Stack, guest_caller: Caller) -> None:
    before = len(requests.get(origin(stack) + "/local/mail.json", timeout=60).json())
    photo = real_photo(guest_caller)
    created = guest_caller.graphql(
        'mutation($photo: String) { createOrder(items: [{sku: "PRINT_4X6", quantity: 1, photoKey: $photo}], '
        'currency: "EUR") { orderId } }',
        {"photo": photo},
    )
    order_id = created.data["createOrder"]["orderId"]
    guest_caller.graphql("mutation($id: ID!) { processOrder(orderId: $id) { status } }", {"id": order_id})
    eventually(
        lambda: (
            guest_caller.graphql("query($id: ID!) { getOrder(orderId: $id) { status } }", {"id": order_id}).data[
                "getOrder"
            ]["status"]
            in ("COMPLETED", "FAILED")
        ),
        timeout=60,
    )
    time.sleep(6)  # the stream and the mailer had time to send, had there been anyone to mail
    mails = requests.get(origin(stack) + "/local/mail.json", timeout=60).json()
    assert not [m for m in mails[: len(mails) - before] if order_id in m["text"]]


def _verified_email(stack: Stack, caller: Caller) -> str:
    """The caller's address, marked verified as a confirmed email is in the pool (admin_confirm_sign_up
    confirms the account, not the address)."""
    cognito = stack.client("cognito-idp")
    [found] = cognito.list_users(UserPoolId=stack.user_pool_id, Filter=f'sub = "{caller.owner_id}"')["Users"]
    address = next(a["Value"] for a in found["Attributes"] if a["Name"] == "email")
    cognito.admin_update_user_attributes(
        UserPoolId=stack.user_pool_id,
        Username=found["Username"],
        UserAttributes=[{"Name": "email_verified", "Value": "true"}],
    )
    return str(address)


@pytest.mark.skipif(not CONSUMER_WIRED, reason="needs the change-stream consumer (the spine's ChangeStreamFunction)")
def test_an_album_pdf_ready_email_reaches_its_owner_with_the_name_escaped(
    stack: Stack, customer_caller: Caller
) -> None:
    from tests.e2e.test_rendering import COLOURS, GET_ALBUM, PRESIGN_ALBUM, UPDATE_ALBUM, finished, solid_jpeg, upload

    address = _verified_email(stack, customer_caller)
    name = '<b>Lake</b> & "friends"'
    album_id = customer_caller.graphql(
        "mutation($name: String!) { createAlbum(input: {name: $name}) { albumId } }", {"name": name}
    ).data["createAlbum"]["albumId"]
    upload(customer_caller, PRESIGN_ALBUM, album_id, [solid_jpeg(COLOURS[0], (320, 240))])
    eventually(lambda: customer_caller.graphql(GET_ALBUM, {"id": album_id}).data["getAlbum"]["imageCount"] == 1)
    customer_caller.graphql(UPDATE_ALBUM, {"id": album_id, "status": "READY"})
    customer_caller.graphql(UPDATE_ALBUM, {"id": album_id, "status": "PROCESSING"})
    assert finished(customer_caller, GET_ALBUM, {"id": album_id}, "getAlbum")["status"] == "COMPLETED"
    [message] = settle(stack, address, 1)
    assert message["subject"] == f"Your album “{name}” is ready"
    assert "&lt;b&gt;Lake&lt;/b&gt; &amp; &#34;friends&#34;" in message["html"]
    assert "<b>Lake" not in message["html"]
    assert f"/albums/{album_id}" in message["text"]
