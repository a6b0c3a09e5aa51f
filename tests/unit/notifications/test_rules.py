"""Which change mails whom with what: every kind's rule, and the changes that mail nobody."""

from __future__ import annotations

import pytest

from ape_moments.email_address import email_address
from ape_moments.notifications.rules import EmailKind, PaymentOutcome, email_kind, notice_for, payment_outcome
from tests.unit.notifications.changes import CUSTOMER, GUEST, album, change, collage, order


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("PENDING", "PROCESSING", EmailKind.ORDER_PAID),
        ("PROCESSING", "COMPLETED", EmailKind.ORDER_COMPLETED),
        ("PROCESSING", "FAILED", EmailKind.ORDER_FAILED),
        ("PENDING", "FAILED", EmailKind.ORDER_FAILED),
        ("FAILED", "PENDING", None),  # an admin's retry: nothing to say yet
        ("PROCESSING", "PROCESSING", None),  # the worker records the charge: the same status
        ("PENDING", "PENDING", None),
    ],
)
def test_order_transitions(old: str, new: str, kind: EmailKind | None) -> None:
    assert email_kind(change("order", order(old), order(new))) is kind


def test_an_order_created_pending_and_a_deleted_order_mail_nobody() -> None:
    assert email_kind(change("order", None, order("PENDING"))) is None
    assert email_kind(change("order", order("COMPLETED"), None)) is None


@pytest.mark.parametrize(
    ("kind", "make", "old", "new", "expected"),
    [
        ("album", album, "PROCESSING", "COMPLETED", EmailKind.ALBUM_READY),
        ("album", album, "PROCESSING", "READY", None),  # the PDF failed: back to the customer
        ("album", album, "UPLOADING", "READY", None),
        ("album", album, "COMPLETED", "COMPLETED", None),  # renamed after it was made
        ("collage", collage, "PROCESSING", "COMPLETED", EmailKind.COLLAGE_READY),
        ("collage", collage, "PROCESSING", "FAILED", None),
        ("collage", collage, "DRAFT", "PROCESSING", None),
    ],
)
def test_album_and_collage_transitions(kind: str, make, old: str, new: str, expected: EmailKind | None) -> None:  # type: ignore[no-untyped-def]
    assert email_kind(change(kind, make(old), make(new))) is expected


def test_deleting_a_completed_album_or_collage_mails_nobody() -> None:
    assert email_kind(change("album", album("COMPLETED"), None)) is None
    assert email_kind(change("collage", collage("COMPLETED"), None)) is None


def test_an_order_notice_carries_its_recipient_and_what_the_email_shows() -> None:
    notice = notice_for(change("order", order("PENDING"), order("PROCESSING"), event_id="ev-1"))
    assert notice is not None
    assert notice.recipient == "jamie@example.com"
    assert notice.object_id == "6b1f0c2e-7a3d-4e5f-8a9b-0c1d2e3f4a5b"
    assert (notice.total, notice.currency, notice.item_count) == ("12.50", "EUR", 3)
    assert notice.idempotency_key == "email#ev-1#order_paid"


def test_no_address_no_email() -> None:
    guest_order = change(
        "order", order("PENDING", contact=None, owner=GUEST), order("PROCESSING", contact=None, owner=GUEST)
    )
    assert notice_for(guest_order) is None


def test_a_signed_in_customers_order_without_an_address_is_mailed_to_the_user_pools() -> None:
    """Amplify sends access tokens, which carry no email: the order keeps none, and the mailer asks
    the user pool for the customer's verified address, as it does for albums and collages."""
    notice = notice_for(change("order", order("PENDING", contact=None), order("PROCESSING", contact=None)))
    assert notice is not None
    assert notice.recipient is None
    assert notice.owner_id == CUSTOMER


def test_a_guest_order_with_a_contact_email_is_mailed_and_a_guests_album_is_not() -> None:
    guest_order = notice_for(change("order", order("PENDING", owner=GUEST), order("PROCESSING", owner=GUEST)))
    assert guest_order is not None
    assert guest_order.owner_id == GUEST
    assert notice_for(change("album", album("PROCESSING", owner=GUEST), album("COMPLETED", owner=GUEST))) is None
    mine = notice_for(change("album", album("PROCESSING"), album("COMPLETED", name="Ours")))
    assert mine is not None
    assert (mine.owner_id, mine.recipient, mine.name) == (CUSTOMER, None, "Ours")


@pytest.mark.parametrize(
    ("old", "message", "outcome"),
    [
        ("PENDING", None, PaymentOutcome.NOT_CHARGED),  # cancelled before it was paid
        ("PROCESSING", "a source is no longer available (gone); nothing was charged", PaymentOutcome.NOT_CHARGED),
        ("PROCESSING", "the prints could not be made; the payment was refunded", PaymentOutcome.REFUNDED),
        ("PROCESSING", "photo gone; the payment will be refunded", PaymentOutcome.REFUNDED),
        ("PROCESSING", "something else", PaymentOutcome.UNKNOWN),
        ("PROCESSING", None, PaymentOutcome.UNKNOWN),
    ],
)
def test_a_failed_orders_money(old: str, message: str | None, outcome: PaymentOutcome) -> None:
    assert payment_outcome(old, message) is outcome
    failed = order("FAILED", errorMessage=message) if message else order("FAILED")
    notice = notice_for(change("order", order(old), failed))
    assert notice is not None
    assert notice.payment is outcome


@pytest.mark.parametrize(
    "address", ["jamie@example.com", "first.last+booth@sub.example.co.uk", "o'neil@example.ie", "A@B.IO"]
)
def test_addresses_that_are_addresses(address: str) -> None:
    assert email_address(address).lower() == address.lower()


@pytest.mark.parametrize(
    "address",
    [
        "",
        "plain",
        "@example.com",
        "jamie@",
        "jamie@localhost",
        "jamie@@example.com",
        "ja mie@example.com",
        "jamie@example.com\r\nBcc: x@evil.example",
        "jamie@exa_mple.com",
        ".jamie@example.com",
        "ja..mie@example.com",
        "jamie@example.123",
        "x" * 65 + "@example.com",
        "a@" + ".".join(["b" * 60] * 5) + ".com",  # over 254 characters
    ],
)
def test_addresses_that_are_not(address: str) -> None:
    with pytest.raises(ValueError, match="must be"):
        email_address(address)


def test_a_254_character_address_is_the_longest() -> None:
    domain = ".".join(["d" * 60, "e" * 60, "f" * 60]) + ".com"  # 187 characters
    local = "l" * 64
    assert len(f"{local}@{domain}") <= 254
    assert email_address(f"{local}@{domain}")


def test_an_input_model_with_email_address_refuses_naming_contact_email() -> None:
    """How createOrder's input uses it: ``contact_email: EmailAddress | None = None``."""
    from ape_moments.email_address import EmailAddress
    from ape_moments.errors import ValidationError
    from ape_moments.models import ApiModel
    from ape_moments.validation import parse

    class OrderInput(ApiModel):
        contact_email: EmailAddress | None = None

    assert parse(OrderInput, {"contactEmail": "Jamie@Example.COM"}).contact_email == "Jamie@example.com"
    assert parse(OrderInput, {}).contact_email is None
    with pytest.raises(ValidationError, match=r"^contactEmail: must be an email address$"):
        parse(OrderInput, {"contactEmail": "not an address"})
    with pytest.raises(ValidationError, match=r"^contactEmail: must be at most 254 characters$"):
        parse(OrderInput, {"contactEmail": "a" * 250 + "@example.com"})
