"""The owner's figures (SPEC 14): which facts a table change, or a stored item, counts. Pure.

A ``Fact`` is one thing that happened once (an order was created, completed, failed, charged,
refunded; a photo was accepted; a collage or album was rendered, or its render failed), with an
identity derived from the object and the moment it happened, never from the stream record:

- ``order#{orderId}#created``, ``order#{orderId}#revenue`` (an order is captured at most once),
  ``order#{orderId}#refunded#{amountRefunded}`` (the refunded total after that refund),
  ``photo#{key}#uploaded``: facts that happen at most once;
- ``{kind}#{id}#{fact}#{updatedAt}`` for a transition that may happen again (an order fails,
  is retried and fails again; a collage is fixed and rendered again): the millisecond
  ``updatedAt`` its change wrote.

So a redelivered record, a replayed stream, and the backfill reading the item as it is now all
name the same fact the same way, and the Stats table's ledger counts it once (docs/STATS.md).

Money is kept in integer minor units (cents) per currency: never a float until the GraphQL edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The counters of a day, by their GraphQL (and stored) names.
ORDERS_CREATED = "ordersCreated"
ORDERS_COMPLETED = "ordersCompleted"
ORDERS_FAILED = "ordersFailed"
PHOTOS_UPLOADED = "photosUploaded"
COLLAGES_RENDERED = "collagesRendered"
ALBUMS_RENDERED = "albumsRendered"
RENDER_FAILURES = "renderFailures"
COUNTERS = (
    ORDERS_CREATED,
    ORDERS_COMPLETED,
    ORDERS_FAILED,
    PHOTOS_UPLOADED,
    COLLAGES_RENDERED,
    ALBUMS_RENDERED,
    RENDER_FAILURES,
)
# Per-currency and per-sku figures are flat attributes ("revenue#USD": cents, "items#PRINT_4X6":
# quantity): DynamoDB's ADD creates a missing top-level number, while a nested map path needs
# its map to exist first (a second write, or a read).
REVENUE = "revenue"
REFUNDED = "refunded"
ITEMS = "items"
SEPARATOR = "#"
MINOR_UNITS = 100  # USD, EUR and GBP all have cents
CAPTURED_STATES = frozenset({"CAPTURED", "REFUNDED"})  # a refunded payment was captured first


def attribute(figure: str, key: str) -> str:
    """The stored attribute of one currency's money or one sku's quantity."""
    return f"{figure}{SEPARATOR}{key}"


@dataclass(frozen=True, slots=True)
class Fact:
    """One counted fact: its identity, its UTC day, and what it adds to that day."""

    fact_id: str
    day: str  # YYYY-MM-DD
    adds: Mapping[str, int]  # stored attribute -> increment (counters, cents, quantities)


@dataclass
class Tally:
    """A day's figures (or a range's totals) as stored: attribute -> number."""

    values: dict[str, int] = field(default_factory=dict)

    def add(self, adds: Mapping[str, int]) -> None:
        for name, amount in adds.items():
            self.values[name] = self.values.get(name, 0) + amount

    def to_graphql(self, day: str | None) -> dict[str, Any]:
        """``DayStats``: counters, money per currency (major units), quantities per sku; sorted."""
        shaped: dict[str, Any] = {"date": day} | {name: self.values.get(name, 0) for name in COUNTERS}
        shaped[REVENUE] = self._money(REVENUE)
        shaped[REFUNDED] = self._money(REFUNDED)
        shaped[ITEMS] = [{"sku": sku, "quantity": n} for sku, n in self._split(ITEMS) if n]
        return shaped

    def _split(self, figure: str) -> list[tuple[str, int]]:
        prefix = figure + SEPARATOR
        return sorted((name.removeprefix(prefix), n) for name, n in self.values.items() if name.startswith(prefix))

    def _money(self, figure: str) -> list[dict[str, Any]]:
        # Decimal to the schema's Float only here: 1999 cents -> 19.99 exactly as the nearest float.
        return [
            {"currency": currency, "amount": float(Decimal(cents) / MINOR_UNITS)}
            for currency, cents in self._split(figure)
            if cents
        ]


def cents(amount: Any) -> int:
    """A stored decimal amount (major units, two places) in minor units, exactly."""
    value = Decimal(str(amount)) * MINOR_UNITS
    if value != value.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(value)


def day_of(timestamp: str) -> str:
    """The UTC date of an AWSDateTime (``2026-12-03T06:19:07.123Z``)."""
    return timestamp[:10]


# ---- one table change (the live reaction) ----------------------------------------------------


def facts_of_change(kind: str, event: str, old: Mapping[str, Any], new: Mapping[str, Any], day: str) -> list[Fact]:
    """What one change counts, dated ``day`` (the change's UTC date). ``old`` / ``new`` are the
    raw images (plain values); empty for an insert's before and a removal's after."""
    if event == "REMOVE" or not new:
        return []  # a deletion (or an expired PENDING order) takes nothing back from the day it happened
    rule = _CHANGE_RULES.get(kind)
    return list(rule(old, new, day)) if rule else []


def _status(item: Mapping[str, Any]) -> str | None:
    value = item.get("status")
    return None if value is None else str(value)


def _moved_into(old: Mapping[str, Any], new: Mapping[str, Any], status: str) -> bool:
    return _status(new) == status and _status(old) != status


def _when(item: Mapping[str, Any]) -> str:
    return str(item.get("updatedAt") or "")


def _order_change(old: Mapping[str, Any], new: Mapping[str, Any], day: str) -> Iterable[Fact]:
    order = str(new["orderId"])
    if not old:
        yield Fact(f"order#{order}#created", day, {ORDERS_CREATED: 1})
    if _moved_into(old, new, "COMPLETED"):
        yield _completed(order, new, day)
    if _moved_into(old, new, "FAILED"):
        yield Fact(f"order#{order}#failed#{_when(new)}", day, {ORDERS_FAILED: 1})
    yield from _money_moves(order, old, new, day, day)


def _completed(order: str, item: Mapping[str, Any], day: str) -> Fact:
    adds: dict[str, int] = {ORDERS_COMPLETED: 1}
    for line in item.get("items") or []:
        name = attribute(ITEMS, str(line["sku"]))
        adds[name] = adds.get(name, 0) + int(line["quantity"])
    return Fact(f"order#{order}#completed", day, adds)


def _money_moves(
    order: str, old: Mapping[str, Any], new: Mapping[str, Any], day: str, refund_day: str
) -> Iterable[Fact]:
    """Revenue when the payment is captured; a refund's increase of ``amountRefunded``.

    Until an order carries the payments' ``payment`` map, the sandbox's charge counts: the order
    gaining ``paymentId`` is its ``totalPrice`` captured. Both are the order's one ``revenue``
    fact, so an order seen both ways is still counted once.
    """
    payment, before = new.get("payment"), old.get("payment") or {}
    if isinstance(payment, Mapping):
        currency = str(payment.get("currency") or new.get("currency"))
        if payment.get("status") in CAPTURED_STATES and before.get("status") not in CAPTURED_STATES:
            yield Fact(f"order#{order}#revenue", day, {attribute(REVENUE, currency): int(payment["amount"])})
        refunded, refunded_before = int(payment.get("amountRefunded") or 0), int(before.get("amountRefunded") or 0)
        if refunded > refunded_before:
            adds = {attribute(REFUNDED, currency): refunded - refunded_before}
            yield Fact(f"order#{order}#refunded#{refunded}", refund_day, adds)
    elif new.get("paymentId") and not old.get("paymentId"):
        adds = {attribute(REVENUE, str(new["currency"])): cents(new["totalPrice"])}
        yield Fact(f"order#{order}#revenue", day, adds)


def _photo_change(old: Mapping[str, Any], new: Mapping[str, Any], day: str) -> Iterable[Fact]:
    if not old:  # one photo record is written per accepted upload (albums and collages alike)
        yield Fact(f"photo#{new['key']}#uploaded", day, {PHOTOS_UPLOADED: 1})


def _collage_change(old: Mapping[str, Any], new: Mapping[str, Any], day: str) -> Iterable[Fact]:
    collage = str(new["collageId"])
    if _moved_into(old, new, "COMPLETED"):
        yield Fact(f"collage#{collage}#rendered#{_when(new)}", day, {COLLAGES_RENDERED: 1})
    if _moved_into(old, new, "FAILED"):
        yield Fact(f"collage#{collage}#renderFailed#{_when(new)}", day, {RENDER_FAILURES: 1})


def _album_change(old: Mapping[str, Any], new: Mapping[str, Any], day: str) -> Iterable[Fact]:
    album = str(new["albumId"])
    if _status(old) != "PROCESSING":
        return
    if _status(new) == "COMPLETED":
        yield Fact(f"album#{album}#rendered#{_when(new)}", day, {ALBUMS_RENDERED: 1})
    elif _status(new) == "READY" and new.get("errorMessage"):
        yield Fact(f"album#{album}#renderFailed#{_when(new)}", day, {RENDER_FAILURES: 1})


_CHANGE_RULES = {
    "order": _order_change,
    "photo": _photo_change,
    "collage": _collage_change,
    "album": _album_change,
}


# ---- one stored item (the backfill) ------------------------------------------------------------


def facts_of_item(kind: str, item: Mapping[str, Any]) -> list[Fact]:
    """What an item as it is now shows happened, with the ids the live rules give the same facts.

    Dated by the item's own timestamps: ``createdAt`` for a creation, ``uploadedAt`` for a photo,
    ``updatedAt`` (its last change) for the status it is in, the payment's ``updatedAt`` for a
    refund. History the item no longer shows (a failure since retried) cannot be recovered.
    """
    if kind == "photo":
        return [Fact(f"photo#{item['key']}#uploaded", day_of(str(item["uploadedAt"])), {PHOTOS_UPLOADED: 1})]
    status, when = _status(item), _when(item)
    if kind == "order":
        return list(_order_item(item, status, when))
    if kind == "collage" and status in {"COMPLETED", "FAILED"}:
        return list(_collage_change({"status": "PROCESSING"}, item, day_of(when)))
    if kind == "album" and (status == "COMPLETED" or (status == "READY" and item.get("errorMessage"))):
        return list(_album_change({"status": "PROCESSING"}, item, day_of(when)))
    return []


def _order_item(item: Mapping[str, Any], status: str | None, when: str) -> Iterable[Fact]:
    order = str(item["orderId"])
    yield Fact(f"order#{order}#created", day_of(str(item["createdAt"])), {ORDERS_CREATED: 1})
    if status == "COMPLETED":
        yield _completed(order, item, day_of(when))
    if status == "FAILED":
        yield Fact(f"order#{order}#failed#{when}", day_of(when), {ORDERS_FAILED: 1})
    payment = item.get("payment")
    # Captured: dated by the order's last change (the capture comes with its completion);
    # refunded: by the payment's own last change (the refund).
    refund_day = day_of(str(payment.get("updatedAt") or when)) if isinstance(payment, Mapping) else day_of(when)
    yield from _money_moves(order, {}, item, day_of(when), refund_day)
