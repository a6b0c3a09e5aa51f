"""The orders family's composition root: each function's use case, built from its settings.

A handler calls its settings function at import (the cold start fails on bad configuration)
and its use case function per request; both are cached per execution environment.
"""

from __future__ import annotations

import functools

from ape_moments import aws
from ape_moments.media_urls import read_urls
from ape_moments.orders.charging import PaymentSteps, ProcessingStart
from ape_moments.orders.checkout import OrderCheckout, OrderRefunds, PaymentWebhook, once_per_event
from ape_moments.orders.fulfilment import FulfilmentFiles
from ape_moments.orders.payments import OnceOnly, PaymentProvider, SandboxPaymentProvider, StripePaymentProvider
from ape_moments.orders.processing import DeadLetters, OrderProcessor
from ape_moments.orders.queue import ProcessingQueue
from ape_moments.orders.reconcile import PaymentReconciliation
from ape_moments.orders.repository import OrdersRepository
from ape_moments.orders.service import OrderCreation, OrderService, OrderSubmission
from ape_moments.orders.source_repository import SourceRepository
from ape_moments.settings import (
    CheckoutSettings,
    OrderFulfilmentSettings,
    OrderReadSettings,
    OrderSourcesSettings,
    OrdersSettings,
    PaymentReconcileSettings,
    PaymentRecordSettings,
    PaymentSettings,
    PaymentWebhookSettings,
    ProcessOrderSettings,
    RefundSettings,
)


@functools.cache
def orders_settings() -> OrdersSettings:
    return OrdersSettings.from_environment()


@functools.cache
def order_creation_settings() -> OrderSourcesSettings:
    return OrderSourcesSettings.from_environment()


@functools.cache
def order_fulfilment_settings() -> OrderFulfilmentSettings:
    return OrderFulfilmentSettings.from_environment()


@functools.cache
def order_read_settings() -> OrderReadSettings:
    return OrderReadSettings.from_environment()


@functools.cache
def order_submission_settings() -> ProcessOrderSettings:
    return ProcessOrderSettings.from_environment()


@functools.cache
def checkout_settings() -> CheckoutSettings:
    return CheckoutSettings.from_environment()


@functools.cache
def payment_record_settings() -> PaymentRecordSettings:
    return PaymentRecordSettings.from_environment()


@functools.cache
def refund_settings() -> RefundSettings:
    return RefundSettings.from_environment()


@functools.cache
def payment_webhook_settings() -> PaymentWebhookSettings:
    return PaymentWebhookSettings.from_environment()


@functools.cache
def secret(arn: str) -> str:
    """A secret's value, read once per execution environment; never logged, never in the environment."""
    return str(aws.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


def payment_provider(config: PaymentSettings, publishable_key: str | None = None) -> PaymentProvider:
    if config.payment_provider == "sandbox":
        return SandboxPaymentProvider()
    return StripePaymentProvider(secret(config.stripe_secret_key_arn), publishable_key, api_base=config.stripe_api_base)


def _steps(
    config: PaymentSettings, orders: OrdersRepository, idempotency_table: str | None, publishable_key: str | None = None
) -> PaymentSteps:
    """The payment steps; where the function records money moves, capture and refund happen once per key."""
    provider = payment_provider(config, publishable_key)
    if idempotency_table is not None:
        provider = OnceOnly(provider, idempotency_table, aws.client("dynamodb"))
    return PaymentSteps(orders, provider)


def _orders(config: OrdersSettings) -> OrdersRepository:
    return OrdersRepository(config.orders_table_name, aws.client("dynamodb"))


def _sources(config: OrderSourcesSettings | CheckoutSettings) -> SourceRepository:
    return SourceRepository(
        photos_table=config.photos_table_name,
        collages_table=config.collages_table_name,
        albums_table=config.albums_table_name,
        client=aws.client("dynamodb"),
    )


@functools.cache
def order_service() -> OrderService:
    return OrderService(_orders(orders_settings()))


@functools.cache
def order_reads() -> OrderService:
    """getOrder and listOrders: DIGITAL_DOWNLOAD copies' read URLs (SPEC 16) made when read."""
    config = order_read_settings()
    urls = read_urls(config)
    expires_in = config.photo_url_expires_in
    return OrderService(_orders(config), download_url=lambda key: urls.url_for(key, expires_in=expires_in))


@functools.cache
def order_creation() -> OrderCreation:
    config = order_creation_settings()
    return OrderCreation(
        _orders(config),
        _sources(config),
        idempotency_table=config.idempotency_table_name,
        dynamodb_client=aws.client("dynamodb"),
    )


@functools.cache
def order_submission() -> OrderSubmission:
    config = order_submission_settings()
    return OrderSubmission(
        _orders(config),
        ProcessingQueue(config.order_queue_url, aws.client("sqs")),
        needs_authorization=config.payment_provider == "stripe",
    )


@functools.cache
def order_checkout() -> OrderCheckout:
    config = checkout_settings()
    steps = _steps(config, _orders(config), None, config.stripe_publishable_key)
    start = ProcessingStart(steps, ProcessingQueue(config.order_queue_url, aws.client("sqs")))
    return OrderCheckout(steps, _sources(config), start)


@functools.cache
def order_refunds() -> OrderRefunds:
    config = refund_settings()
    return OrderRefunds(_steps(config, _orders(config), None))


@functools.cache
def webhook_secret() -> str | None:
    """The signing secret; None with the sandbox provider (which sends no webhooks: every request is refused)."""
    config = payment_webhook_settings()
    return secret(config.stripe_webhook_secret_arn) if config.payment_provider == "stripe" else None


@functools.cache
def payment_webhook() -> PaymentWebhook:
    config = payment_webhook_settings()
    steps = _steps(config, _orders(config), None)
    start = ProcessingStart(steps, ProcessingQueue(config.order_queue_url, aws.client("sqs")))
    return PaymentWebhook(steps, start, once=once_per_event(config.idempotency_table_name, aws.client("dynamodb")))


@functools.cache
def order_processor() -> OrderProcessor:
    config = order_fulfilment_settings()
    orders = _orders(config)
    files = FulfilmentFiles(config.media_bucket_name, aws.client("s3"))
    return OrderProcessor(orders, _sources(config), files, _steps(config, orders, config.idempotency_table_name))


@functools.cache
def dead_letters() -> DeadLetters:
    config = payment_record_settings()
    orders = _orders(config)
    return DeadLetters(orders, _steps(config, orders, config.idempotency_table_name))


@functools.cache
def payment_reconcile_settings() -> PaymentReconcileSettings:
    return PaymentReconcileSettings.from_environment()


@functools.cache
def payment_reconciliation() -> PaymentReconciliation:
    """The sweeper's payment part (SPEC 12); called by the sweeper function after its stuck-work sweep."""
    config = payment_reconcile_settings()
    steps = _steps(config, _orders(config), config.idempotency_table_name)
    start = ProcessingStart(steps, ProcessingQueue(config.order_queue_url, aws.client("sqs")))
    return PaymentReconciliation(steps, start)
