"""The owner's figures on the local stack (SPEC 14): a scripted day counted exactly by the change
consumer's stats reaction, adminStats over HTTP, and `make backfill ENV=local` against the stack.

The session's stack is shared with the other e2e tests of this process (run one after another),
so a day's figures are compared as the change this test made: the figures before it, plus exactly
what it did, and nothing else, once its changes have been through the streams.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, Caller, Stack, eventually, user
from tests.e2e.order_sources import items_of, real_photos
from tests.e2e.test_rendering import (
    GET_ALBUM,
    GET_COLLAGE,
    UPDATE_ALBUM,
    UPDATE_COLLAGE,
    collage_with_photos,
    finished,
)

pytestmark = pytest.mark.e2e

STATS = """
query($from: AWSDate!, $to: AWSDate!) {
  adminStats(from: $from, to: $to) {
    from to
    days { date ordersCreated ordersCompleted ordersFailed revenue { currency amount } refunded { currency amount }
           items { sku quantity } photosUploaded collagesRendered albumsRendered renderFailures }
    totals { date ordersCreated ordersCompleted ordersFailed revenue { currency amount }
             refunded { currency amount } items { sku quantity } photosUploaded collagesRendered
             albumsRendered renderFailures }
  }
}"""
CREATE_ORDER = """
mutation($items: [OrderItemInput!]!, $currency: String!) {
  createOrder(items: $items, currency: $currency) { orderId }
}"""
PROCESS = "mutation($id: ID!) { processOrder(orderId: $id) { status } }"
CANCEL = (
    'mutation($id: ID!) { updateOrderStatus(orderId: $id, status: FAILED, errorMessage: "changed my mind") { status } }'
)
GET_ORDER = "query($id: ID!) { getOrder(orderId: $id) { status } }"
SETTLE_SECONDS = 60  # stream polls, the order worker, the renderer: generous on a busy machine


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def figures(admin: Caller, day: str) -> dict[str, Any]:
    stats = admin.graphql(STATS, {"from": day, "to": day}).data["adminStats"]
    assert [d["date"] for d in stats["days"]] == [day]
    return dict(stats["days"][0])


def settled(admin: Caller, day: str) -> dict[str, Any]:
    """The day's figures once two reads a second and a half apart agree (bounded)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    last = figures(admin, day)
    while time.monotonic() < deadline:
        time.sleep(1.5)
        now = figures(admin, day)
        if now == last:
            return now
        last = now
    raise AssertionError(f"the figures kept moving for {SETTLE_SECONDS} s")


def plus(before: dict[str, Any], **added: Any) -> dict[str, Any]:
    """``before`` with counters added and money / quantities merged (per currency, per sku)."""
    after = dict(before)
    for name, value in added.items():
        if isinstance(value, dict):
            key = "sku" if name == "items" else "currency"
            amount = "quantity" if name == "items" else "amount"
            merged = {entry[key]: entry[amount] for entry in before[name]}
            for k, v in value.items():
                merged[k] = round(merged.get(k, 0) + v, 2)
            after[name] = [{key: k, amount: merged[k]} for k in sorted(merged)]
        else:
            after[name] = before[name] + value
    return after


def run_backfill(stack: Stack, tmp_path: Path) -> str:
    state = tmp_path / "stack.json"
    state.write_text(json.dumps(stack.description))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "devtools.backfill",
            "--env",
            "local",
            "--state-file",
            str(state),
            "--checkpoint",
            str(tmp_path / "progress.json"),
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_backfill_counts_the_stacks_data_once(stack: Stack, tmp_path: Path) -> None:
    customer, admin = user(stack), user(stack, admin=True)
    photo = real_photos(customer, 1)[0]
    order_id = customer.graphql(CREATE_ORDER, {"items": items_of(photo, ("PRINT_4X6", 2)), "currency": "USD"}).data[
        "createOrder"
    ]["orderId"]
    customer.graphql(CANCEL, {"id": order_id}).data  # noqa: B018 - the cancel must succeed
    first = run_backfill(stack, tmp_path)
    assert "backfill local:" in first
    dynamodb = stack.client("dynamodb")
    table = stack.description["tables"]["StatsTable"]
    for fact in (f"order#{order_id}#created", f"photo#{photo}#uploaded"):
        key = {"pk": {"S": f"FACT#{fact}"}, "sk": {"S": "FACT"}}
        assert "Item" in dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True), fact
    failed = dynamodb.scan(
        TableName=table,
        FilterExpression="begins_with(pk, :fact)",
        ExpressionAttributeValues={":fact": {"S": f"FACT#order#{order_id}#failed#"}},
    )["Items"]
    assert len(failed) == 1
    after_first = figures(admin, today())
    # Again: every fact is in the ledger already (the stack is quiet: this test's work is done).
    second = run_backfill(stack, tmp_path)
    assert " 0 counted now" in second, second
    assert figures(admin, today()) == after_first


def test_a_scripted_day_gives_exactly_the_expected_figures(stack: Stack, tmp_path: Path) -> None:
    customer, admin = user(stack), user(stack, admin=True)
    day = today()
    before = settled(admin, day)  # what earlier tests left has been through the streams
    # photos: two in an album (its PDF), four in each of two collages
    album_keys = real_photos(customer, 2)
    album_id = album_keys[0].split("/")[1]
    rendered_id, rendered_keys = collage_with_photos(customer)
    failing_id, failing_keys = collage_with_photos(customer)

    # orders: USD and EUR completed (the sandbox charges them), GBP cancelled
    usd = customer.graphql(CREATE_ORDER, {"items": items_of(album_keys[0], ("PRINT_4X6", 3), ("DIGITAL_DOWNLOAD", 1)),
                                          "currency": "USD"}).data["createOrder"]["orderId"]  # fmt: skip
    eur = customer.graphql(CREATE_ORDER, {"items": items_of(album_keys[1], ("PRINT_5X7", 2)), "currency": "EUR"}).data[
        "createOrder"
    ]["orderId"]
    gbp = customer.graphql(CREATE_ORDER, {"items": items_of(album_keys[1], ("PRINT_8X10", 1)), "currency": "GBP"}).data[
        "createOrder"
    ]["orderId"]
    for order_id in (usd, eur):
        customer.graphql(PROCESS, {"id": order_id}).data  # noqa: B018
    customer.graphql(CANCEL, {"id": gbp}).data  # noqa: B018

    # renders: a collage and an album completed, a collage whose photo is gone failing
    customer.graphql(UPDATE_COLLAGE, {"id": rendered_id, "sources": json.dumps(rendered_keys), "status": "PROCESSING"})
    stack.client("s3").delete_object(Bucket=stack.bucket, Key=failing_keys[3])
    customer.graphql(UPDATE_COLLAGE, {"id": failing_id, "sources": json.dumps(failing_keys), "status": "PROCESSING"})
    customer.graphql(UPDATE_ALBUM, {"id": album_id, "status": "READY"}).data  # noqa: B018
    customer.graphql(UPDATE_ALBUM, {"id": album_id, "status": "PROCESSING"}).data  # noqa: B018
    assert finished(customer, GET_COLLAGE, {"id": rendered_id}, "getCollage")["status"] == "COMPLETED"
    assert finished(customer, GET_COLLAGE, {"id": failing_id}, "getCollage")["status"] == "FAILED"
    assert finished(customer, GET_ALBUM, {"id": album_id}, "getAlbum")["status"] == "COMPLETED"
    for order_id in (usd, eur):
        done = eventually(
            lambda o=order_id: customer.graphql(GET_ORDER, {"id": o}).data["getOrder"]["status"] == "COMPLETED",
            timeout=SETTLE_SECONDS,
        )
        assert done, order_id

    expected = plus(
        before,
        ordersCreated=3,
        ordersCompleted=2,
        ordersFailed=1,
        revenue={"USD": 3.50, "EUR": 2.70},
        items={"PRINT_4X6": 3, "DIGITAL_DOWNLOAD": 1, "PRINT_5X7": 2},
        photosUploaded=10,
        collagesRendered=1,
        albumsRendered=1,
        renderFailures=1,
    )
    reached = eventually(lambda: figures(admin, day) == expected, timeout=SETTLE_SECONDS, interval=0.5)
    assert reached, (figures(admin, day), expected)
    time.sleep(3)  # nothing counted twice afterwards (redeliveries, late records)
    assert figures(admin, day) == expected
    # The backfill names the same facts: running it now adds nothing to this day.
    run_backfill(stack, tmp_path)
    assert figures(admin, day) == expected
