"""The payment provider. A sandbox for now (SPEC section 3): it declines totals above 1000.00.

``OncePerOrder`` makes a charge at most once per order, twice over: a successful charge is
recorded by Powertools' idempotency utility under the order id, so a redelivered message or a
second processOrder gets the recorded receipt back without calling the provider; and the order id
is also the provider's idempotency key, so a charge whose record was lost (the worker died right
after charging) is answered by the provider with the first payment. A decline raises, and
neither keeps anything for it, so a retried order is charged afresh.
"""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal
from typing import Any

from ape_moments.orders.models import Order

SANDBOX_LIMIT = Decimal("1000.00")
DECLINED_OVER_LIMIT = "payment declined: amount exceeds limit"
CHARGE_RECORD_LIFETIME = 90 * 24 * 3600  # longer than any redelivery or admin retry window


class PaymentDeclined(Exception):  # noqa: N818 - a business outcome, not a crash
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SandboxPaymentProvider:
    """Stands in for the real provider, with the contract real providers offer.

    Like a real provider's idempotency key (Stripe's ``Idempotency-Key``), a repeated key returns
    the first payment instead of charging again: the second line of defence when the worker
    charged but could not record it. ``capture`` is where money moves; ``captures`` is the ledger.
    """

    def __init__(self) -> None:
        self.captures: list[dict[str, Any]] = []
        self._payments_by_key: dict[str, str] = {}
        self._lock = threading.Lock()

    def charge(self, *, idempotency_key: str, order_id: str, amount: Decimal, currency: str) -> str:
        with self._lock:
            if idempotency_key in self._payments_by_key:
                return self._payments_by_key[idempotency_key]
            if amount > SANDBOX_LIMIT:
                raise PaymentDeclined(DECLINED_OVER_LIMIT)  # not remembered: a retry may succeed
            payment_id = self.capture(order_id=order_id, amount=amount, currency=currency)
            self._payments_by_key[idempotency_key] = payment_id
            return payment_id

    def capture(self, *, order_id: str, amount: Decimal, currency: str) -> str:
        payment_id = f"pay_{uuid.uuid4().hex}"
        self.captures.append({"orderId": order_id, "amount": amount, "currency": currency, "paymentId": payment_id})
        return payment_id


class OncePerOrder:
    """Charges through ``provider`` at most once per order (Powertools idempotency, keyed on orderId)."""

    def __init__(self, provider: SandboxPaymentProvider, idempotency_table: str, client: Any) -> None:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self._config = IdempotencyConfig(event_key_jmespath="orderId", expires_after_seconds=CHARGE_RECORD_LIFETIME)
        store = DynamoDBPersistenceLayer(table_name=idempotency_table, boto3_client=client)

        @idempotent_function(data_keyword_argument="charge", persistence_store=store, config=self._config)  # type: ignore[untyped-decorator]
        def charge_order(*, charge: dict[str, str]) -> dict[str, str]:
            payment_id = provider.charge(
                idempotency_key=f"order-{charge['orderId']}",
                order_id=charge["orderId"],
                amount=Decimal(charge["amount"]),
                currency=charge["currency"],
            )
            return {"paymentId": payment_id}

        self._charge_order = charge_order

    def register_lambda_context(self, context: Any) -> None:
        """Lets Powertools expire an in-progress charge record when the function times out."""
        self._config.register_lambda_context(context)

    def __call__(self, order: Order) -> str:
        charge = {"orderId": order.order_id, "amount": str(order.total_price), "currency": order.currency}
        return str(self._charge_order(charge=charge)["paymentId"])
