"""The orders family's composition root: each function's use case, built from its settings.

A handler calls its settings function at import (the cold start fails on bad configuration)
and its use case function per request; both are cached per execution environment.
"""

from __future__ import annotations

import functools

from ape_moments import aws
from ape_moments.orders.payments import OncePerOrder, SandboxPaymentProvider
from ape_moments.orders.processing import DeadLetters, OrderProcessor
from ape_moments.orders.queue import ProcessingQueue
from ape_moments.orders.repository import OrdersRepository
from ape_moments.orders.service import OrderCreation, OrderService, OrderSubmission
from ape_moments.settings import IdempotentOrdersSettings, OrdersSettings, OrderSubmissionSettings


@functools.cache
def orders_settings() -> OrdersSettings:
    return OrdersSettings.from_environment()


@functools.cache
def idempotent_orders_settings() -> IdempotentOrdersSettings:
    return IdempotentOrdersSettings.from_environment()


@functools.cache
def order_submission_settings() -> OrderSubmissionSettings:
    return OrderSubmissionSettings.from_environment()


def _orders(config: OrdersSettings) -> OrdersRepository:
    return OrdersRepository(config.orders_table_name, aws.client("dynamodb"))


@functools.cache
def order_service() -> OrderService:
    return OrderService(_orders(orders_settings()))


@functools.cache
def order_creation() -> OrderCreation:
    config = idempotent_orders_settings()
    return OrderCreation(
        _orders(config), idempotency_table=config.idempotency_table_name, dynamodb_client=aws.client("dynamodb")
    )


@functools.cache
def order_submission() -> OrderSubmission:
    config = order_submission_settings()
    return OrderSubmission(_orders(config), ProcessingQueue(config.order_queue_url, aws.client("sqs")))


@functools.cache
def order_processor() -> OrderProcessor:
    config = idempotent_orders_settings()
    charge_once = OncePerOrder(SandboxPaymentProvider(), config.idempotency_table_name, aws.client("dynamodb"))
    return OrderProcessor(_orders(config), charge_once)


@functools.cache
def dead_letters() -> DeadLetters:
    return DeadLetters(_orders(orders_settings()))
