"""The payment port (SPEC 12) and its two adapters: ``sandbox`` and ``stripe``.

The port speaks in ``Intent``s: a provider-neutral view of one payment (a Stripe PaymentIntent
with manual capture), amounts in exact integer minor units. Every call that moves money takes an
idempotency key derived from the order and the step (``keys``), and each adapter also refuses
to move money twice on its own: capture only what is authorized, refund only what is not
refunded yet, reading the provider's current state first.

``sandbox`` keeps no state of its own: the payment it answers for is the one stored on the order
(passed in as ``Payment``), so every function of the stack agrees on it without a shared
process. It authorizes any total up to 1000.00 and declines above it (SPEC 3).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol

from ape_moments.errors import ValidationError
from ape_moments.orders.models import Payment, PaymentStatus

SANDBOX_LIMIT = Decimal("1000.00")
DECLINED_OVER_LIMIT = "payment declined: amount exceeds limit"
MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2}  # ISO 4217 exponents of the currencies we sell in


class PaymentDeclined(Exception):  # noqa: N818 - a business outcome, not a crash
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderUnavailable(Exception):  # noqa: N818 - the provider could not be reached or refused oddly
    """The provider failed (network, 5xx, an unexpected refusal): the caller retries or reports InternalError."""


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Exact integer minor units; an amount that does not convert exactly is a ValidationError."""
    scaled = amount.scaleb(MINOR_UNITS[currency])
    if scaled != scaled.to_integral_value():
        raise ValidationError(f"totalPrice: {amount} {currency} is not a whole number of minor units")
    return int(scaled)


@dataclass(frozen=True, slots=True)
class Intent:
    """One payment as the provider sees it now."""

    payment_id: str
    status: PaymentStatus
    amount: int
    currency: str
    amount_refunded: int = 0
    order_id: str | None = None  # from the payment's metadata
    client_secret: str | None = None
    decline_reason: str | None = None  # the last confirmation's refusal, if it was refused

    def stored(self, provider: str, updated_at: str) -> Payment:
        """What the order keeps of it."""
        return Payment(
            provider=provider,
            payment_id=self.payment_id,
            status=self.status,
            amount=self.amount,
            currency=self.currency,
            amount_refunded=self.amount_refunded,
            updated_at=updated_at,
        )


class keys:  # noqa: N801 - a namespace of key makers
    """Idempotency keys: one per order and step, so a repeated step is the same request."""

    @staticmethod
    def create(order_id: str, amount: int, currency: str, replaces: str | None = None) -> str:
        # After a decline the order's next payment replaces the declined one: keyed on it.
        return f"order-{order_id}-{amount}-{currency}" + (f"-after-{replaces}" if replaces else "")

    @staticmethod
    def confirm(payment_id: str, payment_method: str) -> str:
        return f"confirm-{payment_id}-{payment_method}"

    @staticmethod
    def capture(payment_id: str) -> str:
        return f"capture-{payment_id}"

    @staticmethod
    def cancel(payment_id: str) -> str:
        return f"cancel-{payment_id}"

    @staticmethod
    def refund(payment_id: str) -> str:
        return f"refund-{payment_id}"


class PaymentProvider(Protocol):
    name: str
    publishable_key: str | None
    confirms_at_checkout: bool  # stripe: processOrder needs an authorized payment first

    def create(self, *, order_id: str, customer_id: str, amount: int, currency: str, idempotency_key: str) -> Intent:
        """A new payment awaiting its method (manual capture)."""
        ...

    def confirm(self, payment: Payment, payment_method: str, *, idempotency_key: str) -> Intent:
        """Attach the method and confirm: AUTHORIZED, REQUIRES_ACTION, or REQUIRES_PAYMENT with a decline reason."""
        ...

    def retrieve(self, payment: Payment) -> Intent: ...

    def capture(self, payment: Payment, *, idempotency_key: str) -> Intent: ...

    def cancel(self, payment: Payment, *, idempotency_key: str) -> Intent: ...

    def refund(self, payment: Payment, *, idempotency_key: str) -> Intent:
        """The full amount, once: a payment already refunded is answered as it is."""
        ...


# ---- sandbox ------------------------------------------------------------------------------------


class SandboxPaymentProvider:
    """Stands in for the real provider, with the contract real providers offer.

    The order's stored payment is the truth across processes; like a real provider's idempotency
    key, a capture or refund key seen before answers with its first result (this process's memory:
    the second line of defence behind ``OnceOnly``'s records). ``captures`` and ``refunds`` are
    this process's ledger (tests count money moves with it).
    """

    name = "sandbox"
    publishable_key: str | None = None
    confirms_at_checkout = False

    def __init__(self) -> None:
        self.captures: list[dict[str, Any]] = []
        self.refunds: list[dict[str, Any]] = []
        self._answered: dict[str, Intent] = {}
        self._lock = threading.Lock()

    def create(self, *, order_id: str, customer_id: str, amount: int, currency: str, idempotency_key: str) -> Intent:
        # The order's id in it keeps the ledger readable; the key's digest tells replacements apart.
        payment_id = f"pay_{order_id}_{hashlib.sha256(idempotency_key.encode()).hexdigest()[:8]}"
        return Intent(payment_id, PaymentStatus.REQUIRES_PAYMENT, amount, currency, order_id=order_id)

    def confirm(self, payment: Payment, payment_method: str, *, idempotency_key: str) -> Intent:
        intent = self.retrieve(payment)
        if intent.status is not PaymentStatus.REQUIRES_PAYMENT:
            return intent
        if Decimal(payment.amount).scaleb(-MINOR_UNITS.get(payment.currency, 2)) > SANDBOX_LIMIT:
            return replace(intent, decline_reason=DECLINED_OVER_LIMIT)
        return replace(intent, status=PaymentStatus.AUTHORIZED)

    def retrieve(self, payment: Payment) -> Intent:
        return Intent(payment.payment_id, payment.status, payment.amount, payment.currency, payment.amount_refunded)

    def capture(self, payment: Payment, *, idempotency_key: str) -> Intent:
        with self._lock:
            if idempotency_key in self._answered:
                return self._answered[idempotency_key]
            intent = self.retrieve(payment)
            if intent.status is not PaymentStatus.AUTHORIZED:
                return intent
            self.capture_money(payment_id=payment.payment_id, amount=payment.amount, currency=payment.currency)
            self._answered[idempotency_key] = replace(intent, status=PaymentStatus.CAPTURED)
            return self._answered[idempotency_key]

    def capture_money(self, *, payment_id: str, amount: int, currency: str) -> None:
        """Where the sandbox's money moves (tests spy on it)."""
        self.captures.append({"paymentId": payment_id, "amount": amount, "currency": currency})

    def cancel(self, payment: Payment, *, idempotency_key: str) -> Intent:
        intent = self.retrieve(payment)
        if intent.status in (PaymentStatus.REQUIRES_PAYMENT, PaymentStatus.REQUIRES_ACTION, PaymentStatus.AUTHORIZED):
            return replace(intent, status=PaymentStatus.CANCELED)
        return intent

    def refund(self, payment: Payment, *, idempotency_key: str) -> Intent:
        with self._lock:
            if idempotency_key in self._answered:
                return self._answered[idempotency_key]
            intent = self.retrieve(payment)
            if intent.status is not PaymentStatus.CAPTURED:
                return intent
            self.refunds.append({"paymentId": payment.payment_id, "amount": payment.amount})
            refunded = replace(intent, status=PaymentStatus.REFUNDED, amount_refunded=payment.amount)
            self._answered[idempotency_key] = refunded
            return refunded


# ---- stripe -------------------------------------------------------------------------------------

_STRIPE_STATUS = {
    "requires_payment_method": PaymentStatus.REQUIRES_PAYMENT,
    "requires_confirmation": PaymentStatus.REQUIRES_PAYMENT,
    "requires_action": PaymentStatus.REQUIRES_ACTION,
    "processing": PaymentStatus.REQUIRES_ACTION,
    "requires_capture": PaymentStatus.AUTHORIZED,
    "succeeded": PaymentStatus.CAPTURED,
    "canceled": PaymentStatus.CANCELED,
}


def intent_of(data: Any) -> Intent:
    """A PaymentIntent (the SDK's object or its JSON) as the port's Intent."""
    if hasattr(data, "to_dict"):
        data = data.to_dict()  # the SDK's objects are not dicts (recursive: latest_charge too)
    status = _STRIPE_STATUS[str(data["status"])]
    charge = data.get("latest_charge")
    refunded = int(charge.get("amount_refunded") or 0) if _is_map(charge) else 0
    amount = int(data["amount"])
    if status is PaymentStatus.CAPTURED and refunded >= amount:
        status = PaymentStatus.REFUNDED
    error = data.get("last_payment_error")
    metadata = data.get("metadata") or {}
    return Intent(
        payment_id=str(data["id"]),
        status=status,
        amount=amount,
        currency=str(data["currency"]).upper(),
        amount_refunded=refunded,
        order_id=metadata.get("orderId"),
        client_secret=data.get("client_secret"),
        decline_reason=str(error.get("message") or error.get("code")) if _is_map(error) else None,
    )


def _is_map(value: Any) -> bool:
    return isinstance(value, dict)


class StripePaymentProvider:
    """Stripe PaymentIntents with manual capture, through the ``stripe`` SDK.

    Works against real Stripe and against localstripe: a method is attached with an update and
    then confirmed (localstripe cannot confirm with ``payment_method``), and a declined payment
    is replaced rather than confirmed again (localstripe refuses that).
    """

    name = "stripe"
    confirms_at_checkout = True

    def __init__(self, secret_key: str, publishable_key: str | None, *, api_base: str | None = None) -> None:
        import stripe

        self._stripe = stripe
        addresses = {"api": api_base} if api_base else {}
        self._client = stripe.StripeClient(secret_key, base_addresses=addresses, max_network_retries=2)  # type: ignore[arg-type]
        self.publishable_key = publishable_key

    def _call(self, operation: Any, *args: Any, **kwargs: Any) -> Intent:
        try:
            return intent_of(operation(*args, **kwargs))
        except self._stripe.StripeError as error:
            raise ProviderUnavailable(f"stripe: {type(error).__name__} (request {error.request_id})") from None

    def create(self, *, order_id: str, customer_id: str, amount: int, currency: str, idempotency_key: str) -> Intent:
        params = {
            "amount": amount,
            "currency": currency.lower(),
            "capture_method": "manual",
            "payment_method_types": ["card"],
            "metadata": {"orderId": order_id, "customerId": customer_id},
        }
        return self._call(
            self._client.v1.payment_intents.create, params=params, options={"idempotency_key": idempotency_key}
        )

    def retrieve(self, payment: Payment) -> Intent:
        # latest_charge expanded: it says how much of the payment was refunded.
        return self._call(
            self._client.v1.payment_intents.retrieve, payment.payment_id, params={"expand": ["latest_charge"]}
        )

    def confirm(self, payment: Payment, payment_method: str, *, idempotency_key: str) -> Intent:
        intents = self._client.v1.payment_intents
        try:
            intents.update(
                payment.payment_id,
                params={"payment_method": payment_method},
                options={"idempotency_key": f"{idempotency_key}-method"},
            )
            return intent_of(intents.confirm(payment.payment_id, options={"idempotency_key": idempotency_key}))
        except self._stripe.CardError as declined:
            intent = self.retrieve(payment)
            return replace(intent, decline_reason=intent.decline_reason or declined.user_message or "card declined")
        except self._stripe.InvalidRequestError as refused:
            # A method that does not exist, or is not usable: the customer's input, not our fault.
            if refused.param == "payment_method" or "payment_method" in str(refused.user_message or ""):
                raise ValidationError("paymentMethodId: not a usable payment method") from None
            raise ProviderUnavailable(f"stripe: InvalidRequestError (request {refused.request_id})") from None
        except self._stripe.StripeError as error:
            raise ProviderUnavailable(f"stripe: {type(error).__name__} (request {error.request_id})") from None

    def capture(self, payment: Payment, *, idempotency_key: str) -> Intent:
        intent = self.retrieve(payment)
        if intent.status is not PaymentStatus.AUTHORIZED:
            return intent  # captured already (or never authorized): nothing to capture
        return self._call(
            self._client.v1.payment_intents.capture, payment.payment_id, options={"idempotency_key": idempotency_key}
        )

    def cancel(self, payment: Payment, *, idempotency_key: str) -> Intent:
        intent = self.retrieve(payment)
        if intent.status not in (
            PaymentStatus.REQUIRES_PAYMENT,
            PaymentStatus.REQUIRES_ACTION,
            PaymentStatus.AUTHORIZED,
        ):
            return intent
        return self._call(
            self._client.v1.payment_intents.cancel, payment.payment_id, options={"idempotency_key": idempotency_key}
        )

    def refund(self, payment: Payment, *, idempotency_key: str) -> Intent:
        intent = self.retrieve(payment)
        if intent.status is not PaymentStatus.CAPTURED:
            return intent  # refunded already, or nothing was captured
        try:
            self._client.v1.refunds.create(
                params={"payment_intent": payment.payment_id}, options={"idempotency_key": idempotency_key}
            )
        except self._stripe.StripeError as error:
            raise ProviderUnavailable(f"stripe: {type(error).__name__} (request {error.request_id})") from None
        return self.retrieve(payment)


# ---- money moves at most once per key, whatever the provider ---------------------------------

MONEY_MOVE_RECORD_LIFETIME = 90 * 24 * 3600  # longer than any redelivery, retry or dead-letter window


class OnceOnly:
    """The port, with capture and refund made at most once per idempotency key (Powertools idempotency).

    The provider's own idempotency key is the first guard (Stripe honours it); the stateless
    sandbox and localstripe do not, and a worker killed between capturing and recording it would
    capture again on redelivery. The record, kept in the idempotency table under the step's key,
    answers the repeat with the first result without calling the provider.
    """

    def __init__(self, provider: PaymentProvider, idempotency_table: str, client: Any) -> None:
        from aws_lambda_powertools.utilities.idempotency import (
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
            idempotent_function,
        )

        self._provider = provider
        self.name = provider.name
        self.publishable_key = provider.publishable_key
        self.confirms_at_checkout = provider.confirms_at_checkout
        self._config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=MONEY_MOVE_RECORD_LIFETIME)
        store = DynamoDBPersistenceLayer(table_name=idempotency_table, boto3_client=client)

        def once(step: Any) -> Any:
            @idempotent_function(data_keyword_argument="move", persistence_store=store, config=self._config)  # type: ignore[untyped-decorator]
            def move_money(*, move: dict[str, Any]) -> dict[str, Any]:
                payment = Payment.model_validate(move["payment"])
                intent = step(payment, idempotency_key=move["key"])
                return {
                    "payment_id": intent.payment_id,
                    "status": intent.status.value,
                    "amount": intent.amount,
                    "currency": intent.currency,
                    "amount_refunded": intent.amount_refunded,
                    "order_id": intent.order_id,
                }

            def call(payment: Payment, *, idempotency_key: str) -> Intent:
                move = {"key": idempotency_key, "payment": payment.model_dump(mode="json")}
                recorded = move_money(move=move)
                return Intent(**{**recorded, "status": PaymentStatus(recorded["status"])})

            return call

        self._capture = once(provider.capture)
        self._refund = once(provider.refund)

    def register_lambda_context(self, context: Any) -> None:
        """Lets Powertools expire an in-progress record when the function times out."""
        self._config.register_lambda_context(context)

    def create(self, *, order_id: str, customer_id: str, amount: int, currency: str, idempotency_key: str) -> Intent:
        return self._provider.create(
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency,
            idempotency_key=idempotency_key,
        )

    def confirm(self, payment: Payment, payment_method: str, *, idempotency_key: str) -> Intent:
        return self._provider.confirm(payment, payment_method, idempotency_key=idempotency_key)

    def retrieve(self, payment: Payment) -> Intent:
        return self._provider.retrieve(payment)

    def cancel(self, payment: Payment, *, idempotency_key: str) -> Intent:
        return self._provider.cancel(payment, idempotency_key=idempotency_key)

    def capture(self, payment: Payment, *, idempotency_key: str) -> Intent:
        return self._capture(payment, idempotency_key=idempotency_key)  # type: ignore[no-any-return]

    def refund(self, payment: Payment, *, idempotency_key: str) -> Intent:
        return self._refund(payment, idempotency_key=idempotency_key)  # type: ignore[no-any-return]
