"""Live updates end to end (SPEC section 10): AppSync's real-time protocol on the local stack.

Every change travels as on AWS: the table's stream -> the publisher function (stream event
source) -> the SigV4-signed publish mutation -> the realtime endpoint's fan-out to the
subscribers whose arguments match. Both handshake forms, both auth modes.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from typing import Any

import pytest
import requests
from botocore.credentials import Credentials
from PIL import Image

from tests.e2e.conftest import Caller, Stack, guest_credentials, sign_up, sigv4_signer
from tests.e2e.order_sources import real_photo
from tests.e2e.realtime import RealtimeAuth, RealtimeClient, iam_auth, token_auth

pytestmark = pytest.mark.e2e

ORDER_FIELDS = "orderId customerId status totalPrice currency items { sku quantity } errorMessage updatedAt"
ON_ORDER = f"""subscription($customerId: ID, $orderId: ID) {{
  onOrderUpdated(customerId: $customerId, orderId: $orderId) {{ {ORDER_FIELDS} }}
}}"""
ON_ALBUM = """subscription($customerId: ID, $albumId: ID) {
  onAlbumUpdated(customerId: $customerId, albumId: $albumId) { albumId customerId name imageCount status pdfUrl }
}"""
ON_COLLAGE = """subscription($customerId: ID, $collageId: ID) {
  onCollageUpdated(customerId: $customerId, collageId: $collageId) { collageId customerId name status }
}"""
CREATE_ORDER = """mutation($currency: String!, $photo: String!) {
  createOrder(items: [{sku: "PRINT_4X6", quantity: 2, photoKey: $photo}], currency: $currency) { orderId status }
}"""
_PHOTOS: dict[str, str] = {}


def order_variables(caller: Caller, currency: str) -> dict[str, Any]:
    """An order prints a real photo of its customer's (SPEC 9): one uploaded per caller, reused."""
    if caller.owner_id not in _PHOTOS:
        _PHOTOS[caller.owner_id] = real_photo(caller)
    return {"currency": currency, "photo": _PHOTOS[caller.owner_id]}


PROCESS_ORDER = "mutation($id: ID!) { processOrder(orderId: $id) { orderId status } }"
CANCEL_ORDER = "mutation($id: ID!) { updateOrderStatus(orderId: $id, status: FAILED) { orderId status } }"
CREATE_ALBUM = 'mutation { createAlbum(input: {name: "Live booth"}) { albumId } }'
CREATE_COLLAGE = 'mutation { createCollage(input: {name: "Live", template: SINGLE}) { collageId } }'
RENAME_COLLAGE = "mutation($id: ID!, $name: String!) { updateCollage(input: {collageId: $id, name: $name}) { name } }"
PRESIGN = """mutation($id: ID!, $size: Int) {
  presignAlbumUpload(albumId: $id, fileName: "live.jpg", contentType: "image/jpeg", fileSize: $size) { presignedUrl }
}"""


class Subscriber:
    """A caller of the API with its realtime credentials."""

    def __init__(self, caller: Caller, auth: RealtimeAuth) -> None:
        self.caller = caller
        self.auth = auth

    def connect(self, form: str = "header") -> RealtimeClient:
        client = RealtimeClient(self.caller.stack, self.auth, form=form)
        ack = client.init()
        assert ack == {"type": "connection_ack", "payload": {"connectionTimeoutMs": 300000}}
        return client


def customer(stack: Stack, *, admin: bool = False) -> Subscriber:
    sub, token = sign_up(stack, admin=admin)

    def sign(request: requests.PreparedRequest) -> None:
        request.headers["Authorization"] = token

    return Subscriber(Caller(stack, sign, sub), token_auth(stack, token))


def guest(stack: Stack) -> Subscriber:
    identity_id, credentials = guest_credentials(stack)
    return Subscriber(Caller(stack, sigv4_signer(stack, credentials), identity_id), iam_auth(stack, credentials))


def _moves(statuses: list[str]) -> list[str]:
    """The status moves: repeated statuses (other fields changed) collapsed."""
    return [status for i, status in enumerate(statuses) if i == 0 or status != statuses[i - 1]]


def _statuses(messages: list[dict[str, Any]], field: str = "onOrderUpdated") -> list[str]:
    return [message["payload"]["data"][field]["status"] for message in messages]


# ---- an order followed by its owner ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "mode"), [("header", "token"), ("query", "token"), ("header", "iam"), ("query", "iam")]
)
def test_an_owner_follows_an_order_from_pending_to_completed(stack: Stack, form: str, mode: str) -> None:
    owner = customer(stack) if mode == "token" else guest(stack)
    client = owner.connect(form)
    assert client.start("all", ON_ORDER, {"customerId": owner.caller.owner_id}) == {"type": "start_ack", "id": "all"}
    order_id = owner.caller.graphql(CREATE_ORDER, order_variables(owner.caller, "USD")).data["createOrder"]["orderId"]
    # The INSERT may reach "all" before or after "one" exists; "one" is started once it has, so
    # it sees exactly the two changes after it.
    first = client.next()
    assert first["id"] == "all"
    assert client.start("one", ON_ORDER, {"orderId": order_id}) == {"type": "start_ack", "id": "one"}
    owner.caller.graphql(PROCESS_ORDER, {"id": order_id})
    received = [first]
    while not all(_statuses([m for m in received if m["id"] == name])[-1:] == ["COMPLETED"] for name in ("all", "one")):
        received.extend(client.data(1))
    client.close()
    on_all = [m for m in received if m["id"] == "all"]
    on_one = [m for m in received if m["id"] == "one"]
    # The worker records the charge on the order before fulfilment: a change a client sees (its
    # updatedAt), so PROCESSING may arrive more than once; the moves themselves arrive in order.
    assert _moves(_statuses(on_all)) == ["PENDING", "PROCESSING", "COMPLETED"]
    assert _moves(_statuses(on_one)) == ["PROCESSING", "COMPLETED"]
    order = on_all[-1]["payload"]["data"]["onOrderUpdated"]
    assert order["orderId"] == order_id
    assert order["customerId"] == owner.caller.owner_id
    assert order["totalPrice"] == 1.0
    assert order["items"] == [{"sku": "PRINT_4X6", "quantity": 2}]
    assert set(order) == {
        "orderId",
        "customerId",
        "status",
        "totalPrice",
        "currency",
        "items",
        "errorMessage",
        "updatedAt",
    }


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_album_counts_arrive_as_photos_land(stack: Stack) -> None:
    owner = customer(stack)
    album_id = owner.caller.graphql(CREATE_ALBUM).data["createAlbum"]["albumId"]
    client = owner.connect()
    assert client.start("album", ON_ALBUM, {"albumId": album_id})["type"] == "start_ack"
    photo = _jpeg()
    for _ in range(2):
        url = owner.caller.graphql(PRESIGN, {"id": album_id, "size": len(photo)}).data["presignAlbumUpload"]
        response = requests.put(url["presignedUrl"], data=photo, headers={"Content-Type": "image/jpeg"}, timeout=60)
        assert response.status_code == 200
    albums: list[dict[str, Any]] = []
    while not albums or albums[-1]["imageCount"] != 2:  # its creation may arrive first, if not yet sent
        albums += [m["payload"]["data"]["onAlbumUpdated"] for m in client.data(1)]
    client.close()
    counts = [album["imageCount"] for album in albums]
    assert {album["pdfUrl"] for album in albums} == {None}
    assert counts in ([1, 2], [0, 1, 2])


def test_collage_changes_reach_the_owner_and_presigned_urls_stay_null(stack: Stack) -> None:
    owner = customer(stack)
    collage_id = owner.caller.graphql(CREATE_COLLAGE).data["createCollage"]["collageId"]
    client = owner.connect("query")
    assert (
        client.start("c", ON_COLLAGE, {"collageId": collage_id, "customerId": owner.caller.owner_id})["type"]
        == "start_ack"
    )
    owner.caller.graphql(RENAME_COLLAGE, {"id": collage_id, "name": "Renamed"})
    collages = [m["payload"]["data"]["onCollageUpdated"] for m in client.data(1)]
    if collages[0]["name"] == "Live":  # its creation, published after the subscription started
        collages += [m["payload"]["data"]["onCollageUpdated"] for m in client.data(1)]
    client.close()
    assert collages[-1] == {
        "collageId": collage_id, "customerId": owner.caller.owner_id, "name": "Renamed", "status": "DRAFT",
    }  # fmt: skip


def test_stop_completes_and_nothing_more_arrives(stack: Stack) -> None:
    owner = customer(stack)
    client = owner.connect()
    assert client.start("s", ON_ORDER, {"customerId": owner.caller.owner_id})["type"] == "start_ack"
    assert client.stop("s") == {"type": "complete", "id": "s"}
    owner.caller.graphql(CREATE_ORDER, order_variables(owner.caller, "EUR"))
    assert client.quiet(1.5) == []
    assert client.keepalives >= 1  # the first `ka` follows connection_ack
    client.close()


# ---- refusals, as AppSync refuses ----------------------------------------------------------------------


def _start_error(client: RealtimeClient, query: str, variables: dict[str, Any]) -> list[str | None]:
    message = client.start(str(uuid.uuid4()), query, variables)
    assert message["type"] == "error", message
    return [error.get("errorType") for error in message["payload"]["errors"]]


def test_subscriptions_are_refused_per_spec_10(stack: Stack) -> None:
    owner, other = customer(stack), guest(stack)
    order_id = other.caller.graphql(CREATE_ORDER, order_variables(other.caller, "USD")).data["createOrder"]["orderId"]
    client = owner.connect()
    assert _start_error(client, ON_ORDER, {}) == ["ValidationError"]
    assert _start_error(client, ON_ORDER, {"customerId": other.caller.owner_id}) == ["Forbidden"]
    assert _start_error(client, ON_ORDER, {"orderId": order_id}) == ["NotFound"]
    assert _start_error(client, ON_ORDER, {"orderId": "no-such-order"}) == ["NotFound"]
    assert _start_error(client, ON_ALBUM, {"customerId": owner.caller.owner_id, "albumId": "gone"}) == ["NotFound"]
    client.close()
    admin = customer(stack, admin=True).connect("query")
    assert admin.start("any", ON_ORDER, {})["type"] == "start_ack"
    assert admin.start("theirs", ON_ORDER, {"orderId": order_id})["type"] == "start_ack"
    admin.close()


def test_a_bad_token_or_signature_is_refused_at_connection_init(stack: Stack) -> None:
    refused = [
        token_auth(stack, "not-a-token"),
        iam_auth(stack, Credentials("ASIAUNKNOWNKEY000000", "secret", "token")),
    ]
    for auth in refused:
        for form in ("header", "query"):
            client = RealtimeClient(stack, auth, form=form)
            message = client.init()
            assert message["type"] == "connection_error", message
            assert message["payload"]["errors"][0]["errorType"] == "UnauthorizedException"
            assert client.next()["type"] == "closed"


def test_a_start_signed_over_other_data_is_refused(stack: Stack) -> None:
    owner = guest(stack)
    client = owner.connect()
    tampered = RealtimeAuth(owner.auth.for_connect, lambda _data: owner.auth.for_start("{}"))
    client.auth = tampered
    assert _start_error(client, ON_ORDER, {"customerId": owner.caller.owner_id}) == ["UnauthorizedException"]
    client.close()


@pytest.mark.parametrize("field", ["publishOrderUpdated", "publishAlbumUpdated", "publishCollageUpdated"])
def test_no_customer_guest_or_admin_may_publish(stack: Stack, field: str) -> None:
    argument = {"publishOrderUpdated": "order", "publishAlbumUpdated": "album", "publishCollageUpdated": "collage"}
    for caller in (customer(stack).caller, guest(stack).caller, customer(stack, admin=True).caller):
        payload = json.dumps({"customerId": caller.owner_id})
        answer = caller.graphql(
            f"mutation($p: AWSJSON!) {{ {field}({argument[field]}: $p) {{ customerId }} }}", {"p": payload}
        )
        assert answer.error_types == ["Unauthorized"], answer.body


# ---- bounded load: 50 subscribers of 10 customers, 500 changes ------------------------------------------


def test_load_every_subscriber_receives_exactly_its_customers_changes_in_order(stack: Stack) -> None:
    customers = [customer(stack) for _ in range(5)] + [guest(stack) for _ in range(5)]
    subscribers: list[tuple[int, RealtimeClient]] = []
    for index, owner in enumerate(customers):
        for copy in range(5):
            client = owner.connect("header" if copy % 2 == 0 else "query")
            assert client.start("mine", ON_ORDER, {"customerId": owner.caller.owner_id})["type"] == "start_ack"
            subscribers.append((index, client))
    made: list[list[tuple[str, str]]] = [[] for _ in customers]

    def changes(index: int) -> None:  # 25 orders created and cancelled: 50 changes a customer
        caller = customers[index].caller
        for _ in range(25):
            order_id = caller.graphql(CREATE_ORDER, order_variables(caller, "GBP")).data["createOrder"]["orderId"]
            made[index].append((order_id, "PENDING"))
            caller.graphql(CANCEL_ORDER, {"id": order_id}).data  # noqa: B018 - asserts no errors
            made[index].append((order_id, "FAILED"))

    threads = [threading.Thread(target=changes, args=(index,)) for index in range(len(customers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(len(changes) for changes in made) == 500
    for index, client in subscribers:
        received = client.data(50, timeout=180)  # 500 changes through streams on a possibly busy machine
        seen = [
            (m["payload"]["data"]["onOrderUpdated"]["orderId"], m["payload"]["data"]["onOrderUpdated"]["status"])
            for m in received
        ]
        assert {m["payload"]["data"]["onOrderUpdated"]["customerId"] for m in received} == {
            customers[index].caller.owner_id
        }
        assert seen == made[index]  # exactly its customer's changes, in the order they were made
        assert client.quiet(0.3) == []  # and nothing more
    for _, client in subscribers:
        client.close()
