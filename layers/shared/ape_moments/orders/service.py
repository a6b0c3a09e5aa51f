"""Order use cases: what each GraphQL operation does, from validated input to stored order.

Rules live in ``models`` (pricing, expiry, who may change what) and ``ape_moments.caller``
(whose data it is); this module orchestrates them around the repository. Each use case gets
exactly the collaborators its functions have (``wiring`` builds them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ape_moments import metrics
from ape_moments.caller import Caller
from ape_moments.clock import utc_now
from ape_moments.errors import Conflict, InternalError, NotFound, ValidationError
from ape_moments.models import Actor, actor_of, owner_condition
from ape_moments.orders.models import (
    ORDER_RULES,
    CreateOrderRequest,
    GetOrderRequest,
    ListOrdersRequest,
    Order,
    OrderStatus,
    PaymentStatus,
    ProcessOrderRequest,
    UpdateOrderStatusRequest,
    new_order,
    status_change,
)
from ape_moments.orders.queue import ProcessingQueue
from ape_moments.orders.repository import OrdersRepository
from ape_moments.orders.source_repository import SourceRepository
from ape_moments.orders.sources import check_found
from ape_moments.table import ConditionFailed, Page
from ape_moments.validation import parse

logger = Logger(child=True)

IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600
_AUTHORIZED = frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED})


def _not_found() -> NotFound:
    return NotFound("orderId: no such order")


def no_download(_key: str) -> str | None:
    """For functions that hand out no download URLs (updateOrderStatus): the field reads null."""
    return None


class OrderService:
    """getOrder, listOrders, updateOrderStatus: the Orders table, and for reads the download URLs."""

    def __init__(
        self,
        orders: OrdersRepository,
        *,
        download_url: Callable[[str], str | None] = no_download,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._orders = orders
        self._download_url = download_url
        self._clock = clock

    def to_graphql(self, order: Order) -> dict[str, Any]:
        """The GraphQL Order, its DIGITAL_DOWNLOAD copies presigned now (SPEC 9), never stored."""
        return order.to_graphql(self._download_url)

    def get_order(self, caller: Caller, arguments: dict[str, Any]) -> Order | None:
        request = parse(GetOrderRequest, arguments)
        order = self._orders.get(request.order_id)
        if order is None or not caller.may_access(order.customer_id):
            return None
        return order

    def list_orders(self, caller: Caller, arguments: dict[str, Any]) -> Page[Order]:
        request = parse(ListOrdersRequest, arguments)
        customer_id = caller.scope_for_listing(request.customer_id)
        if customer_id is not None:
            return self._orders.list_for_customer(
                customer_id, status=request.status, limit=request.limit, token=request.next_token
            )
        if request.status is not None:
            return self._orders.list_by_status(request.status, limit=request.limit, token=request.next_token)
        raise ValidationError("customerId: an admin listing needs customerId or status")

    def update_order_status(self, caller: Caller, arguments: dict[str, Any]) -> Order:
        """One conditional write; a refused write is explained from the order it returned."""
        request = parse(UpdateOrderStatusRequest, arguments)
        actor, owner_id, target = actor_of(caller), owner_condition(caller), request.status
        sources = ORDER_RULES.sources_for(actor, target)
        if not sources:
            # No status leads to `target` for this actor: nothing to write, only to explain.
            raise _explain(self._orders.get(request.order_id), actor, target, owner_id)
        change = status_change(target, now=self._clock(), error_message=request.error_message)
        try:
            return self._orders.change_status(request.order_id, change, allowed_from=sources, owner_id=owner_id)
        except ConditionFailed as failed:
            raise _explain(failed.current, actor, target, owner_id) from None


def _explain(current: Order | None, actor: Actor, target: OrderStatus, owner_id: str | None) -> Exception:
    if current is None or (owner_id is not None and current.customer_id != owner_id):
        return _not_found()
    return ORDER_RULES.refusal(actor, current.status, target)


class OrderCreation:
    """createOrder: the sources (one batched read), the Orders table, and the Idempotency table
    for requests with a key."""

    def __init__(
        self,
        orders: OrdersRepository,
        sources: SourceRepository,
        *,
        idempotency_table: str,
        dynamodb_client: Any,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._orders = orders
        self._sources = sources
        self._idempotency_table = idempotency_table
        self._dynamodb = dynamodb_client
        self._clock = clock

    def create_order(self, caller: Caller, arguments: dict[str, Any], lambda_context: Any = None) -> Order:
        request = parse(CreateOrderRequest, arguments)
        customer_id = caller.customer_for(request.customer_id)
        if request.contact_email is None and customer_id == caller.owner_id and caller.verified_email:
            # SPEC 13: a signed-in customer's verified email, kept on the order (never an admin's
            # own address on an order made for someone else)
            request = request.model_copy(update={"contact_email": caller.verified_email})
        if request.idempotency_key is None:
            return self._insert_new(request, customer_id)
        if lambda_context is not None:
            # Lets Powertools expire an in-progress record when the function times out.
            self._idempotency_config.register_lambda_context(lambda_context)
        return self._create_idempotently(request, customer_id)

    def _insert_new(self, request: CreateOrderRequest, customer_id: str) -> Order:
        """Check every source in one batched read, in the order's customer's scope, then insert."""
        items = [(item.sku, item.source) for item in request.items]
        check_found(items, self._sources.read({ref for _, ref in items}), customer_id)
        order = new_order(request, customer_id=customer_id, now=self._clock())
        self._orders.insert(order)
        metrics.order_created(order.order_id, order.total_price, order.currency)
        return order

    def _create_idempotently(self, request: CreateOrderRequest, customer_id: str) -> Order:
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        # The key is scoped to the caller; the payload is compared with the items (sources
        # included) in (sku, source) order, so the order of the items does not matter.
        data = {
            "customerId": customer_id,
            "idempotencyKey": request.idempotency_key,
            "currency": request.currency,
            **({"contactEmail": request.contact_email} if request.contact_email else {}),
            "items": [
                item.model_dump(by_alias=True, exclude_none=True)
                for item in sorted(request.items, key=lambda item: (item.sku, item.source))
            ],
        }
        try:
            stored = self._idempotent_create(request=data)
        except IdempotencyValidationError:
            raise Conflict("idempotencyKey: already used with a different order") from None
        except IdempotencyAlreadyInProgressError:
            raise Conflict("idempotencyKey: an order with this key is being created; try again") from None
        return Order.model_validate(stored)

    # Powertools' idempotency utility is imported on first use: requests without a key never pay for it.
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

        config = self._idempotency_config
        store = DynamoDBPersistenceLayer(table_name=self._idempotency_table, boto3_client=self._dynamodb)

        @idempotent_function(data_keyword_argument="request", persistence_store=store, config=config)  # type: ignore[untyped-decorator]
        def create(*, request: dict[str, Any]) -> dict[str, Any]:
            order = self._insert_new(CreateOrderRequest.model_validate(request), request["customerId"])
            return order.model_dump(mode="json", by_alias=True)

        return create  # type: ignore[no-any-return]


class OrderSubmission:
    """processOrder: the Orders table and the order queue."""

    def __init__(
        self,
        orders: OrdersRepository,
        queue: ProcessingQueue,
        *,
        needs_authorization: bool = False,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._orders = orders
        self._queue = queue
        self._needs_authorization = needs_authorization  # stripe: checkoutOrder authorizes first (SPEC 12)
        self._clock = clock

    def process_order(self, caller: Caller, arguments: dict[str, Any]) -> Order:
        """Move the order to PROCESSING and queue it; processing itself runs in the worker.

        A PROCESSING order is queued again (a client retrying after a timeout): the worker
        charges at most once per order, so a second message costs nothing.
        """
        request = parse(ProcessOrderRequest, arguments)
        owner_id = owner_condition(caller)
        if self._needs_authorization:
            self._check_authorized(request.order_id, owner_id)
        change = status_change(OrderStatus.PROCESSING, now=self._clock())
        try:
            order = self._orders.change_status(
                request.order_id,
                change,
                allowed_from={OrderStatus.PENDING, OrderStatus.PROCESSING},
                owner_id=owner_id,
            )
        except ConditionFailed as failed:
            current = failed.current
            if current is None or (owner_id is not None and current.customer_id != owner_id):
                raise _not_found() from None
            raise Conflict(f"status: an order in {current.status} cannot be processed") from None
        try:
            self._queue.send(order.order_id)
        except Exception:
            logger.exception("could not queue the order; moving it back to PENDING", order_id=order.order_id)
            self._undo_processing(order)
            raise InternalError("the order could not be queued for processing; try again") from None
        metrics.order_queued(order.order_id)
        return order

    def _check_authorized(self, order_id: str, owner_id: str | None) -> None:
        current = self._orders.get(order_id)
        if current is None or (owner_id is not None and current.customer_id != owner_id):
            raise _not_found()
        payment = current.payment
        if current.status is OrderStatus.PENDING and (payment is None or payment.status not in _AUTHORIZED):
            raise Conflict("payment: the order has no authorized payment; call checkoutOrder first")

    def _undo_processing(self, order: Order) -> None:
        """Put an order we could not queue back to PENDING, unless something changed it since."""
        try:
            self._orders.change_status(
                order.order_id,
                status_change(OrderStatus.PENDING, now=self._clock()),
                allowed_from={OrderStatus.PROCESSING},
                expected_updated_at=order.updated_at,
            )
        except ConditionFailed:
            logger.warning("order changed while undoing PROCESSING; left as is", order_id=order.order_id)
