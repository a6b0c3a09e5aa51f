"""`make backfill`: the facts the tables show, counted once however often and wherever it stops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ape_moments.table import to_item
from devtools import backfill
from tests.conftest import TABLE_ENV, LocalAws
from tests.unit.stats.helpers import DAY, album, collage, consumer, order, payment, photo, record, stats_table


def seed(aws: LocalAws) -> None:
    eur = {"currency": "EUR", "totalPrice": "23.85"}
    rows = {
        "OrdersTable": [
            order("o1", "COMPLETED", paymentId="sandbox-o1"),
            order("o2", "COMPLETED", payment=payment("REFUNDED", 2385, "EUR", refunded=2385), **eur),
            order("o3", "FAILED"),
            order("o4", "PENDING"),
            order("o5", "PROCESSING", paymentId="sandbox-o5"),
        ],
        "PhotosTable": [photo("albums/a/1.jpg"), photo("collages/c/1.jpg")],
        "CollagesTable": [collage("c", "COMPLETED"), collage("d", "FAILED"), collage("e", "DRAFT")],
        "AlbumsTable": [album("a", "COMPLETED"), album("b", "READY", errorMessage="unreadable photo")],
    }
    for table, items in rows.items():
        for item in items:
            aws.dynamodb.put_item(TableName=table, Item=to_item(item))


def target(aws: LocalAws) -> backfill.Target:
    return backfill.Target({logical_id: logical_id for logical_id in TABLE_ENV}, aws.dynamodb)


EXPECTED = {
    "ordersCreated": 5,
    "ordersCompleted": 2,
    "ordersFailed": 1,
    "revenue#USD": 2650 * 2,  # o1 and o5 were charged (the sandbox's paymentId)
    "revenue#EUR": 2385,
    "refunded#EUR": 2385,
    "items#PRINT_4X6": 6,
    "items#PHOTO_ALBUM": 2,
    "photosUploaded": 2,
    "collagesRendered": 1,
    "albumsRendered": 1,
    "renderFailures": 2,
}


def test_backfill_counts_what_the_tables_show_once_however_often_it_runs(
    monkeypatch: pytest.MonkeyPatch, aws: LocalAws, tmp_path: Path
) -> None:
    repository = stats_table(aws, monkeypatch)
    seed(aws)
    first = backfill.backfill(target(aws), tmp_path / "progress.json", progress=False)
    assert (first.items, first.counted) == (12, first.facts)
    assert repository.days(DAY, DAY)[DAY].values == EXPECTED
    again = backfill.backfill(target(aws), tmp_path / "other.json", progress=False)
    assert (again.facts, again.counted) == (first.facts, 0)
    assert repository.days(DAY, DAY)[DAY].values == EXPECTED


def test_the_live_reaction_and_the_backfill_count_a_fact_once_in_either_order(
    monkeypatch: pytest.MonkeyPatch, aws: LocalAws, tmp_path: Path
) -> None:
    repository = stats_table(aws, monkeypatch)
    seed(aws)
    # the stream delivers o1's charge and completion (and o3's failure) before the backfill runs
    paid = order("o1", "PROCESSING", paymentId="sandbox-o1")
    consumer(repository).handle(
        [
            record("Orders", order("o1", "PROCESSING"), paid),
            record("Orders", paid, order("o1", "COMPLETED", paymentId="sandbox-o1")),
            record("Orders", order("o3", "PENDING"), order("o3", "FAILED")),
        ]
    )
    outcome = backfill.backfill(target(aws), tmp_path / "progress.json", progress=False)
    assert outcome.facts - outcome.counted == 3  # those three were counted already
    assert repository.days(DAY, DAY)[DAY].values == EXPECTED


def test_an_interrupted_backfill_resumes_where_it_stopped(
    monkeypatch: pytest.MonkeyPatch, aws: LocalAws, tmp_path: Path
) -> None:
    repository = stats_table(aws, monkeypatch)
    seed(aws)
    monkeypatch.setattr(backfill, "PAGE_SIZE", 2)
    checkpoint = tmp_path / "progress.json"
    original, calls = backfill._count, []

    def failing_on_the_third_page(repo: Any, facts: Any) -> int:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("interrupted")
        return original(repo, facts)

    monkeypatch.setattr(backfill, "_count", failing_on_the_third_page)
    with pytest.raises(RuntimeError):
        backfill.backfill(target(aws), checkpoint, progress=False)
    assert checkpoint.exists()
    scans = []
    real_scan = aws.dynamodb.scan
    monkeypatch.setattr(aws.dynamodb, "scan", lambda **request: scans.append(request) or real_scan(**request))
    resumed = backfill.backfill(target(aws), checkpoint, progress=False)
    assert "ExclusiveStartKey" in scans[0]  # went on from the saved position, not from the start
    assert resumed.items == 12 - 4  # the two pages counted before the interruption are not read again
    assert repository.days(DAY, DAY)[DAY].values == EXPECTED
