"""The conditional-table helper: own writes after a lost answer, and real refusals.

A lost answer: the request reaches DynamoDB and applies, the answer does not come back
(a 500 here), and botocore's standard retry sends the same request again.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from ape_moments import aws as aws_clients
from ape_moments.models import StoredModel
from ape_moments.table import Condition, ConditionFailed, Table


class Item(StoredModel):
    album_id: str
    customer_id: str
    status: str
    updated_at: str


class Status(StrEnum):
    READY = "READY"


class _Body:
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield b'{"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "lost"}'


def lose_first_answer(client: Any, operation: str) -> list[str]:
    """The first attempt of ``operation`` applies (moto still answers it) but its answer is lost."""
    lost: list[str] = []

    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        if request.headers.get("X-Amz-Target", b"").decode().endswith(operation) and not lost:
            lost.append(operation)
            return AWSResponse(request.url, 500, {"Content-Type": "application/x-amz-json-1.0"}, _Body())
        return None

    client.meta.events.register_first("before-send.dynamodb", before_send)
    return lost


@pytest.fixture
def albums(aws: Any) -> Table[Item]:
    return Table("AlbumsTable", "albumId", Item, aws_clients.client("dynamodb"))


ALBUM = Item(album_id="a1", customer_id="c1", status="READY", updated_at="2026-11-29T10:00:00.000Z")


def test_a_put_retried_after_its_answer_was_lost_is_done(albums: Table[Item]) -> None:
    lost = lose_first_answer(aws_clients.client("dynamodb"), "PutItem")
    albums.insert(ALBUM)
    assert lost == ["PutItem"]
    assert albums.get("a1") == ALBUM


def test_a_put_over_another_item_is_refused_with_that_item(albums: Table[Item]) -> None:
    albums.insert(ALBUM)
    with pytest.raises(ConditionFailed) as refused:
        albums.insert(ALBUM.model_copy(update={"customer_id": "c2"}))
    assert refused.value.current == ALBUM


def test_an_update_retried_after_its_answer_was_lost_answers_as_the_first(albums: Table[Item]) -> None:
    albums.insert(ALBUM)
    lost = lose_first_answer(aws_clients.client("dynamodb"), "UpdateItem")
    changes = {"status": "UPLOADING", "updatedAt": "2026-11-29T10:00:01.000Z"}
    updated = albums.update("a1", changes, when=Condition(owner_id="c1", statuses=None))
    assert lost == ["UpdateItem"]
    assert updated == ALBUM.model_copy(update={"status": "UPLOADING", "updated_at": changes["updatedAt"]})


def test_a_retried_update_does_not_take_a_concurrent_writers_identical_change_for_its_own(
    albums: Table[Item],
) -> None:
    """Two writers set the same status in the same millisecond; one wins. The loser's answer is
    lost and botocore retries it: the item now holds exactly the loser's values, yet it is the
    winner's write (its own write id), so the loser hears Conflict, not success."""
    albums.insert(ALBUM)
    changes = {"status": "UPLOADING", "updatedAt": "2026-11-29T10:00:01.000Z"}
    winner = Table("AlbumsTable", "albumId", Item, boto3.client("dynamodb", region_name="us-east-1"))
    winner.update("a1", changes, when=Condition(owner_id="c1", statuses=[Status.READY]))
    lost = lose_first_answer(aws_clients.client("dynamodb"), "UpdateItem")
    with pytest.raises(ConditionFailed) as refused:
        albums.update("a1", changes, when=Condition(owner_id="c1", statuses=[Status.READY]))
    assert lost == ["UpdateItem"]
    assert refused.value.current is not None
    assert refused.value.current.status == "UPLOADING"


def test_a_refused_update_carries_the_item_as_it_was(albums: Table[Item]) -> None:
    albums.insert(ALBUM)
    with pytest.raises(ConditionFailed) as refused:
        albums.update("a1", {"status": "UPLOADING"}, when=Condition(owner_id="someone-else"))
    assert refused.value.current == ALBUM


def test_a_delete_retried_after_its_answer_was_lost_is_done(albums: Table[Item]) -> None:
    albums.insert(ALBUM)
    lost = lose_first_answer(aws_clients.client("dynamodb"), "DeleteItem")
    assert albums.delete("a1", when=Condition(owner_id="c1")) is None  # done by the first attempt
    assert lost == ["DeleteItem"]
    assert albums.get("a1") is None


def test_a_delete_of_a_missing_item_is_refused(albums: Table[Item]) -> None:
    with pytest.raises(ConditionFailed) as refused:
        albums.delete("a1", when=Condition())
    assert refused.value.current is None


def test_a_delete_returns_the_item_as_it_was(albums: Table[Item]) -> None:
    albums.insert(ALBUM)
    assert albums.delete("a1", when=Condition(owner_id="c1")) == ALBUM
