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
    environment: dict[str, str] = field(default_factory=dict)  # over the template's, for this function

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


def _substituted(event: dict[str, Any], substitutions: dict[str, str]) -> dict[str, Any]:
    text = json.dumps(event)
    for sample_id, real_id in substitutions.items():
        text = text.replace(sample_id, real_id)
    return json.loads(text)  # type: ignore[no-any-return]


def _create_order(invoke: Invoke) -> str:
    event = load_sample("create_order.json")
    event["arguments"].pop("idempotencyKey", None)
    event = _substituted(event, _real_sources(invoke, event))
    return str(invoke("CreateOrderFunction", event)["orderId"])


def _sources_setup(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    return _real_sources(invoke, sample)


def _real_sources(invoke: Invoke, event: dict[str, Any]) -> dict[str, str]:
    """The albums and collages the createOrder sample names, created through their own functions
    (as production has them), and the sample's ids -> theirs; then made orderable (SPEC 9)."""
    substitutions: dict[str, str] = {}
    for line in event["arguments"]["items"]:
        if "photoKey" in line or "albumId" in line:
            sample_album = line.get("albumId") or line["photoKey"].split("/")[1]
            if sample_album not in substitutions:
                substitutions[sample_album] = _created(invoke, "AlbumsFunction", "album_create.json", "albumId")
        elif "collageId" in line and line["collageId"] not in substitutions:
            create = load_sample("collage_create.json")
            create["arguments"]["input"]["template"] = "STRIP_1X4" if line["sku"] == "PHOTO_STRIP" else "GRID_2X2"
            substitutions[line["collageId"]] = str(invoke("CollagesFunction", create)["collageId"])
    _make_orderable(_substituted(event, substitutions))
    return substitutions


def _make_orderable(event: dict[str, Any]) -> None:
    """What the upload pipeline and the renderer write for the sources: the photo records (listed),
    the collage or album COMPLETED with its output, and the files, in the bench's moto."""
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
            typed = {k: {"N": str(v)} if isinstance(v, int) else {"S": v} for k, v in item.items()}
            dynamodb.put_item(TableName=os.environ["PHOTOS_TABLE_NAME"], Item=typed)
            file_key = key
        else:
            kind, table, output = (
                ("collage", os.environ["COLLAGES_TABLE_NAME"], "outputKey")
                if "collageId" in line
                else ("album", os.environ["ALBUMS_TABLE_NAME"], "pdfKey")
            )
            source_id = line[f"{kind}Id"]
            file_key = f"renders/{kind}s/{source_id}/{kind}.{'jpg' if kind == 'collage' else 'pdf'}"
            dynamodb.update_item(
                TableName=table,
                Key={f"{kind}Id": {"S": source_id}},
                UpdateExpression="SET #s = :done, #o = :key",
                ExpressionAttributeNames={"#s": "status", "#o": output},
                ExpressionAttributeValues={":done": {"S": "COMPLETED"}, ":key": {"S": file_key}},
            )
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
    """The album, this stage's bucket for the sample's, and a real photo PUT at the sample's key
    (a 2 MP JPEG made here: the 12 MP decode is measured on its own, in the Photos section)."""
    import io

    import boto3
    from PIL import Image

    record = sample["Records"][0]["s3"]
    substitutions = {**_album(invoke, sample), record["bucket"]["name"]: os.environ["MEDIA_BUCKET_NAME"]}
    sample_key = record["object"]["key"]
    key = _substituted({"k": sample_key.rsplit("/", 1)[0] + "/1795000000000-booth.jpg"}, substitutions)["k"]
    image = io.BytesIO()
    Image.effect_noise((1600, 1200), 40).convert("RGB").save(image, "JPEG", quality=88)
    body = image.getvalue()
    put = boto3.client("s3").put_object(Bucket=os.environ["MEDIA_BUCKET_NAME"], Key=key, Body=body,
                                        ContentType="image/jpeg")  # fmt: skip
    return {
        **substitutions,
        sample_key.rsplit("/", 1)[1]: key.rsplit("/", 1)[1],
        record["object"]["versionId"]: put["VersionId"],
        record["object"]["eTag"]: put["ETag"].strip('"'),
        f'"size": {record["object"]["size"]}': f'"size": {len(body)}',
    }


def _album_photos(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    """An album with a full page of listed photos (the sample's limit), as the upload pipeline
    leaves them, standing for the sample's album."""
    substitutions = _album(invoke, sample)
    album_id = next(iter(substitutions.values()))
    owner = str(sample["identity"]["sub"])
    photos = [
        {"sku": "PRINT_4X6", "quantity": 1, "photoKey": f"albums/{album_id}/17950000{index:05d}-booth.jpg"}
        for index in range(int(sample["arguments"].get("limit") or 20))
    ]
    _make_orderable({"identity": {"sub": owner}, "arguments": {"items": photos}})
    return substitutions


def _paid_order(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    """An order of the sample customer's, paid at checkout (the template's default provider)."""
    order_id = _create_order(invoke)
    checkout = load_sample("checkout_order.json")
    checkout["arguments"]["orderId"] = order_id
    invoke("CheckoutOrderFunction", checkout)
    return {_sample_order_id(sample): order_id}


def _captured_order(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    """An order of the sample customer's, paid at checkout and fulfilled by the order worker
    (which captures the payment): what an admin refunds."""
    substitutions = _paid_order(invoke, sample)
    worker = load_sample("order_worker.json")
    worker["Records"][0]["body"] = json.dumps({"orderId": next(iter(substitutions.values()))})
    invoke("OrderWorkerFunction", worker)
    return substitutions


def _signed_webhook(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    """The sample's Stripe event as one the webhook verifies and then ignores (a charge update),
    signed now with the stack's webhook secret, as Stripe signs. A payment event would retrieve
    its intent from Stripe, which the bench does not run."""
    import hashlib
    import hmac
    import time

    from devtools.bench.stack import SECRET_VALUES

    event_type = json.loads(sample["body"])["type"]
    body = sample["body"].replace(event_type, "charge.updated")
    timestamp = int(time.time())
    signed = f"{timestamp}.{body}".encode()
    digest = hmac.new(SECRET_VALUES["StripeWebhookSigningSecret"].encode(), signed, hashlib.sha256).hexdigest()
    return {event_type: "charge.updated", sample["headers"]["stripe-signature"]: f"t={timestamp},v1={digest}"}


def _unsubscribe_token(invoke: Invoke, sample: dict[str, Any]) -> dict[str, str]:
    """A token the mailer would have signed for the sample customer (the secret of the bench's stack)."""
    from datetime import UTC, datetime

    import boto3

    from ape_moments.notifications import rules, tokens

    secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["UNSUBSCRIBE_SECRET_ARN"])
    key = rules.preference_key(str(load_sample("create_order.json")["identity"]["sub"]), "jamie@example.com")
    return {"REPLACE-WITH-A-SIGNED-TOKEN": tokens.sign(secret["SecretString"].encode(), key, datetime.now(UTC))}


ORDER_NEEDS = ("CreateOrderFunction", "AlbumsFunction", "CollagesFunction")

CASES: dict[str, Case] = {
    case.function: case
    for case in (
        Case(
            "CreateOrderFunction",
            "createOrder",
            "create_order.json",
            setup=_sources_setup,
            needs=("AlbumsFunction", "CollagesFunction"),
            vary=_new_idempotency_key,
            notes=["a photo of an album and a collage that exist; an idempotencyKey (new each warm run)"],
        ),
        Case(
            "GetOrderFunction",
            "getOrder",
            "get_order.json",
            setup=_order_setup(processing=False),
            needs=ORDER_NEEDS,
        ),
        Case(
            "ListOrdersFunction",
            "listOrders",
            "list_orders.json",
            setup=_orders_to_list,
            needs=ORDER_NEEDS,
            notes=["a full page of 10 orders"],
        ),
        Case(
            "UpdateOrderStatusFunction",
            "updateOrderStatus",
            "update_order_status.json",
            setup=_order_setup(processing=False),
            needs=ORDER_NEEDS,
            notes=["customer cancels a PENDING order"],
        ),
        Case(
            "ProcessOrderFunction",
            "processOrder",
            "process_order.json",
            setup=_order_setup(processing=False),
            needs=ORDER_NEEDS,
        ),
        Case(
            "OrderWorkerFunction",
            "order worker (1 SQS record)",
            "order_worker.json",
            setup=_order_setup(processing=True),
            needs=(*ORDER_NEEDS, "ProcessOrderFunction"),
        ),
        Case(
            "OrderDeadLetterFunction",
            "order dead letter (1 SQS record)",
            "order_dead_letter.json",
            setup=_order_setup(processing=True),
            needs=(*ORDER_NEEDS, "ProcessOrderFunction"),
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
            "PhotosFunction",
            "photos (album, a page of 20)",
            "photo_list_album.json",
            setup=_album_photos,
            needs=("AlbumsFunction",),
        ),
        Case("EmailPreferencesFunction", "emailPreferences", "email_preferences_get.json"),
        Case(
            "CheckoutOrderFunction",
            "checkoutOrder",
            "checkout_order.json",
            setup=_order_setup(processing=False),
            needs=ORDER_NEEDS,
            notes=["the template's default payment provider (sandbox: no Stripe request)"],
        ),
        Case(
            "RefundOrderFunction",
            "refundOrder",
            "refund_order_admin.json",
            setup=_captured_order,
            needs=(*ORDER_NEEDS, "CheckoutOrderFunction", "OrderWorkerFunction"),
            notes=["an order paid at checkout and fulfilled (captured); sandbox provider"],
        ),
        Case(
            "UnsubscribeFunction",
            "unsubscribe (one-click POST)",
            "unsubscribe.json",
            setup=_unsubscribe_token,
            notes=["a token signed with the stack's secret"],
        ),
        Case(
            "PaymentWebhookFunction",
            "Stripe webhook (signed, ignored type)",
            "payment_webhook.json",
            setup=_signed_webhook,
            environment={"PAYMENT_PROVIDER": "stripe"},
            notes=["PAYMENT_PROVIDER=stripe (the sandbox refuses every webhook); a verified event it ignores"],
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
