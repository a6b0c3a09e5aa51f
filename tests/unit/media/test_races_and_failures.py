"""Concurrent changes and unexpected failures (SPEC 2): one winner, nothing half-written, no leaks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ape_moments import aws as aws_clients
from ape_moments.errors import ApiError, InternalError
from ape_moments.table import Condition
from tests.unit.core.test_table import lose_first_answer
from tests.unit.media.conftest import Call
from tests.unit.media.helpers import albums, collages, seed_album, seed_collage


def outcomes(call: Call, field: str, arguments: list[dict[str, Any]], identity: Any) -> list[str]:
    """Run the calls at once; each outcome is 'ok' or the error type's name."""

    def one(argument: dict[str, Any]) -> str:
        try:
            call(field, argument, identity)
        except ApiError as error:
            return type(error).__name__
        return "ok"

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(one, arguments))


def test_of_concurrent_identical_transitions_exactly_one_wins(call: Call, customer: Any) -> None:
    album = seed_album(customer)
    results = outcomes(call, "updateAlbum", [{"input": {"albumId": album.album_id, "status": "READY"}}] * 8, customer)
    assert results.count("ok") == 1
    assert results.count("Conflict") == 7


def test_a_submit_racing_an_edit_never_renders_what_it_did_not_submit(call: Call, customer: Any) -> None:
    """The submission checks the sources against the template it read and writes only if the
    collage is still as read: an edit lands before it (and the check or the write refuses the
    submission) or is refused after it; never a PROCESSING collage it did not check."""
    collage = seed_collage(customer, sources=4)
    submit = {"input": {"collageId": collage.collage_id, "status": "PROCESSING"}}
    edit = {"input": {"collageId": collage.collage_id, "template": "SINGLE"}}
    for _ in range(5):
        results = outcomes(call, "updateCollage", [submit, edit], customer)
        stored = collages().get(collage.collage_id)
        assert stored is not None
        if stored.status == "PROCESSING":
            assert results == ["ok", "Conflict"]
            assert stored.template == "GRID_2X2"
        else:
            assert results[1] == "ok"
            assert results[0] in {"ValidationError", "Conflict"}
            assert stored.template == "SINGLE"
        # back to an editable draft for the next round
        collages().update(collage.collage_id, {"status": "DRAFT", "template": "GRID_2X2"}, when=Condition())


def test_a_delete_racing_a_processing_start_leaves_one_consistent_outcome(
    call: Call, customer: Any, admin: Any
) -> None:
    album = seed_album(customer, "READY", image_count=1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        deleting = pool.submit(call, "deleteAlbum", {"input": {"albumId": album.album_id}}, customer)
        processing = pool.submit(
            call, "updateAlbum", {"input": {"albumId": album.album_id, "status": "PROCESSING"}}, admin
        )
        results = []
        for future in (deleting, processing):
            try:
                future.result()
                results.append("ok")
            except ApiError as error:
                results.append(type(error).__name__)
    stored = albums().get(album.album_id)
    if results[0] == "ok":
        assert stored is None  # the delete won; the transition found nothing (NotFound)
        assert results[1] == "NotFound"
    else:
        # The transition won between the delete's read and its conditional write.
        assert results == ["Conflict", "ok"]
        assert stored is not None
        assert stored.status == "PROCESSING"


def test_an_unexpected_failure_is_a_generic_internal_error(
    call: Call, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALBUMS_TABLE_NAME", "NoSuchTable")
    with pytest.raises(InternalError) as raised:
        call("createAlbum", {"input": {"name": "x"}}, customer)
    message = raised.value.message
    assert message.startswith("An internal error occurred; reference ")
    for secret in ("NoSuchTable", "ResourceNotFound", "dynamodb", "Traceback"):
        assert secret not in message


@pytest.mark.parametrize("kind", ["album", "collage"])
def test_a_delete_whose_answer_was_lost_answers_as_the_first_would(call: Call, customer: Any, kind: str) -> None:
    """botocore retries the DeleteItem whose answer was lost; the retry finds it done, not NotFound."""
    item = seed_album(customer) if kind == "album" else seed_collage(customer)
    item_id = getattr(item, f"{kind}_id")
    lost = lose_first_answer(aws_clients.client("dynamodb"), "DeleteItem")
    deleted = call(f"delete{kind.title()}", {"input": {f"{kind}Id": item_id}}, customer)
    assert lost == ["DeleteItem"]
    assert deleted[f"{kind}Id"] == item_id
    assert deleted["status"] == item.status
    assert (albums() if kind == "album" else collages()).get(item_id) is None
