"""Which change becomes which email, and what the email needs to know: pure, no I/O.

A change mails someone only when an object moved into a status a customer waits for (SPEC 13):
an order entered PROCESSING (paid), COMPLETED or FAILED; an album or collage entered COMPLETED
(its PDF or print is ready). Inserts in another status, edits that keep the status, the order
worker's second write inside PROCESSING and deletions mail nobody.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from ape_moments.changes import Change
from ape_moments.models import Kind

GUEST_ID_SEPARATOR = ":"  # an identity-pool id is "<region>:<uuid>"; a user-pool sub has no colon


class EmailKind(StrEnum):
    ORDER_PAID = "order_paid"
    ORDER_COMPLETED = "order_completed"
    ORDER_FAILED = "order_failed"
    ALBUM_READY = "album_ready"
    COLLAGE_READY = "collage_ready"


class PaymentOutcome(StrEnum):
    """What happened to a failed order's money, as far as the order says."""

    NOT_CHARGED = "not_charged"  # never charged, or the charge was cancelled before capture
    REFUNDED = "refunded"
    UNKNOWN = "unknown"  # the message does not say: the email points to the order page


# (kind of object, status entered) -> the email
_KINDS: dict[tuple[str, str], EmailKind] = {
    ("order", "PROCESSING"): EmailKind.ORDER_PAID,
    ("order", "COMPLETED"): EmailKind.ORDER_COMPLETED,
    ("order", "FAILED"): EmailKind.ORDER_FAILED,
    ("album", "COMPLETED"): EmailKind.ALBUM_READY,
    ("collage", "COMPLETED"): EmailKind.COLLAGE_READY,
}


def email_kind(change: Change[Any]) -> EmailKind | None:
    """The email this change sends, or None (deletions, unchanged status, statuses nobody waits for)."""
    if change.event == "REMOVE" or change.new is None:
        return None
    status = change.new_status
    if status is None or not change.moved_into(status):
        return None
    return _KINDS.get((change.kind, status))


def is_signed_in(owner_id: str) -> bool:
    """A user-pool customer (not a guest's identity-pool id)."""
    return GUEST_ID_SEPARATOR not in owner_id


def payment_outcome(old_status: str | None, error_message: str | None) -> PaymentOutcome:
    """A failed order's money. An order that never left PENDING was never charged; otherwise the
    order's errorMessage says it (the order code ends it with "nothing was charged" or
    "the payment was refunded" / "will be refunded")."""
    if old_status in (None, "PENDING"):
        return PaymentOutcome.NOT_CHARGED
    message = (error_message or "").lower()
    if "nothing was charged" in message or "payment was cancelled" in message or "payment was canceled" in message:
        return PaymentOutcome.NOT_CHARGED
    if "refund" in message:
        return PaymentOutcome.REFUNDED
    return PaymentOutcome.UNKNOWN


def preference_key(owner_id: str, address: str) -> str:
    """Whose switch governs an email: a signed-in customer's own (setEmailPreferences), a guest's
    address otherwise (only the unsubscribe link can reach it)."""
    return f"customer#{owner_id}" if is_signed_in(owner_id) else f"address#{address.lower()}"


class Notice(BaseModel):
    """One email to send: the email queue's message body. Carries what the templates show, so the
    mailer reads no table; the recipient of an album or collage is looked up by the mailer."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    change_id: str
    kind: EmailKind
    object_id: str
    owner_id: str
    recipient: str | None = None  # orders: contactEmail; albums and collages: looked up
    name: str | None = None  # an album's or collage's name
    error_message: str | None = None
    payment: PaymentOutcome | None = None
    total: str | None = None  # the order's total as text ("12.50"), money stays exact
    currency: str | None = None
    item_count: int | None = None

    @property
    def idempotency_key(self) -> str:
        """One email per (change, kind): the same on every redelivery of the change."""
        return f"email#{self.change_id}#{self.kind.value}"


def notice_for(change: Change[Any]) -> Notice | None:
    """The email a change sends, with everything it shows; None when nobody is mailed.

    Orders mail the order's ``contactEmail`` (the guest's, or the signed-in customer's verified
    email kept at creation); a signed-in customer's order without one (their token carried no
    email: Amplify sends access tokens) is mailed to the address the user pool has for them, as
    albums and collages are; a guest without an address gets none."""
    kind = email_kind(change)
    if kind is None:
        return None
    item = change.new_item
    owner_id = str(item.get("customerId") or "")
    if not owner_id:
        return None
    if change.kind == "order":
        recipient = item.get("contactEmail")
        if not recipient and not is_signed_in(owner_id):
            return None  # a guest who gave no address: no email
        items = item.get("items") or []
        return Notice(
            change_id=change.change_id,
            kind=kind,
            object_id=str(item["orderId"]),
            owner_id=owner_id,
            recipient=str(recipient) if recipient else None,  # None: the mailer asks the user pool
            error_message=item.get("errorMessage"),
            payment=payment_outcome(change.old_status, item.get("errorMessage"))
            if kind is EmailKind.ORDER_FAILED
            else None,
            total=str(item.get("totalPrice")) if item.get("totalPrice") is not None else None,
            currency=item.get("currency"),
            item_count=sum(int(line.get("quantity", 0)) for line in items),
        )
    if not is_signed_in(owner_id):
        return None
    object_id = item.get(Kind(change.kind).id_field)  # an album's or a collage's
    return Notice(
        change_id=change.change_id,
        kind=kind,
        object_id=str(object_id),
        owner_id=owner_id,
        name=item.get("name"),
    )
