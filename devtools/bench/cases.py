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
    sample: str  # file name under events/, or a name for ``build``
    setup: Setup | None = None
    needs: tuple[str, ...] = ()  # other functions the setup invokes
    vary: Callable[[dict[str, Any], int], dict[str, Any]] | None = None
    notes: list[str] = field(default_factory=list)
    build: Callable[[], dict[str, Any]] | None = None  # the bench's own event, where events/ has none

    def event(self, substitutions: dict[str, str], iteration: int | None = None) -> dict[str, Any]:
        text = json.dumps(self.build()) if self.build is not None else (EVENTS / self.sample).read_text()
        for sample_id, real_id in substitutions.items():
            text = text.replace(sample_id, real_id)
        event = json.loads(text)
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
    return str(invoke("CreateOrderFunction", event)["orderId"])


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


# ---- media: the bench's own events (events/ has no media samples yet), in the orders' envelope ---

ALBUM = "BENCH-ALBUM-ID"
COLLAGE = "BENCH-COLLAGE-ID"


def appsync(type_name: str, field_name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A direct Lambda resolver event: the get_order sample's caller and request, other field."""
    event = load_sample("get_order.json")
    event["arguments"] = arguments
    event["info"].update(
        parentTypeName=type_name, fieldName=field_name, selectionSetList=["id"], selectionSetGraphQL="{ id }"
    )
    return event


def _create_album(invoke: Invoke) -> str:
    event = appsync("Mutation", "createAlbum", {"input": {"name": "Booth 42", "description": "Saturday night"}})
    return str(invoke("AlbumsFunction", event)["albumId"])


def _create_collage(invoke: Invoke) -> str:
    arguments = {"input": {"name": "Strip", "template": "GRID_2X2", "metadata": '{"theme": "jungle"}'}}
    return str(invoke("CollagesFunction", appsync("Mutation", "createCollage", arguments))["collageId"])


def _album(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    return {ALBUM: _create_album(invoke)}


def _collage(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    return {COLLAGE: _create_collage(invoke)}


def _presign(field_name: str, id_name: str, placeholder: str) -> Callable[[], dict[str, Any]]:
    arguments = {id_name: placeholder, "fileName": "booth-42.jpg", "contentType": "image/jpeg", "fileSize": 2_500_000}
    return lambda: appsync("Mutation", field_name, arguments)


def _s3_photo_created() -> dict[str, Any]:
    bucket = os.environ.get("MEDIA_BUCKET_NAME", "media")
    key = f"albums/{ALBUM}/1795000000000-booth-42.jpg"
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": "2026-11-25T12:00:00.000Z",
        "eventName": "ObjectCreated:Put",
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
            "object": {"key": key, "size": 2_500_000, "eTag": "0123456789abcdef", "versionId": "v1"},
        },
    }
    return {"Records": [record]}


CASES: dict[str, Case] = {
    case.function: case
    for case in (
        Case(
            "CreateOrderFunction",
            "createOrder",
            "create_order.json",
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
        Case(
            "AlbumsFunction",
            "getAlbum",
            "bench: getAlbum",
            setup=_album,
            build=lambda: appsync("Query", "getAlbum", {"albumId": ALBUM}),
        ),
        Case(
            "CollagesFunction",
            "getCollage",
            "bench: getCollage",
            setup=_collage,
            build=lambda: appsync("Query", "getCollage", {"collageId": COLLAGE}),
        ),
        Case(
            "PresignAlbumUploadFunction",
            "presignAlbumUpload",
            "bench: presignAlbumUpload",
            setup=_album,
            needs=("AlbumsFunction",),
            build=_presign("presignAlbumUpload", "albumId", ALBUM),
        ),
        Case(
            "PresignCollageUploadFunction",
            "presignCollageUpload",
            "bench: presignCollageUpload",
            setup=_collage,
            needs=("CollagesFunction",),
            build=_presign("presignCollageUpload", "collageId", COLLAGE),
        ),
        Case(
            "UploadEventsFunction",
            "S3 photo created (1 record)",
            "bench: S3 ObjectCreated",
            setup=_album,
            needs=("AlbumsFunction",),
            build=_s3_photo_created,
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
