"""The metric contract (docs/OPERATIONS.md): names, units, exact dimension sets, ids as metadata."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ape_moments import metrics
from ape_moments.observability import observed
from tests.conftest import FakeContext
from tests.unit.orders.emf import business, dims, emf

__all__ = ["emf"]  # the fixture


def test_order_created_publishes_the_count_and_the_value_in_total_and_per_currency(emf: Any) -> None:
    metrics.order_created("order-1", Decimal("12.50"), "EUR")
    points = emf.read()
    assert business(points) == {
        ("OrdersCreated", dims(service="orders")),
        ("OrderValue", dims(service="orders")),
        ("OrderValue", dims(service="orders", currency="EUR")),
    }
    by_key = {(p.name, frozenset(p.dimensions)): p for p in points}
    assert by_key["OrdersCreated", frozenset({"service"})].unit == "Count"
    assert by_key["OrdersCreated", frozenset({"service"})].values == (1.0,)
    value_total = by_key["OrderValue", frozenset({"service"})]
    value_per_currency = by_key["OrderValue", frozenset({"service", "currency"})]
    assert value_total.values == value_per_currency.values == (12.5,)
    assert value_total.unit == "None"
    assert value_per_currency.metadata == {"orderId": "order-1"}  # ids are metadata, never dimensions
    assert value_total.metadata["orderIds"] == ["order-1"]


def test_totals_of_one_invocation_share_one_line_and_keep_every_id(emf: Any) -> None:
    metrics.order_completed("a")
    metrics.order_completed("b")
    (point,) = emf.read()
    assert (point.name, point.values, point.dimensions) == ("OrdersCompleted", (1.0, 1.0), {"service": "orders"})
    assert point.metadata["orderIds"] == ["a", "b"]


def test_order_failed_publishes_the_total_and_the_reason(emf: Any) -> None:
    metrics.order_failed("order-1", metrics.OrderFailure.DEAD_LETTERED)
    assert business(emf.read()) == {
        ("OrdersFailed", dims(service="orders")),
        ("OrdersFailed", dims(service="orders", reason="dead_lettered")),
    }


def test_each_order_metric_has_the_contracts_single_dimension_set(emf: Any) -> None:
    metrics.order_queued("o")
    metrics.payment_declined("o")
    assert business(emf.read()) == {
        ("OrdersQueued", dims(service="orders")),
        ("PaymentsDeclined", dims(service="orders")),
    }


def test_the_sweeper_publishes_its_own_metric_and_the_orders_failure_under_service_orders(emf: Any) -> None:
    emf.as_service("sweeper")
    metrics.stuck_item_found("order", "order-9")
    metrics.order_failed("order-9", metrics.OrderFailure.STUCK)
    points = emf.read()
    assert business(points) == {
        ("StuckItemsFound", dims(service="sweeper")),
        ("OrdersFailed", dims(service="orders")),
        ("OrdersFailed", dims(service="orders", reason="stuck")),
    }
    stuck = next(p for p in points if p.name == "StuckItemsFound")
    assert stuck.metadata["itemIds"] == ["order/order-9"]


def test_media_metrics_follow_the_contract(emf: Any) -> None:
    emf.as_service("media")
    metrics.photo_accepted("albums/a/1.jpg")
    metrics.photo_refused("albums/a/2.jpg", metrics.PhotoRefusal.TOO_MANY_PIXELS)
    metrics.render_finished("collage-1", completed=True, duration_ms=812.5)
    metrics.render_finished("collage-2", completed=False, duration_ms=90)
    points = emf.read()
    assert business(points) == {
        ("PhotosAccepted", dims(service="media")),
        ("PhotosRefused", dims(service="media")),
        ("PhotosRefused", dims(service="media", reason="too_many_pixels")),
        ("RendersCompleted", dims(service="media")),
        ("RendersFailed", dims(service="media")),
        ("RenderDuration", dims(service="media")),
    }
    duration = next(p for p in points if p.name == "RenderDuration")
    assert (duration.unit, duration.values) == ("Milliseconds", (812.5, 90.0))


def test_subscriptions_published_is_a_notifications_metric(emf: Any) -> None:
    emf.as_service("notifications")
    metrics.subscription_published("order-1")
    assert business(emf.read()) == {("SubscriptionsPublished", dims(service="notifications"))}


def test_observed_handlers_publish_the_cold_start_once_then_their_totals(emf: Any, monkeypatch: Any) -> None:
    from aws_lambda_powertools.metrics.provider import cold_start

    monkeypatch.setattr(cold_start, "is_cold_start", True)

    @observed
    def handler(event: dict[str, Any], context: Any) -> str:
        metrics.order_queued(event["orderId"])
        return "ok"

    assert handler({"orderId": "o-1"}, FakeContext()) == "ok"
    assert handler({"orderId": "o-2"}, FakeContext()) == "ok"
    points = emf.read()
    cold = [p for p in points if p.name == "ColdStart"]
    assert len(cold) == 1
    assert cold[0].dimensions == {"function_name": "test-function", "service": "orders"}
    assert [p.values for p in points if p.name == "OrdersQueued"] == [(1.0,), (1.0,)]  # one line per invocation
    assert {p.namespace for p in points} == {metrics.NAMESPACE}
