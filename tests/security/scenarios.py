"""A valid call of every operation, for its owner, with whatever it needs seeded first.

``PREPARE[field](call, identity, aws)`` seeds through the handlers themselves and returns the
arguments of one call that succeeds for ``identity``. A schema field without an entry fails
``test_every_operation_has_a_scenario``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import BUCKET, call

Identity = dict[str, Any] | None
Call = Callable[[str, dict[str, Any], Identity], Any]
Prepare = Callable[[Call, dict[str, Any], Any], dict[str, Any]]


def order_of(identity: dict[str, Any]) -> dict[str, Any]:
    """createOrder's arguments: one item of each kind of source (SPEC 9), real and the identity's
    (records and files seeded through the repositories, in moto)."""
    from tests.unit.orders.helpers import seed_album_source, seed_collage_source, seed_photo_source

    return {
        "items": [
            {"sku": "PRINT_4X6", "quantity": 2, "photoKey": seed_photo_source(identity)},
            {"sku": "PHOTO_STRIP", "quantity": 1, "collageId": seed_collage_source(identity, template="STRIP_1X4")},
            {"sku": "DIGITAL_DOWNLOAD", "quantity": 1, "albumId": seed_album_source(identity)},
        ],
        "currency": "USD",
    }


call_in_process: Call = call


def _order(call: Call, identity: dict[str, Any]) -> str:
    return str(call("createOrder", order_of(identity), identity)["orderId"])


def _album(call: Call, identity: dict[str, Any], aws: Any, *, photos: int = 0) -> str:
    album_id = str(call("createAlbum", {"input": {"name": "Booth night"}}, identity)["albumId"])
    for n in range(photos):
        aws.s3.put_object(Bucket=BUCKET, Key=f"albums/{album_id}/1700000000-p{n}.jpg", Body=b"jpeg")
    return album_id


def _collage(call: Call, identity: dict[str, Any], aws: Any, *, photos: int = 0) -> str:
    collage_id = str(call("createCollage", {"input": {"name": "Strip", "template": "GRID_2X2"}}, identity)["collageId"])
    for n in range(photos):
        aws.s3.put_object(Bucket=BUCKET, Key=f"collages/{collage_id}/1700000000-p{n}.png", Body=b"png")
    return collage_id


def _photo(call: Call, identity: dict[str, Any], aws: Any, *, in_collage: bool = False) -> tuple[str, str]:
    """(album or collage id, photo key): a real JPEG landed and taken in by the upload pipeline."""
    from tests.conftest import FakeContext, load_handler
    from tests.unit.imaging.images import BLUE, RED, encode, two_halves
    from tests.unit.media.photo_files import land

    item_id = _collage(call, identity, aws) if in_collage else _album(call, identity, aws)
    key = f"{'collages' if in_collage else 'albums'}/{item_id}/1700000000-photo.jpg"
    event = land(aws.s3, key, encode(two_halves(64, 48, RED, BLUE), "JPEG"), "image/jpeg")
    load_handler("upload_events").lambda_handler(event, FakeContext())
    return item_id, key


def _admin_stats(call: Call, identity: dict[str, Any], aws: Any) -> dict[str, Any]:
    """adminStats is the admins' own: the scenario's caller becomes one (a user-pool identity in
    ``admins``; a guest cannot be one), and a day of figures is counted (once, whatever the runs)."""
    import os
    import uuid

    from ape_moments.stats.repository import StatsRepository
    from ape_moments.stats.rules import Fact
    from tests.conftest import cognito_identity

    if "sub" not in identity:
        identity.clear()
        identity.update(cognito_identity(str(uuid.uuid4())))
    identity["groups"] = ["admins"]
    identity["claims"]["cognito:groups"] = ["admins"]
    figures = {"ordersCreated": 2, "revenue#USD": 1999, "items#PRINT_4X6": 3}
    StatsRepository(os.environ["STATS_TABLE_NAME"], aws.dynamodb).count([Fact("scenario", "2026-03-01", figures)])
    return {"from": "2026-01-01", "to": "2026-12-31"}


def _captured_order(call: Call, identity: dict[str, Any]) -> str:
    """A COMPLETED order of the caller's with a captured sandbox payment (what refundOrder refunds)."""
    import boto3

    order_id = _order(call, identity)
    payment = {"provider": {"S": "sandbox"}, "paymentId": {"S": f"pay_{order_id}_scenario"},
               "status": {"S": "CAPTURED"}, "amount": {"N": "600"}, "currency": {"S": "USD"},
               "amountRefunded": {"N": "0"}, "updatedAt": {"S": "2026-12-03T06:00:00.000Z"}}  # fmt: skip
    boto3.client("dynamodb").update_item(
        TableName="OrdersTable",
        Key={"orderId": {"S": order_id}},
        UpdateExpression="SET #s = :completed, #p = :payment, paymentId = :id REMOVE expiresAt",
        ExpressionAttributeNames={"#s": "status", "#p": "payment"},
        ExpressionAttributeValues={
            ":completed": {"S": "COMPLETED"},
            ":payment": {"M": payment},
            ":id": payment["paymentId"],
        },
    )
    return order_id


PREPARE: dict[str, Prepare] = {
    "getOrder": lambda call, who, aws: {"orderId": _order(call, who)},
    "listOrders": lambda call, who, aws: (_order(call, who), {"limit": 5})[1],
    "getAlbum": lambda call, who, aws: {"albumId": _album(call, who, aws)},
    "listAlbums": lambda call, who, aws: (_album(call, who, aws), {"limit": 5})[1],
    "getCollage": lambda call, who, aws: {"collageId": _collage(call, who, aws)},
    "listCollages": lambda call, who, aws: (_collage(call, who, aws), {"limit": 5})[1],
    "createOrder": lambda call, who, aws: order_of(who),
    "updateOrderStatus": lambda call, who, aws: {"orderId": _order(call, who), "status": "FAILED"},
    "processOrder": lambda call, who, aws: {"orderId": _order(call, who)},
    "checkoutOrder": lambda call, who, aws: {"orderId": _order(call, who), "paymentMethodId": "pm_card_visa"},
    "refundOrder": lambda call, who, aws: {"orderId": _captured_order(call, who), "reason": "scenario"},
    "createAlbum": lambda call, who, aws: {"input": {"name": "Wedding", "description": "Saturday"}},
    "updateAlbum": lambda call, who, aws: {"input": {"albumId": _album(call, who, aws), "name": "Renamed"}},
    "deleteAlbum": lambda call, who, aws: {"input": {"albumId": _album(call, who, aws, photos=2)}},
    "createCollage": lambda call, who, aws: {"input": {"name": "Grid", "template": "GRID_3X3", "metadata": "{}"}},
    "updateCollage": lambda call, who, aws: {"input": {"collageId": _collage(call, who, aws), "name": "Renamed"}},
    "deleteCollage": lambda call, who, aws: {"input": {"collageId": _collage(call, who, aws, photos=2)}},
    "presignAlbumUpload": lambda call, who, aws: {
        "albumId": _album(call, who, aws),
        "fileName": "smile.jpg",
        "contentType": "image/jpeg",
        "fileSize": 2_000_000,
    },
    "presignCollageUpload": lambda call, who, aws: {
        "collageId": _collage(call, who, aws),
        "fileName": "strip.png",
        "contentType": "image/png",
        "fileSize": 1_000_000,
    },
    "listAlbumPhotos": lambda call, who, aws: {"albumId": _photo(call, who, aws)[0], "limit": 5},
    "listCollagePhotos": lambda call, who, aws: {"collageId": _photo(call, who, aws, in_collage=True)[0]},
    "deletePhoto": lambda call, who, aws: {"key": _photo(call, who, aws)[1]},
    "emailPreferences": lambda call, who, aws: {},
    "setEmailPreferences": lambda call, who, aws: {"orderEmails": False},
    "adminStats": _admin_stats,
}
