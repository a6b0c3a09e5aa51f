"""The order state machine (SPEC section 3): who may move an order from which status to which.

Pure rules, no I/O. The repository turns ``sources_for`` into the condition of one atomic
write, and ``refusal`` explains a write whose condition failed.
"""

from __future__ import annotations

from enum import StrEnum

from ape_moments.errors import ApiError, Conflict, Forbidden


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class Actor(StrEnum):
    OWNER = "owner"  # the customer or guest who owns the order
    ADMIN = "admin"
    PROCESSING = "processing"  # the asynchronous order processing


P, R, C, F = OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.COMPLETED, OrderStatus.FAILED
_ALL = frozenset(Actor)

TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], frozenset[Actor]] = {
    (P, R): _ALL,
    (P, F): _ALL,  # cancel
    (R, C): frozenset({Actor.ADMIN, Actor.PROCESSING}),
    (R, F): frozenset({Actor.ADMIN, Actor.PROCESSING}),
    (F, P): frozenset({Actor.ADMIN}),  # retry
}


def sources_for(actor: Actor, target: OrderStatus) -> frozenset[OrderStatus]:
    """Statuses from which ``actor`` may move an order to ``target``."""
    return frozenset(src for (src, dst), actors in TRANSITIONS.items() if dst is target and actor in actors)


def refusal(actor: Actor, current: OrderStatus, target: OrderStatus) -> ApiError:
    """The error for a transition the actor may not make from the order's current status."""
    allowed = TRANSITIONS.get((current, target))
    if allowed and actor not in allowed:
        return Forbidden(f"status: your role may not move an order from {current} to {target}")
    return Conflict(f"status: an order in {current} cannot move to {target}")
