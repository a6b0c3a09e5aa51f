"""The orders family's composition root: each function's use case, built from its settings.

A handler calls its settings function at import (the cold start fails on bad configuration)
and its use case function per request; both are cached per execution environment.
"""

from __future__ import annotations

import functools

from ape_moments import aws
from ape_moments.media.media_urls import read_urls
from ape_moments.orders.fulfilment import FulfilmentFiles
from ape_moments.orders.payments import OncePerOrder, SandboxPaymentProvider
from ape_moments.orders.processing import DeadLetters, OrderProcessor
from ape_moments.orders.queue import ProcessingQueue
from ape_moments.orders.repository import OrdersRepository
from ape_moments.orders.service import OrderCreation, OrderService, OrderSubmission
from ape_moments.orders.source_repository import SourceRepository
from ape_moments.settings import (
    OrderFulfilmentSettings,
    OrderReadSettings,
    OrderSourcesSettings,
    OrdersSettings,
    OrderSubmissionSettings,
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
def order_submission_settings() -> OrderSubmissionSettings:
    return OrderSubmissionSettings.from_environment()


def _orders(config: OrdersSettings) -> OrdersRepository:
    return OrdersRepository(config.orders_table_name, aws.client("dynamodb"))


def _sources(config: OrderSourcesSettings) -> SourceRepository:
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
    return OrderSubmission(_orders(config), ProcessingQueue(config.order_queue_url, aws.client("sqs")))


@functools.cache
def order_processor() -> OrderProcessor:
    config = order_fulfilment_settings()
    charge_once = OncePerOrder(SandboxPaymentProvider(), config.idempotency_table_name, aws.client("dynamodb"))
    files = FulfilmentFiles(config.media_bucket_name, aws.client("s3"))
    return OrderProcessor(_orders(config), _sources(config), files, charge_once)


@functools.cache
def dead_letters() -> DeadLetters:
    return DeadLetters(_orders(orders_settings()))
