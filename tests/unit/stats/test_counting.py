"""The Stats table counts each fact once: redelivered batches, concurrent appliers, the backfill."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from ape_moments.stats.rules import Fact, facts_of_item
from tests.conftest import LocalAws
from tests.unit.stats.helpers import (
    DAY,
    album,
    collage,
    consumer,
    order,
    payment,
    photo,
    record,
    stats_table,
)


def a_day(monkeypatch: pytest.MonkeyPatch, aws: LocalAws) -> tuple[Any, list[dict[str, Any]]]:
    """One scripted day's stream records: orders in two currencies, photos, renders, a failure."""
    repository = stats_table(aws, monkeypatch)
    usd_paid = order("o1", "PROCESSING", paymentId="sandbox-o1")
    eur = {"currency": "EUR", "totalPrice": "23.85"}
    eur_paid = order("o2", "PROCESSING", payment=payment("CAPTURED", 2385, "EUR"), **eur)
    eur_done = order("o2", "COMPLETED", payment=payment("CAPTURED", 2385, "EUR"), **eur)
    eur_refunded = order("o2", "COMPLETED", payment=payment("REFUNDED", 2385, "EUR", refunded=2385), **eur)
    records = [
        record("Orders", None, order("o1", "PENDING")),
        record("Orders", order("o1", "PENDING"), order("o1", "PROCESSING")),
        record("Orders", order("o1", "PROCESSING"), usd_paid),
        record("Orders", usd_paid, order("o1", "COMPLETED", paymentId="sandbox-o1")),
        record("Orders", None, order("o2", "PENDING", **eur)),
        record("Orders", order("o2", "PENDING", **eur), eur_paid),
        record("Orders", eur_paid, eur_done),
        record("Orders", eur_done, eur_refunded),
        record("Orders", None, order("o3", "PENDING")),
        record("Orders", order("o3", "PENDING"), order("o3", "FAILED")),
        record("Photos", None, photo("albums/a/1.jpg")),
        record("Photos", None, photo("collages/c/1.jpg")),
        record("Photos", photo("collages/c/1.jpg"), None),
        record("Collages", collage("c", "PROCESSING"), collage("c", "COMPLETED")),
        record("Collages", collage("d", "PROCESSING"), collage("d", "FAILED")),
        record("Albums", album("a", "PROCESSING"), album("a", "COMPLETED")),
    ]
    return repository, records


EXPECTED = {
    "date": DAY,
    "ordersCreated": 3,
    "ordersCompleted": 2,
    "ordersFailed": 1,
    "revenue": [{"currency": "EUR", "amount": 23.85}, {"currency": "USD", "amount": 26.5}],
    "refunded": [{"currency": "EUR", "amount": 23.85}],
    "items": [{"sku": "PHOTO_ALBUM", "quantity": 2}, {"sku": "PRINT_4X6", "quantity": 6}],
    "photosUploaded": 2,
    "collagesRendered": 1,
    "albumsRendered": 1,
    "renderFailures": 1,
}


def test_a_scripted_day_gives_exactly_the_expected_figures(monkeypatch: pytest.MonkeyPatch, aws: LocalAws) -> None:
    repository, records = a_day(monkeypatch, aws)
    outcome = consumer(repository).handle(records)
    assert outcome.failures == []
    assert outcome.handled == {"stats": 14}  # the records that count something
    assert repository.days(DAY, DAY)[DAY].to_graphql(DAY) == EXPECTED


def test_the_same_batches_delivered_twice_give_the_same_figures(monkeypatch: pytest.MonkeyPatch, aws: LocalAws) -> None:
    repository, records = a_day(monkeypatch, aws)
    once = consumer(repository)
    once.handle(records[:7])
    once.handle(records[:7])  # a batch retried whole after a later record failed
    once.handle(records)
    consumer(repository).handle(records)  # the whole day replayed by another consumer
    assert repository.days(DAY, DAY)[DAY].to_graphql(DAY) == EXPECTED


def test_concurrent_appliers_of_the_same_changes_count_them_once(
    monkeypatch: pytest.MonkeyPatch, aws: LocalAws
) -> None:
    repository, records = a_day(monkeypatch, aws)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def apply() -> None:
        try:
            start.wait(timeout=30)
            outcome = consumer(repository).handle(records)
            assert outcome.failures == [], outcome.failures
        except BaseException as error:  # reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=apply) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert repository.days(DAY, DAY)[DAY].to_graphql(DAY) == EXPECTED


def test_concurrent_different_facts_on_one_day_all_count(monkeypatch: pytest.MonkeyPatch, aws: LocalAws) -> None:
    """Writers of the same day item at once: each fact lands (a transaction conflict is retried)."""
    repository = stats_table(aws, monkeypatch)
    per_thread = 20
    start = threading.Barrier(4)

    def apply(thread: int) -> None:
        start.wait(timeout=30)
        for n in range(per_thread):
            repository.count([Fact(f"test#{thread}#{n}", DAY, {"photosUploaded": 1, "revenue#USD": 1})])

    threads = [threading.Thread(target=apply, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert repository.days(DAY, DAY)[DAY].values == {"photosUploaded": 80, "revenue#USD": 80}


def test_a_change_whose_facts_were_partly_counted_adds_only_the_rest(
    monkeypatch: pytest.MonkeyPatch, aws: LocalAws
) -> None:
    repository = stats_table(aws, monkeypatch)
    completed = order("o1", "COMPLETED", paymentId="sandbox-o1")
    # the backfill counted the order as it was (created, charged, completed) ...
    assert repository.count(facts_of_item("order", completed)) == 3
    # ... then the stream delivers its completion (and its charge) once more
    paid = record("Orders", order("o1", "PROCESSING"), order("o1", "PROCESSING", paymentId="sandbox-o1"))
    done = record("Orders", order("o1", "PROCESSING", paymentId="sandbox-o1"), completed)
    consumer(repository).handle([paid, done])
    assert (
        repository.count([Fact("order#o1#created", DAY, {"ordersCreated": 1}), Fact("x", DAY, {"ordersFailed": 1})])
        == 1
    )
    figures = repository.days(DAY, DAY)[DAY].values
    assert figures == {
        "ordersCreated": 1, "ordersCompleted": 1, "ordersFailed": 1, "revenue#USD": 2650,
        "items#PRINT_4X6": 3, "items#PHOTO_ALBUM": 1,
    }  # fmt: skip


def test_facts_on_several_days_land_on_their_days(monkeypatch: pytest.MonkeyPatch, aws: LocalAws) -> None:
    repository = stats_table(aws, monkeypatch)
    item = order("o1", "FAILED", updated="2026-12-05T01:00:00.000Z")
    assert repository.count(facts_of_item("order", item)) == 2
    days = repository.days("2026-12-01", "2026-12-31")
    assert {day: tally.values for day, tally in days.items()} == {
        "2026-12-03": {"ordersCreated": 1},
        "2026-12-05": {"ordersFailed": 1},
    }
    assert repository.counted("order#o1#created")
    assert not repository.counted("order#o9#created")
