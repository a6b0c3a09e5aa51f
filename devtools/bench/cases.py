"""One representative invocation per function: a sample event and what it needs to exist first.

Sample events come from ``events/<code dir>.json`` (the folder the function's CodeUri names).
Samples name objects by fixed ids that do not exist in a fresh moto, so a case may have a
``setup``: handler invocations, run in-process before anything is timed, that create those
objects (an order for the sample's customer, an album, ...) and return which sample id stands
for which created id. The benchmarked event is the sample with those ids substituted.

A function with a sample but no known setup is measured with its sample as is (noted in the
report); a function without a sample, or whose code does not exist yet, is reported as not
measured. Adding a media case is a ``Case`` in ``CASES``.
"""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devtools.bench.stack import EVENTS, FunctionSpec

# invoke(function logical id, event) -> the handler's return value
Invoke = Callable[[str, dict[str, Any]], Any]
Setup = Callable[[Invoke, dict[str, Any]], dict[str, str]]


@dataclass
class Case:
    function: str
    operation: str
    sample: str  # file name under events/
    setup: Setup | None = None
    needs: tuple[str, ...] = ()  # other functions the setup invokes
    vary: Callable[[dict[str, Any], int], dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)

    def event(self, substitutions: dict[str, str], iteration: int | None = None) -> dict[str, Any]:
        text = (EVENTS / self.sample).read_text()
        for sample_id, real_id in substitutions.items():
            text = text.replace(sample_id, real_id)
        event: dict[str, Any] = json.loads(text)
        if self.vary is not None and iteration is not None:
            event = self.vary(event, iteration)
        return event


def load_sample(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())  # type: ignore[no-any-return]


def _sample_order_id(event: dict[str, Any]) -> str:
    if "arguments" in event:
        return str(event["arguments"]["orderId"])
    return str(json.loads(event["Records"][0]["body"])["orderId"])


def _create_order(invoke: Invoke) -> str:
    event = load_sample("create_order.json")
    event["arguments"].pop("idempotencyKey", None)
    _seed_sources(event)
    return str(invoke("CreateOrderFunction", event)["orderId"])


def _sources_setup(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    _seed_sources(sample)
    return {}


def _seed_sources(event: dict[str, Any]) -> None:
    """The photos and collages the createOrder sample names (SPEC 9), the sample customer's,
    orderable (a listed photo, a COMPLETED collage) and with their files: written straight to the
    bench's moto tables and bucket, like the records the upload pipeline and the renderer write."""
    import boto3

    dynamodb, s3 = boto3.client("dynamodb"), boto3.client("s3")
    bucket = os.environ["MEDIA_BUCKET_NAME"]
    owner = str(event["identity"].get("sub") or event["identity"].get("cognitoIdentityId"))
    owner = str(event["arguments"].get("customerId") or owner)
    now = "2026-11-29T10:00:00.000Z"
    for line in event["arguments"]["items"]:
        if "photoKey" in line:
            key = line["photoKey"]
            item = {"key": key, "parent": key.rsplit("/", 1)[0] + "/", "customerId": owner, "fileName": "booth.jpg",
                    "contentType": "image/jpeg", "size": 4, "width": 1, "height": 1,
                    "thumbnailKey": f"thumbnails/{key}.jpg", "uploadedAt": now}  # fmt: skip
            table, file_key = os.environ["PHOTOS_TABLE_NAME"], key
        elif "collageId" in line:
            collage_id = line["collageId"]
            file_key = f"renders/collages/{collage_id}/collage.jpg"
            template = "STRIP_1X4" if line["sku"] == "PHOTO_STRIP" else "GRID_2X2"
            item = {"collageId": collage_id, "customerId": owner, "name": "Bench",
                    "s3Prefix": f"collages/{collage_id}/", "template": template, "status": "COMPLETED",
                    "outputKey": file_key, "createdAt": now, "updatedAt": now}  # fmt: skip
            table = os.environ["COLLAGES_TABLE_NAME"]
        else:
            album_id = line["albumId"]
            file_key = f"renders/albums/{album_id}/album.pdf"
            item = {"albumId": album_id, "customerId": owner, "name": "Bench", "s3Prefix": f"albums/{album_id}/",
                    "imageCount": 1, "status": "COMPLETED", "pdfKey": file_key, "createdAt": now,
                    "updatedAt": now}  # fmt: skip
            table = os.environ["ALBUMS_TABLE_NAME"]
        typed = {k: {"N": str(v)} if isinstance(v, int) else {"S": v} for k, v in item.items()}
        dynamodb.put_item(TableName=table, Item=typed)
        s3.put_object(Bucket=bucket, Key=file_key, Body=b"\xff\xd8\xff\xd9")


def _order_setup(*, processing: bool) -> Setup:
    """An order of the sample's customer (the create_order sample's), PENDING or PROCESSING."""

    def setup(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
        order_id = _create_order(invoke)
        if processing:
            event = load_sample("process_order.json")
            event["arguments"]["orderId"] = order_id
            invoke("ProcessOrderFunction", event)
        return {_sample_order_id(sample): order_id}

    return setup


def _orders_to_list(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    for _ in range(int(sample["arguments"].get("limit") or 20)):
        _create_order(invoke)
    return {}


def _new_idempotency_key(event: dict[str, Any], iteration: int) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["arguments"]["idempotencyKey"] = f"bench-{iteration}-{uuid.uuid4().hex[:12]}"
    return event


# ---- media ------------------------------------------------------------------------------------


def _created(invoke: Invoke, function: str, sample: str, id_name: str) -> str:
    return str(invoke(function, load_sample(sample))[id_name])


def _album(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    """An album of the sample's customer, standing for the album_get sample's id."""
    album_id = _created(invoke, "AlbumsFunction", "album_create.json", "albumId")
    return {load_sample("album_get.json")["arguments"]["albumId"]: album_id}


def _collage(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    collage_id = _created(invoke, "CollagesFunction", "collage_create.json", "collageId")
    return {load_sample("collage_get.json")["arguments"]["collageId"]: collage_id}


def _album_and_bucket(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    """The album, and this stage's bucket for the sample's (a photo elsewhere is ignored)."""
    bucket = sample["Records"][0]["s3"]["bucket"]["name"]
    return {**_album(invoke, sample), bucket: os.environ["MEDIA_BUCKET_NAME"]}


CASES: dict[str, Case] = {
    case.function: case
    for case in (
        Case(
            "CreateOrderFunction",
            "createOrder",
            "create_order.json",
            setup=_sources_setup,
            vary=_new_idempotency_key,
            notes=["with an idempotencyKey (a new one each warm run)"],
        ),
        Case(
            "GetOrderFunction",
            "getOrder",
            "get_order.json",
            setup=_order_setup(processing=False),
            needs=("CreateOrderFunction",),
        ),
        Case(
            "ListOrdersFunction",
            "listOrders",
            "list_orders.json",
            setup=_orders_to_list,
            needs=("CreateOrderFunction",),
            notes=["a full page of 10 orders"],
        ),
        Case(
            "UpdateOrderStatusFunction",
            "updateOrderStatus",
            "update_order_status.json",
            setup=_order_setup(processing=False),
            needs=("CreateOrderFunction",),
            notes=["customer cancels a PENDING order"],
        ),
        Case(
            "ProcessOrderFunction",
            "processOrder",
            "process_order.json",
            setup=_order_setup(processing=False),
            needs=("CreateOrderFunction",),
        ),
        Case(
            "OrderWorkerFunction",
            "order worker (1 SQS record)",
            "order_worker.json",
            setup=_order_setup(processing=True),
            needs=("CreateOrderFunction", "ProcessOrderFunction"),
        ),
        Case(
            "OrderDeadLetterFunction",
            "order dead letter (1 SQS record)",
            "order_dead_letter.json",
            setup=_order_setup(processing=True),
            needs=("CreateOrderFunction", "ProcessOrderFunction"),
        ),
        Case("AlbumsFunction", "getAlbum", "album_get.json", setup=_album),
        Case("CollagesFunction", "getCollage", "collage_get.json", setup=_collage),
        Case(
            "PresignAlbumUploadFunction",
            "presignAlbumUpload",
            "presign_album_upload.json",
            setup=_album,
            needs=("AlbumsFunction",),
        ),
        Case(
            "PresignCollageUploadFunction",
            "presignCollageUpload",
            "presign_collage_upload.json",
            setup=_collage,
            needs=("CollagesFunction",),
        ),
        Case(
            "UploadEventsFunction",
            "S3 photo created (1 record)",
            "s3_album_photo_created.json",
            setup=_album_and_bucket,
            needs=("AlbumsFunction",),
        ),
    )
}


def case_for(spec: FunctionSpec, available: set[str]) -> Case | str:
    """The function's case, or why it cannot be measured."""
    if not spec.exists:
        return f"not measured: {spec.module_file.relative_to(spec.code_dir.parent.parent)} does not exist yet"
    known = CASES.get(spec.logical_id)
    if known is not None:
        missing = [name for name in known.needs if name not in available]
        if missing:
            return f"not measured: its setup needs {', '.join(missing)}"
        return known
    sample = f"{spec.short_dir}.json"
    if (EVENTS / sample).is_file():
        event = load_sample(sample)
        operation = (event.get("info") or {}).get("fieldName") or spec.logical_id
        return Case(spec.logical_id, str(operation), sample, notes=["sample event as is (no setup known)"])
    return f"not measured: no sample event events/{sample}"
