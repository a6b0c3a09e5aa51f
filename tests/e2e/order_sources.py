"""Real sources for orders on the local stack (SPEC 9): a photo uploaded the way a client uploads
one (presigned PUT of a real JPEG), taken in by the upload pipeline, listed, then ordered."""

from __future__ import annotations

from typing import Any

import requests

from tests.e2e.conftest import Caller, eventually
from tests.unit.imaging.images import BLUE, RED, encode, two_halves

JPEG = encode(two_halves(120, 80, RED, BLUE), "JPEG")
CREATE_ALBUM = 'mutation { createAlbum(input: {name: "To print"}) { albumId } }'
PRESIGN = """
mutation($id: ID!, $name: String!, $size: Int) {
  presignAlbumUpload(albumId: $id, fileName: $name, contentType: "image/jpeg", fileSize: $size) { presignedUrl s3Key }
}"""
LISTED = "query($id: ID!) { listAlbumPhotos(albumId: $id, limit: 100) { items { key } } }"


def real_photos(caller: Caller, count: int = 1) -> list[str]:
    """``count`` photos of the caller's, uploaded and listed; their keys (what orders name)."""
    album_id = caller.graphql(CREATE_ALBUM).data["createAlbum"]["albumId"]
    keys = []
    for n in range(count):
        upload = caller.graphql(PRESIGN, {"id": album_id, "name": f"booth-{n}.jpg", "size": len(JPEG)}).data[
            "presignAlbumUpload"
        ]
        put = requests.put(upload["presignedUrl"], data=JPEG, headers={"Content-Type": "image/jpeg"}, timeout=60)
        assert put.status_code == 200, put.text
        keys.append(upload["s3Key"])

    def all_listed() -> bool:
        listed = {p["key"] for p in caller.graphql(LISTED, {"id": album_id}).data["listAlbumPhotos"]["items"]}
        return set(keys) <= listed

    assert eventually(all_listed), "the uploads were not listed in time"
    return keys


def real_photo(caller: Caller) -> str:
    return real_photos(caller)[0]


def items_of(photo_key: str, *lines: tuple[str, int]) -> list[dict[str, Any]]:
    """Order items (sku, quantity) all printed or delivered from one photo."""
    return [{"sku": sku, "quantity": quantity, "photoKey": photo_key} for sku, quantity in lines]
