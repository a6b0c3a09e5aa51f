"""Orders' rules and models (SPEC section 3): the catalog and its prices, the status state
machine, inputs, the stored order, and the pure rules that build and change it.

Prices live only here: clients send SKUs. Pure rules, no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StrictInt, field_validator, model_validator

from ape_moments.clock import to_aws_datetime, to_epoch_seconds
from ape_moments.email_address import EmailAddress
from ape_moments.models import (
    ANYONE,
    STAFF,
    Actor,
    ApiModel,
    Kind,
    ObjectId,
    OwnerId,
    PageLimit,
    PhotoKey,
    StatusRules,
    StoredModel,
)
from ape_moments.orders.sources import DIGITAL_DOWNLOAD, SourceRef, check_item_sources, fulfilled_key

PENDING_LIFETIME = timedelta(days=7)
MAX_ERROR_MESSAGE = 500

# ---- the catalog ----------------------------------------------------------------------------

Currency = Literal["USD", "EUR", "GBP"]
CURRENCIES: tuple[Currency, ...] = ("USD", "EUR", "GBP")
CENT = Decimal("0.01")

_PRICES: dict[str, tuple[str, str, str]] = {
    #                   USD      EUR      GBP
    "PRINT_4X6":        ("0.50", "0.45", "0.40"),
    "PRINT_5X7":        ("1.50", "1.35", "1.20"),
    "PRINT_8X10":       ("4.00", "3.60", "3.20"),
    "PHOTO_STRIP":      ("3.00", "2.70", "2.40"),
    "COLLAGE_PRINT":    ("6.00", "5.40", "4.80"),
    "PHOTO_ALBUM":      ("25.00", "22.50", "20.00"),
    "DIGITAL_DOWNLOAD": ("2.00", "1.80", "1.60"),
}  # fmt: skip

CATALOG: dict[str, dict[Currency, Decimal]] = {
    sku: dict(zip(CURRENCIES, (Decimal(p) for p in prices), strict=True)) for sku, prices in _PRICES.items()
}


def unit_price(sku: str, currency: Currency) -> Decimal:
    return CATALOG[sku][currency]


def money(amount: Decimal) -> Decimal:
    """Two decimal places, half-up: the only rounding money ever gets."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


# ---- the state machine: who may move an order from which status to which --------------------


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


_P, _R, _C, _F = OrderStatus

ORDER_RULES = StatusRules[OrderStatus](
    noun="an order",
    transitions={
        (_P, _R): ANYONE,
        (_P, _F): ANYONE,  # cancel
        (_R, _C): STAFF,
        (_R, _F): STAFF,
        (_F, _P): frozenset({Actor.ADMIN}),  # retry
    },
)


# ---- inputs -------------------------------------------------------------------------------


class OrderItemInput(ApiModel):
    """One line: a SKU, how many, and exactly one source (SPEC 9), of a kind the SKU takes."""

    sku: str
    quantity: Annotated[StrictInt, Field(ge=1, le=100)]
    photo_key: PhotoKey | None = None
    collage_id: ObjectId | None = None
    album_id: ObjectId | None = None

    @field_validator("sku")
    @classmethod
    def _known_sku(cls, sku: str) -> str:
        if sku not in CATALOG:
            raise ValueError(f"unknown sku; expected one of {', '.join(CATALOG)}")
        return sku

    def sources(self) -> list[SourceRef]:
        given = (
            (Kind.PHOTO, self.photo_key),
            (Kind.COLLAGE, self.collage_id),
            (Kind.ALBUM, self.album_id),
        )
        return [SourceRef(kind, value) for kind, value in given if value is not None]

    @property
    def source(self) -> SourceRef:
        return self.sources()[0]  # exactly one: CreateOrderRequest checks it


class CreateOrderRequest(ApiModel):
    items: Annotated[list[OrderItemInput], Field(min_length=1, max_length=50)]
    currency: Currency
    customer_id: OwnerId | None = None
    idempotency_key: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")] | None = None
    # SPEC 13: where a guest (or anyone) wants the order's emails; a signed-in customer's verified
    # email is used when this is absent.
    contact_email: EmailAddress | None = None

    @model_validator(mode="after")
    def _sources(self) -> Self:
        # Raises our ValidationError itself (pydantic lets it through), naming items[i].<source>.
        check_item_sources([(item.sku, item.sources()) for item in self.items])
        return self


class GetOrderRequest(ApiModel):
    order_id: ObjectId


class ListOrdersRequest(ApiModel):
    customer_id: OwnerId | None = None
    status: OrderStatus | None = None
    limit: PageLimit = 20
    next_token: str | None = None


class UpdateOrderStatusRequest(ApiModel):
    order_id: ObjectId
    status: OrderStatus
    error_message: Annotated[str, Field(max_length=MAX_ERROR_MESSAGE)] | None = None

    @model_validator(mode="after")
    def _message_only_with_failed(self) -> Self:
        if self.error_message is not None and self.status is not OrderStatus.FAILED:
            raise ValueError("errorMessage: only an order moving to FAILED keeps an error message")
        return self


class ProcessOrderRequest(ApiModel):
    order_id: ObjectId


# ---- the stored order -----------------------------------------------------------------------


class OrderItem(ApiModel):
    sku: str
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    photo_key: str | None = None
    collage_id: str | None = None
    album_id: str | None = None

    @property
    def has_source(self) -> bool:
        """False only for orders stored before items named their sources (SPEC 9)."""
        return any(value is not None for value in (self.photo_key, self.collage_id, self.album_id))

    @property
    def source(self) -> SourceRef:
        given = (
            (Kind.PHOTO, self.photo_key),
            (Kind.COLLAGE, self.collage_id),
            (Kind.ALBUM, self.album_id),
        )
        return next(SourceRef(kind, value) for kind, value in given if value is not None)


class PaymentStatus(StrEnum):
    """SPEC 12: where an order's payment stands (a provider's states, in the provider's words' place)."""

    REQUIRES_PAYMENT = "REQUIRES_PAYMENT"
    REQUIRES_ACTION = "REQUIRES_ACTION"
    AUTHORIZED = "AUTHORIZED"
    CAPTURED = "CAPTURED"
    CANCELED = "CANCELED"
    REFUNDED = "REFUNDED"


class Payment(ApiModel):
    """The order's payment, stored as the map attribute ``payment`` (amounts in minor units).

    Written in the same conditional write as the order's status change wherever a status
    changes; the owner's figures read CAPTURED and ``amountRefunded`` moves from the stream.
    """

    provider: Literal["sandbox", "stripe"]
    payment_id: str
    status: PaymentStatus
    amount: int
    currency: str
    amount_refunded: int = 0
    updated_at: str

    @classmethod
    def reference(cls, provider: str, payment_id: str, *, updated_at: str) -> Payment:
        """A payment known only by its id (a webhook's event names no more): the provider tells the rest."""
        return cls.model_validate(
            {"provider": provider, "paymentId": payment_id, "status": "REQUIRES_PAYMENT", "amount": 0,
             "currency": "USD", "updatedAt": updated_at}
        )  # fmt: skip

    def to_graphql(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "status": self.status.value,
            "amount": self.amount,
            "currency": self.currency,
            "amountRefunded": self.amount_refunded,
            "updatedAt": self.updated_at,
        }


class CheckoutOrderRequest(ApiModel):
    order_id: ObjectId
    payment_method_id: Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_]+$")] | None = None


class RefundOrderRequest(ApiModel):
    order_id: ObjectId
    reason: Annotated[str, Field(max_length=MAX_ERROR_MESSAGE)] | None = None


class StatusChange(ApiModel):
    """Everything one status change writes; built by ``status_change``, written atomically."""

    status: OrderStatus
    updated_at: str
    error_message: str | None
    expires_at: int | None
    sweep_count: None = None  # every status change starts the sweeper's count afresh (removes it)


class Order(StoredModel):
    order_id: str
    customer_id: str
    status: OrderStatus
    total_price: Decimal
    currency: Currency
    items: list[OrderItem]
    error_message: str | None = None
    expires_at: int | None = None
    payment_id: str | None = None
    payment: Payment | None = None
    contact_email: str | None = None  # the order's email recipient (SPEC 13); never shown in GraphQL
    sweep_count: int | None = None  # times the sweeper requeued it in this PROCESSING spell
    created_at: str
    updated_at: str

    def with_change(self, change: StatusChange) -> Order:
        return self.model_copy(update=change.model_dump())

    def to_graphql(self, download_url: Callable[[str], str | None] = lambda _key: None) -> dict[str, Any]:
        """The GraphQL ``Order``: money leaves exact decimals only here, as the schema's Float.

        ``download_url`` presigns a fulfilled copy (SPEC 9: DIGITAL_DOWNLOAD items of COMPLETED
        orders); the copy's key itself never leaves.
        """
        return {
            "orderId": self.order_id,
            "customerId": self.customer_id,
            "status": self.status.value,
            "totalPrice": float(self.total_price),
            "currency": self.currency,
            "items": [
                {
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "unitPrice": float(item.unit_price),
                    "lineTotal": float(item.line_total),
                    "photoKey": item.photo_key,
                    "collageId": item.collage_id,
                    "albumId": item.album_id,
                    "downloadUrl": download_url(fulfilled_key(self.order_id, index, item.sku, item.source))
                    if self.status is OrderStatus.COMPLETED and item.sku == DIGITAL_DOWNLOAD and item.has_source
                    else None,
                }
                for index, item in enumerate(self.items)
            ],
            "errorMessage": self.error_message,
            "expiresAt": self.expires_at,
            "payment": self.payment.to_graphql() if self.payment else None,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


def new_order(
    request: CreateOrderRequest, *, customer_id: str, now: datetime, contact_email: str | None = None
) -> Order:
    """Price the items from the catalog and start the order in PENDING for seven days."""
    items = [
        OrderItem(
            sku=item.sku,
            quantity=item.quantity,
            unit_price=unit_price(item.sku, request.currency),
            line_total=money(unit_price(item.sku, request.currency) * item.quantity),
            photo_key=item.photo_key,
            collage_id=item.collage_id,
            album_id=item.album_id,
        )
        for item in request.items
    ]
    timestamp = to_aws_datetime(now)
    return Order(
        order_id=str(uuid.uuid4()),
        customer_id=customer_id,
        status=OrderStatus.PENDING,
        total_price=money(sum((item.line_total for item in items), Decimal(0))),
        currency=request.currency,
        items=items,
        expires_at=to_epoch_seconds(now + PENDING_LIFETIME),
        contact_email=request.contact_email or contact_email,
        created_at=timestamp,
        updated_at=timestamp,
    )


def status_change(target: OrderStatus, *, now: datetime, error_message: str | None = None) -> StatusChange:
    """What moving to ``target`` writes.

    Only PENDING orders expire (a retried order gets a fresh seven days); only FAILED orders
    keep an error message.
    """
    return StatusChange(
        status=target,
        updated_at=to_aws_datetime(now),
        error_message=error_message if target is OrderStatus.FAILED else None,
        expires_at=to_epoch_seconds(now + PENDING_LIFETIME) if target is OrderStatus.PENDING else None,
    )
