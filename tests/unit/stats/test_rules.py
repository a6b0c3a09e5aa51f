"""Which facts each kind of change counts, and their identities (pure rules, no AWS)."""

from __future__ import annotations

from typing import Any

from ape_moments.stats.rules import Fact, Tally, facts_of_change, facts_of_item
from tests.unit.stats.helpers import DAY, album, collage, order, payment, photo


def facts(kind: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[Fact]:
    event = "INSERT" if not old else ("REMOVE" if not new else "MODIFY")
    return facts_of_change(kind, event, old or {}, new or {}, DAY)


def added(found: list[Fact]) -> dict[str, int]:
    tally = Tally()
    for fact in found:
        tally.add(fact.adds)
    return tally.values


def test_an_order_created_counts_once_by_its_id() -> None:
    assert facts("order", None, order("o1", "PENDING")) == [Fact("order#o1#created", DAY, {"ordersCreated": 1})]


def test_an_order_completed_counts_its_items_per_sku() -> None:
    found = facts("order", order("o1", "PROCESSING"), order("o1", "COMPLETED"))
    assert added(found) == {"ordersCompleted": 1, "items#PRINT_4X6": 3, "items#PHOTO_ALBUM": 1}
    assert [f.fact_id for f in found] == ["order#o1#completed"]


def test_each_failure_of_an_order_is_its_own_fact() -> None:
    first = facts("order", order("o1", "PROCESSING"), order("o1", "FAILED", updated="2026-12-03T10:00:00.000Z"))
    second = facts("order", order("o1", "PROCESSING"), order("o1", "FAILED", updated="2026-12-03T12:00:00.000Z"))
    assert added(first) == added(second) == {"ordersFailed": 1}
    assert first[0].fact_id != second[0].fact_id


def test_changes_that_move_nothing_count_nothing() -> None:
    assert facts("order", order("o1", "PENDING"), order("o1", "PROCESSING")) == []
    assert facts("order", order("o1", "COMPLETED"), order("o1", "COMPLETED", errorMessage=None)) == []
    assert facts("order", order("o1", "PENDING"), None) == []  # an expired PENDING order (TTL)
    assert facts("photo", photo("albums/a/1.jpg"), None) == []  # a deleted photo stays counted that day
    assert facts("album", album("a", "UPLOADING"), album("a", "READY")) == []
    assert facts("collage", collage("c", "DRAFT"), collage("c", "PROCESSING")) == []


def test_the_sandbox_charge_is_revenue_in_the_orders_currency_exactly() -> None:
    found = facts("order", order("o1", "PROCESSING"), order("o1", "PROCESSING", paymentId="sandbox-o1"))
    assert found == [Fact("order#o1#revenue", DAY, {"revenue#USD": 2650})]
    eur = facts("order", order("o2", "PROCESSING", currency="EUR"),
                order("o2", "PROCESSING", currency="EUR", paymentId="sandbox-o2"))  # fmt: skip
    assert added(eur) == {"revenue#EUR": 2385}


def test_a_captured_payment_is_revenue_once_and_refunds_count_their_increase() -> None:
    authorized = order("o1", "PROCESSING", payment=payment("AUTHORIZED", 2650, "USD"))
    captured = order("o1", "PROCESSING", payment=payment("CAPTURED", 2650, "USD"))
    assert added(facts("order", authorized, captured)) == {"revenue#USD": 2650}
    assert facts("order", captured, order("o1", "COMPLETED", payment=payment("CAPTURED", 2650, "USD")))[0].fact_id == (
        "order#o1#completed"
    )
    part = order("o1", "COMPLETED", payment=payment("CAPTURED", 2650, "USD", refunded=1000))
    whole = order("o1", "COMPLETED", payment=payment("REFUNDED", 2650, "USD", refunded=2650))
    done = order("o1", "COMPLETED", payment=payment("CAPTURED", 2650, "USD"))
    assert facts("order", done, part) == [Fact("order#o1#refunded#1000", DAY, {"refunded#USD": 1000})]
    assert facts("order", part, whole) == [Fact("order#o1#refunded#2650", DAY, {"refunded#USD": 1650})]
    # the payment map wins over the sandbox's paymentId: one revenue fact either way
    both = order("o1", "PROCESSING", paymentId="pi_1", payment=payment("CAPTURED", 2650, "USD"))
    assert [f.fact_id for f in facts("order", authorized, both)] == ["order#o1#revenue"]


def test_photos_collages_and_albums() -> None:
    assert added(facts("photo", None, photo("collages/c/1.jpg"))) == {"photosUploaded": 1}
    assert added(facts("collage", collage("c", "PROCESSING"), collage("c", "COMPLETED"))) == {"collagesRendered": 1}
    assert added(facts("collage", collage("c", "PROCESSING"), collage("c", "FAILED"))) == {"renderFailures": 1}
    assert added(facts("album", album("a", "PROCESSING"), album("a", "COMPLETED"))) == {"albumsRendered": 1}
    failed = album("a", "READY", errorMessage="photo unreadable")
    assert added(facts("album", album("a", "PROCESSING"), failed)) == {"renderFailures": 1}
    assert facts("album", album("a", "PROCESSING"), album("a", "READY")) == []  # an admin's move back, no failure


def test_the_backfill_names_the_facts_the_live_rules_name() -> None:
    """The same fact through both paths has one id: the ledger keeps them from counting twice."""
    completed = order("o1", "COMPLETED", paymentId="sandbox-o1")
    live = (
        facts("order", None, order("o1", "PENDING"))
        + facts("order", order("o1", "PROCESSING"), order("o1", "PROCESSING", paymentId="sandbox-o1"))
        + facts("order", order("o1", "PROCESSING", paymentId="sandbox-o1"), completed)
    )
    assert {f.fact_id for f in facts_of_item("order", completed)} == {f.fact_id for f in live}
    assert added(facts_of_item("order", completed)) == added(live)
    refunded = order("o2", "COMPLETED", payment=payment("REFUNDED", 2650, "USD", refunded=2650))
    assert added(facts_of_item("order", refunded)) == {
        "ordersCreated": 1, "ordersCompleted": 1, "items#PRINT_4X6": 3, "items#PHOTO_ALBUM": 1,
        "revenue#USD": 2650, "refunded#USD": 2650,
    }  # fmt: skip
    failed = collage("c", "FAILED")
    assert facts_of_item("collage", failed) == facts("collage", collage("c", "PROCESSING"), failed)
    done = album("a", "COMPLETED")
    assert facts_of_item("album", done) == facts("album", album("a", "PROCESSING"), done)
    assert facts_of_item("photo", photo("albums/a/1.jpg")) == facts("photo", None, photo("albums/a/1.jpg"))
    assert facts_of_item("album", album("a", "READY")) == []


def test_the_backfill_dates_facts_by_the_items_timestamps() -> None:
    item = order("o1", "FAILED", updated="2026-12-05T01:00:00.000Z")
    assert {f.fact_id: f.day for f in facts_of_item("order", item)} == {
        "order#o1#created": "2026-12-03",
        "order#o1#failed#2026-12-05T01:00:00.000Z": "2026-12-05",
    }


def test_a_day_reads_as_the_schema_shapes_it() -> None:
    tally = Tally({"ordersCreated": 2, "revenue#USD": 2651, "revenue#EUR": 5, "items#PRINT_5X7": 4, "refunded#GBP": 0})
    shaped = tally.to_graphql("2026-12-03")
    assert shaped["date"] == "2026-12-03"
    assert shaped["ordersCreated"] == 2
    assert shaped["ordersFailed"] == 0
    assert shaped["revenue"] == [{"currency": "EUR", "amount": 0.05}, {"currency": "USD", "amount": 26.51}]
    assert shaped["refunded"] == []
    assert shaped["items"] == [{"sku": "PRINT_5X7", "quantity": 4}]
