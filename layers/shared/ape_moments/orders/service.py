"""Order use cases: what each GraphQL operation does, from validated input to stored order.

Rules live in ``models`` (pricing, expiry), ``transitions`` (who may change what) and
``ape_moments.caller`` (whose data it is); this module orchestrates them around the repository.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ape_moments.caller import Caller, Role
from ape_moments.clock import utc_now
from ape_moments.errors import Conflict, InternalError, NotFound, ValidationError
from ape_moments.orders.models import (
    CreateOrderRequest,
    GetOrderRequest,
    ListOrdersRequest,
    Order,
    ProcessOrderRequest,
    UpdateOrderStatusRequest,
    new_order,
    status_change,
)
from ape_moments.orders.queue import ProcessingQueue
from ape_moments.orders.repository import OrdersRepository, Page, StatusConditionFailed
from ape_moments.orders.transitions import Actor, OrderStatus, refusal, sources_for
from ape_moments.validation import parse

logger = Logger(child=True)

IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600


def actor_of(caller: Caller) -> Actor:
    return Actor.ADMIN if caller.role is Role.ADMIN else Actor.OWNER


class OrderService:
    def __init__(
        self,
        repository: OrdersRepository,
        *,
        queue: ProcessingQueue | None = None,
        idempotency_table: str | None = None,
        dynamodb_client: Any = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._orders = repository
        self._queue = queue
        self._idempotency_table = idempotency_table
        self._dynamodb = dynamodb_client
        self._clock = clock

    # ---- createOrder ----------------------------------------------------------------------

    def create_order(self, caller: Caller, arguments: dict[str, Any], lambda_context: Any = None) -> Order:
        request = parse(CreateOrderRequest, arguments)
        customer_id = caller.customer_for(request.customer_id)
        if request.idempotency_key is None:
            return self._insert_new(request, customer_id)
        if lambda_context is not None:
            # Lets Powertools expire an in-progress record when the function times out.
            self._idempotency_config.register_lambda_context(lambda_context)
        return self._create_idempotently(request, customer_id)

    def _insert_new(self, request: CreateOrderRequest, customer_id: str) -> Order:
        order = new_order(request, customer_id=customer_id, now=self._clock())
        self._orders.insert(order)
        return order

    def _create_idempotently(self, request: CreateOrderRequest, customer_id: str) -> Order:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        # The key is scoped to the caller; the payload is compared with the items in sku order.
        data = {
            "customerId": customer_id,
            "idempotencyKey": request.idempotency_key,
            "currency": request.currency,
            "items": [
                {"sku": item.sku, "quantity": item.quantity}
                for item in sorted(request.items, key=lambda item: item.sku)
            ],
        }
        try:
            stored = self._idempotent_create(request=data)
        except IdempotencyValidationError:
            raise Conflict("idempotencyKey: already used with a different order") from None
        except IdempotencyAlreadyInProgressError:
            raise Conflict("idempotencyKey: an order with this key is being created; try again") from None
        return Order.model_validate(stored)

    @functools.cached_property
    def _idempotency_config(self) -> Any:
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

        return IdempotencyConfig(
            event_key_jmespath="[customerId, idempotencyKey]",
            payload_validation_jmespath="[currency, items]",
            expires_after_seconds=IDEMPOTENCY_WINDOW_SECONDS,
        )

    @functools.cached_property
    def _idempotent_create(self) -> Callable[..., dict[str, Any]]:
        from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent_function

        if not self._idempotency_table:
            raise RuntimeError("missing configuration: IDEMPOTENCY_TABLE_NAME")
        config = self._idempotency_config
        store = DynamoDBPersistenceLayer(table_name=self._idempotency_table, boto3_client=self._dynamodb)

        @idempotent_function(data_keyword_argument="request", persistence_store=store, config=config)  # type: ignore[untyped-decorator]
        def create(*, request: dict[str, Any]) -> dict[str, Any]:
            order = self._insert_new(CreateOrderRequest.model_validate(request), request["customerId"])
            return order.model_dump(mode="json", by_alias=True)

        return create  # type: ignore[no-any-return]

    # ---- getOrder / listOrders ------------------------------------------------------------

    def get_order(self, caller: Caller, arguments: dict[str, Any]) -> Order | None:
        request = parse(GetOrderRequest, arguments)
        order = self._orders.get(request.order_id)
        if order is None or not caller.may_access(order.customer_id):
            return None
        return order

    def list_orders(self, caller: Caller, arguments: dict[str, Any]) -> Page:
        request = parse(ListOrdersRequest, arguments)
        customer_id = caller.scope_for_listing(request.customer_id)
        if customer_id is not None:
            return self._orders.list_for_customer(
                customer_id, status=request.status, limit=request.limit, token=request.next_token
            )
        if request.status is not None:
            return self._orders.list_by_status(request.status, limit=request.limit, token=request.next_token)
        raise ValidationError("customerId: an admin listing needs customerId or status")

    # ---- updateOrderStatus ----------------------------------------------------------------

    def update_order_status(self, caller: Caller, arguments: dict[str, Any]) -> Order:
        request = parse(UpdateOrderStatusRequest, arguments)
        return self.change_status(
            request.order_id,
            request.status,
            actor=actor_of(caller),
            owner_id=None if caller.is_admin else caller.owner_id,
            error_message=request.error_message,
        )

    def change_status(
        self,
        order_id: str,
        target: OrderStatus,
        *,
        actor: Actor,
        owner_id: str | None,
        error_message: str | None = None,
        payment_id: str | None = None,
    ) -> Order:
        """One conditional write; a refused write is explained from the order it returned."""
        sources = sources_for(actor, target)
        if not sources:
            # No status leads to `target` for this actor: nothing to write, only to explain.
            raise self._explain(self._orders.get(order_id), actor, target, owner_id)
        change = status_change(target, now=self._clock(), error_message=error_message)
        try:
            return self._orders.change_status(
                order_id, change, allowed_from=sources, owner_id=owner_id, payment_id=payment_id
            )
        except StatusConditionFailed as failed:
            raise self._explain(failed.current, actor, target, owner_id) from None

    @staticmethod
    def _explain(current: Order | None, actor: Actor, target: OrderStatus, owner_id: str | None) -> Exception:
        if current is None or (owner_id is not None and current.customer_id != owner_id):
            return NotFound("orderId: no such order")
        return refusal(actor, current.status, target)

    # ---- processOrder ---------------------------------------------------------------------

    def process_order(self, caller: Caller, arguments: dict[str, Any]) -> Order:
        """Move the order to PROCESSING and queue it; processing itself runs in the worker.

        A PROCESSING order is queued again (a client retrying after a timeout): the worker
        charges at most once per order, so a second message costs nothing.
        """
        request = parse(ProcessOrderRequest, arguments)
        owner_id = None if caller.is_admin else caller.owner_id
        change = status_change(OrderStatus.PROCESSING, now=self._clock())
        try:
            order = self._orders.change_status(
                request.order_id,
                change,
                allowed_from={OrderStatus.PENDING, OrderStatus.PROCESSING},
                owner_id=owner_id,
            )
        except StatusConditionFailed as failed:
            if failed.current is None or (owner_id is not None and failed.current.customer_id != owner_id):
                raise NotFound("orderId: no such order") from None
            raise Conflict(f"status: an order in {failed.current.status} cannot be processed") from None
        if self._queue is None:
            raise RuntimeError("missing configuration: ORDER_QUEUE_URL")
        try:
            self._queue.send(order.order_id)
        except Exception:
            logger.exception("could not queue the order; moving it back to PENDING", order_id=order.order_id)
            self._undo_processing(order)
            raise InternalError("the order could not be queued for processing; try again") from None
        return order

    def _undo_processing(self, order: Order) -> None:
        """Put an order we could not queue back to PENDING, unless something changed it since."""
        try:
            self._orders.change_status(
                order.order_id,
                status_change(OrderStatus.PENDING, now=self._clock()),
                allowed_from={OrderStatus.PROCESSING},
                expected_updated_at=order.updated_at,
            )
        except StatusConditionFailed:
            logger.warning("order changed while undoing PROCESSING; left as is", order_id=order.order_id)


@functools.cache
def order_service() -> OrderService:
    """The service as deployed: tables and queue from the function's environment."""
    from ape_moments import aws
    from ape_moments.settings import settings

    config = settings()
    dynamodb = aws.client("dynamodb")
    queue = ProcessingQueue(config.order_queue_url, aws.client("sqs")) if config.order_queue_url else None
    return OrderService(
        OrdersRepository(config.require("orders_table_name"), dynamodb),
        queue=queue,
        idempotency_table=config.idempotency_table_name,
        dynamodb_client=dynamodb,
    )
