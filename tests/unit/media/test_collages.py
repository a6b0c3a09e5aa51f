"""Collages CRUD (SPEC 4): defaults, JSON fields, editing rules, owners and admins, status rules."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from ape_moments.errors import Conflict, Forbidden, NotFound, ValidationError
from tests.unit.media.conftest import Call
from tests.unit.media.helpers import collages, owner_of, seed_collage, seed_photo_records


def own_keys(collage_id: str, count: int) -> list[str]:
    return [f"collages/{collage_id}/17640000000{i:02d}-p{i}.jpg" for i in range(count)]


# ---- createCollage --------------------------------------------------------------------------


def test_new_collage_is_a_draft_under_its_own_prefix(call: Call, customer: Any) -> None:
    metadata = json.dumps({"event": "Wedding", "booth": 7, "colors": ["gold", "white"], "scale": 1.25})
    collage = call(
        "createCollage", {"input": {"name": "Best of", "template": "GRID_3X3", "metadata": metadata}}, customer
    )

    assert collage["customerId"] == owner_of(customer)
    assert collage["status"] == "DRAFT"
    assert collage["template"] == "GRID_3X3"
    assert collage["s3Prefix"] == f"collages/{collage['collageId']}/"
    assert collage["sourceImages"] is None
    assert collage["outputImageUrl"] is None
    assert json.loads(collage["metadata"]) == json.loads(metadata)  # AWSJSON out: JSON text, same value
    assert collage["createdAt"] == collage["updatedAt"]
    assert call("getCollage", {"collageId": collage["collageId"]}, customer) == collage


@pytest.mark.parametrize(
    ("collage_input", "field"),
    [
        ({"template": "SINGLE"}, "input.name"),
        ({"name": "", "template": "SINGLE"}, "input.name"),
        ({"name": "x" * 101, "template": "SINGLE"}, "input.name"),
        ({"name": "ok"}, "input.template"),
        ({"name": "ok", "template": "GRID_4X4"}, "input.template"),
        ({"name": "ok", "template": "SINGLE", "metadata": "[1, 2]"}, "input.metadata"),
        ({"name": "ok", "template": "SINGLE", "metadata": '"text"'}, "input.metadata"),
        ({"name": "ok", "template": "SINGLE", "metadata": "{not json"}, "input.metadata"),
        ({"name": "ok", "template": "SINGLE", "metadata": json.dumps({"x": "y" * 4100})}, "input.metadata"),
        ({"name": "ok", "template": "SINGLE", "status": "COMPLETED"}, "input.status"),
        ({"name": "ok", "template": "SINGLE", "sourceImages": "[]"}, "input.sourceImages"),
    ],
)
def test_create_collage_rejects_bad_input(call: Call, customer: Any, collage_input: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(field)):
        call("createCollage", {"input": collage_input}, customer)


def test_metadata_up_to_4_kb_is_kept(call: Call, customer: Any) -> None:
    metadata = json.dumps({"x": "y" * 4088}, separators=(",", ":"))
    assert len(metadata.encode()) == 4096
    collage = call("createCollage", {"input": {"name": "ok", "template": "SINGLE", "metadata": metadata}}, customer)
    assert collage["metadata"] == metadata


# ---- get / list -------------------------------------------------------------------------------


def test_collages_are_private_to_their_owner_and_visible_to_admins(
    call: Call, customer: Any, other_customer: Any, guest: Any, admin: Any
) -> None:
    collage = seed_collage(customer)
    assert call("getCollage", {"collageId": collage.collage_id}, other_customer) is None
    assert call("getCollage", {"collageId": collage.collage_id}, guest) is None
    assert call("getCollage", {"collageId": collage.collage_id}, admin)["collageId"] == collage.collage_id
    assert call("listCollages", {}, other_customer)["items"] == []
    assert [c["collageId"] for c in call("listCollages", {"customerId": owner_of(customer)}, admin)["items"]] == [
        collage.collage_id
    ]
    with pytest.raises(Forbidden, match="customerId"):
        call("listCollages", {"customerId": owner_of(customer)}, other_customer)
    with pytest.raises(ValidationError, match="customerId"):
        call("listCollages", {}, admin)


def test_list_collages_pages_newest_first(call: Call, guest: Any) -> None:
    from tests.unit.orders.helpers import minutes_ago

    made = [seed_collage(guest, created=minutes_ago(minutes)).collage_id for minutes in (30, 20, 10)]
    first = call("listCollages", {"limit": 2}, guest)
    second = call("listCollages", {"limit": 2, "nextToken": first["nextToken"]}, guest)
    assert [c["collageId"] for c in first["items"] + second["items"]] == made[::-1]


# ---- updateCollage ----------------------------------------------------------------------------


def test_update_sets_source_images_and_metadata(call: Call, customer: Any) -> None:
    collage = seed_collage(customer)
    keys = own_keys(collage.collage_id, 4)
    updated = call(
        "updateCollage",
        {"input": {"collageId": collage.collage_id, "sourceImages": json.dumps(keys), "metadata": '{"a": 1}'}},
        customer,
    )
    assert json.loads(updated["sourceImages"]) == keys
    assert json.loads(updated["metadata"]) == {"a": 1}
    assert updated["template"] == "GRID_2X2"
    assert updated["updatedAt"] >= collage.updated_at


def test_explicit_nulls_remove_source_images_and_metadata(call: Call, customer: Any) -> None:
    collage = seed_collage(customer)
    arguments = {"collageId": collage.collage_id, "sourceImages": json.dumps(own_keys(collage.collage_id, 1))}
    call("updateCollage", {"input": {**arguments, "metadata": "{}"}}, customer)
    cleared = call(
        "updateCollage", {"input": {"collageId": collage.collage_id, "sourceImages": None, "metadata": None}}, customer
    )
    assert cleared["sourceImages"] is None
    assert cleared["metadata"] is None


def test_sixteen_source_images_at_most(call: Call, customer: Any) -> None:
    collage = seed_collage(customer)
    keys = own_keys(collage.collage_id, 17)
    ok = call(
        "updateCollage", {"input": {"collageId": collage.collage_id, "sourceImages": json.dumps(keys[:16])}}, customer
    )
    assert len(json.loads(ok["sourceImages"])) == 16
    with pytest.raises(ValidationError, match="sourceImages"):
        call("updateCollage", {"input": {"collageId": collage.collage_id, "sourceImages": json.dumps(keys)}}, customer)


@pytest.mark.parametrize(
    "bad_key",
    [
        "collages/{other}/1764000000000-a.jpg",  # another collage's image
        "albums/{own}/1764000000000-a.jpg",  # right id, wrong prefix
        "collages/{own}/../{other}/a.jpg",  # traversal out of the prefix
        "collages/{own}/sub/a.jpg",  # a deeper path we never issue
        "collages/{own}/",  # the prefix itself
        "collages/{own}/a b.jpg",  # characters we never issue
        "/collages/{own}/a.jpg",
        "a.jpg",
    ],
)
def test_source_images_must_be_in_the_collages_own_prefix(call: Call, customer: Any, bad_key: str) -> None:
    collage = seed_collage(customer)
    other = seed_collage(customer)
    key = bad_key.format(own=collage.collage_id, other=other.collage_id)
    with pytest.raises(ValidationError, match=re.escape("sourceImages[0]")):
        call("updateCollage", {"input": {"collageId": collage.collage_id, "sourceImages": json.dumps([key])}}, customer)


@pytest.mark.parametrize("source_images", ['{"a": 1}', "[1, 2]", "not json", '"a.jpg"'])
def test_source_images_must_be_a_json_list_of_keys(call: Call, customer: Any, source_images: str) -> None:
    collage = seed_collage(customer)
    with pytest.raises(ValidationError, match="sourceImages"):
        call("updateCollage", {"input": {"collageId": collage.collage_id, "sourceImages": source_images}}, customer)


def test_a_key_listed_twice_is_refused(call: Call, customer: Any) -> None:
    collage = seed_collage(customer)
    key = own_keys(collage.collage_id, 1)[0]
    with pytest.raises(ValidationError, match="twice"):
        call(
            "updateCollage",
            {"input": {"collageId": collage.collage_id, "sourceImages": json.dumps([key, key])}},
            customer,
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({}, "at least one"),
        ({"name": None}, "name"),
        ({"template": None}, "template"),
        ({"template": "HEXAGON"}, "input.template"),
        ({"outputImageUrl": "https://x.example/a.png"}, "input.outputImageUrl"),
        ({"metadata": "[]"}, "input.metadata"),
    ],
)
def test_update_collage_rejects_bad_input(call: Call, customer: Any, change: dict[str, Any], field: str) -> None:
    collage = seed_collage(customer)
    with pytest.raises(ValidationError, match=re.escape(field)):
        call("updateCollage", {"input": {"collageId": collage.collage_id, **change}}, customer)


def test_strangers_cannot_update_a_collage(call: Call, customer: Any, other_customer: Any, guest: Any) -> None:
    collage = seed_collage(customer)
    for stranger in (other_customer, guest):
        with pytest.raises(NotFound, match="collageId"):
            call("updateCollage", {"input": {"collageId": collage.collage_id, "name": "x"}}, stranger)
    assert collages().get(collage.collage_id) == collage


@pytest.mark.parametrize(
    ("status", "editable"), [("DRAFT", True), ("FAILED", True), ("PROCESSING", False), ("COMPLETED", False)]
)
def test_template_and_images_change_only_while_editable_but_the_name_always(
    call: Call, customer: Any, status: str, editable: bool
) -> None:
    collage = seed_collage(customer, status)
    template_change = {"input": {"collageId": collage.collage_id, "template": "SINGLE"}}
    if editable:
        assert call("updateCollage", template_change, customer)["template"] == "SINGLE"
    else:
        with pytest.raises(Conflict, match="can no longer be edited"):
            call("updateCollage", template_change, customer)
        assert collages().get(collage.collage_id) == collage
    renamed = call("updateCollage", {"input": {"collageId": collage.collage_id, "name": "Renamed"}}, customer)
    assert renamed["name"] == "Renamed"


COLLAGE_TRANSITIONS = [
    # (from, to, owner's outcome, admin's outcome)
    ("DRAFT", "PROCESSING", "ok", "ok"),
    ("PROCESSING", "COMPLETED", Forbidden, "ok"),
    ("PROCESSING", "FAILED", Forbidden, "ok"),
    ("FAILED", "DRAFT", "ok", "ok"),
    ("DRAFT", "COMPLETED", Conflict, Conflict),
    ("DRAFT", "FAILED", Conflict, Conflict),
    ("PROCESSING", "DRAFT", Conflict, Conflict),
    ("COMPLETED", "DRAFT", Conflict, Conflict),
    ("COMPLETED", "PROCESSING", Conflict, Conflict),
    ("FAILED", "PROCESSING", Conflict, Conflict),
    ("DRAFT", "DRAFT", Conflict, Conflict),
]


@pytest.mark.parametrize(("source", "target", "owner_outcome", "admin_outcome"), COLLAGE_TRANSITIONS)
@pytest.mark.parametrize("role", ["owner", "admin"])
def test_collage_status_transitions(
    call: Call, guest: Any, admin: Any, source: str, target: str, owner_outcome: Any, admin_outcome: Any, role: str
) -> None:
    collage = seed_collage(guest, source, sources=4)
    caller, outcome = (guest, owner_outcome) if role == "owner" else (admin, admin_outcome)
    arguments = {"input": {"collageId": collage.collage_id, "status": target}}
    if outcome == "ok":
        assert call("updateCollage", arguments, caller)["status"] == target
    else:
        with pytest.raises(outcome, match="status"):
            call("updateCollage", arguments, caller)
        assert collages().get(collage.collage_id) == collage


def test_submitting_with_final_images_is_one_atomic_change(call: Call, customer: Any) -> None:
    collage = seed_collage(customer)
    keys = json.dumps(seed_photo_records(collage.s3_prefix, collage.customer_id, 4))
    submitted = call(
        "updateCollage",
        {"input": {"collageId": collage.collage_id, "sourceImages": keys, "status": "PROCESSING"}},
        customer,
    )
    assert submitted["status"] == "PROCESSING"
    assert submitted["sourceImages"] == keys


@pytest.mark.parametrize(
    "metadata",
    [
        "[" * 20_000 + "]" * 20_000,  # deep nesting: refused, not a crash
        json.dumps({"x": "y" * 40_000}),  # huge text: refused before parsing
        '{"a": 1} trailing',
    ],
)
def test_hostile_json_is_a_validation_error(call: Call, customer: Any, metadata: str) -> None:
    with pytest.raises(ValidationError, match=re.escape("input.metadata")):
        call("createCollage", {"input": {"name": "ok", "template": "SINGLE", "metadata": metadata}}, customer)


def test_deeply_nested_json_within_the_text_limit_is_refused_cleanly(call: Call, customer: Any) -> None:
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(ValidationError, match=re.escape("input.metadata")):
        call("createCollage", {"input": {"name": "ok", "template": "SINGLE", "metadata": deep}}, customer)
