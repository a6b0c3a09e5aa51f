"""Fulfilment (SPEC 3 and 9): sources checked again before the charge, each item's file copied
under fulfillment/{orderId}/, the manifest written last, COMPLETED after it; downloadUrl; the
copies outlive the album or collage; redeliveries copy and charge nothing twice."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from ape_moments.orders.fulfilment import FulfilmentFiles
from tests.conftest import BUCKET, call, count_aws_calls
from tests.unit.orders.helpers import (
    JPEG_BYTES,
    PDF_BYTES,
    seed_album_source,
    seed_collage_source,
    seed_photo_source,
    stored_order,
)
from tests.unit.orders.test_processing import charges, deliver

__all__ = ["charges"]


def order_of_every_kind(identity: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A PENDING order of a photo print, a strip, an album and three downloads; its sources."""
    photo = seed_photo_source(identity, body=JPEG_BYTES + b"photo")
    strip = seed_collage_source(identity, template="STRIP_1X4", body=JPEG_BYTES + b"strip")
    album = seed_album_source(identity, body=PDF_BYTES + b"album")
    items = [
        {"sku": "PRINT_4X6", "quantity": 12, "photoKey": photo},
        {"sku": "PHOTO_STRIP", "quantity": 2, "collageId": strip},
        {"sku": "PHOTO_ALBUM", "quantity": 1, "albumId": album},
        {"sku": "DIGITAL_DOWNLOAD", "quantity": 1, "photoKey": photo},
        {"sku": "DIGITAL_DOWNLOAD", "quantity": 1, "collageId": strip},
        {"sku": "DIGITAL_DOWNLOAD", "quantity": 1, "albumId": album},
    ]
    order = call("createOrder", {"items": items, "currency": "USD"}, identity)
    return order["orderId"], {"photo": photo, "strip": strip, "album": album}


def run(aws: Any, identity: dict[str, Any], order_id: str) -> dict[str, Any]:
    call("processOrder", {"orderId": order_id}, identity)
    for _ in range(3):
        if not deliver(aws, aws.queue_url, "order_worker"):
            break
    return call("getOrder", {"orderId": order_id}, identity)  # type: ignore[no-any-return]


def files_under(aws: Any, prefix: str) -> dict[str, int]:
    """key -> number of versions (a second copy of a file would be a second version)."""
    listed = aws.s3.list_object_versions(Bucket=BUCKET, Prefix=prefix)
    return Counter(version["Key"] for version in listed.get("Versions", []))


def body(aws: Any, key: str) -> bytes:
    return bytes(aws.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def key_of(url: str) -> str:
    path = urlparse(url).path  # path-style or virtual-hosted: the key ends the path
    return unquote(path.split(f"/{BUCKET}/", 1)[-1].lstrip("/"))


def test_a_completed_order_has_its_files_and_the_manifest(aws: Any, customer: dict[str, Any], charges: Any) -> None:
    order_id, sources = order_of_every_kind(customer)
    order = run(aws, customer, order_id)
    assert order["status"] == "COMPLETED"
    assert len(charges) == 1
    manifest = json.loads(body(aws, f"fulfillment/{order_id}/manifest.json"))
    assert manifest["orderId"] == order_id
    lines = manifest["items"]
    assert [(line["sku"], line["quantity"], line["source"]) for line in lines] == [
        ("PRINT_4X6", 12, {"photoKey": sources["photo"]}),
        ("PHOTO_STRIP", 2, {"collageId": sources["strip"]}),
        ("PHOTO_ALBUM", 1, {"albumId": sources["album"]}),
        ("DIGITAL_DOWNLOAD", 1, {"photoKey": sources["photo"]}),
        ("DIGITAL_DOWNLOAD", 1, {"collageId": sources["strip"]}),
        ("DIGITAL_DOWNLOAD", 1, {"albumId": sources["album"]}),
    ]
    originals = [
        JPEG_BYTES + b"photo",
        JPEG_BYTES + b"strip",
        PDF_BYTES + b"album",
        JPEG_BYTES + b"photo",
        JPEG_BYTES + b"strip",
        PDF_BYTES + b"album",
    ]
    for line, original in zip(lines, originals, strict=True):
        assert line["key"].startswith(f"fulfillment/{order_id}/")
        assert body(aws, line["key"]) == original  # the very bytes, copied by S3
        assert line["size"] == len(original)
    assert lines[2]["key"].endswith(".pdf")
    assert files_under(aws, f"fulfillment/{order_id}/") == Counter({line["key"]: 1 for line in lines} | {
        f"fulfillment/{order_id}/manifest.json": 1
    })  # fmt: skip


def test_download_urls_only_for_downloads_of_completed_orders(aws: Any, customer: dict[str, Any]) -> None:
    order_id, _ = order_of_every_kind(customer)
    pending = call("getOrder", {"orderId": order_id}, customer)
    assert [line["downloadUrl"] for line in pending["items"]] == [None] * 6
    order = run(aws, customer, order_id)
    urls = [line["downloadUrl"] for line in order["items"]]
    assert urls[:3] == [None] * 3
    manifest = json.loads(body(aws, f"fulfillment/{order_id}/manifest.json"))
    for url, line in zip(urls[3:], manifest["items"][3:], strict=True):
        assert url is not None
        assert key_of(url) == line["key"]  # the order's copy, never the source
        query = urlparse(url).query
        assert "X-Amz-Expires=900" in query  # 15 minutes, like photo URLs
    listed = call("listOrders", {}, customer)["items"][0]
    assert [line["downloadUrl"] is not None for line in listed["items"]] == [False] * 3 + [True] * 3
    # updateOrderStatus hands out no URLs (its function has no S3 access).


def test_a_source_gone_before_the_charge_fails_the_order_and_charges_nothing(
    aws: Any, customer: dict[str, Any], charges: Any
) -> None:
    order_id, sources = order_of_every_kind(customer)
    call("deleteCollage", {"input": {"collageId": sources["strip"]}}, customer)
    order = run(aws, customer, order_id)
    assert order["status"] == "FAILED"
    assert order["errorMessage"] == (
        "a source is no longer available (items[1].collageId: no such collage); nothing was charged"
    )
    assert charges == []
    assert files_under(aws, "fulfillment/") == {}


def test_deleting_the_sources_after_fulfilment_changes_nothing(aws: Any, customer: dict[str, Any]) -> None:
    order_id, sources = order_of_every_kind(customer)
    before = run(aws, customer, order_id)
    call("deletePhoto", {"key": sources["photo"]}, customer)
    call("deleteCollage", {"input": {"collageId": sources["strip"]}}, customer)
    call("deleteAlbum", {"input": {"albumId": sources["album"]}}, customer)
    assert files_under(aws, f"renders/collages/{sources['strip']}/") == {}  # the sources are gone
    after = call("getOrder", {"orderId": order_id}, customer)
    assert after["status"] == "COMPLETED"
    manifest = json.loads(body(aws, f"fulfillment/{order_id}/manifest.json"))
    for line in manifest["items"]:
        assert len(body(aws, line["key"])) == line["size"]
    assert [key_of(u) for u in (line["downloadUrl"] for line in after["items"]) if u] == [
        key_of(u) for u in (line["downloadUrl"] for line in before["items"]) if u
    ]


def test_redelivered_after_the_manifest_nothing_is_copied_or_charged_again(
    aws: Any, customer: dict[str, Any], charges: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker dies after the manifest, before COMPLETED: the redelivery only completes."""
    order_id, _ = order_of_every_kind(customer)
    from ape_moments.orders import processing

    real_finish = processing.finish
    crashed = {"once": False}

    def crash_before_completing(*args: Any, **kwargs: Any) -> None:
        if not crashed["once"]:
            crashed["once"] = True
            raise ConnectionError("lost before COMPLETED")
        real_finish(*args, **kwargs)

    monkeypatch.setattr(processing, "finish", crash_before_completing)
    order = run(aws, customer, order_id)
    assert crashed["once"]
    assert order["status"] == "COMPLETED"
    assert len(charges) == 1
    assert set(files_under(aws, f"fulfillment/{order_id}/").values()) == {1}  # one version each


def test_charged_then_a_source_deleted_before_its_copy_fails_without_a_second_charge(
    aws: Any, customer: dict[str, Any], charges: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id, sources = order_of_every_kind(customer)
    real_copy = FulfilmentFiles.copy
    state = {"crashed": False}

    def crash_on_the_album(files: FulfilmentFiles, source: str, target: str) -> None:
        if source.endswith(".pdf") and not state["crashed"]:
            state["crashed"] = True
            raise ConnectionError("worker died mid-copy")
        real_copy(files, source, target)

    monkeypatch.setattr(FulfilmentFiles, "copy", crash_on_the_album)
    call("processOrder", {"orderId": order_id}, customer)
    assert len(deliver(aws, aws.queue_url, "order_worker")) == 1
    call("deleteAlbum", {"input": {"albumId": sources["album"]}}, customer)
    assert deliver(aws, aws.queue_url, "order_worker") == []
    order = stored_order(order_id)
    assert order is not None
    assert order.status == "FAILED"
    assert order.error_message == "items[2].albumId: the album was deleted; the payment was refunded"
    assert order.payment_id is not None
    assert order.payment is not None
    assert (order.payment.status, order.payment.amount_refunded) == ("REFUNDED", order.payment.amount)
    assert len(charges) == 1


@pytest.mark.parametrize("items", [1, 6])
def test_worker_calls_per_item(aws: Any, customer: dict[str, Any], items: int) -> None:
    """docs/PERFORMANCE.md: a fixed cost per order plus one CopyObject per item."""
    photos = [seed_photo_source(customer) for _ in range(items)]
    lines = [{"sku": "PRINT_4X6", "quantity": 1, "photoKey": key} for key in photos]
    order = call("createOrder", {"items": lines, "currency": "USD"}, customer)
    call("processOrder", {"orderId": order["orderId"]}, customer)
    calls = count_aws_calls("dynamodb", "s3", "sqs")
    deliver(aws, aws.queue_url, "order_worker")
    assert calls == Counter(
        {
            "dynamodb.GetItem": 1,  # the order
            "dynamodb.BatchGetItem": 1,  # every source, whatever their number
            "dynamodb.PutItem": 1,  # Powertools: the charge in progress
            "dynamodb.UpdateItem": 3,  # Powertools: the charge recorded; the payment on the order; COMPLETED
            "s3.ListObjectsV2": 2,  # copies made before (redeliveries), then their sizes
            "s3.CopyObject": items,
            "s3.PutObject": 1,  # the manifest
        }
    )


def test_orders_stored_before_items_named_sources_fail_without_a_charge(
    aws: Any, customer: dict[str, Any], charges: Any
) -> None:
    """A PROCESSING order of the previous release (items without sources) cannot be made: FAILED,
    nothing charged; a COMPLETED one still reads, its downloads without a URL."""
    from ape_moments import aws as aws_clients
    from ape_moments.orders.repository import OrdersRepository
    from tests.unit.orders.helpers import seed_order

    orders = OrdersRepository("OrdersTable", aws_clients.client("dynamodb"))
    legacy = []
    for status in ("PROCESSING", "COMPLETED"):
        order = seed_order(customer, status, sku="DIGITAL_DOWNLOAD")
        aws.dynamodb.delete_item(TableName="OrdersTable", Key={"orderId": {"S": order.order_id}})
        bare = [line.model_copy(update={"photo_key": None}) for line in order.items]
        orders.insert(order.model_copy(update={"items": bare}))
        legacy.append(order.order_id)
    processing_id, completed_id = legacy
    aws.sqs.send_message(QueueUrl=aws.queue_url, MessageBody=json.dumps({"orderId": processing_id}))
    assert deliver(aws, aws.queue_url, "order_worker") == []
    failed = stored_order(processing_id)
    assert failed is not None
    assert failed.status == "FAILED"
    assert failed.error_message == "items[0]: the item names no photo, collage or album; nothing was charged"
    assert charges == []
    completed = call("getOrder", {"orderId": completed_id}, customer)
    assert completed["items"][0]["downloadUrl"] is None
    assert completed["items"][0]["photoKey"] is None
