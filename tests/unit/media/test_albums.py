"""Albums CRUD (SPEC 4): defaults, validation of every field, owners and admins, status rules."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ape_moments.errors import Conflict, Forbidden, NotFound, ValidationError
from tests.unit.media.conftest import Call
from tests.unit.media.helpers import albums, owner_of, seed_album

AWS_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


# ---- createAlbum --------------------------------------------------------------------------


def test_new_album_is_uploading_empty_owned_by_the_caller_under_its_own_prefix(call: Call, customer: Any) -> None:
    album = call("createAlbum", {"input": {"name": "Wedding", "description": "Booth 7"}}, customer)

    assert album["customerId"] == owner_of(customer)
    assert album["status"] == "UPLOADING"
    assert album["imageCount"] == 0
    assert album["s3Prefix"] == f"albums/{album['albumId']}/"
    assert album["name"] == "Wedding"
    assert album["description"] == "Booth 7"
    assert album["pdfUrl"] is None
    assert AWS_DATETIME.fullmatch(album["createdAt"])
    assert album["createdAt"] == album["updatedAt"]
    assert call("getAlbum", {"albumId": album["albumId"]}, customer) == album


def test_guest_creates_an_album_of_its_own(call: Call, guest: Any) -> None:
    album = call("createAlbum", {"input": {"name": "Party"}}, guest)
    assert album["customerId"] == guest["cognitoIdentityId"]
    assert album["description"] is None


def test_the_response_has_exactly_the_schema_fields(call: Call, customer: Any) -> None:
    album = call("createAlbum", {"input": {"name": "Party"}}, customer)
    expected = {"albumId", "customerId", "name", "description", "s3Prefix", "imageCount", "status", "pdfUrl"}
    expected |= {"errorMessage"}
    assert set(album) == expected | {"createdAt", "updatedAt"}


@pytest.mark.parametrize(
    ("album_input", "field"),
    [
        ({}, "input.name"),
        ({"name": ""}, "input.name"),
        ({"name": "x" * 101}, "input.name"),
        ({"name": 7}, "input.name"),
        ({"name": "ok", "description": "x" * 1001}, "input.description"),
        ({"name": "ok", "status": "READY"}, "input.status"),  # not an input of createAlbum
        ({"name": "ok", "customerId": "someone-else"}, "input.customerId"),
        ({"name": "ok", "imageCount": 99}, "input.imageCount"),  # kept by the backend only
    ],
)
def test_create_album_rejects_bad_input_naming_the_field(
    call: Call, customer: Any, album_input: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(field)):
        call("createAlbum", {"input": album_input}, customer)


def test_name_and_description_at_their_limits_are_accepted(call: Call, customer: Any) -> None:
    album = call("createAlbum", {"input": {"name": "n" * 100, "description": "d" * 1000}}, customer)
    assert len(album["name"]) == 100
    assert len(album["description"]) == 1000


def test_without_an_identity_nothing_is_created(call: Call) -> None:
    with pytest.raises(Forbidden):
        call("createAlbum", {"input": {"name": "x"}}, None)


# ---- getAlbum / listAlbums -----------------------------------------------------------------


def test_someone_elses_album_is_null_and_an_admin_sees_it(
    call: Call, customer: Any, other_customer: Any, guest: Any, admin: Any
) -> None:
    album = seed_album(customer)
    assert call("getAlbum", {"albumId": album.album_id}, other_customer) is None
    assert call("getAlbum", {"albumId": album.album_id}, guest) is None
    assert call("getAlbum", {"albumId": album.album_id}, admin)["albumId"] == album.album_id
    assert call("getAlbum", {"albumId": "no-such-album"}, customer) is None


@pytest.mark.parametrize("album_id", ["", "a/b", "x" * 65, "../albums"])
def test_get_album_rejects_malformed_ids(call: Call, customer: Any, album_id: str) -> None:
    with pytest.raises(ValidationError, match="albumId"):
        call("getAlbum", {"albumId": album_id}, customer)


def test_list_albums_is_newest_first_and_only_the_callers(
    call: Call, customer: Any, other_customer: Any, guest: Any
) -> None:
    from tests.unit.orders.helpers import minutes_ago

    older = seed_album(customer, created=minutes_ago(10))
    newer = seed_album(customer, created=minutes_ago(1))
    seed_album(other_customer)
    seed_album(guest)

    page = call("listAlbums", {}, customer)
    assert [a["albumId"] for a in page["items"]] == [newer.album_id, older.album_id]
    assert page["nextToken"] is None
    assert [a["customerId"] for a in call("listAlbums", {}, guest)["items"]] == [owner_of(guest)]


def test_list_albums_pages_with_an_opaque_token(call: Call, customer: Any) -> None:
    ids = {seed_album(customer).album_id for _ in range(5)}
    seen: list[str] = []
    token = None
    for _ in range(3):
        page = call("listAlbums", {"limit": 2, "nextToken": token}, customer)
        seen += [a["albumId"] for a in page["items"]]
        token = page["nextToken"]
    assert set(seen) == ids
    assert len(seen) == 5
    assert token is None or call("listAlbums", {"limit": 2, "nextToken": token}, customer)["items"] == []


def test_a_token_from_someone_elses_listing_is_refused(call: Call, customer: Any, other_customer: Any) -> None:
    for _ in range(2):
        seed_album(customer)
    token = call("listAlbums", {"limit": 1}, customer)["nextToken"]
    assert token
    with pytest.raises(ValidationError, match="nextToken"):
        call("listAlbums", {"limit": 1, "nextToken": token}, other_customer)
    with pytest.raises(ValidationError, match="nextToken"):
        call("listAlbums", {"nextToken": "not-a-token"}, customer)


def test_a_customer_listing_someone_elses_albums_is_forbidden(call: Call, customer: Any, other_customer: Any) -> None:
    with pytest.raises(Forbidden, match="customerId"):
        call("listAlbums", {"customerId": owner_of(other_customer)}, customer)
    # their own id is fine
    assert call("listAlbums", {"customerId": owner_of(customer)}, customer)["items"] == []


def test_an_admin_lists_by_customer_and_must_name_one(call: Call, customer: Any, admin: Any) -> None:
    album = seed_album(customer)
    listed = call("listAlbums", {"customerId": owner_of(customer)}, admin)
    assert [a["albumId"] for a in listed["items"]] == [album.album_id]
    with pytest.raises(ValidationError, match="customerId"):
        call("listAlbums", {}, admin)


@pytest.mark.parametrize("limit", [0, 101, -1, "10", 2.5])
def test_list_limit_is_1_to_100(call: Call, customer: Any, limit: Any) -> None:
    with pytest.raises(ValidationError, match="limit"):
        call("listAlbums", {"limit": limit}, customer)


# ---- updateAlbum ----------------------------------------------------------------------------


def test_update_changes_only_what_is_given_and_moves_updated_at(call: Call, customer: Any) -> None:
    album = call("createAlbum", {"input": {"name": "Old", "description": "keep me"}}, customer)
    updated = call("updateAlbum", {"input": {"albumId": album["albumId"], "name": "New"}}, customer)

    assert updated["name"] == "New"
    assert updated["description"] == "keep me"
    assert updated["status"] == "UPLOADING"
    assert updated["createdAt"] == album["createdAt"]
    assert updated["updatedAt"] >= album["updatedAt"]
    assert call("getAlbum", {"albumId": album["albumId"]}, customer) == updated


def test_an_explicit_null_description_removes_it(aws: Any, call: Call, customer: Any) -> None:
    album = call("createAlbum", {"input": {"name": "A", "description": "temporary"}}, customer)
    updated = call("updateAlbum", {"input": {"albumId": album["albumId"], "description": None}}, customer)
    assert updated["description"] is None
    assert (
        "description"
        not in aws.dynamodb.get_item(TableName="AlbumsTable", Key={"albumId": {"S": album["albumId"]}})["Item"]
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({}, "at least one"),
        ({"name": None}, "name"),
        ({"name": ""}, "input.name"),
        ({"description": "x" * 1001}, "input.description"),
        ({"status": "DONE"}, "input.status"),
        ({"status": None}, "status"),
        ({"imageCount": 5}, "input.imageCount"),
        ({"pdfUrl": "https://example.com/x.pdf"}, "input.pdfUrl"),
        ({"customerId": "me"}, "input.customerId"),
    ],
)
def test_update_rejects_bad_input(call: Call, customer: Any, change: dict[str, Any], field: str) -> None:
    album = seed_album(customer)
    with pytest.raises(ValidationError, match=re.escape(field)):
        call("updateAlbum", {"input": {"albumId": album.album_id, **change}}, customer)


def test_someone_elses_album_cannot_be_updated_and_is_left_unchanged(
    call: Call, customer: Any, other_customer: Any, guest: Any
) -> None:
    album = seed_album(customer)
    for stranger in (other_customer, guest):
        with pytest.raises(NotFound, match="albumId"):
            call("updateAlbum", {"input": {"albumId": album.album_id, "name": "mine now"}}, stranger)
        with pytest.raises(NotFound, match="albumId"):
            call("updateAlbum", {"input": {"albumId": album.album_id, "status": "READY"}}, stranger)
    assert albums().get(album.album_id) == album


def test_updating_a_missing_album_is_not_found(call: Call, customer: Any, admin: Any) -> None:
    for who in (customer, admin):
        with pytest.raises(NotFound):
            call("updateAlbum", {"input": {"albumId": "missing", "name": "x"}}, who)


# Album status rules (docs/MEDIA.md): owner UPLOADING<->READY and submits READY->PROCESSING;
# finishing the PDF is the backend's (an admin may, to repair).
ALBUM_TRANSITIONS = [
    # (from, to, owner's outcome, admin's outcome)
    ("UPLOADING", "READY", "ok", "ok"),
    ("READY", "UPLOADING", "ok", "ok"),
    ("READY", "PROCESSING", "ok", "ok"),
    ("PROCESSING", "COMPLETED", Forbidden, "ok"),
    ("PROCESSING", "READY", Forbidden, "ok"),
    ("UPLOADING", "PROCESSING", Conflict, Conflict),
    ("UPLOADING", "COMPLETED", Conflict, Conflict),
    ("READY", "COMPLETED", Conflict, Conflict),
    ("COMPLETED", "READY", Conflict, Conflict),
    ("COMPLETED", "UPLOADING", Conflict, Conflict),
    ("PROCESSING", "UPLOADING", Conflict, Conflict),
    ("READY", "READY", Conflict, Conflict),
    ("COMPLETED", "COMPLETED", Conflict, Conflict),
]


@pytest.mark.parametrize(("source", "target", "owner_outcome", "admin_outcome"), ALBUM_TRANSITIONS)
@pytest.mark.parametrize("role", ["owner", "admin"])
def test_album_status_transitions(
    call: Call,
    customer: Any,
    admin: Any,
    source: str,
    target: str,
    owner_outcome: Any,
    admin_outcome: Any,
    role: str,
) -> None:
    album = seed_album(customer, source, image_count=1)
    caller, outcome = (customer, owner_outcome) if role == "owner" else (admin, admin_outcome)
    arguments = {"input": {"albumId": album.album_id, "status": target}}
    if outcome == "ok":
        assert call("updateAlbum", arguments, caller)["status"] == target
        assert albums().get(album.album_id).status == target  # type: ignore[union-attr]
    else:
        with pytest.raises(outcome, match="status"):
            call("updateAlbum", arguments, caller)
        assert albums().get(album.album_id) == album


def test_a_refused_status_change_writes_nothing_else(call: Call, customer: Any) -> None:
    album = seed_album(customer, "COMPLETED")
    with pytest.raises(Conflict):
        call("updateAlbum", {"input": {"albumId": album.album_id, "name": "renamed", "status": "READY"}}, customer)
    assert albums().get(album.album_id) == album


def test_names_stay_editable_in_every_status(call: Call, customer: Any) -> None:
    for status in ("UPLOADING", "READY", "PROCESSING", "COMPLETED"):
        album = seed_album(customer, status)
        assert call("updateAlbum", {"input": {"albumId": album.album_id, "name": "Renamed"}}, customer)["name"] == (
            "Renamed"
        )


def test_guest_moves_its_own_album_to_ready(call: Call, guest: Any) -> None:
    album = seed_album(guest)
    assert call("updateAlbum", {"input": {"albumId": album.album_id, "status": "READY"}}, guest)["status"] == "READY"
