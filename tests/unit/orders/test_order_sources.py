"""createOrder: every item names its source, checked against SPEC 9's table in one batched read,
in the order's customer's scope; a refusal names the item and writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from ape_moments.errors import ValidationError
from tests.conftest import call, owner_of
from tests.unit.orders.helpers import seed_album_source, seed_collage_source, seed_photo_source


def order_count(aws: Any) -> int:
    return int(aws.dynamodb.scan(TableName="OrdersTable", Select="COUNT")["Count"])


def source(identity: dict[str, Any], kind: str) -> dict[str, str]:
    """An orderable source of ``kind``: photo, a GRID_2X2 or STRIP_1X4 collage, an album."""
    match kind:
        case "photo":
            return {"photoKey": seed_photo_source(identity)}
        case "grid":
            return {"collageId": seed_collage_source(identity, template="GRID_2X2")}
        case "single":
            return {"collageId": seed_collage_source(identity, template="SINGLE")}
        case "strip":
            return {"collageId": seed_collage_source(identity, template="STRIP_1X4")}
        case _:
            return {"albumId": seed_album_source(identity)}


KINDS = ("photo", "grid", "single", "strip", "album")
# SPEC 9's table, written out again on purpose: the test does not trust the code's copy.
ALLOWED = {
    "PRINT_4X6": {"photo", "grid", "single", "strip"},
    "PRINT_5X7": {"photo", "grid", "single", "strip"},
    "PRINT_8X10": {"photo", "grid", "single", "strip"},
    "PHOTO_STRIP": {"strip"},
    "COLLAGE_PRINT": {"grid", "single", "strip"},
    "PHOTO_ALBUM": {"album"},
    "DIGITAL_DOWNLOAD": {"photo", "grid", "single", "strip", "album"},
}
ROWS = [(sku, kind, kind in allowed) for sku, allowed in ALLOWED.items() for kind in KINDS]


@pytest.mark.parametrize(("sku", "kind", "allowed"), ROWS, ids=[f"{s}-{k}" for s, k, _ in ROWS])
def test_spec_9_table(aws: Any, customer: dict[str, Any], sku: str, kind: str, allowed: bool) -> None:
    given = source(customer, kind)
    line = {"sku": sku, "quantity": 2, **given}
    # The refused item is the second one: the message must name it, not the first.
    first = {"sku": "PRINT_4X6", "quantity": 1, **source(customer, "photo")}
    if allowed:
        order = call("createOrder", {"items": [first, line], "currency": "USD"}, customer)
        stored = order["items"][1]
        assert {k: stored[k] for k in ("photoKey", "collageId", "albumId") if stored[k]} == given
        assert stored["downloadUrl"] is None  # only COMPLETED orders have downloads
        return
    with pytest.raises(ValidationError) as refused:
        call("createOrder", {"items": [first, line], "currency": "USD"}, customer)
    field = next(iter(given))
    assert refused.value.message.startswith(f"items[1].{field}:")
    assert order_count(aws) == 0


NOT_COMPLETED = [
    *(("collage", status, sku) for status in ("DRAFT", "PROCESSING", "FAILED")
      for sku in ("DIGITAL_DOWNLOAD", "PRINT_4X6", "COLLAGE_PRINT")),
    *(("album", status, sku) for status in ("UPLOADING", "READY", "PROCESSING")
      for sku in ("DIGITAL_DOWNLOAD", "PHOTO_ALBUM")),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "status", "sku"), NOT_COMPLETED)
def test_only_completed_collages_and_albums(
    aws: Any, customer: dict[str, Any], kind: str, status: str, sku: str
) -> None:
    given = (
        {"collageId": seed_collage_source(customer, status)}
        if kind == "collage"
        else {"albumId": seed_album_source(customer, status)}
    )
    with pytest.raises(ValidationError) as refused:
        call("createOrder", {"items": [{"sku": sku, "quantity": 1, **given}], "currency": "USD"}, customer)
    assert (
        refused.value.message
        == f"items[0].{next(iter(given))}: the {kind} is {status}; only a COMPLETED one can be ordered"
    )
    assert order_count(aws) == 0


def test_a_strip_is_printed_only_from_a_strip_collage(aws: Any, customer: dict[str, Any]) -> None:
    grid = seed_collage_source(customer, template="GRID_2X2")
    with pytest.raises(ValidationError) as refused:
        call(
            "createOrder",
            {"items": [{"sku": "PHOTO_STRIP", "quantity": 1, "collageId": grid}], "currency": "USD"},
            customer,
        )
    assert refused.value.message == "items[0].collageId: a PHOTO_STRIP is printed from a STRIP_1X4 collage"


@pytest.mark.parametrize(
    "sources",
    [{}, {"photoKey": "albums/a1/1-x.jpg", "collageId": "c1"}, {"collageId": "c1", "albumId": "a1"}],
    ids=["none", "photo-and-collage", "collage-and-album"],
)
def test_exactly_one_source(aws: Any, customer: dict[str, Any], sources: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as refused:
        call(
            "createOrder",
            {"items": [{"sku": "DIGITAL_DOWNLOAD", "quantity": 1, **sources}], "currency": "USD"},
            customer,
        )
    assert refused.value.message == "items[0]: give exactly one of photoKey, collageId, albumId"


def test_each_sku_and_source_pair_at_most_once(aws: Any, customer: dict[str, Any]) -> None:
    photo = {"photoKey": seed_photo_source(customer)}
    # The same photo printed and downloaded: two pairs, allowed.
    order = call(
        "createOrder",
        {"items": [{"sku": "PRINT_4X6", "quantity": 3, **photo}, {"sku": "DIGITAL_DOWNLOAD", "quantity": 1, **photo}],
         "currency": "USD"},
        customer,
    )  # fmt: skip
    assert [line["photoKey"] for line in order["items"]] == [photo["photoKey"]] * 2
    # Two prints of two photos: allowed. The same print of the same photo twice: refused.
    other = {"photoKey": seed_photo_source(customer)}
    call(
        "createOrder",
        {"items": [{"sku": "PRINT_4X6", "quantity": 1, **p} for p in (photo, other)], "currency": "USD"},
        customer,
    )
    with pytest.raises(ValidationError) as refused:
        call("createOrder", {"items": [{"sku": "PRINT_4X6", "quantity": 1, **photo}] * 2, "currency": "USD"}, customer)
    assert refused.value.message == "items[1].photoKey: PRINT_4X6 of this photo is already in the order"


@pytest.mark.parametrize("kind", ["photo", "grid", "album"])
def test_missing_and_someone_elses_read_the_same(
    aws: Any, customer: dict[str, Any], other_customer: dict[str, Any], guest: dict[str, Any], kind: str
) -> None:
    sku = "DIGITAL_DOWNLOAD"
    missing = {
        "photo": {"photoKey": "albums/no-such-album/1795000000000-nothing.jpg"},
        "grid": {"collageId": "no-such-collage"},
        "album": {"albumId": "no-such-album"},
    }[kind]
    answers = []
    for who, given in ((customer, missing), (customer, source(other_customer, kind)), (guest, source(customer, kind))):
        with pytest.raises(ValidationError) as refused:
            call("createOrder", {"items": [{"sku": sku, "quantity": 1, **given}], "currency": "USD"}, who)
        answers.append(refused.value.message)
    noun = {"photo": "photo", "grid": "collage", "album": "album"}[kind]
    field = next(iter(missing))
    assert answers == [f"items[0].{field}: no such {noun}"] * 3
    assert order_count(aws) == 0


def test_guests_order_their_own_sources(aws: Any, guest: dict[str, Any]) -> None:
    items = [
        {"sku": sku, "quantity": 1, **source(guest, kind)}
        for sku, kind in (("PRINT_5X7", "photo"), ("PHOTO_ALBUM", "album"))
    ]
    order = call("createOrder", {"items": items, "currency": "GBP"}, guest)
    assert order["customerId"] == owner_of(guest)


def test_an_admin_ordering_for_a_customer_names_that_customers_objects(
    aws: Any, admin: dict[str, Any], customer: dict[str, Any], other_customer: dict[str, Any]
) -> None:
    theirs = {"sku": "COLLAGE_PRINT", "quantity": 1, **source(customer, "grid")}
    order = call("createOrder", {"items": [theirs], "currency": "USD", "customerId": owner_of(customer)}, admin)
    assert order["customerId"] == owner_of(customer)
    # Another customer's collage, or the admin's own, is not that customer's: refused as missing.
    for owner in (other_customer, admin):
        foreign = {"sku": "COLLAGE_PRINT", "quantity": 1, **source(owner, "grid")}
        with pytest.raises(ValidationError) as refused:
            call("createOrder", {"items": [theirs | {"sku": "PRINT_4X6"}, foreign], "currency": "USD",
                                 "customerId": owner_of(customer)}, admin)  # fmt: skip
        assert refused.value.message == "items[1].collageId: no such collage"
    assert order_count(aws) == 1


def test_a_deleted_source_cannot_be_ordered(aws: Any, customer: dict[str, Any]) -> None:
    album_id = seed_album_source(customer)
    aws.dynamodb.delete_item(TableName="AlbumsTable", Key={"albumId": {"S": album_id}})
    with pytest.raises(ValidationError) as refused:
        call(
            "createOrder",
            {"items": [{"sku": "PHOTO_ALBUM", "quantity": 1, "albumId": album_id}], "currency": "USD"},
            customer,
        )
    assert refused.value.message == "items[0].albumId: no such album"
