"""Authorization matrix (issue 5, item 1): every operation x every caller kind, over HTTP.

The rows are generated from graphql/schema.graphql (Query and Mutation fields, parsed with
graphql-core): a new operation without its entry in ``KIND`` fails its rows. Each row runs
against the local stack as a frontend would (Cognito id token, identity-pool SigV4, nothing)
and asserts SPEC section 1's answer:

| caller | acts on | get | list (customerId of the owner) | create | change / delete / presign |
| --- | --- | --- | --- | --- | --- |
| owner customer | own object | object | own items | own | object |
| other customer | owner's object | null | Forbidden | Forbidden (customerId: owner) / own | NotFound |
| guest | own object | object | own items | own | object |
| other guest | guest's object | null | Forbidden | Forbidden (customerId: guest) / own | NotFound |
| admin | owner's object | object | owner's items | for the owner | object |
| no credentials | - | 401 | 401 | 401 | 401 |
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Caller, Stack, eventually, guest, user
from tests.e2e.realtime import RealtimeClient, caller_auth, token_auth
from tests.security.figures import FIGURES
from tests.security.http_api import Answer, call
from tests.security.operations import OPERATIONS, Operation, by_name
from tests.unit.imaging.images import BLUE, RED, encode, two_halves

pytestmark = pytest.mark.e2e

CALLER_KINDS = ("owner", "other_customer", "guest", "other_guest", "admin", "none")

# What kind of operation each field is: decides the expected answer per caller kind.
KIND = {
    "getOrder": "get",
    "getAlbum": "get",
    "getCollage": "get",
    "listOrders": "list",
    "listAlbums": "list",
    "listCollages": "list",
    "createOrder": "create_for",  # takes a customerId
    "createAlbum": "create_own",  # the owner is always the caller
    "createCollage": "create_own",
    "updateOrderStatus": "change",
    "processOrder": "change",
    "checkoutOrder": "change",  # SPEC 12: the owner's PENDING order (an admin's too)
    "refundOrder": "refund",  # SPEC 12: admins only; the target is PENDING, so even an admin gets Conflict
    "updateAlbum": "change",
    "deleteAlbum": "change",
    "updateCollage": "change",
    "deleteCollage": "change",
    "presignAlbumUpload": "change",
    "presignCollageUpload": "change",
    "listAlbumPhotos": "photos",  # an album's or collage's photos: someone else's is NotFound (SPEC 7)
    "listCollagePhotos": "photos",
    "deletePhoto": "change",
    # Live updates: the publish mutations are the backend's alone (SPEC 10): refused to every caller.
    "publishOrderUpdated": "publish",
    "publishAlbumUpdated": "publish",
    "publishCollageUpdated": "publish",
    # Email preferences (SPEC 13): the caller's own switch; signed-in customers only.
    "emailPreferences": "preferences",
    "setEmailPreferences": "preferences",
    "adminStats": "admin_only",  # the owner's figures (SPEC 14): admins, everyone else Forbidden
}

# The object each operation acts on, created by its owner before the row runs.
TARGET = {
    # An order's item names a real photo of the owner's (SPEC 9): made first, see _target.
    "Order": ("createOrder", {"items": [{"sku": "PRINT_4X6", "quantity": 1}], "currency": "EUR"}, "orderId"),
    "Album": ("createAlbum", {"input": {"name": "Matrix"}}, "albumId"),
    "Collage": ("createCollage", {"input": {"name": "Matrix", "template": "SINGLE"}}, "collageId"),
}
TARGET_OF = {
    "createOrder": "AlbumPhoto",  # the photo the order names, the owner's
    "getOrder": "Order",
    "listOrders": "Order",
    "updateOrderStatus": "Order",
    "processOrder": "Order",
    "checkoutOrder": "Order",
    "refundOrder": "Order",
    "getAlbum": "Album",
    "listAlbums": "Album",
    "updateAlbum": "Album",
    "deleteAlbum": "Album",
    "presignAlbumUpload": "Album",
    "getCollage": "Collage",
    "listCollages": "Collage",
    "updateCollage": "Collage",
    "deleteCollage": "Collage",
    "presignCollageUpload": "Collage",
    "listAlbumPhotos": "AlbumPhoto",
    "listCollagePhotos": "CollagePhoto",
    "deletePhoto": "AlbumPhoto",
    "publishOrderUpdated": "Order",
    "publishAlbumUpdated": "Album",
    "publishCollageUpdated": "Collage",
}
# Photo targets: uploaded through a presigned URL and taken in by the upload pipeline; the
# target id is the photo's key (albums/{albumId}/{name}).
PHOTO_TARGET = {
    "AlbumPhoto": ("Album", "presignAlbumUpload", "albumId"),
    "CollagePhoto": ("Collage", "presignCollageUpload", "collageId"),
}
PHOTO = encode(two_halves(64, 48, RED, BLUE), "JPEG")

Arguments = Callable[[str, str], dict[str, Any]]  # (target id, target owner id) -> variables
ARGUMENTS: dict[str, Arguments] = {
    "getOrder": lambda oid, owner: {"orderId": oid},
    "getAlbum": lambda aid, owner: {"albumId": aid},
    "getCollage": lambda cid, owner: {"collageId": cid},
    "listOrders": lambda oid, owner: {"customerId": owner, "limit": 100},
    "listAlbums": lambda aid, owner: {"customerId": owner, "limit": 100},
    "listCollages": lambda cid, owner: {"customerId": owner, "limit": 100},
    "createOrder": lambda photo, owner: {
        "items": [{"sku": "DIGITAL_DOWNLOAD", "quantity": 3, "photoKey": photo}],
        "currency": "GBP",
        "customerId": owner,
    },
    "createAlbum": lambda _, owner: {"input": {"name": "Mine"}},
    "createCollage": lambda _, owner: {"input": {"name": "Mine", "template": "STRIP_1X4"}},
    "updateOrderStatus": lambda oid, owner: {"orderId": oid, "status": "FAILED", "errorMessage": "cancelled"},
    "processOrder": lambda oid, owner: {"orderId": oid},
    "checkoutOrder": lambda oid, owner: {"orderId": oid},
    "refundOrder": lambda oid, owner: {"orderId": oid, "reason": "matrix"},
    "updateAlbum": lambda aid, owner: {"input": {"albumId": aid, "name": "Renamed"}},
    "deleteAlbum": lambda aid, owner: {"input": {"albumId": aid}},
    "updateCollage": lambda cid, owner: {"input": {"collageId": cid, "name": "Renamed"}},
    "deleteCollage": lambda cid, owner: {"input": {"collageId": cid}},
    "presignAlbumUpload": lambda aid, owner: {
        "albumId": aid,
        "fileName": "me.jpg",
        "contentType": "image/jpeg",
        "fileSize": 1000,
    },
    "presignCollageUpload": lambda cid, owner: {
        "collageId": cid,
        "fileName": "me.png",
        "contentType": "image/png",
        "fileSize": 1000,
    },
    "listAlbumPhotos": lambda key, owner: {"albumId": key.split("/")[1]},
    "listCollagePhotos": lambda key, owner: {"collageId": key.split("/")[1]},
    "deletePhoto": lambda key, owner: {"key": key},
    # A forged change of the owner's object: it would reach the owner's subscribers if accepted.
    "publishOrderUpdated": lambda oid, owner: {"order": json.dumps({"orderId": oid, "customerId": owner})},
    "publishAlbumUpdated": lambda aid, owner: {"album": json.dumps({"albumId": aid, "customerId": owner})},
    "publishCollageUpdated": lambda cid, owner: {"collage": json.dumps({"collageId": cid, "customerId": owner})},
    "emailPreferences": lambda _, owner: {},
    "setEmailPreferences": lambda _, owner: {"orderEmails": True},
    "adminStats": lambda _, owner: {"from": "2026-01-01", "to": "2026-01-31"},
}


def expected(kind: str, caller_kind: str) -> str:
    """SPEC section 1's answer: result, own (result owned by the caller), null, NotFound, Forbidden, 401."""
    if caller_kind == "none":
        return "401"
    outsider = caller_kind in ("other_customer", "other_guest")
    if kind == "publish":
        return "Unauthorized"  # @aws_iam only, and no identity-pool role lists the field
    if kind == "preferences":  # each signed-in caller's own switch; a guest's role may not
        return "Forbidden" if caller_kind in ("guest", "other_guest") else "preferences"
    if kind == "admin_only":
        return "result" if caller_kind == "admin" else "Forbidden"
    if kind == "refund":
        return "Conflict" if caller_kind == "admin" else "Forbidden"
    return {
        "get": "null" if outsider else "result",
        "list": "Forbidden" if outsider else "result",
        "create_for": "Forbidden" if outsider else "result",
        "create_own": "own",
        "change": "NotFound" if outsider else "result",
        "photos": "NotFound" if outsider else "result",
    }[kind]


@dataclass
class Callers:
    owner: Caller
    other_customer: Caller
    guest: Caller
    other_guest: Caller
    admin: Caller


@pytest.fixture(scope="module")
def callers(stack: Stack) -> Callers:
    return Callers(user(stack), user(stack), guest(stack), guest(stack), user(stack, admin=True))


def _acting(callers: Callers, caller_kind: str) -> tuple[Caller | None, Caller]:
    """(who calls, who owns the object the call is about)."""
    owner = callers.guest if caller_kind in ("guest", "other_guest") else callers.owner
    actor = None if caller_kind == "none" else getattr(callers, caller_kind)
    return actor, owner


def _target(stack: Stack, owner: Caller, field: str) -> str:
    if field not in TARGET_OF:
        return ""
    if TARGET_OF[field] in PHOTO_TARGET:
        return _photo(stack, owner, TARGET_OF[field])
    create, variables, id_field = TARGET[TARGET_OF[field]]
    if create == "createOrder":
        photo = _photo(stack, owner, "AlbumPhoto")
        variables = {**variables, "items": [{**line, "photoKey": photo} for line in variables["items"]]}
    answer = call(stack, owner, by_name(create), variables)
    assert answer.status == 200, answer.text
    return str(answer.data(create)[id_field])


def _photo(stack: Stack, owner: Caller, target: str) -> str:
    """A real photo in a new album or collage of ``owner``, listed by the pipeline; its key."""
    parent, presign, id_field = PHOTO_TARGET[target]
    create, variables, _ = TARGET[parent]
    answer = call(stack, owner, by_name(create), variables)
    parent_id = str(answer.data(create)[id_field])
    request = {id_field: parent_id, "fileName": "me.jpg", "contentType": "image/jpeg", "fileSize": len(PHOTO)}
    upload = call(stack, owner, by_name(presign), request).data(presign)
    put = requests.put(upload["presignedUrl"], data=PHOTO, headers={"Content-Type": "image/jpeg"}, timeout=60)
    assert put.status_code == 200, put.text
    listing = "listAlbumPhotos" if parent == "Album" else "listCollagePhotos"
    listed = eventually(lambda: call(stack, owner, by_name(listing), {id_field: parent_id}).data(listing)["items"])
    assert listed, "the matrix's photo was not listed"
    return str(upload["s3Key"])


ROWS = [(operation.field, caller_kind) for operation in OPERATIONS for caller_kind in CALLER_KINDS]


def test_every_operation_has_its_rows() -> None:
    """A schema field without a KIND (and its arguments) would have no rows: fail, never skip."""
    missing = [o.field for o in OPERATIONS if o.field not in KIND or o.field not in ARGUMENTS]
    assert missing == []
    FIGURES.add("matrix.operations", len(OPERATIONS))
    FIGURES.add("matrix.callers", len(CALLER_KINDS))
    FIGURES.note("matrix.transport", ", over HTTP")


@pytest.mark.parametrize(("field", "caller_kind"), ROWS, ids=[f"{f}-{c}" for f, c in ROWS])
def test_authorization_row(field: str, caller_kind: str, stack: Stack, callers: Callers) -> None:
    FIGURES.add("matrix.rows")
    operation: Operation = by_name(field)
    actor, owner = _acting(callers, caller_kind)
    target = _target(stack, owner, field)
    answer: Answer = call(stack, actor, operation, ARGUMENTS[field](target, owner.owner_id))
    want = expected(KIND[field], caller_kind)
    _assert_answer(answer, want, field, target, owner, actor)
    FIGURES.add("matrix.held")


def _assert_answer(answer: Answer, want: str, field: str, target: str, owner: Caller, actor: Caller | None) -> None:
    if want == "401":
        assert answer.status == 401, answer.text
        assert answer.error_types == ["UnauthorizedException"]
        assert "data" not in answer.body or not answer.body["data"]
        return
    assert answer.status == 200, answer.text
    if want in ("NotFound", "Forbidden", "Unauthorized", "Conflict"):
        assert answer.error_types == [want], answer.text
        assert answer.data(field) is None
        return
    assert answer.error_types == [], answer.text
    value = answer.data(field)
    if want == "null":
        assert value is None
        return
    if want == "preferences":
        assert value == {"orderEmails": True}, answer.text  # on by default; set to true by the row
        return
    assert value is not None
    assert actor is not None
    if want == "own":
        assert value["customerId"] == actor.owner_id
    elif "items" in value and value["items"] and "key" in value["items"][0]:
        assert [item["key"] for item in value["items"]] == [target]  # the owner's photo, URLs for it
        assert all(target in item["url"] for item in value["items"])
    elif "key" in value:
        assert value["key"] == target
    elif "items" in value:
        ids = {next(v for k, v in item.items() if k.endswith("Id") and k != "customerId") for item in value["items"]}
        assert target in ids
        assert {item["customerId"] for item in value["items"]} == {owner.owner_id}
    elif "totals" in value:  # adminStats: every day of the range, totals undated
        assert [day["date"] for day in value["days"]][::30] == ["2026-01-01", "2026-01-31"]
        assert value["totals"]["date"] is None
    elif "s3Key" in value:
        assert f"/{target}/" in value["s3Key"]
    elif "provider" in value:  # checkoutOrder's Checkout (SPEC 12): the owner's order
        assert value["orderId"] == target
    else:
        assert value["customerId"] == owner.owner_id
        if target and field != "createOrder":  # createOrder's target is the photo it names, not the order
            assert target in value.values()


# ---- function-level rows: the same operation, allowed or Forbidden by role (SPEC 3's table) ------

# (caller kind, from status, to status, SPEC's answer) for updateOrderStatus on the caller's (or,
# for the admin, the owner's) order.
ROLE_ROWS = [
    ("owner", "PROCESSING", "COMPLETED", "Forbidden"),
    ("guest", "PROCESSING", "COMPLETED", "Forbidden"),
    ("admin", "PROCESSING", "COMPLETED", "result"),
    ("owner", "FAILED", "PENDING", "Forbidden"),
    ("guest", "FAILED", "PENDING", "Forbidden"),
    ("admin", "FAILED", "PENDING", "result"),
    ("owner", "PENDING", "COMPLETED", "Conflict"),
    ("admin", "PENDING", "COMPLETED", "Conflict"),
]


def _order_in(stack: Stack, owner: Caller, admin: Caller, status: str) -> str:
    order_id = _target(stack, owner, "updateOrderStatus")
    update = by_name("updateOrderStatus")
    path = {"PENDING": [], "PROCESSING": ["PROCESSING"], "FAILED": ["FAILED"]}[status]
    for step in path:  # moved by an admin, so the worker never races the row
        answer = call(stack, admin, update, {"orderId": order_id, "status": step})
        assert answer.error_types == [], answer.text
    return order_id


@pytest.mark.parametrize(
    ("caller_kind", "source", "target", "want"), ROLE_ROWS, ids=[f"{c}-{s}-{t}" for c, s, t, _ in ROLE_ROWS]
)
def test_role_row(caller_kind: str, source: str, target: str, want: str, stack: Stack, callers: Callers) -> None:
    FIGURES.add("matrix.role_rows")
    actor, owner = _acting(callers, caller_kind)
    order_id = _order_in(stack, owner, callers.admin, source)
    answer = call(stack, actor, by_name("updateOrderStatus"), {"orderId": order_id, "status": target})
    assert answer.status == 200, answer.text
    if want == "result":
        assert answer.error_types == [], answer.text
        assert answer.data("updateOrderStatus")["status"] == target
    else:
        assert answer.error_types == [want], answer.text
    FIGURES.add("matrix.role_rows_held")


# ---- subscriptions (SPEC 10): every caller kind x own / foreign / missing / no argument ------------
#
# | caller | customerId (the owner's) | object id (the owner's) | missing object | no argument |
# | --- | --- | --- | --- | --- |
# | owner, guest | start_ack | start_ack | NotFound | ValidationError |
# | other customer, other guest | Forbidden | NotFound | NotFound | ValidationError |
# | admin | start_ack | start_ack | start_ack | start_ack |
# | no credentials | connection_error (UnauthorizedException) | | | |

SUBSCRIPTIONS = {"onOrderUpdated": "Order", "onAlbumUpdated": "Album", "onCollageUpdated": "Collage"}
ID_ARGUMENT = {"Order": "orderId", "Album": "albumId", "Collage": "collageId"}
ARGUMENT_KINDS = ("customerId", "objectId", "missing", "none")
SUBSCRIPTION_ROWS = [
    (field, caller_kind, argument_kind)
    for field in SUBSCRIPTIONS
    for caller_kind in CALLER_KINDS
    for argument_kind in ARGUMENT_KINDS
]


def expected_subscription(caller_kind: str, argument_kind: str) -> str:
    if caller_kind == "none":
        return "connection_error"
    if caller_kind == "admin":
        return "start_ack"
    if argument_kind == "none":
        return "ValidationError"
    if argument_kind == "missing":
        return "NotFound"
    if caller_kind in ("other_customer", "other_guest"):
        return "Forbidden" if argument_kind == "customerId" else "NotFound"
    return "start_ack"


@pytest.fixture(scope="module")
def connections(stack: Stack, callers: Callers) -> Any:
    opened: dict[str, RealtimeClient] = {}

    def connection(caller_kind: str) -> RealtimeClient:
        if caller_kind not in opened:
            actor = getattr(callers, caller_kind)
            opened[caller_kind] = RealtimeClient(stack, caller_auth(stack, actor.sign))
            assert opened[caller_kind].init()["type"] == "connection_ack"
        return opened[caller_kind]

    yield connection
    for client in opened.values():
        client.close()


def _subscription_document(field: str) -> str:
    id_argument = ID_ARGUMENT[SUBSCRIPTIONS[field]]
    return (
        f"subscription($customerId: ID, ${id_argument}: ID) {{ {field}(customerId: $customerId, "
        f"{id_argument}: ${id_argument}) {{ customerId }} }}"
    )


@pytest.mark.parametrize(
    ("field", "caller_kind", "argument_kind"), SUBSCRIPTION_ROWS, ids=["-".join(row) for row in SUBSCRIPTION_ROWS]
)
def test_subscription_row(
    field: str, caller_kind: str, argument_kind: str, stack: Stack, callers: Callers, connections: Any
) -> None:
    FIGURES.add("matrix.subscription_rows")
    want = expected_subscription(caller_kind, argument_kind)
    if caller_kind == "none":
        client = RealtimeClient(stack, token_auth(stack, ""))
        answer = client.init()
        client.close()
        assert answer["type"] == want, answer
        assert answer["payload"]["errors"][0]["errorType"] == "UnauthorizedException"
        FIGURES.add("matrix.subscription_rows_held")
        return
    _, owner = _acting(callers, caller_kind)
    kind = SUBSCRIPTIONS[field]
    create, variables, id_field = TARGET[kind]
    if create == "createOrder":  # an order names a real photo of the owner's (SPEC 9)
        photo = _photo(stack, owner, "AlbumPhoto")
        variables = {**variables, "items": [{**line, "photoKey": photo} for line in variables["items"]]}
    target = str(call(stack, owner, by_name(create), variables).data(create)[id_field])
    arguments = {
        "customerId": {"customerId": owner.owner_id},
        "objectId": {ID_ARGUMENT[kind]: target},
        "missing": {ID_ARGUMENT[kind]: f"missing-{uuid.uuid4()}"},
        "none": {},
    }[argument_kind]
    client = connections(caller_kind)
    subscription_id = str(uuid.uuid4())
    answer = client.start(subscription_id, _subscription_document(field), arguments)
    if want == "start_ack":
        assert answer == {"type": "start_ack", "id": subscription_id}, answer
        assert client.stop(subscription_id) == {"type": "complete", "id": subscription_id}
    else:
        assert answer["type"] == "error", answer
        assert [error.get("errorType") for error in answer["payload"]["errors"]] == [want], answer
    FIGURES.add("matrix.subscription_rows_held")
