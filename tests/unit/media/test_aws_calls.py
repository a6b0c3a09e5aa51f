"""What each media operation costs in AWS requests, counted at botocore.

Presigning is one GetItem: the signature is computed locally, S3 is not called. Reads are one
request each; updates are one conditional write; counting a photo is one conditional write.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.conftest import FakeContext, count_aws_calls, load_handler
from tests.unit.imaging.images import encode, noisy
from tests.unit.media.conftest import Call
from tests.unit.media.helpers import seed_album, seed_collage
from tests.unit.media.photo_files import land


@pytest.fixture
def calls(aws: Any) -> Counter[str]:
    return count_aws_calls("dynamodb", "s3")


def test_presign_is_one_get_item_and_no_s3_call(call: Call, customer: Any, calls: Counter[str]) -> None:
    album = seed_album(customer)
    collage = seed_collage(customer)
    calls.clear()
    call(
        "presignAlbumUpload",
        {"albumId": album.album_id, "fileName": "a.jpg", "contentType": "image/jpeg", "fileSize": 9},
        customer,
    )
    assert calls == Counter({"dynamodb.GetItem": 1})
    calls.clear()
    call(
        "presignCollageUpload",
        {"collageId": collage.collage_id, "fileName": "a.png", "contentType": "image/png", "fileSize": 9},
        customer,
    )
    assert calls == Counter({"dynamodb.GetItem": 1})


def test_a_refused_presign_costs_nothing_when_the_input_is_bad(call: Call, customer: Any, calls: Counter[str]) -> None:
    with pytest.raises(Exception, match="contentType"):
        call(
            "presignAlbumUpload",
            {"albumId": "a", "fileName": "a.gif", "contentType": "image/gif", "fileSize": 9},
            customer,
        )
    assert calls == Counter()


def test_get_is_one_get_item_and_list_is_one_query(call: Call, customer: Any, calls: Counter[str]) -> None:
    album = seed_album(customer)
    calls.clear()
    call("getAlbum", {"albumId": album.album_id}, customer)
    assert calls == Counter({"dynamodb.GetItem": 1})
    calls.clear()
    call("listAlbums", {"limit": 10}, customer)
    assert calls == Counter({"dynamodb.Query": 1})
    calls.clear()
    call("listCollages", {}, customer)
    assert calls == Counter({"dynamodb.Query": 1})


def test_create_and_update_are_one_write(call: Call, customer: Any, calls: Counter[str]) -> None:
    album = call("createAlbum", {"input": {"name": "a"}}, customer)
    assert calls == Counter({"dynamodb.PutItem": 1})
    calls.clear()
    call("updateAlbum", {"input": {"albumId": album["albumId"], "status": "READY", "name": "b"}}, customer)
    assert calls == Counter({"dynamodb.UpdateItem": 1})


def test_a_refused_transition_is_still_one_write_explained_from_its_own_response(
    call: Call, customer: Any, calls: Counter[str]
) -> None:
    album = seed_album(customer, "COMPLETED")
    calls.clear()
    with pytest.raises(Exception, match="status"):
        call("updateAlbum", {"input": {"albumId": album.album_id, "status": "UPLOADING"}}, customer)
    assert calls == Counter({"dynamodb.UpdateItem": 1})


def test_delete_reads_once_purges_and_deletes_once(call: Call, aws: Any, customer: Any, calls: Counter[str]) -> None:
    album = seed_album(customer)
    deliver(land(aws.s3, f"{album.s3_prefix}1764000000001-a.jpg", encode(noisy(64, 48), "JPEG"), "image/jpeg"))
    calls.clear()
    call("deleteAlbum", {"input": {"albumId": album.album_id}}, customer)
    assert calls == Counter(
        {
            "dynamodb.GetItem": 1,
            "s3.ListObjectVersions": 3,  # the originals, the thumbnails, the rendered PDF
            "s3.DeleteObjects": 2,
            "dynamodb.Query": 1,  # the photo records' keys
            "dynamodb.BatchWriteItem": 1,
            "dynamodb.DeleteItem": 1,
        }
    )


def test_a_landed_photo_is_two_reads_a_download_a_thumbnail_and_one_transaction(
    aws: Any, customer: Any, calls: Counter[str]
) -> None:
    album = seed_album(customer)
    event = land(aws.s3, f"{album.s3_prefix}1764000000001-a.jpg", encode(noisy(64, 48), "JPEG"), "image/jpeg")
    calls.clear()
    deliver(event)
    assert calls == Counter(
        {"dynamodb.GetItem": 2, "s3.GetObject": 1, "s3.PutObject": 1, "dynamodb.TransactWriteItems": 1}
    )
    calls.clear()
    deliver(event)  # delivered again: one read finds the record
    assert calls == Counter({"dynamodb.GetItem": 1})


def deliver(event: dict[str, Any]) -> None:
    load_handler("upload_events").lambda_handler(event, FakeContext())
