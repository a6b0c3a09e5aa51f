"""Cross-customer isolation on every media operation (SPEC 1): someone else's data does not exist.

For each operation, a stranger (another customer, a guest) aims at a customer's album or
collage. Queries answer null or an empty page, mutations NotFound, a foreign customerId is
Forbidden; and afterwards the owner's item and photos are exactly as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ape_moments.errors import Forbidden, NotFound, ValidationError
from tests.unit.media.conftest import Call
from tests.unit.media.helpers import albums, collages, owner_of, put_photo, seed_album, seed_collage, versions_under

Target = dict[str, Any]  # {"album": Album, "collage": Collage, "owner": identity}

# (operation, arguments aimed at the owner's objects, what the stranger gets)
ATTEMPTS: list[tuple[str, Callable[[Target], dict[str, Any]], Any]] = [
    ("getAlbum", lambda t: {"albumId": t["album"].album_id}, None),
    ("getCollage", lambda t: {"collageId": t["collage"].collage_id}, None),
    ("listAlbums", lambda t: {}, "empty"),
    ("listCollages", lambda t: {}, "empty"),
    ("listAlbums", lambda t: {"customerId": owner_of(t["owner"])}, Forbidden),
    ("listCollages", lambda t: {"customerId": owner_of(t["owner"])}, Forbidden),
    ("createAlbum", lambda t: {"input": {"name": "x", "customerId": owner_of(t["owner"])}}, ValidationError),
    (
        "createCollage",
        lambda t: {"input": {"name": "x", "template": "SINGLE", "customerId": owner_of(t["owner"])}},
        ValidationError,
    ),
    ("updateAlbum", lambda t: {"input": {"albumId": t["album"].album_id, "name": "taken"}}, NotFound),
    ("updateAlbum", lambda t: {"input": {"albumId": t["album"].album_id, "status": "READY"}}, NotFound),
    ("updateCollage", lambda t: {"input": {"collageId": t["collage"].collage_id, "metadata": "{}"}}, NotFound),
    ("updateCollage", lambda t: {"input": {"collageId": t["collage"].collage_id, "status": "PROCESSING"}}, NotFound),
    (
        "updateCollage",
        lambda t: {
            "input": {
                "collageId": t["collage"].collage_id,
                "sourceImages": json.dumps([f"{t['collage'].s3_prefix}1764000000001-a.jpg"]),
            }
        },
        NotFound,
    ),
    ("deleteAlbum", lambda t: {"input": {"albumId": t["album"].album_id}}, NotFound),
    ("deleteCollage", lambda t: {"input": {"collageId": t["collage"].collage_id}}, NotFound),
    (
        "presignAlbumUpload",
        lambda t: {"albumId": t["album"].album_id, "fileName": "a.jpg", "contentType": "image/jpeg", "fileSize": 10},
        NotFound,
    ),
    (
        "presignCollageUpload",
        lambda t: {
            "collageId": t["collage"].collage_id,
            "fileName": "a.png",
            "contentType": "image/png",
            "fileSize": 10,
        },
        NotFound,
    ),
]


@pytest.mark.parametrize("stranger_kind", ["other_customer", "guest"])
@pytest.mark.parametrize(
    ("field", "arguments", "expected"), ATTEMPTS, ids=[f"{a[0]}-{i}" for i, a in enumerate(ATTEMPTS)]
)
def test_a_stranger_cannot_see_or_touch_anything(
    call: Call,
    aws: Any,
    request: pytest.FixtureRequest,
    customer: Any,
    stranger_kind: str,
    field: str,
    arguments: Callable[[Target], dict[str, Any]],
    expected: Any,
) -> None:
    stranger = request.getfixturevalue(stranger_kind)
    target = {"album": seed_album(customer), "collage": seed_collage(customer), "owner": customer}
    put_photo(aws.s3, f"{target['album'].s3_prefix}1764000000001-a.jpg")
    put_photo(aws.s3, f"{target['collage'].s3_prefix}1764000000001-a.jpg")

    if expected is None:
        assert call(field, arguments(target), stranger) is None
    elif expected == "empty":
        assert call(field, arguments(target), stranger) == {"items": [], "nextToken": None}
    else:
        with pytest.raises(expected):
            call(field, arguments(target), stranger)

    assert albums().get(target["album"].album_id) == target["album"]
    assert collages().get(target["collage"].collage_id) == target["collage"]
    assert len(versions_under(aws.s3, target["album"].s3_prefix)) == 1
    assert len(versions_under(aws.s3, target["collage"].s3_prefix)) == 1


def test_not_found_says_the_same_for_foreign_and_missing(call: Call, customer: Any, other_customer: Any) -> None:
    """Existence is never leaked: the stranger's error is word for word the one for a missing id."""
    album = seed_album(customer)
    with pytest.raises(NotFound) as foreign:
        call("updateAlbum", {"input": {"albumId": album.album_id, "name": "x"}}, other_customer)
    with pytest.raises(NotFound) as missing:
        call("updateAlbum", {"input": {"albumId": "does-not-exist", "name": "x"}}, other_customer)
    assert foreign.value.message == missing.value.message
