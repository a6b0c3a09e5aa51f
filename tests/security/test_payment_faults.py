"""Faults (issue 19): the payment steps, each provider call and each table write failing once.

The functions run in-process (the real handlers: checkoutOrder, refundOrder, the order worker,
its dead-letter function, the webhook, the sweeper) with moto for AWS and the real ``stripe``
adapter talking to a localstripe process (``--from-scratch``, a free loopback port: the
``emulator`` fixture of the payment unit tests). For each scenario a clean run lists every call
the payment path makes; then the scenario runs again, on a fresh order, once per fault:

- each port call (create, confirm, retrieve, capture, cancel, refund) refused before it reached
  the provider, and (except reads) done by the provider with its answer lost
  (``payment_faults.FaultyProvider``);
- each table write on the payment path (OrdersTable, IdempotencyTable) and each queue send
  refused on every attempt, lost on its first attempt (the retry meets its own write), and lost on
  every attempt (done, but the function saw an error);

and every run delivers each webhook event twice, newest first (``succeeded`` before
``amount_capturable_updated``), plus stale events under new ids at the end. After each run,
production drives the order to quiescence (``payment_faults.Production``) and the provider's own
records are audited against the order (``payment_faults.audit``).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.retries import standard

from ape_moments.errors import ApiError
from ape_moments.orders import wiring
from ape_moments.orders.models import Order, OrderStatus
from ape_moments.orders.payments import PaymentProvider
from tests.conftest import BUCKET, FakeContext, appsync_event, cognito_identity, resolver_functions
from tests.security.faults import Fault, _moto_skips_refused, total_attempts
from tests.security.figures import FIGURES
from tests.security.payment_faults import (
    EFFECTLESS,
    Audit,
    FaultyProvider,
    Ledger,
    Production,
    ProviderFault,
    StepInjector,
    audit,
)
from tests.unit.orders.helpers import seed_order
from tests.unit.orders.payments_helpers import DECLINED, THREE_D_SECURE, VISA, card, emulator, stripe_provider

__all__ = ["emulator", "stripe_provider"]

CLIENT_TRIES = 3  # a customer (or admin) told "try again" does, a few times
PAYMENT_TABLES = ("OrdersTable", "IdempotencyTable")
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "SendMessage")
TABLE_FAULTS = ("refused", "lost_once", "lost")
REPEATING_STEPS = ("payment_webhook",)
REPEATS_SAMPLED = {"payment_webhook": 3}
# The functions whose calls each scenario sweeps: every step of the payment path is swept in the
# scenario it is about (the worker's capture with the card, its cancel with the source gone...),
# and not again where it is the same step with the same data.
SWEPT = {
    "pay_then_refund": ("checkoutOrder", "order_worker", "refundOrder", "payment_webhook"),
    "declined_then_paid": ("checkoutOrder",),
    "three_d_secure_then_gone": ("checkoutOrder", "payment_webhook", "sweeper"),
    "source_deleted_before_capture": ("order_worker", "order_dead_letter", "sweeper"),
    "file_gone_after_capture": ("order_worker", "order_dead_letter", "sweeper"),
    "three_d_secure_then_cancelled": ("updateOrderStatus", "payment_webhook", "sweeper"),
    "failed_by_an_admin_after_capture": ("updateOrderStatus", "order_worker", "sweeper"),
}


@dataclass
class Run:
    production: Production
    emulator: Any
    customer: dict[str, Any]
    admin: dict[str, Any]
    order: Order
    cards: dict[str, str]

    def client(self, field: str, arguments: dict[str, Any], identity: dict[str, Any]) -> Any:
        """A client's call, retried when it is told to try again; None if every try failed."""
        self.production.step(field)
        for _ in range(CLIENT_TRIES):
            folder, type_name = resolver_functions()[field]
            event = appsync_event(type_name, field, arguments, identity)
            try:
                return self.production.ledger.handler(folder).lambda_handler(event, FakeContext())
            except ApiError as error:
                self.production.figures["client retries"] += 1
                if type(error).__name__ not in ("InternalError", "Conflict"):
                    return None
        return None

    def checkout(self, number: str) -> Any:
        if number not in self.cards:  # made as Stripe.js would, only when the customer types it
            self.cards[number] = card(self.emulator, number)
        arguments = {"orderId": self.order.order_id, "paymentMethodId": self.cards[number]}
        return self.client("checkoutOrder", arguments, self.customer)


def pay_then_refund(run: Run) -> None:
    run.checkout(VISA)
    run.production.settle(run.order.order_id)
    run.client("refundOrder", {"orderId": run.order.order_id, "reason": "fault sweep"}, run.admin)


def declined_then_paid(run: Run) -> None:
    run.checkout(DECLINED)
    run.checkout(VISA)


def three_d_secure_then_gone(run: Run) -> None:
    """3-D Secure passed at the bank; the customer never comes back: the webhook or the sweeper starts it."""
    answer = run.checkout(THREE_D_SECURE)
    order = run.production.reader.get(run.order.order_id)
    if answer is None or order is None or order.payment is None or answer["status"] != "REQUIRES_ACTION":
        return
    run.emulator.authenticate(order.payment.payment_id, answer["clientSecret"])
    run.production.ledger.emit("payment_intent.amount_capturable_updated", order.payment.payment_id)


def source_deleted_before_capture(run: Run) -> None:
    run.checkout(VISA)
    key = run.order.items[0].photo_key
    boto3.client("dynamodb").delete_item(TableName="PhotosTable", Key={"key": {"S": key}})


def file_gone_after_capture(run: Run) -> None:
    """The source's record stays (the check passes, the capture happens); its file is gone (the copy fails)."""
    run.checkout(VISA)
    boto3.client("s3").delete_object(Bucket=BUCKET, Key=str(run.order.items[0].photo_key))


def three_d_secure_then_cancelled(run: Run) -> None:
    """3-D Secure passed at the bank, then the customer cancels the PENDING order (SPEC 3: anyone may)."""
    three_d_secure_then_gone(run)
    arguments = {"orderId": run.order.order_id, "status": "FAILED"}
    run.client("updateOrderStatus", arguments, run.customer)


def failed_by_an_admin_after_capture(run: Run) -> None:
    """The worker captured; an admin fails the order before it completes; no webhook ever arrives (the
    ``succeeded`` event would release it): the sweeper gives the money back."""
    run.production.webhooks_lost = True
    run.checkout(VISA)
    processor = type(wiring.order_processor())
    fulfil = processor._fulfil
    admin_acted: list[bool] = []

    def admin_first(worker: Any, order: Order, found: Any) -> None:
        if not admin_acted:
            admin_acted.append(True)
            run.client("updateOrderStatus", {"orderId": order.order_id, "status": "FAILED"}, run.admin)
            run.production.step("order_worker")
        fulfil(worker, order, found)

    processor._fulfil = admin_first  # type: ignore[method-assign,assignment]
    try:
        run.production.poll(run.production.aws.queue_url, "order_worker")
    finally:
        processor._fulfil = fulfil  # type: ignore[method-assign]


SCENARIOS: dict[str, Callable[[Run], None]] = {
    "pay_then_refund": pay_then_refund,
    "declined_then_paid": declined_then_paid,
    "three_d_secure_then_gone": three_d_secure_then_gone,
    "source_deleted_before_capture": source_deleted_before_capture,
    "file_gone_after_capture": file_gone_after_capture,
    "three_d_secure_then_cancelled": three_d_secure_then_cancelled,
    "failed_by_an_admin_after_capture": failed_by_an_admin_after_capture,
}
EXPECTED = {  # the clean run's end: order status, payment status
    "pay_then_refund": ("COMPLETED", "REFUNDED"),
    "declined_then_paid": ("COMPLETED", "CAPTURED"),
    "three_d_secure_then_gone": ("COMPLETED", "CAPTURED"),
    "source_deleted_before_capture": ("FAILED", "CANCELED"),
    "file_gone_after_capture": ("FAILED", "REFUNDED"),
    "three_d_secure_then_cancelled": ("FAILED", "CANCELED"),
    "failed_by_an_admin_after_capture": ("FAILED", "REFUNDED"),
}


@pytest.fixture
def sweep_tools(
    aws: Any, stripe_provider: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[Ledger, StepInjector, Any, Any]:
    """The port wrapped in every function (the ledger shared), the AWS injector on the functions' clients."""
    ledger = Ledger()
    real = wiring.payment_provider

    def faulty(config: Any, publishable_key: str | None = None) -> PaymentProvider:
        return FaultyProvider(real(config, publishable_key), ledger)

    monkeypatch.setattr(wiring, "payment_provider", faulty)
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    _moto_skips_refused(monkeypatch)
    injector = StepInjector()
    injector.install()
    return ledger, injector, aws, stripe_provider


def _run_once(
    scenario: str,
    tools: tuple[Ledger, StepInjector, Any, Any],
    figures: Counter[str],
    *,
    provider_fault: ProviderFault | None = None,
    table_fault: Fault | None = None,
) -> tuple[Audit, Order, list[str], list[str], int]:
    ledger, injector, aws, emulator_ = tools
    customer = cognito_identity(str(uuid.uuid4()))
    admin = cognito_identity(str(uuid.uuid4()), groups=["admins"])
    ledger.reset()
    injector.reset()
    order = seed_order(customer)
    production = Production(aws, emulator_, ledger, injector, figures)
    ledger.reset(provider_fault)
    injector.reset(*([table_fault] if table_fault else []))
    run = Run(production, emulator_, customer, admin, order, {})
    SCENARIOS[scenario](run)
    production.settle(order.order_id)
    production.stale_replays(order.order_id)
    production.settle(order.order_id)
    injected = ledger.injected + injector.injected
    calls, aws_calls = list(ledger.calls), list(injector.calls)
    ledger.reset()
    injector.reset()
    final = production.reader.get(order.order_id)
    assert final is not None
    found = audit(final, emulator_, ledger.intents.get(order.order_id, set()))
    # Out of the way of the next runs' sweeps (their call counts stay those of their clean run).
    boto3.client("dynamodb").delete_item(TableName="OrdersTable", Key={"orderId": {"S": order.order_id}})
    return found, final, calls, aws_calls, injected


def _sampled(labels: list[str], selected: Callable[[str], bool]) -> list[int]:
    """The indices of the selected calls; of a function's repeats (every webhook event writes and
    reads alike), only its first ``REPEATS_SAMPLED`` (one event's whole cycle: applied, then its duplicate)."""
    seen: Counter[str] = Counter()
    chosen = []
    for index, label in enumerate(labels):
        if not selected(label):
            continue
        step = label.split(":", 1)[0]
        seen[step] += 1
        if step not in REPEATING_STEPS or seen[step] <= REPEATS_SAMPLED[step]:
            chosen.append(index)
    return chosen


def _is_payment_write(label: str) -> bool:
    return any(f".{write}" in label for write in WRITES) and (
        label.endswith("SendMessage") or any(f"({table})" in label for table in PAYMENT_TABLES)
    )


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_payment_steps_survive_each_fault(scenario: str, sweep_tools: Any) -> None:
    figures: Counter[str] = Counter()
    totals = Audit()
    outcomes: Counter[str] = Counter()

    clean, final, provider_calls, aws_calls, _ = _run_once(scenario, sweep_tools, figures)
    assert clean.problems == []
    assert final.payment is not None
    assert (final.status, final.payment.status) == EXPECTED[scenario], final
    totals.add(clean)
    figures["scenarios run"] += 1

    plans: list[tuple[str, dict[str, Any]]] = []
    swept = SWEPT[scenario]
    for index in _sampled(provider_calls, lambda label: label.split(":", 1)[0] in swept):
        method = provider_calls[index].rsplit(":", 1)[1]
        for when in ("before",) if method in EFFECTLESS else ("before", "after"):
            plans.append((f"provider {method} {when}", {"provider_fault": ProviderFault(index, when)}))
    attempts = total_attempts()
    for index in _sampled(aws_calls, lambda label: label.split(":", 1)[0] in swept and _is_payment_write(label)):
        for kind in TABLE_FAULTS:
            fault = {
                "refused": Fault(index, attempts, "server_error"),
                "lost_once": Fault(index, 1, "lost_response"),
                "lost": Fault(index, attempts, "lost_response"),
            }[kind]
            write = "queue send" if aws_calls[index].endswith("SendMessage") else "table write"
            plans.append((f"{write} {kind}", {"table_fault": fault}))

    for kind, plan in plans:
        found, final, calls, faulted_aws_calls, injected = _run_once(scenario, sweep_tools, figures, **plan)
        # The same run up to the fault: the fault hit the call the clean run listed there.
        if "provider_fault" in plan:
            target = plan["provider_fault"].call_index
            assert calls[target] == provider_calls[target], (kind, calls[target], provider_calls[target])
        else:
            target = plan["table_fault"].call_index
            assert faulted_aws_calls[target] == aws_calls[target], (kind, faulted_aws_calls[target], aws_calls[target])
        figures["scenarios run"] += 1
        figures[f"faults: {kind}"] += 1 if injected else 0
        figures["faults injected"] += 1 if injected else 0
        outcomes[f"{final.status}/{final.payment.status if final.payment else None}"] += 1
        totals.add(found)
        assert found.problems == [], (kind, plan, found.problems)

    _report(scenario, figures, totals, outcomes)
    assert figures["faults injected"] == len(plans)  # each planned fault happened (the call was made)
    assert (totals.double_captures, totals.double_refunds, totals.unrefunded_failed) == (0, 0, 0)
    assert (totals.held_by_failed, totals.stuck, totals.disagreements) == (0, 0, 0)


def _report(scenario: str, figures: Counter[str], totals: Audit, outcomes: Counter[str]) -> None:
    for name, count in figures.items():
        FIGURES.add(f"payment_faults.{name}", count)
    for name in (
        "captures",
        "refunds",
        "double_captures",
        "double_refunds",
        "unrefunded_failed",
        "held_by_failed",
        "stuck",
        "disagreements",
    ):
        FIGURES.add(f"payment_faults.{name}", getattr(totals, name))
    lines = [f"payment fault sweep, {scenario}:"]
    lines += [f"  {name}: {count}" for name, count in sorted(figures.items())]
    lines.append(
        f"  captures {totals.captures}, refunds {totals.refunds}; double captures {totals.double_captures}, "
        f"double refunds {totals.double_refunds}, unrefunded FAILED {totals.unrefunded_failed}, "
        f"FAILED holding an authorization {totals.held_by_failed}, stuck {totals.stuck}, "
        f"order/provider disagreements {totals.disagreements}"
    )
    lines.append("  outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print("\n".join(lines))


def test_the_audit_counts_what_the_provider_holds(aws: Any, stripe_provider: Any) -> None:
    """Controls: money moved at the provider behind the order's back is seen, whatever the order says."""
    emulator_ = stripe_provider
    customer = cognito_identity(str(uuid.uuid4()))
    order = seed_order(customer)
    made = []
    for _ in range(2):  # two payments of one order, both captured
        intent = emulator_.request(
            "POST",
            "/v1/payment_intents",
            {
                "amount": 50,
                "currency": "usd",
                "capture_method": "manual",
                "payment_method": card(emulator_, VISA),
                "confirm": "true",
                "metadata[orderId]": order.order_id,
            },
        )
        emulator_.request("POST", f"/v1/payment_intents/{intent['id']}/capture")
        made.append(intent["id"])
    failed = order.model_copy(update={"status": OrderStatus.FAILED})
    found = audit(failed, emulator_, set(made))
    assert (found.captures, found.double_captures, found.unrefunded_failed) == (2, 1, 1)
    assert found.disagreements == 1  # the order names no payment, the provider holds two
    emulator_.request("POST", "/v1/refunds", {"payment_intent": made[0], "amount": 10})
    emulator_.request("POST", "/v1/refunds", {"payment_intent": made[0], "amount": 40})  # ours refund in full, once
    found = audit(failed, emulator_, set(made))
    assert (found.refunds, found.double_refunds, found.unrefunded_failed) == (2, 1, 1)
    pending = order.model_copy(update={"status": OrderStatus.PROCESSING})
    assert audit(pending, emulator_, set(made)).stuck == 1
