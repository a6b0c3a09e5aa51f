"""The payment provider. A sandbox for now (SPEC section 3): it declines totals above 1000.00.

``OncePerOrder`` makes a charge at most once per order: a successful charge is recorded by
Powertools' idempotency utility under the order id, so a redelivered message or a second
processOrder gets the recorded receipt back instead of a second charge. A decline raises,
and Powertools keeps nothing for a raised call, so a retried order is charged afresh.
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
    """Stands in for the real provider; keeps a ledger so tests can count charges."""

    def __init__(self) -> None:
        self.charges: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def charge(self, *, order_id: str, amount: Decimal, currency: str) -> str:
        if amount > SANDBOX_LIMIT:
            raise PaymentDeclined(DECLINED_OVER_LIMIT)
        payment_id = f"pay_{uuid.uuid4().hex}"
        with self._lock:
            self.charges.append({"orderId": order_id, "amount": amount, "currency": currency, "paymentId": payment_id})
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
                order_id=charge["orderId"], amount=Decimal(charge["amount"]), currency=charge["currency"]
            )
            return {"paymentId": payment_id}

        self._charge_order = charge_order

    def register_lambda_context(self, context: Any) -> None:
        """Lets Powertools expire an in-progress charge record when the function times out."""
        self._config.register_lambda_context(context)

    def __call__(self, order: Order) -> str:
        charge = {"orderId": order.order_id, "amount": str(order.total_price), "currency": order.currency}
        return str(self._charge_order(charge=charge)["paymentId"])
