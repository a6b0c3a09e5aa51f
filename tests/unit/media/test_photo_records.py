"""Photo records: one GetItem by key, a parent's photos oldest first in one Query a page, and
transactions that write a record and a count together or not at all."""

from __future__ import annotations

from typing import Any

import pytest

from ape_moments import aws as aws_clients
from ape_moments.errors import ValidationError
from ape_moments.media.photo_repository import PhotosRepository
from ape_moments.media.photos import Photo, album_parent, file_name_of, thumbnail_key
from ape_moments.table import Condition, Table, TransactionRefused, transact
from tests.conftest import count_aws_calls


def photo(parent: str, n: int, *, customer: str = "c1") -> Photo:
    key = f"{parent}17000000000{n:02d}-photo{n}.jpg"
    return Photo(
        key=key,
        parent=parent,
        customer_id=customer,
        file_name=f"photo{n}.jpg",
        content_type="image/jpeg",
        size=1000 + n,
        width=4032,
        height=3024,
        thumbnail_key=thumbnail_key(key),
        uploaded_at=f"2026-11-29T10:00:{n:02d}.000Z",
    )


@pytest.fixture
def photos(aws: Any) -> PhotosRepository:
    return PhotosRepository("PhotosTable", aws_clients.client("dynamodb"))


def test_a_photo_is_found_by_its_key(photos: PhotosRepository) -> None:
    stored = photo(album_parent("a1"), 1)
    photos.insert(stored)
    assert photos.get(stored.key) == stored
    assert photos.get(album_parent("a1") + "nothing.jpg") is None


def test_a_parents_photos_come_oldest_first_one_query_a_page(photos: PhotosRepository) -> None:
    parent = album_parent("a1")
    for n in (3, 1, 5, 2, 4):  # stored out of order: the index sorts by uploadedAt
        photos.insert(photo(parent, n))
    photos.insert(photo(album_parent("other"), 9))
    seen: list[int] = []
    token = None
    calls = count_aws_calls("dynamodb")
    for _ in range(3):
        page = photos.list_for_parent(parent, limit=2, token=token)
        seen.extend(p.size - 1000 for p in page.items)
        token = page.next_token
    assert seen == [1, 2, 3, 4, 5]
    assert calls == {"dynamodb.Query": 3}
    assert photos.list_for_parent(parent, limit=10, token=None).next_token is None


def test_a_token_of_another_parent_is_refused(photos: PhotosRepository) -> None:
    for n in (1, 2):
        photos.insert(photo(album_parent("a1"), n))
        photos.insert(photo(album_parent("a2"), n))
    token = photos.list_for_parent(album_parent("a1"), limit=1, token=None).next_token
    with pytest.raises(ValidationError):
        photos.list_for_parent(album_parent("a2"), limit=1, token=token)


def test_keys_under_lists_every_key_of_one_parent(photos: PhotosRepository) -> None:
    for n in range(1, 6):
        photos.insert(photo(album_parent("a1"), n))
    photos.insert(photo(album_parent("a2"), 1))
    assert len(photos.keys_under(album_parent("a1"))) == 5


def test_a_transaction_applies_everything_or_nothing(photos: PhotosRepository) -> None:
    client = aws_clients.client("dynamodb")
    first = photo(album_parent("a1"), 1)
    transact(client, [photos.insert_action(first)])
    second = photo(album_parent("a1"), 2)
    # the second put is fine, the first fails (already there): neither is written
    with pytest.raises(TransactionRefused) as refused:
        transact(client, [photos.insert_action(second), photos.insert_action(first)])
    assert refused.value.reasons == ["None", "ConditionalCheckFailed"]
    assert not refused.value.failed(0)
    assert refused.value.failed(1)
    assert photos.model_of(refused.value.items[1]) == first
    assert photos.get(second.key) is None
    with pytest.raises(TransactionRefused):
        transact(
            client,
            [photos.delete_action(first.key, when=Condition()), photos.check_action(second.key, when=Condition())],
        )
    assert photos.get(first.key) == first


def test_file_names_drop_the_upload_timestamp() -> None:
    assert file_name_of("1764410000000-beach.jpg") == "beach.jpg"
    assert file_name_of("plain.jpg") == "plain.jpg"
    assert thumbnail_key("albums/a1/1-x.png") == "thumbnails/albums/a1/1-x.png.jpg"
    assert thumbnail_key("albums/a1/1-x.png", "3HL4k.rmSp") == "thumbnails/albums/a1/1-x.png.3HL4k.rmSp.jpg"


def test_table_type_is_generic(photos: PhotosRepository) -> None:
    assert isinstance(photos, Table)
