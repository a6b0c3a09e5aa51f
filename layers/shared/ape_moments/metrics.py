"""Business metrics: the one module that names them (CloudWatch EMF through Powertools Metrics).

docs/OPERATIONS.md's metric contract is binding: the alarms and the dashboard read exactly these
names, units and dimension sets. Every function family calls the function of its event here, at
the moment the event happens (an idempotent replay that did nothing new calls nothing):

    from ape_moments import metrics
    metrics.order_failed(order_id, metrics.OrderFailure.PAYMENT_DECLINED)

and its handler is wrapped once with ``ape_moments.observability.observed`` (the cold-start
metric, and the flush of the invocation's totals into the function's log). No other module names
a metric or calls ``add_metric``. Nothing here calls AWS: EMF is a JSON
line on stdout that CloudWatch Logs turns into metrics.

Dimension sets are exact in CloudWatch, so a metric with an extra dimension (``currency``,
``reason``) is published twice: the total with ``{service}`` only, through the function's
``Metrics`` instance (aggregated into one EMF line per invocation), and the datapoint with its
extra dimension through ``single_metric`` (its own EMF line). A metric of another service than
the function's own (the sweeper failing an order publishes ``OrdersFailed {service=orders}``) also
goes through ``single_metric``, with its service set explicitly. Ids are metadata, never dimensions.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from aws_lambda_powertools.metrics import MetricUnit, single_metric

# The function's one Metrics instance (its service is POWERTOOLS_SERVICE_NAME) and the namespace.
from ape_moments import observability

NAMESPACE = observability.NAMESPACE
metrics = observability.metrics


class Service(StrEnum):
    ORDERS = "orders"
    MEDIA = "media"
    NOTIFICATIONS = "notifications"
    SWEEPER = "sweeper"


class OrderFailure(StrEnum):
    """``OrdersFailed``'s ``reason`` dimension: a handful of classes, never free text."""

    PAYMENT_DECLINED = "payment_declined"
    SOURCE_GONE = "source_gone"
    FULFILMENT_ERROR = "fulfilment_error"
    DEAD_LETTERED = "dead_lettered"
    STUCK = "stuck"


class PhotoRefusal(StrEnum):
    """``PhotosRefused``'s ``reason`` dimension: the imaging layer's reasons (``RefusalReason``)
    and the upload pipeline's (``photo_pipeline.Refusal``) share these values."""

    UNSUPPORTED_TYPE = "unsupported_type"
    EMPTY = "empty"
    NOT_AN_IMAGE = "not_an_image"
    WRONG_TYPE = "wrong_type"
    TOO_MANY_PIXELS = "too_many_pixels"
    TRUNCATED = "truncated"
    CORRUPT = "corrupt"
    TOO_COSTLY = "too_costly"  # far more decoding work than its size and pixels justify (a scan bomb)
    TOO_LARGE = "too_large"
    ALBUM_FULL = "album_full"
    OWNER_GONE = "owner_gone"
    OVERWRITE = "overwrite"
    CHOSEN_HEADERS = "chosen_headers"  # stored with headers or metadata the presigned PUT does not set


def _publish(
    name: str,
    unit: MetricUnit,
    value: float,
    service: Service,
    *,
    metadata: dict[str, str],
    extra: dict[str, str] | None = None,
) -> None:
    if extra is None and metrics.service == service.value:
        metrics.add_metric(name=name, unit=unit, value=value)
        for key, id_value in metadata.items():
            # One flush may hold several events (a batch of orders): keep every id.
            seen = metrics.metadata_set.setdefault(f"{key}s", [])
            if id_value not in seen:
                seen.append(id_value)
        return
    dimensions = {"service": service.value, **(extra or {})}
    with single_metric(name=name, unit=unit, value=value, namespace=NAMESPACE, default_dimensions=dimensions) as one:
        for key, id_value in metadata.items():
            one.add_metadata(key=key, value=id_value)


def _count(name: str, service: Service, metadata: dict[str, str], **extra: str) -> None:
    _publish(name, MetricUnit.Count, 1, service, metadata=metadata)
    if extra:
        _publish(name, MetricUnit.Count, 1, service, metadata=metadata, extra=extra)


# ---- orders ------------------------------------------------------------------------------------


def order_created(order_id: str, total: Decimal, currency: str) -> None:
    """A new order was stored: ``OrdersCreated``, and its value in total and per currency."""
    ids = {"orderId": order_id}
    _count("OrdersCreated", Service.ORDERS, ids)
    value = float(total)  # a metric value is a float; the order's money stays exact
    _publish("OrderValue", MetricUnit.NoUnit, value, Service.ORDERS, metadata=ids)
    _publish("OrderValue", MetricUnit.NoUnit, value, Service.ORDERS, metadata=ids, extra={"currency": currency})


def order_queued(order_id: str) -> None:
    _count("OrdersQueued", Service.ORDERS, {"orderId": order_id})


def order_completed(order_id: str) -> None:
    _count("OrdersCompleted", Service.ORDERS, {"orderId": order_id})


def order_failed(order_id: str, reason: OrderFailure) -> None:
    _count("OrdersFailed", Service.ORDERS, {"orderId": order_id}, reason=reason.value)


def payment_declined(order_id: str) -> None:
    _count("PaymentsDeclined", Service.ORDERS, {"orderId": order_id})


# ---- payments (SPEC 12): amounts in minor units, a datapoint per currency --------------------------


def payment_authorized(order_id: str) -> None:
    _count("PaymentsAuthorized", Service.ORDERS, {"orderId": order_id})


def payment_captured(payment_id: str, amount: int, currency: str) -> None:
    _count("PaymentsCaptured", Service.ORDERS, {"paymentId": payment_id}, currency=currency)


def payment_refunded(payment_id: str, amount: int, currency: str) -> None:
    _count("PaymentsRefunded", Service.ORDERS, {"paymentId": payment_id}, currency=currency)


def webhook_refused(reason: str) -> None:
    """A webhook request without a valid signature (forged, unsigned, stale): refused with 400."""
    _count("PaymentWebhooksRefused", Service.ORDERS, {"reason": reason})


def webhook_applied(event_type: str) -> None:
    _count("PaymentWebhooksApplied", Service.ORDERS, {"eventType": event_type})


# ---- media (emitted by the upload-events function and the renderer) ------------------------------


def photo_accepted(key: str) -> None:
    _count("PhotosAccepted", Service.MEDIA, {"key": key})


def photo_refused(key: str, reason: str) -> None:
    """``reason``: a ``PhotoRefusal`` value (the imaging layer's and the pipeline's enums are
    StrEnums of the same values)."""
    _count("PhotosRefused", Service.MEDIA, {"key": key}, reason=PhotoRefusal(str(reason)).value)


def render_finished(item_id: str, *, completed: bool, duration_ms: float) -> None:
    """A collage or album PDF render ended: ``RendersCompleted`` or ``RendersFailed``, and its duration."""
    ids = {"itemId": item_id}
    _count("RendersCompleted" if completed else "RendersFailed", Service.MEDIA, ids)
    _publish("RenderDuration", MetricUnit.Milliseconds, duration_ms, Service.MEDIA, metadata=ids)


def render_given_up(item_id: str) -> None:
    """The render dead-letter function ended a render that kept failing: ``RendersFailed``."""
    _count("RendersFailed", Service.MEDIA, {"itemId": item_id})


# ---- notifications and the sweeper --------------------------------------------------------------


def subscription_published(item_id: str) -> None:
    _count("SubscriptionsPublished", Service.NOTIFICATIONS, {"itemId": item_id})


def stuck_item_found(kind: str, item_id: str) -> None:
    """The sweeper found an item in PROCESSING past its limit (``kind``: order, collage, album)."""
    _count("StuckItemsFound", Service.SWEEPER, {"itemId": f"{kind}/{item_id}"})


# ---- emails (the mailer; ``kind`` is the email kind: order_paid, album_ready, ...) ---------------


def email_sent(kind: str, change_id: str) -> None:
    _count("EmailsSent", Service.NOTIFICATIONS, {"changeId": change_id}, kind=kind)


def email_suppressed(kind: str, change_id: str) -> None:
    """Not sent: the recipient turned emails off (their preference, or the unsubscribe link)."""
    _count("EmailsSuppressed", Service.NOTIFICATIONS, {"changeId": change_id}, kind=kind)


def email_failed(kind: str, change_id: str) -> None:
    """SES refused or failed the send; the message is retried by the queue (then its DLQ)."""
    _count("EmailsFailed", Service.NOTIFICATIONS, {"changeId": change_id}, kind=kind)
